// CO-RE relocation rules: how a relocation recorded against the object's BTF resolves against
// a target kernel's BTF, and how the instruction is patched. libbpf keeps this logic internal
// (relo_core.c: bpf_core_calc_relo_insn, bpf_core_patch_insn are not exported), so it is
// written here after it, function by function (each function names the one it follows); the
// BTF itself is read with libbpf's public API.
#pragma once

#include <bpf/btf.h>
#include <linux/bpf.h>

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace bpfcert::loader::core {

// enum bpf_core_relo_kind (uapi).
enum ReloKind : uint32_t {
  kFieldByteOffset = 0,
  kFieldByteSize = 1,
  kFieldExists = 2,
  kFieldSigned = 3,
  kFieldLshiftU64 = 4,
  kFieldRshiftU64 = 5,
  kTypeIdLocal = 6,
  kTypeIdTarget = 7,
  kTypeExists = 8,
  kTypeSize = 9,
  kEnumvalExists = 10,
  kEnumvalValue = 11,
  kTypeMatches = 12,
};
// libbpf's short name of a kind ("byte_off", "field_exists", ...), or "unknown".
const char* kind_name(uint32_t kind);

// struct bpf_core_relo, with insn_off in bytes within its section.
struct Relocation {
  uint32_t insn_off = 0;
  uint32_t type_id = 0;
  uint32_t access_str_off = 0;
  uint32_t kind = 0;
};

// struct bpf_core_relo_res: the value the compiler put in the instruction (orig) and the one
// for the target (new), and how to patch.
struct Resolution {
  uint64_t orig_val = 0;
  uint64_t new_val = 0;
  bool poison = false;    // no target has it: the instruction becomes an invalid helper call
  bool validate = true;   // the instruction must hold orig_val before patching
  bool fail_memsz_adjust = false;
  uint32_t orig_sz = 0, new_sz = 0;
  uint32_t orig_type_id = 0, new_type_id = 0;
  std::string local;   // the relocation's local spec, as libbpf prints it
  std::string target;  // the matching target spec, or "" (no candidate matched)
};

// The target kernel's types by essential name (the name before a "___flavor" suffix). Each
// name is looked up by one scan of the target the first time a relocation needs it (as
// libbpf's bpf_core_find_cands does, with its per-type cache): objects need few names, and a
// full index of a kernel's 100k+ types costs more than their scans.
class CandidateIndex {
 public:
  explicit CandidateIndex(const struct btf* target) : target_(target) {}
  const std::vector<uint32_t>& named(std::string_view essential_name) const;

 private:
  const struct btf* target_;
  mutable std::unordered_map<std::string, std::vector<uint32_t>> cache_;
};

// bpf_core_calc_relo_insn: resolves `relo` of `local` against the target's candidates of the
// relocation's root type. An error (ambiguous candidates, a malformed spec) is a message;
// libbpf refuses to load the object then.
std::variant<Resolution, std::string> calc_relo(const struct btf* local, const Relocation& relo,
                                                const struct btf* target, const CandidateIndex& index);

// bpf_core_patch_insn: patches insn (and insn[1] for LDDW; `count` instructions follow insn,
// itself included). An error is a message.
std::variant<std::monostate, std::string> patch_insn(bpf_insn* insn, size_t count, const Relocation& relo,
                                                     const Resolution& res);

// libbpf's poisoned instruction: a call of helper 0xbad2310 ("bad relo"), which the kernel's
// verifier rejects if it is reachable.
inline constexpr int32_t kPoisonHelper = 195896080;

// bpf_core_types_are_compat (used for ksyms and kfuncs too): 1 compatible, 0 not, < 0 error.
int types_are_compat(const struct btf* local, uint32_t local_id, const struct btf* target, uint32_t target_id);
// bpf_core_essential_name_len: the length of a name without its "___flavor" suffix.
size_t essential_name_len(std::string_view name);

}  // namespace bpfcert::loader::core
