// The reference interpreter: the semantics templates instantiated with uint64_t, behind a
// pre-decoded, threaded dispatch loop, with every memory access checked.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "interp/engine.h"
#include "interp/environment.h"
#include "interp/link.h"
#include "interp/memory.h"
#include "interp/trap.h"
#include "semantics/program.h"

namespace bpfcert::interp {

inline constexpr uint64_t kDefaultMaxSteps = 10'000'000;
using semantics::kMayGotoBudget;

// How a program is entered: argument registers and the memory it may touch.
struct Invocation {
  std::array<uint64_t, 5> args{};  // r1..r5
  std::vector<Region> regions;     // input memory, context, packet, ...
  // Data the legacy packet loads (LD ABS / IND) read; empty: every such load is out of
  // bounds and ends the program with r0 = 0, as on Linux.
  std::span<const uint8_t> packet;
};

// The uBPF / bpf_conformance convention: r1 = the memory, r2 = its length; legacy packet
// loads read the same memory.
Invocation memory_invocation(std::span<uint8_t> memory);

struct RunOptions {
  uint64_t max_steps = kDefaultMaxSteps;
  // Where the run's stack lives (kStackBytes, every call frame; r10 of the main program is its
  // top): the top kStackBytes of this span, below its end rounded down
  // to 16 bytes. Empty, or too small for that: a buffer of the engine's own (the usual case).
  // For callers that need r10 at a known address: the differential tests give both engines
  // the same stack, so a program that computes with r10's bits (not just offsets from it)
  // gets the same values on both, as with r1, and the address-independence check can move it.
  // What the span holds before the run does not matter (the program sees a zeroed stack, as
  // always); what it holds afterwards is unspecified.
  std::span<uint8_t> stack;
  // The pcs of probe loads, ascending (semantics/machine.h): a load there whose access would
  // trap gives 0 instead. The interpreter implements them; the JIT does not (its loads trap as
  // ever), so `bpfcert run --jit` refuses a program that has any.
  std::span<const size_t> probe_loads;
};

// The lowest byte of the run's stack: in options.stack when it fits there, else in `own`
// (kStackBytes, 16-byte aligned).
inline uint8_t* run_stack_base(const RunOptions& options, uint8_t* own) {
  if (options.stack.empty()) return own;
  const uint64_t end = reinterpret_cast<uint64_t>(options.stack.data()) + options.stack.size();
  const uint64_t top = end & ~uint64_t{15};
  if (top - reinterpret_cast<uint64_t>(options.stack.data()) < kStackBytes) return own;
  return reinterpret_cast<uint8_t*>(top - kStackBytes);
}

// A run's Memory, the same in both engines: the invocation's regions, then the environment's
// (maps, then variables; Memory tries them in that order), and the stack of kStackBytes at
// stack_base.
void build_run_memory(Memory& memory, const Invocation& invocation, Environment& env, uint64_t stack_base);

// A deliberate fault in the reference semantics, to measure how many wrong implementations a
// test corpus catches (`bpfcert mutate`, conformance/mutate.h). The interpreter decodes every
// slot of row `from` as if it were row `as` (a row of the same kind and operand: another width,
// operation, size or signedness), with the immediate zero-extended when `zero_extend_imm`, and
// a local call's return restores only the registers in `restored`. The default changes nothing.
struct Fault {
  static constexpr uint16_t kCalleeSaved = 0b111'1100'0000;  // r6-r10
  const semantics::Encoding* from = nullptr;
  const semantics::Encoding* as = nullptr;
  bool zero_extend_imm = false;
  uint16_t restored = kCalleeSaved;
};

class Interpreter final : public Engine {
 public:
  // The environment must outlive the interpreter; runs change its maps and helper state.
  Interpreter(const LinkedProgram& linked, Environment& env, const Fault& fault = {});

  std::string_view name() const override { return "interp"; }
  RunResult run(const Invocation& invocation, const RunOptions& options) const override;
  RunResult run(const Invocation& invocation) const { return run(invocation, RunOptions{}); }

  // One pre-decoded slot: what the dispatch loop needs, with no table lookup per step.
  struct Decoded {
    uint16_t op = 0;
    uint8_t dst = 0;
    uint8_t src = 0;
    int32_t off = 0;           // memory offset, absolute jump / call target, or END/MOVSX bits
    uint64_t imm = 0;          // operand, LDDW value, helper / kfunc id, atomic size
    const Helper* callee = nullptr;
  };

 private:
  std::vector<Decoded> decoded_;
  const semantics::Program* program_;
  Environment* env_;
  uint16_t restored_;  // Fault::restored
};

}  // namespace bpfcert::interp
