// The Linux platform: program types with their context layouts and access rules, helper
// prototypes and map types. Facts (helper ids and C signatures, enum values, structure offsets)
// are generated at build time from the installed uapi headers; this file's .cpp adds the
// kernel's policy (which fields a type may read or write, which fields hold packet pointers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verifier/platform.h"

namespace bpfcert::verifier::platform {

const Platform& linux_platform();

// The modelled program type of a uapi enum bpf_prog_type id; nullptr for a type the platform
// does not model yet. (Which type an ELF section selects is the loader's business:
// loader/program_types.h.)
const ProgramType* program_type_for_linux_id(uint32_t id);

// One helper as the uapi documents it, and what bpfcert makes of its C signature.
struct UapiHelper {
  int32_t id = 0;
  std::string name;       // without the bpf_ prefix
  std::string signature;  // "void *bpf_map_lookup_elem(struct bpf_map *map, const void *key)"
  // The prototype when every argument and the result map onto ArgType / RetType.
  std::optional<HelperPrototype> prototype;
  std::string unmodelled_reason;  // why not, otherwise
  // The context structure the helper's context argument names ("__sk_buff", "xdp_md",
  // "pt_regs"); empty when it takes `void *ctx` or no context. Restricts the program types
  // that may call it.
  std::string context_struct;
};

// Every helper of the installed uapi linux/bpf.h, by id.
const std::vector<UapiHelper>& uapi_helpers();

// Turns a doc-comment signature into a prototype (exposed for tests).
UapiHelper parse_helper_signature(int32_t id, std::string name, std::string signature);

// A named uapi constant (enum bpf_prog_type / bpf_map_type / bpf_attach_type / xdp_action
// members, TC_ACT_*), as the installed headers define it.
std::optional<int64_t> uapi_constant(std::string_view name);

// A field of a uapi context structure with its generated offset and size.
struct UapiField {
  std::string structure;
  std::string field;  // "" for the structure's own size
  uint32_t offset = 0;
  uint32_t size = 0;
};
const std::vector<UapiField>& uapi_fields();

}  // namespace bpfcert::verifier::platform
