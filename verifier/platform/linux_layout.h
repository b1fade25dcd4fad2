// Context layouts of the Linux platform, built from the generated uapi structure offsets and a
// per-type rule list transcribed from the kernel's *_is_valid_access functions. Internal to
// verifier/platform: linux.cpp (the first program types) and linux_program_types.cpp (the rest).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verifier/platform.h"

namespace bpfcert::verifier::platform {

enum class Access : uint8_t { None, Read, ReadWrite };

// What a type may do with one field (an array's rule covers its elements: "cb" covers "cb[0]").
struct FieldRule {
  std::string_view field;
  Access access;
  std::optional<PointerKind> holds = std::nullopt;
  bool narrow = true;
  uint32_t holds_size = 0;  // holds == Memory: the size of the object the field points to
};

// A uapi constant's value (enum member or macro), 0 when the installed headers lack it.
uint32_t constant(std::string_view name);

// A layout from the generated fields of `structure`: fields without a rule get `fallback`;
// fields with Access::None are left out (any access to them is rejected). Pointer fields and
// fields wider than 4 bytes are read whole. Where fields overlap (unions), the first listed in
// the structure answers an access, so a rule list gives Access::None to the members it hides.
ContextLayout layout(const std::string& structure, Access fallback, bool fallback_narrow, std::vector<FieldRule> rules);

// __sk_buff with the socket and flow-key pointers left out (kernel objects not modelled).
ContextLayout skb_layout(std::vector<FieldRule> rules);

// The program types linux_program_types.cpp defines (cgroup_sock_addr, sock_ops, sk_skb, ...),
// appended to `types`.
void add_more_program_types(std::vector<ProgramType>& types);

}  // namespace bpfcert::verifier::platform
