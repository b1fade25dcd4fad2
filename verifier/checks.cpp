// The stable check ids. A finding names one of these; ids are never renamed or reused, so
// reports, the corpus' expectations and CI filters can rely on them.
#include <string>
#include <vector>

#include "verifier/analyzer.h"

namespace bpfcert::verifier {

const char* to_string(Severity s) { return s == Severity::Error ? "error" : "warning"; }

const std::vector<CheckInfo>& check_catalog() {
  static const std::vector<CheckInfo> catalog = {
      {"reg.uninit", Severity::Error, "a register is read before it is written on some path"},
      {"stack.uninit", Severity::Error, "stack bytes are read (by a load or a helper) before they are written"},
      {"mem.type", Severity::Error,
       "a memory access through a value that is not a dereferenceable pointer (scalar, map handle, packet end, "
       "code address, value of unknown type), or an access kind the region does not allow"},
      {"mem.null", Severity::Error, "a dereference of a pointer that may be null (a map lookup result not checked)"},
      {"mem.bounds", Severity::Error,
       "an access that may fall outside its region (stack frame, memory, map value, variable, packet range "
       "proven by comparison with packet end)"},
      {"mem.readonly", Severity::Error, "a write into a read-only region or context field"},
      {"ctx.access", Severity::Error, "a context access at an offset, size or variable offset no field allows"},
      {"ptr.arith", Severity::Error,
       "arithmetic the pointer rules forbid (on a nullable pointer, packet end, map handle or code address; "
       "pointer + pointer; 32-bit or non-additive ops on pointers; operands of unknown type)"},
      {"ptr.compare", Severity::Error,
       "a comparison between pointers into different objects, or between a pointer and a non-zero scalar"},
      {"ptr.partial", Severity::Error, "a pointer stored or loaded in part (size below 8 or misaligned spill)"},
      {"ptr.leak", Severity::Error,
       "a pointer stored into memory the program's output can read, or passed where only scalars may go, "
       "on a platform that forbids pointer leaks"},
      {"helper.unknown", Severity::Error, "a call to a helper or kfunc the platform or the program type lacks"},
      {"helper.arg", Severity::Error, "a helper or kfunc argument of the wrong type or size for its prototype"},
      {"call.depth", Severity::Error, "more call frames than the platform allows (8, main program included)"},
      {"call.recursion", Severity::Error, "a local call to a function already on the call stack"},
      {"call.indirect", Severity::Error, "a callx whose target is neither a known code address nor a constant helper id"},
      {"frame.size", Severity::Error, "the stack used by the frames of a call chain exceeds the platform's stack size"},
      {"exit.r0", Severity::Error,
       "r0 at an exit is uninitialised, not a scalar (main program), or outside the program type's return range"},
      {"exit.stack_pointer", Severity::Error, "a function returns a pointer to its own stack frame"},
      {"loop.unbounded", Severity::Error,
       "a loop whose number of iterations the analysis cannot bound (or whose bound exceeds the limit)"},
      {"loop.irreducible", Severity::Error, "a cycle with more than one entry, whose iterations cannot be counted"},
      {"cfg.jump", Severity::Error, "a jump or fall-through that leaves its subprogram"},
      {"map.unknown", Severity::Error, "an LDDW naming a map or variable the program does not link against"},
      {"map.direct_value", Severity::Error, "a direct map value address (LDDW src 2/6) into a non-array map or past its value"},
      {"insn.forbidden", Severity::Error, "an instruction the program type does not allow (e.g. legacy packet loads)"},
      {"analysis.budget", Severity::Error, "the analysis exceeded its work budget; nothing is proven"},
      {"program.type", Severity::Error,
       "the program's type is not modelled by the platform, or nothing selects one; nothing is proven"},
      {"cfg.unreachable", Severity::Warning, "instructions no path from the entry reaches"},
  };
  return catalog;
}

const CheckInfo* find_check(const std::string& id) {
  for (const CheckInfo& c : check_catalog()) {
    if (id == c.id) return &c;
  }
  return nullptr;
}

}  // namespace bpfcert::verifier
