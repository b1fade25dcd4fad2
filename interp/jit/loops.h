// Loop versioning for the checked JIT (issue 15): the loops whose memory accesses can be
// tested once, at loop entry, for every iteration the loop can run, instead of once per access.
//
// The analysis finds innermost natural loops with one back edge (a conditional jump, the
// latch, whose taken target is the header) and no calls, tracks every register inside the loop
// as an affine form `invariant + counter_start + constant` (an invariant register is never
// written in the loop; a counter is written only by one `r += imm` that runs once in every
// iteration that reaches the latch; counter_start is its value when the iteration began), and
// bounds the number of iterations N from the latch's condition on one counter. Every load and
// store whose address has such a form joins a range: for all iterations k < N its bytes lie in
// [invariant + counter_0 + k * stride + lo, ... + hi). The code generator tests each range once
// at loop entry, against the region the access would be tested against inline, and runs a copy
// of the loop without those accesses' checks when all pass; otherwise the checked loop runs, so
// a bad access traps where and how it always did (same kind, pc and step count).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "semantics/program.h"

namespace bpfcert::interp::jit {

// Accesses whose bytes lie, for every iteration k < N, in
// [base + counter_0 + k * stride + lo, base + counter_0 + k * stride + hi): base and counter are
// their registers' values at loop entry (a register of -1 is absent, contributing 0).
struct AccessRange {
  int8_t base = -1;     // a register the loop never writes, or -1
  int8_t counter = -1;  // an induction register, or -1
  int64_t stride = 0;   // the counter's step per iteration (0 without a counter)
  int64_t lo = 0, hi = 0;
  bool write = false;  // some access of the range stores
  int region = 0;      // the region the ranges are tested against (the emitter's kCheck*)
};

struct VersionedLoop {
  size_t header = 0;  // the target of the back edge; entries from outside the loop come here
  size_t latch = 0;   // the conditional jump back to the header
  std::vector<size_t> pcs;  // the loop's instructions in pc order (second LDDW slots left out)
  // The latch continues while `counter op bound` (normalised so the counter is on the left;
  // op is unsigned Jlt, Jle, Jne, Jgt or Jge); counter_stride is a power of two in magnitude.
  uint8_t counter = 0;
  int64_t counter_stride = 0;
  semantics::JmpOp op = semantics::JmpOp::Jlt;
  bool bound_is_reg = false;
  uint8_t bound_reg = 0;
  int64_t bound_imm = 0;  // the immediate, sign-extended (64-bit jumps only)
  // One iteration's instructions in the order they run, when the loop is a simple cycle (each
  // of its blocks has one successor inside it; the others leave the loop); empty otherwise.
  std::vector<size_t> path;
  std::vector<AccessRange> ranges;
  std::vector<int> range_of;  // per pc of the program: the range its access joined, or -1
};

// The loops to version. `region_of(pc, reg)` names the region an access at pc through reg is
// tested against inline (the emitter's guess); ranges are formed only for the regions
// `versionable_region` accepts. Empty when the program has no backward jump.
std::vector<VersionedLoop> find_versioned_loops(const semantics::Program& prog,
                                                const std::function<int(size_t pc, uint8_t reg)>& region_of,
                                                const std::function<bool(int region)>& versionable_region);

}  // namespace bpfcert::interp::jit
