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
};

class Interpreter final : public Engine {
 public:
  // The environment must outlive the interpreter; runs change its maps and helper state.
  Interpreter(const LinkedProgram& linked, Environment& env);

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
  Environment* env_;
};

}  // namespace bpfcert::interp
