// Linking a validated program against an Environment: resolves what LDDW src 1-6 stand for
// and which helper or kfunc each call reaches. The interpreter and the JIT both run linked
// programs, so they agree on every resolved value.
#pragma once

#include <vector>

#include "interp/environment.h"
#include "semantics/program.h"

namespace bpfcert::interp {

struct LinkedProgram {
  const semantics::Program* program = nullptr;
  // Per pc: the 64-bit value an LDDW loads (immediate, map handle, map value address,
  // variable address or code address); 0 elsewhere.
  std::vector<uint64_t> lddw_values;
  // Per pc: the helper (CALL src 0) or kfunc (CALL src 2) called, or nullptr when the
  // environment lacks it (a trap if the call executes).
  std::vector<const Helper*> callees;
};

semantics::Result<LinkedProgram> link(const semantics::Program& program, Environment& env);

}  // namespace bpfcert::interp
