// CO-RE relocations applied to the code sections against the target kernel's BTF, as libbpf's
// bpf_object__relocate_core does before the programs are linked.
#include <fmt/format.h>

#include "loader/core_rules.h"
#include "loader/object_reader.h"
#include "loader/target.h"

namespace bpfcert::loader::detail {

void ObjectReader::apply_core_relocations() {
  if (core_records_.empty()) return;
  const struct btf* target = options_.target != nullptr ? options_.target->btf() : nullptr;
  if (target == nullptr) {
    warn(fmt::format("{} CO-RE relocations are not applied ({}): field offsets are the compiler's, not a kernel's",
                     core_records_.size(),
                     options_.target == nullptr ? "no target kernel" : options_.target->btf_problem()));
    return;
  }
  obj_.core_target = options_.target->btf_path();
  const core::CandidateIndex& index = options_.target->core_candidates();
  size_t poisoned = 0, refused = 0;
  for (const CoreRecord& rec : core_records_) {
    std::vector<bpf_insn>& code = code_[rec.section];
    const core::Relocation relo{static_cast<uint32_t>(rec.insn * sizeof(bpf_insn)), rec.type_id, rec.access_str_off,
                                rec.kind};
    CoreRelocation out;
    out.section = sections_[rec.section].name;
    out.insn = rec.insn;
    out.kind = core::kind_name(rec.kind);
    auto calc = core::calc_relo(btf_.get(), relo, target, index);
    std::string problem;
    if (auto* res = std::get_if<core::Resolution>(&calc)) {
      out.access = res->local;
      auto patched = core::patch_insn(&code[rec.insn], code.size() - rec.insn, relo, *res);
      if (auto* err = std::get_if<std::string>(&patched)) {
        problem = *err;
      } else if (res->poison || code[rec.insn].imm == core::kPoisonHelper) {
        ++poisoned;
        out.result = res->poison ? "poisoned: nothing in the target matches" : "poisoned: the field changed type";
      } else {
        out.result = fmt::format("{} -> {}{}", res->orig_val, res->new_val,
                                 res->target.empty() ? "" : fmt::format(" ({})", res->target));
      }
    } else {
      problem = std::get<std::string>(calc);
    }
    if (!problem.empty()) {
      // libbpf refuses to load the object; its programs are still verified here, with the
      // instruction poisoned as libbpf does for relocations that find nothing.
      ++refused;
      bpf_insn& insn = code[rec.insn];
      insn = bpf_insn{BPF_JMP | BPF_CALL, 0, 0, 0, core::kPoisonHelper};
      out.result = "failed: " + problem;
      warn(fmt::format("CO-RE relocation at section '{}' instruction {} ({}): {}; libbpf would refuse to load the "
                       "object (the instruction is poisoned)",
                       out.section, rec.insn, out.kind, problem));
    }
    obj_.core_relocations.push_back(std::move(out));
  }
  if (poisoned > 0) {
    warn(fmt::format("{} of {} CO-RE relocations match nothing in {}: their instructions are poisoned as libbpf does "
                     "(a call of helper {:#x}, an error only where it is reachable)",
                     poisoned, core_records_.size(), obj_.core_target, core::kPoisonHelper));
  }
  (void)refused;
}

}  // namespace bpfcert::loader::detail
