// The JIT's code generator: an Emitter turns a linked program into x86-64 code with asmjit.
// Its analysis passes are in passes.cpp, the emission in codegen.cpp; what the code calls at
// run time is runtime.h, where the code goes is code_pages.h.
//
// Why asmjit (libasmjit-dev) rather than hand-written encodings: its x86::Assembler emits one
// instruction per call with no IR (tens of nanoseconds each, so compile time stays far under
// 1 us per BPF instruction), picks the short forms of jumps and immediates itself, handles
// REX prefixes for sil/dil/bpl and r8-r15, and its instruction database is tested by its own
// project. Hand-written encodings are where JITs historically got REX and ModRM corner cases
// wrong. We do not use asmjit's JitRuntime: the code goes into our own pages (a block from
// code_pages.h). They belong to a memfd whose only mappings are read + execute, and the
// code is written into the file with pwrite(), so no mapping of the code is ever writable.
// Where a memfd cannot be mapped executable (or BPFCERT_JIT_MPROTECT is set), the fallback
// copies the code into anonymous read + write pages, then makes them read + execute with
// mprotect, so no page is ever writable and executable at once.
//
// Register mapping (fixed): BPF r0 = rax, r1-r5 = rsi, rdx, rcx, r8, r9 (so a helper call is
// "rdi = context; call": r1-r5 are already where the System V ABI wants arguments 2-6),
// r6-r9 = rbx, r13, r14, r15 (callee-saved, like BPF's), r10 = rbp. r12 holds the JitFrame,
// rdi the step budget, r10 and r11 are scratch.
//
// Step budget (StepCounting::Exact): the program is cut into segments (basic blocks, also cut
// after calls, exits and packet loads). A segment charges its instruction count on entry
// (sub rdi, n; jb). A memory access that traps inside a segment refunds what follows it; a
// segment the budget cannot pay in full goes to replay(), which runs the instructions the
// budget covers one by one with the interpreter's checks, so the run ends exactly where and
// how the interpreter's does (same trap, pc, steps and memory). StepCounting::LoopHeaders
// charges loop headers and function entries only (see jit.h). Versioned loops (loops.h,
// versioning.cpp) have a second copy without the checks their entry test covers.
#pragma once

#include <asmjit/x86.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "interp/jit/loops.h"
#include "interp/jit/runtime.h"

namespace bpfcert::interp::jit {

namespace x86 = asmjit::x86;

#define F(field) static_cast<int32_t>(offsetof(JitFrame, field))

// Regions emit_checked tests, in the order `first` names (kCheckMap + i: the i-th inline map).
constexpr int kCheckRegion = 0, kCheckStack = 1, kCheckCache = 2, kCheckMap = 3;

// The standard environment's bpf_map_lookup_elem, so the JIT inlines only that helper (an
// environment may register its own function under id 1).
HelperFn standard_map_lookup();

// The register mapping (see the top), BPF register r in kReg[r].
inline const x86::Gp kReg[11] = {x86::rax, x86::rsi, x86::rdx, x86::rcx, x86::r8, x86::r9,
                                 x86::rbx, x86::r13, x86::r14, x86::r15, x86::rbp};
inline const x86::Gp kBudget = x86::rdi;
inline const x86::Gp kFrame = x86::r12;
inline const x86::Gp kT0 = x86::r10;
inline const x86::Gp kT1 = x86::r11;
// Caller-saved registers live across runtime calls, in JitFrame::spill order.
inline const x86::Gp kSpilled[8] = {x86::rax, x86::rsi, x86::rdx, x86::rcx, x86::r8, x86::r9, x86::rdi, x86::r10};

inline x86::Mem frame(int32_t offset) { return x86::qword_ptr(kFrame, offset); }
inline x86::Mem frame32(int32_t offset) { return x86::dword_ptr(kFrame, offset); }

inline x86::Gp sized(const x86::Gp& r, unsigned bytes) {
  switch (bytes) {
    case 1: return r.r8();
    case 2: return r.r16();
    case 4: return r.r32();
    default: return r.r64();
  }
}

inline x86::Mem sized_ptr(const x86::Gp& base, int32_t off, unsigned bytes) { return x86::ptr(base, off, bytes); }

class Emitter {
 public:
  Emitter(Environment& env, const LinkedProgram& linked, const JitOptions& options, asmjit::CodeHolder& code)
      : env_(env), linked_(linked), prog_(*linked.program), options_(options), a_(&code) {
    use_bmi2_ = options.allow_bmi2 && asmjit::CpuInfo::host().hasFeature(asmjit::CpuFeatures::X86::kBMI2);
  }

  semantics::Result<size_t> run(std::vector<asmjit::Label>& entries);

 private:
  size_t next_pc(size_t pc) const { return semantics::next_pc(prog_, pc); }
  bool checked() const { return options_.safety == SafetyMode::Checked; }
  // A memory access the JIT proves inside the current frame: r10 is read-only (validation
  // rejects writes to it), so r10 + off with -512 <= off and off + size <= 0 is always in
  // the active frame.
  bool elided(uint8_t base, int32_t off, unsigned size) const {
    return base == semantics::kFramePointer && off >= -static_cast<int32_t>(kStackFrameBytes) &&
           off + static_cast<int32_t>(size) <= 0;
  }
  bool ends_segment(size_t pc) const;
  void analyze();

  void emit_prologue();
  void emit_insn(size_t pc);
  void emit_charge(size_t pc, uint64_t n);
  void emit_alu(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn);
  void emit_divmod(const semantics::Encoding& row, const semantics::Insn& insn);
  void emit_shift(const semantics::Encoding& row, const semantics::Insn& insn);
  void emit_jump(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn);
  x86::Mem emit_address(size_t pc, uint8_t base, int32_t off, unsigned size, uint64_t flags);
  x86::Mem emit_checked(size_t pc, const x86::Mem& addr, unsigned size, uint64_t flags, int first);
  // Checked mode: the region an access through a register most likely hits, tested inline
  // first (kCheckRegion, kCheckStack, or kCheckMap + map index). Advisory only: every region
  // is still tested, out of line, before an access traps.
  void compute_likely_regions();
  int likely_region(size_t pc, uint8_t reg) const;
  bool map_checkable_inline(size_t index, unsigned size) const;
  void emit_map_check(size_t index, unsigned size, asmjit::Label target, bool target_on_failure);
  void emit_load(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn);
  void emit_store(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn);
  void emit_atomic(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn);
  void emit_packet(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn);
  void emit_call(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn);
  void emit_status_check(size_t pc);
  void emit_local_call(const std::function<void()>& do_call);
  asmjit::Label zero_frame_label();
  const Map* known_array_map(size_t call_pc) const;
  void emit_inline_array_lookup(const Map& map, asmjit::Label general, asmjit::Label done);
  void emit_trap(size_t pc, TrapKind kind);
  void emit_runtime_call(const void* fn);
  void spill(bool with_rax);
  void unspill(bool with_rax);
  asmjit::Label trap_label(size_t pc, TrapKind kind);
  asmjit::Label runtime_trap_label(size_t pc);
  void load_imm(const x86::Gp& r, uint64_t value);
  void annotate(size_t pc, bool fused = false);

  Environment& env_;
  const LinkedProgram& linked_;
  const semantics::Program& prog_;
  const JitOptions& options_;
  x86::Assembler a_;
  bool use_bmi2_ = false;
  bool has_callx_ = false;
  bool stack_observable_ = false;  // see emit_prologue
  size_t fuse_mov_add(size_t pc, size_t limit);
  void emit_load_to(const x86::Gp& d, const x86::Mem& m, const semantics::Encoding& row);
  void compute_liveness();
  uint32_t live_out(size_t pc) const { return live_out_.empty() ? 0x7ff : live_out_[pc]; }
  void emit_store_to(const x86::Mem& m, const semantics::Encoding& row, const semantics::Insn& insn);
  std::vector<uint32_t> live_out_, use_, def_;
  std::vector<std::array<int8_t, 11>> likely_;  // per pc, before it: see compute_likely_regions
  std::vector<uint8_t> leader_;
  std::vector<uint8_t> moved_;  // instructions emitted out of line
  std::vector<uint8_t> annotated_;  // named in the listing already
  std::vector<uint8_t> charge_;  // where the budget is charged
  std::vector<uint32_t> remaining_;  // instructions from pc to the end of its segment
  std::vector<asmjit::Label> labels_;
  std::vector<std::function<void()>> cold_;  // out-of-line stubs, emitted after the body
  asmjit::Label trap_common_, early_end_, packet_end_, budget_common_, after_body_;
  asmjit::Label zero_frame_;  // see zero_frame_label()

  // The instruction at pc (and those fused with it) at the current position; returns the last
  // pc it consumed.
  size_t emit_at(size_t pc);
  // Loop versioning (versioning.cpp; the analysis is loops.h).
  void find_loops();
  asmjit::Label jump_target(size_t pc, size_t target);
  void emit_loop_entry(size_t index);
  void emit_unchecked_copy(size_t index, asmjit::Label entry);
  bool charges_per_iteration(const VersionedLoop& loop) const;
  void emit_iteration_charge();
  bool proven_at_entry(size_t pc, uint64_t flags) const;
  bool versioned_latch(size_t pc) const {
    return !loop_of_.empty() && loop_of_[pc] >= 0 && loops_[static_cast<size_t>(loop_of_[pc])].latch == pc;
  }
  std::vector<VersionedLoop> loops_;
  std::vector<int> loop_of_, header_loop_;        // per pc: the versioned loop it is in / heads, or -1
  std::vector<asmjit::Label> checked_header_;     // per loop: its checked header, past the entry test
  const VersionedLoop* fast_ = nullptr;           // the loop whose copy without checks is being emitted
  size_t fast_index_ = 0;                         // its index in loops_
  uint64_t iteration_steps_ = 0;                  // what its iterations cost, when charged per iteration
};

}  // namespace bpfcert::interp::jit
