// What generated code and the JIT's runtime share: the per-run frame the code addresses at fixed
// offsets, the run's context, and the runtime functions the code calls out of line (memory
// checks outside the inline-tested regions, helpers, callx, and replay() of a segment the step
// budget cannot pay for in full). The checks and traps are the machine model's
// (semantics/machine.h) through the run's Memory, as in the interpreter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "interp/jit/jit.h"

namespace bpfcert::interp {

namespace jit {

// Shared between generated code (fixed offsets, emitter.h's F()) and the runtime functions.
struct JitFrame {
  uint64_t stack_lo;             // lowest byte of the active frames
  uint64_t stack_lim[4];         // active stack bytes - size + 1, per access size 1/2/4/8
  uint64_t region_start;         // the first region (inline fast path)
  uint64_t region_read_lim[4];   // region bytes - size + 1 (0: never)
  uint64_t region_write_lim[4];  // same, 0 when read-only
  uint64_t map_start[4];         // value slabs of the first maps (kInlineMaps), checked inline
  uint64_t map_lim[4][4];        // slab bytes - size + 1 per access size; 0 when not checkable
  uint64_t cache_start;          // the region check_access last accepted
  uint64_t cache_read_lim[4];
  uint64_t cache_write_lim[4];
  uint64_t packet_data;
  uint64_t packet_size;
  uint64_t budget;
  uint64_t entry_rsp;
  uint64_t spill[8];  // rax rsi rdx rcx r8 r9 rdi r10 around runtime calls
  uint64_t regs[11];  // r0-r10 for replay()
  uint64_t scratch[2];
  uint64_t args[5];
  uint64_t stack_top;
  uint64_t r0;
  uint64_t exit_value;
  uint64_t callx_value;
  uint64_t callx_target;
  uint64_t helper_fn;
  uint32_t depth;        // active local calls
  uint32_t status;       // after a runtime call: kContinue, kTrap, kExit, kLocalCall
  uint32_t trap_pc;
  uint32_t trap_kind;
  uint32_t outcome;  // 0 finished, 1 trapped
  uint32_t zeroed;   // the deepest frame (depth) zeroed in this run, see Jit::run
  void* run;         // RunContext
};

constexpr size_t kInlineMaps = 4;
constexpr uint32_t kContinue = 0, kTrap = 1, kExit = 2, kLocalCall = 3;

// The flags argument of check_access(): the access size in the low byte, then its kind.
constexpr uint64_t kAccessWrite = 0x100, kAccessAtomic = 0x200;
constexpr uint64_t kAccessSizes[4] = {1, 2, 4, 8};  // by size_index()

constexpr size_t size_index(unsigned size) { return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3; }
constexpr Access access_of(uint64_t flags) {
  return (flags & kAccessAtomic) ? Access::AtomicUpdate : (flags & kAccessWrite) ? Access::Write : Access::Read;
}

// Per-run state the runtime functions need beyond the frame. The run's Memory (every region,
// as the interpreter builds it) is made on first use: most runs never leave the generated
// code, and building it (copies of the invocation's regions and one region per map and
// variable, each with a name) costs more than a short run itself.
struct RunContext {
  const Jit* jit;
  Environment* env;
  const Invocation* invocation;
  uint64_t stack_base;
  const semantics::Program* program;
  const std::vector<uint64_t>* native_pc;
  const LinkedProgram* linked;
  bool memory_ready = false;
  Memory memory_;
  std::string message;

  // The run's Memory, with the frames active at call depth `depth` (JitFrame::depth).
  Memory& memory(uint32_t depth) {
    if (!memory_ready) {
      build_run_memory(memory_, *invocation, *env, stack_base);
      memory_ready = true;
    }
    memory_.set_active_frames(static_cast<int>(depth) + 1);
    return memory_;
  }
};

}  // namespace jit

struct Jit::Impl {
  // Runtime functions called from generated code (System V ABI).
  static uint64_t check_access(jit::JitFrame* f, uint64_t addr, uint64_t flags);
  static uint64_t call_helper(jit::JitFrame* f, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);
  static uint64_t callx(jit::JitFrame* f, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);
  static uint64_t replay(jit::JitFrame* f, uint64_t pc, uint64_t budget);
};

}  // namespace bpfcert::interp
