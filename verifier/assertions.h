// The verifier's assertions: what an instruction requires of the state before it, as data.
// The analyzer derives them per instruction (assertions_of), one checker evaluates them against
// the abstract state and turns a failed one into a finding that carries it, and the transfer
// functions then only assume them. PREVAIL keeps the same separation; here a finding also names
// its assertion, so that the witness search (an input violating it) and the soundness statement
// of a check can speak of the same thing:
//
//   for every abstract state S, every concrete machine state m in gamma(S) and every Access a,
//   checker_accepts(S, a)  implies  the machine model does not trap on a in m.
//
// So an Access holds exactly the facts that statement needs, the ones the machine model's
// access check reads: the kind (read, write, atomic update, or a helper reading or writing on
// the program's behalf), the base register, the constant offset from it, and the size.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "semantics/program.h"

namespace bpfcert::verifier {

// How an access uses memory. Helper accesses are made by a helper on the program's behalf
// (a pointer argument and its size).
enum class AccessKind : uint8_t { Read, Write, Atomic, HelperRead, HelperWrite };
const char* to_string(AccessKind k);  // "read", "write", "atomic update", "helper read", ...
constexpr bool is_write(AccessKind k) {
  return k == AccessKind::Write || k == AccessKind::Atomic || k == AccessKind::HelperWrite;
}

// Register `reg` holds a value (some path wrote it).
struct Initialized {
  uint8_t reg = 0;
  bool operator==(const Initialized&) const = default;
};

// An access of `size` bytes of kind `kind` at address reg + offset. For a load, store or atomic
// instruction: its base register, its 16-bit offset and its size. For a helper's memory
// argument: the argument's register, offset 0, and the largest size the size argument may hold.
struct Access {
  AccessKind kind = AccessKind::Read;
  uint8_t reg = 0;
  int32_t offset = 0;
  uint64_t size = 0;
  bool operator==(const Access&) const = default;
};

// A store of `size` bytes of register `value` (or of an immediate, value < 0) through `base`:
// a pointer is kept only whole (an aligned 8-byte spill), and only where the platform allows
// pointers to be read back.
struct ValidStore {
  uint8_t base = 0;
  int8_t value = -1;
  uint32_t size = 0;
  bool operator==(const ValidStore&) const = default;
};

// An ALU operation on dst (and register src, or an immediate: -1) that the pointer rules
// allow: pointers move only by 64-bit addition or subtraction of a scalar (not a nullable
// pointer, packet end, a map handle or a code address; the context only by a constant), two
// pointers subtract only within one object, and nothing else reads a pointer's bits.
struct ValidArithmetic {
  uint8_t dst = 0;
  int8_t src = -1;
  bool operator==(const ValidArithmetic&) const = default;
};

// A conditional jump compares values that can be compared: two scalars, a pointer with 0, or
// two pointers into one object (packet pointers with packet end, data_meta with data). `src`
// is the other operand's register, or -1 for the immediate.
struct Comparable {
  uint8_t dst = 0;
  int8_t src = -1;
  bool operator==(const Comparable&) const = default;
};

// r0 at an exit: initialised; in the main program a scalar in the program type's return range;
// in a function, not a pointer into the function's own frame.
struct ValidReturn {
  bool operator==(const ValidReturn&) const = default;
};

// The loop whose header is at `header_pc` takes a bounded number of back edges per entry,
// at most AnalyzerOptions::max_loop_iterations.
struct BoundedLoop {
  uint64_t header_pc = 0;
  bool operator==(const BoundedLoop&) const = default;
};

using Assertion =
    std::variant<Initialized, Access, ValidStore, ValidArithmetic, Comparable, ValidReturn, BoundedLoop>;

// "r3 initialised", "read of 4 bytes at r1+8", ...
std::string to_string(const Assertion& a);

// What instruction pc asserts before it executes, in the order the checker evaluates them. A
// helper call's memory arguments are not here: their sizes come from other arguments' abstract
// values, so the helper's transfer asserts them (as Access with a HelperRead/HelperWrite kind)
// once the prototype has paired them.
struct InsnAssertions {
  static constexpr size_t kMax = 5;  // the most one instruction asserts (cmpxchg)
  std::array<Assertion, kMax> items{};
  uint8_t count = 0;
  const Assertion* begin() const { return items.data(); }
  const Assertion* end() const { return items.data() + count; }
  void push(const Assertion& a) { items[count++] = a; }
};
InsnAssertions assertions_of(const semantics::Program& prog, size_t pc);

}  // namespace bpfcert::verifier
