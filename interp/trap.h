// How a run ends: r0, or a trap naming its kind and pc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace bpfcert::interp {

enum class TrapKind : uint8_t {
  OutOfBounds,          // memory access outside every region
  WriteToReadOnly,      // store into a read-only region
  UnknownHelper,        // CALL src 0 (or callx) with an id the environment does not have
  UnknownKfunc,         // CALL src 2 with a BTF id the environment does not have
  CallDepthExceeded,    // more than 8 frames
  StepBudgetExhausted,  // instruction budget spent
  BadCallTarget,        // callx to a value that is neither a helper id nor a code address
  HelperFault,          // a helper rejected its arguments (bad map handle, unreadable key, ...)
};

const char* to_string(TrapKind k);  // stable kebab-case id, e.g. "out-of-bounds"

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
