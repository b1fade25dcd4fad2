// How a run ends: r0, or a trap naming its kind and pc. The kinds are the machine model's
// (semantics/machine.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "semantics/machine.h"

namespace bpfcert::interp {

using semantics::TrapKind;
using semantics::to_string;  // to_string(TrapKind): "out-of-bounds", ...

struct Trap {
  TrapKind kind = TrapKind::OutOfBounds;
  size_t pc = 0;
  std::string message;
  std::string to_string() const;  // "trap out-of-bounds at pc 3: ..."
};

struct RunResult {
  bool trapped = false;
  uint64_t r0 = 0;
  Trap trap;
  uint64_t steps = 0;  // instructions executed
};

}  // namespace bpfcert::interp
