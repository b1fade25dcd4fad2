// x86-64 code generation for the JIT and the runtime support the generated code calls.
//
// Why asmjit (libasmjit-dev) rather than hand-written encodings: its x86::Assembler emits one
// instruction per call with no IR (tens of nanoseconds each, so compile time stays far under
// 1 us per BPF instruction), picks the short forms of jumps and immediates itself, handles
// REX prefixes for sil/dil/bpl and r8-r15, and its instruction database is tested by its own
// project. Hand-written encodings are where JITs historically got REX and ModRM corner cases
// wrong. We do not use asmjit's JitRuntime: the code goes into our own pages (a block from
// CodePages, below). They belong to a memfd whose only mappings are read + execute, and the
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
// charges loop headers and function entries only (see jit.h). Versioned loops (loops.h, and
// find_loops() below) have a second copy without the checks their entry test covers.
#include "interp/jit/jit.h"

#include <asmjit/x86.h>
#include <fmt/format.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "interp/helpers.h"
#include "interp/jit/loops.h"
#include "semantics/assembly.h"
#include "semantics/operations.h"

namespace bpfcert::interp {

using semantics::AluOp;
using semantics::AtomicOp;
using semantics::CallKind;
using semantics::JmpOp;
using semantics::Kind;
using semantics::LddwKind;
using semantics::Width;
namespace x86 = asmjit::x86;
using jit::AccessRange;
using jit::VersionedLoop;
using jit::find_versioned_loops;

namespace {

// Shared between generated code (fixed offsets) and the runtime functions below.
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

#define F(field) static_cast<int32_t>(offsetof(JitFrame, field))

}  // namespace

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

struct Jit::Impl {
  // Runtime functions called from generated code (System V ABI).
  static uint64_t check_access(JitFrame* f, uint64_t addr, uint64_t flags);
  static uint64_t call_helper(JitFrame* f, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);
  static uint64_t callx(JitFrame* f, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);
  static uint64_t replay(JitFrame* f, uint64_t pc, uint64_t budget);
  static semantics::Result<size_t> generate(Jit& jit, asmjit::CodeHolder& code, std::vector<asmjit::Label>& entry_labels);
};

namespace {

constexpr uint64_t kAccessWrite = 0x100, kAccessAtomic = 0x200;
// Regions emit_checked tests, in the order `first` names (kCheckMap + i: the i-th inline map).
constexpr int kCheckRegion = 0, kCheckStack = 1, kCheckCache = 2, kCheckMap = 3;

// The standard environment's bpf_map_lookup_elem, so the JIT inlines only that helper (an
// environment may register its own function under id 1).
HelperFn standard_map_lookup() {
  static const HelperFn fn = [] {
    Environment env;
    add_standard_helpers(env);
    return env.helper(helper_id::kMapLookupElem)->fn;
  }();
  return fn;
}

size_t size_index(unsigned size) { return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3; }

const x86::Gp kReg[11] = {x86::rax, x86::rsi, x86::rdx, x86::rcx, x86::r8, x86::r9,
                          x86::rbx, x86::r13, x86::r14, x86::r15, x86::rbp};
const x86::Gp kBudget = x86::rdi;
const x86::Gp kFrame = x86::r12;
const x86::Gp kT0 = x86::r10;
const x86::Gp kT1 = x86::r11;
// Caller-saved registers live across runtime calls, in JitFrame::spill order.
const x86::Gp kSpilled[8] = {x86::rax, x86::rsi, x86::rdx, x86::rcx, x86::r8, x86::r9, x86::rdi, x86::r10};

x86::Mem frame(int32_t offset) { return x86::qword_ptr(kFrame, offset); }
x86::Mem frame32(int32_t offset) { return x86::dword_ptr(kFrame, offset); }

x86::Gp sized(const x86::Gp& r, unsigned bytes) {
  switch (bytes) {
    case 1: return r.r8();
    case 2: return r.r16();
    case 4: return r.r32();
    default: return r.r64();
  }
}

x86::Mem sized_ptr(const x86::Gp& base, int32_t off, unsigned bytes) { return x86::ptr(base, off, bytes); }

class Emitter {
 public:
  Emitter(Environment& env, const LinkedProgram& linked, const JitOptions& options, asmjit::CodeHolder& code)
      : env_(env), linked_(linked), prog_(*linked.program), options_(options), a_(&code) {
    use_bmi2_ = options.allow_bmi2 && asmjit::CpuInfo::host().hasFeature(asmjit::CpuFeatures::X86::kBMI2);
  }

  semantics::Result<size_t> run(std::vector<asmjit::Label>& entries);

 private:
  size_t next_pc(size_t pc) const { return pc + (prog_.row(pc).kind == Kind::LoadImm64 ? 2 : 1); }
  bool checked() const { return options_.safety == SafetyMode::Checked; }
  // A memory access the JIT proves inside the current frame: r10 is read-only (validation
  // rejects writes to it), so r10 + off with -512 <= off and off + size <= 0 is always in
  // the active frame.
  bool elided(uint8_t base, int32_t off, unsigned size) const {
    return base == semantics::kFramePointer && off >= -static_cast<int32_t>(kStackFrameSize) &&
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

// Memory accesses do not end segments: when one traps, its trap path refunds the instructions
// after it that the segment paid for, and when a segment cannot be paid in full, replay()
// runs the part the budget covers (where a memory trap may come first).
bool Emitter::ends_segment(size_t pc) const {
  switch (prog_.row(pc).kind) {
    case Kind::PacketLoad:
    case Kind::Call:
    case Kind::Exit:
    case Kind::Jump: return true;
    default: return false;
  }
}

void Emitter::analyze() {
  const size_t n = prog_.size();
  leader_.assign(n, 0);
  remaining_.assign(n, 0);
  leader_[0] = 1;
  for (size_t pc = 0; pc < n; pc = next_pc(pc)) {
    const auto& row = prog_.row(pc);
    const auto& insn = prog_.insns[pc];
    if (row.kind == Kind::Call && row.call_kind() == CallKind::Indirect) has_callx_ = true;
    // Conservative: any register field naming r10, whatever the instruction does with it.
    if (insn.src == semantics::kFramePointer || insn.dst == semantics::kFramePointer ||
        (row.kind == Kind::Call && row.call_kind() != CallKind::Local)) {
      stack_observable_ = true;
    }
    if (semantics::has_branch_target(row)) {
      leader_[static_cast<size_t>(semantics::branch_target(insn, row, pc))] = 1;
    }
    if (ends_segment(pc) && next_pc(pc) < n) leader_[next_pc(pc)] = 1;
  }
  charge_ = leader_;
  if (options_.counting == StepCounting::Off) charge_.assign(n, 0);
  if (options_.counting == StepCounting::LoopHeaders) {
    charge_.assign(n, 0);
    charge_[0] = 1;
    for (size_t pc = 0; pc < n; pc = next_pc(pc)) {
      const auto& row = prog_.row(pc);
      if (!semantics::has_branch_target(row)) continue;
      const auto target = static_cast<size_t>(semantics::branch_target(prog_.insns[pc], row, pc));
      if (row.kind != Kind::Jump || target <= pc) charge_[target] = 1;
    }
  }
  // Backwards: a segment runs until an instruction that may end it or the next leader.
  std::vector<size_t> order;
  for (size_t pc = 0; pc < n; pc = next_pc(pc)) order.push_back(pc);
  for (size_t i = order.size(); i-- > 0;) {
    const size_t pc = order[i];
    const size_t nx = next_pc(pc);
    remaining_[pc] = 1 + ((!ends_segment(pc) && nx < n && !leader_[nx]) ? remaining_[nx] : 0);
  }
}

// With a listing (JitOptions::listing), names the BPF instruction whose code follows.
// Instructions fused with earlier ones (fuse_mov_add) are named after the code they share,
// marked "fused".
void Emitter::annotate(size_t pc, bool fused) {
  if (!options_.listing || annotated_[pc]) return;
  annotated_[pc] = 1;
  const semantics::Insn* second = prog_.row(pc).kind == Kind::LoadImm64 ? &prog_.insns[pc + 1] : nullptr;
  const std::string text = semantics::disassemble_one(prog_.insns[pc], second, semantics::Syntax::Llvm);
  const std::string line = fused ? fmt::format("{:>4}: {} (fused into the code above)", pc, text)
                                 : fmt::format("{:>4} (+{:#x}): {}", pc, a_.offset(), text);
  a_.comment(line.data(), line.size());
}

void Emitter::load_imm(const x86::Gp& r, uint64_t value) {
  if (value == 0) {
    a_.xor_(r.r32(), r.r32());
  } else if (value <= UINT32_MAX) {
    a_.mov(r.r32(), static_cast<uint32_t>(value));
  } else {
    a_.mov(r.r64(), value);
  }
}

void Emitter::emit_runtime_call(const void* fn) {
  a_.mov(kT1, reinterpret_cast<uint64_t>(fn));
  a_.call(kT1);
}

void Emitter::spill(bool with_rax) {
  for (int i = with_rax ? 0 : 1; i < 8; ++i) a_.mov(frame(F(spill) + 8 * i), kSpilled[i]);
}

void Emitter::unspill(bool with_rax) {
  for (int i = with_rax ? 0 : 1; i < 8; ++i) a_.mov(kSpilled[i], frame(F(spill) + 8 * i));
}

asmjit::Label Emitter::trap_label(size_t pc, TrapKind kind) {
  asmjit::Label l = a_.newLabel();
  cold_.push_back([this, l, pc, kind] {
    a_.bind(l);
    a_.mov(frame32(F(trap_pc)), static_cast<uint32_t>(pc));
    a_.mov(frame32(F(trap_kind)), static_cast<uint32_t>(kind));
    a_.jmp(trap_common_);
  });
  return l;
}

asmjit::Label Emitter::runtime_trap_label(size_t pc) {
  asmjit::Label l = a_.newLabel();
  cold_.push_back([this, l, pc] {
    a_.bind(l);
    // The segment paid for the instructions after pc too; they never ran.
    if (options_.counting == StepCounting::Exact && remaining_[pc] > 1) a_.add(kBudget, remaining_[pc] - 1);
    a_.mov(frame32(F(trap_pc)), static_cast<uint32_t>(pc));  // the runtime set trap_kind
    a_.jmp(trap_common_);
  });
  return l;
}

void Emitter::emit_trap(size_t pc, TrapKind kind) { a_.jmp(trap_label(pc, kind)); }

void Emitter::emit_charge(size_t pc, uint64_t n) {
  asmjit::Label slow = a_.newLabel();
  a_.sub(kBudget, static_cast<uint32_t>(n));
  a_.jb(slow);
  cold_.push_back([this, slow, pc, n] {
    a_.bind(slow);
    a_.mov(kT0.r32(), static_cast<uint32_t>(pc));
    a_.mov(kT1.r32(), static_cast<uint32_t>(n));
    a_.jmp(budget_common_);
  });
}

void Emitter::emit_prologue() {
  // void entry(JitFrame* f): save the callee-saved registers, load the BPF registers, call
  // the program as a function (every EXIT is a ret), store r0 and the budget.
  a_.push(x86::rbx);
  a_.push(x86::rbp);
  a_.push(x86::r12);
  a_.push(x86::r13);
  a_.push(x86::r14);
  a_.push(x86::r15);  // rsp = 8 mod 16 here, so the body runs with rsp = 0 mod 16
  a_.mov(kFrame, x86::rdi);
  for (int i = 0; i < 5; ++i) a_.mov(kReg[i + 1], frame(F(args) + 8 * i));
  a_.xor_(x86::eax, x86::eax);
  for (int i = 6; i <= 9; ++i) a_.xor_(kReg[i].r32(), kReg[i].r32());
  a_.mov(x86::rbp, frame(F(stack_top)));
  // Frame 0 starts zeroed, as the interpreter's stack (deeper frames: see emit_local_call).
  // Here rather than a memset in Jit::run, which the host compiler turns into rep stos, whose
  // start-up cost was the largest part of a short run. A program that never reads r10 and
  // calls no helper cannot observe the stack (no address into it ever exists in a register
  // it can use; a helper could compute one from its Memory), so it skips this.
  if (stack_observable_) a_.call(zero_frame_label());
  a_.mov(kBudget, frame(F(budget)));
  a_.mov(frame(F(entry_rsp)), x86::rsp);
  a_.call(labels_[0]);
  a_.bind(after_body_);
  a_.mov(frame(F(r0)), x86::rax);
  a_.mov(frame(F(budget)), kBudget);
  a_.pop(x86::r15);
  a_.pop(x86::r14);
  a_.pop(x86::r13);
  a_.pop(x86::r12);
  a_.pop(x86::rbp);
  a_.pop(x86::rbx);
  a_.ret();

  a_.bind(trap_common_);  // trap_pc and trap_kind are set
  a_.mov(x86::rsp, frame(F(entry_rsp)));
  a_.mov(frame32(F(outcome)), 1);
  a_.jmp(after_body_);

  a_.bind(early_end_);  // the program ends with r0 = rax (helper exit request)
  a_.mov(x86::rsp, frame(F(entry_rsp)));
  a_.jmp(after_body_);

  a_.bind(packet_end_);  // legacy packet load out of bounds: r0 = 0, as on Linux
  a_.xor_(x86::eax, x86::eax);
  a_.jmp(early_end_);

  a_.bind(budget_common_);  // r10 = entry pc, r11 = its charge; rdi + r11 = what was left
  a_.add(kBudget, kT1);
  if (options_.counting == StepCounting::Exact) {
    // Run what the budget covers, exactly as the interpreter would, then trap.
    for (int i = 0; i < 11; ++i) a_.mov(frame(F(regs) + 8 * i), kReg[i]);
    a_.mov(x86::rsi, kT0);
    a_.mov(x86::rdx, kBudget);
    a_.mov(x86::rdi, kFrame);
    emit_runtime_call(reinterpret_cast<const void*>(&Jit::Impl::replay));
    a_.mov(kBudget, x86::rax);
    a_.jmp(trap_common_);
  } else {
    a_.mov(frame32(F(trap_pc)), kT0.r32());
    a_.mov(frame32(F(trap_kind)), static_cast<uint32_t>(TrapKind::StepBudgetExhausted));
    a_.jmp(trap_common_);
  }
}

semantics::Result<size_t> Emitter::run(std::vector<asmjit::Label>& entries) {
  const size_t n = prog_.size();
  analyze();
  if (!has_callx_) compute_liveness();
  if (checked()) compute_likely_regions();
  find_loops();
  labels_.resize(n);
  moved_.assign(n, 0);
  annotated_.assign(n, 0);
  for (size_t pc = 0; pc < n; pc = next_pc(pc)) labels_[pc] = a_.newLabel();
  trap_common_ = a_.newLabel();
  early_end_ = a_.newLabel();
  packet_end_ = a_.newLabel();
  budget_common_ = a_.newLabel();
  after_body_ = a_.newLabel();
  entries.assign(n, asmjit::Label());
  emit_prologue();

  for (size_t pc = 0; pc < n; pc = next_pc(pc)) {
    if (moved_[pc]) continue;  // emitted out of line (see emit_jump)
    pc = emit_at(pc);
  }
  // Entries for callx: a code address may name any instruction, so every instruction that
  // does not start a segment gets a side entry paying for the rest of its segment.
  if (has_callx_) {
    for (size_t pc = 0; pc < n; pc = next_pc(pc)) {
      if (leader_[pc]) {
        entries[pc] = labels_[pc];
        continue;
      }
      entries[pc] = a_.newLabel();
      a_.bind(entries[pc]);
      if (options_.counting != StepCounting::Off) {
        emit_charge(pc, options_.counting == StepCounting::Exact ? remaining_[pc] : 1);
      }
      a_.jmp(labels_[pc]);
    }
  }
  // A stub may add stubs (a moved exit pays its charge out of line): take each one out of the
  // vector before running it, since push_back may reallocate the vector under it.
  for (size_t i = 0; i < cold_.size(); ++i) {
    const std::function<void()> stub = std::move(cold_[i]);
    stub();
  }
  return size_t{0};
}

// "rA = rB; rA += x" (how BPF forms an address) becomes one lea when nothing jumps between
// the two instructions; followed by "rA = *(size *)(rA + off)", the three become one load from
// [rB + x + off] (checked like any access in checked mode). Returns how many instructions
// after pc it consumed.
size_t Emitter::fuse_mov_add(size_t pc, size_t limit) {
  const size_t nx = pc + 1;
  if (has_callx_ || live_out_.empty() || nx >= limit || leader_[nx]) return 0;
  const auto& mov = prog_.row(pc);
  const auto& add = prog_.row(nx);
  const auto& mi = prog_.insns[pc];
  const auto& ai = prog_.insns[nx];
  if (mov.kind != Kind::Alu || mov.alu_op() != AluOp::Mov || mov.width != Width::W64 ||
      mov.operand != semantics::Operand::Reg || mi.src == mi.dst) {
    return 0;
  }
  if (add.kind != Kind::Alu || add.alu_op() != AluOp::Add || add.width != Width::W64 || ai.dst != mi.dst) return 0;
  const x86::Gp d = kReg[mi.dst], s = kReg[mi.src];
  const bool imm = add.operand == semantics::Operand::Imm;
  const x86::Gp x = imm ? x86::Gp() : (ai.src == mi.dst ? s : kReg[ai.src]);
  // The fused access's address: [rB + x + off], checked in checked mode.
  auto address = [&](size_t at, int64_t disp, const semantics::Encoding& row, uint64_t flags) {
    const x86::Mem expr = imm ? x86::ptr(s, static_cast<int32_t>(disp), row.size)
                              : x86::ptr(s, x, 0, static_cast<int32_t>(disp), row.size);
    if (!checked()) return expr;
    // The pointer is rB, or x when rB is the scalar (x + rB).
    const int likely = likely_region(pc, mi.src);
    return emit_checked(at, expr, row.size, flags,
                        likely != kCheckRegion || imm ? likely : likely_region(pc, ai.src));
  };
  // The instructions between the add and the access, themselves fused where they can be.
  auto emit_between = [&](size_t from, size_t to) {
    for (size_t j = from; j < to;) {
      size_t fused = fuse_mov_add(j, to);
      if (fused == 0) emit_insn(j);
      for (size_t i = 0; i <= fused; ++i) j = next_pc(j);
    }
  };
  // An access through rA, possibly after a few instructions that leave rA, rB and x alone:
  // one access to [rB + x + off] when rA is dead afterwards (or the load overwrites it).
  const uint32_t dbit = 1u << mi.dst, sbit = 1u << mi.src, xbit = imm ? 0u : 1u << ai.src;
  size_t k = nx + 1, consumed = 1;
  for (int step = 0; step < 6 && k < limit && !leader_[k]; ++step, k = next_pc(k)) {
    ++consumed;
    const auto& row = prog_.row(k);
    const auto& in = prog_.insns[k];
    const int64_t disp = (imm ? int64_t{ai.imm} : 0) + in.off;
    const bool fits = disp >= INT32_MIN && disp <= INT32_MAX;
    const bool dead_after = !(live_out_[k] & dbit);
    if (fits && row.kind == Kind::Store && in.dst == mi.dst && dead_after &&
        (row.operand == semantics::Operand::Imm || in.src != mi.dst)) {
      emit_between(nx + 1, k);
      emit_store_to(address(k, disp, row, kAccessWrite), row, in);
      return consumed;
    }
    if (fits && row.kind == Kind::Load && in.src == mi.dst && (in.dst == mi.dst || dead_after)) {
      emit_between(nx + 1, k);
      emit_load_to(kReg[in.dst], address(k, disp, row, 0), row);
      return consumed;
    }
    const bool plain = row.kind == Kind::Alu || row.kind == Kind::Load || row.kind == Kind::Store ||
                       row.kind == Kind::LoadImm64;
    if (!plain || (use_[k] & dbit) || (def_[k] & (dbit | sbit | xbit))) break;
  }
  a_.lea(d, imm ? x86::ptr(s, ai.imm) : x86::ptr(s, x));
  return 1;
}

// Registers live after each instruction (bit r), by backward dataflow. Conservative where the
// program leaves the function: local calls and exits use every register (a callee sees the
// caller's registers, a caller sees what the callee left in r0-r5), helper calls use r1-r5
// and keep them (this VM does not clobber them).
void Emitter::compute_liveness() {
  const size_t n = prog_.size();
  constexpr uint32_t kAll = 0x7ff;
  use_.assign(n, 0);
  def_.assign(n, 0);
  auto& use = use_;
  auto& def = def_;
  std::vector<std::array<int64_t, 2>> succ(n, {-1, -1});
  for (size_t pc = 0; pc < n; pc = next_pc(pc)) {
    const auto& row = prog_.row(pc);
    const auto& in = prog_.insns[pc];
    const uint32_t d = 1u << in.dst, sr = 1u << in.src;
    const bool reg = row.operand == semantics::Operand::Reg;
    switch (row.kind) {
      case Kind::Alu:
        use[pc] = ((row.alu_op() == AluOp::Mov || row.alu_op() == AluOp::Movsx) ? 0 : d) | (reg ? sr : 0);
        def[pc] = d;
        break;
      case Kind::LoadImm64: def[pc] = d; break;
      case Kind::Load: use[pc] = sr; def[pc] = d; break;
      case Kind::Store: use[pc] = d | (reg ? sr : 0); break;
      case Kind::Atomic: {
        const bool cmpxchg = row.atomic_op() == AtomicOp::Cmpxchg;
        use[pc] = d | sr | (cmpxchg ? 1u : 0u);
        if (row.fetch) def[pc] = cmpxchg ? 1u : sr;
        break;
      }
      case Kind::PacketLoad: use[pc] = reg ? sr : 0; def[pc] = 1; break;
      case Kind::Jump: use[pc] = row.jmp_op() == JmpOp::Ja ? 0 : d | (reg ? sr : 0); break;
      case Kind::Call:
        if (row.call_kind() == CallKind::Helper || row.call_kind() == CallKind::Kfunc) {
          use[pc] = 0x3e;
          def[pc] = 1;
        } else {
          use[pc] = kAll;
        }
        break;
      case Kind::Exit: use[pc] = kAll; break;
      case Kind::WideSlot: break;
    }
    if (semantics::falls_through(row) && next_pc(pc) < n) succ[pc][0] = static_cast<int64_t>(next_pc(pc));
    if (row.kind == Kind::Jump) succ[pc][1] = semantics::branch_target(in, row, pc);
  }
  live_out_.assign(n, 0);
  std::vector<uint32_t> live_in(n, 0);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = n; i-- > 0;) {
      if (prog_.row(i).kind == Kind::WideSlot) continue;
      uint32_t out = 0;
      for (int64_t t : succ[i]) {
        if (t >= 0) out |= live_in[static_cast<size_t>(t)];
      }
      const uint32_t in = use[i] | (out & ~def[i]);
      if (out != live_out_[i] || in != live_in[i]) {
        live_out_[i] = out;
        live_in[i] = in;
        changed = true;
      }
    }
  }
}

size_t Emitter::emit_at(size_t pc) {
  a_.bind(labels_[pc]);
  // Entering a versioned loop from outside: the entry test, then the checked loop's header.
  if (fast_ == nullptr && !header_loop_.empty() && header_loop_[pc] >= 0) {
    const auto index = static_cast<size_t>(header_loop_[pc]);
    emit_loop_entry(index);
    a_.bind(checked_header_[index]);
  }
  annotate(pc);
  if (fast_ != nullptr && iteration_steps_ > 0) {
    if (pc == fast_->header) emit_iteration_charge();
  } else if (charge_[pc]) {
    emit_charge(pc, remaining_[pc]);
  }
  if (const size_t fused = fuse_mov_add(pc, prog_.size())) {
    for (size_t i = 0; i < fused; ++i) {
      pc = next_pc(pc);
      a_.bind(labels_[pc]);
      annotate(pc, true);
    }
    return pc;
  }
  emit_insn(pc);
  return pc;
}

void Emitter::emit_insn(size_t pc) {
  annotate(pc);
  const auto& row = prog_.row(pc);
  const auto& insn = prog_.insns[pc];
  switch (row.kind) {
    case Kind::Alu: emit_alu(pc, row, insn); break;
    case Kind::Jump: emit_jump(pc, row, insn); break;
    case Kind::Exit: a_.ret(); break;
    case Kind::Call: emit_call(pc, row, insn); break;
    case Kind::LoadImm64: load_imm(kReg[insn.dst], linked_.lddw_values[pc]); break;
    case Kind::Load: emit_load(pc, row, insn); break;
    case Kind::Store: emit_store(pc, row, insn); break;
    case Kind::Atomic: emit_atomic(pc, row, insn); break;
    case Kind::PacketLoad: emit_packet(pc, row, insn); break;
    case Kind::WideSlot: break;
  }
}

void Emitter::emit_alu(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn) {
  (void)pc;
  const bool w64 = row.width == Width::W64;
  const x86::Gp dst = sized(kReg[insn.dst], w64 ? 8 : 4);
  const bool reg = row.operand == semantics::Operand::Reg;
  const x86::Gp src = sized(kReg[insn.src], w64 ? 8 : 4);
  const uint64_t k = semantics::imm_operand(insn.imm);
  const int32_t imm = insn.imm;
  switch (row.alu_op()) {
    case AluOp::Add: reg ? a_.add(dst, src) : a_.add(dst, imm); break;
    case AluOp::Sub: reg ? a_.sub(dst, src) : a_.sub(dst, imm); break;
    case AluOp::Or: reg ? a_.or_(dst, src) : a_.or_(dst, imm); break;
    case AluOp::And: reg ? a_.and_(dst, src) : a_.and_(dst, imm); break;
    case AluOp::Xor: reg ? a_.xor_(dst, src) : a_.xor_(dst, imm); break;
    case AluOp::Mul: reg ? a_.imul(dst, src) : a_.imul(dst, dst, imm); break;
    case AluOp::Neg: a_.neg(dst); break;
    case AluOp::Mov:
      if (reg) {
        // mov r32, r32 zero-extends even when src == dst; a 64-bit self-move is a no-op.
        if (!(w64 && insn.src == insn.dst)) a_.mov(dst, src);
      } else {
        // A constant: its value is the semantics' own result for MOV imm.
        load_imm(kReg[insn.dst], semantics::alu<uint64_t>(AluOp::Mov, row.width, 0, k));
      }
      break;
    case AluOp::Movsx: {
      const x86::Gp s = kReg[insn.src];
      if (row.size == 32) {
        w64 ? a_.movsxd(dst, s.r32()) : a_.mov(dst, s.r32());
      } else {
        a_.movsx(dst, sized(s, row.size / 8));
      }
      break;
    }
    case AluOp::Lsh:
    case AluOp::Rsh:
    case AluOp::Arsh: emit_shift(row, insn); break;
    case AluOp::Div:
    case AluOp::Mod:
    case AluOp::Sdiv:
    case AluOp::Smod: emit_divmod(row, insn); break;
    case AluOp::ToLe: {
      const x86::Gp r = kReg[insn.dst];
      if (row.size == 16) a_.movzx(r.r32(), r.r16());
      if (row.size == 32) a_.mov(r.r32(), r.r32());
      break;
    }
    case AluOp::ToBe:
    case AluOp::Bswap: {
      const x86::Gp r = kReg[insn.dst];
      if (row.size == 16) {
        a_.rol(r.r16(), 8);
        a_.movzx(r.r32(), r.r16());
      } else if (row.size == 32) {
        a_.bswap(r.r32());
      } else {
        a_.bswap(r.r64());
      }
      break;
    }
  }
}

void Emitter::emit_shift(const semantics::Encoding& row, const semantics::Insn& insn) {
  const bool w64 = row.width == Width::W64;
  const unsigned bytes = w64 ? 8 : 4;
  const x86::Gp dst = sized(kReg[insn.dst], bytes);
  const AluOp op = row.alu_op();
  if (row.operand == semantics::Operand::Imm) {
    // x86 masks immediate counts by 31 / 63 exactly as BPF does (OPCODES.md §4.11).
    const uint32_t amount = static_cast<uint32_t>(insn.imm) & (w64 ? 63 : 31);
    if (amount == 0) {
      if (!w64) a_.mov(dst, dst);  // still zero-extends
      return;
    }
    if (op == AluOp::Lsh) a_.shl(dst, amount);
    if (op == AluOp::Rsh) a_.shr(dst, amount);
    if (op == AluOp::Arsh) a_.sar(dst, amount);
    return;
  }
  const x86::Gp src = sized(kReg[insn.src], bytes);
  if (use_bmi2_) {
    if (op == AluOp::Lsh) a_.shlx(dst, dst, src);
    if (op == AluOp::Rsh) a_.shrx(dst, dst, src);
    if (op == AluOp::Arsh) a_.sarx(dst, dst, src);
    return;
  }
  // Count in cl; BPF r3 lives in rcx, so shift a copy when dst or src is not rcx.
  auto shift_cl = [&](const x86::Gp& r) {
    if (op == AluOp::Lsh) a_.shl(r, x86::cl);
    if (op == AluOp::Rsh) a_.shr(r, x86::cl);
    if (op == AluOp::Arsh) a_.sar(r, x86::cl);
  };
  const x86::Gp rcx = sized(x86::rcx, bytes);
  if (insn.src == 3) {
    shift_cl(dst);
  } else if (insn.dst == 3) {
    const x86::Gp t = sized(kT1, bytes);
    a_.mov(kT1, x86::rcx);
    a_.mov(x86::ecx, kReg[insn.src].r32());
    shift_cl(t);
    a_.mov(x86::rcx, kT1);
  } else {
    a_.mov(kT1, x86::rcx);
    a_.mov(x86::ecx, kReg[insn.src].r32());
    shift_cl(dst);
    a_.mov(x86::rcx, kT1);
  }
  (void)rcx;
}

void Emitter::emit_divmod(const semantics::Encoding& row, const semantics::Insn& insn) {
  const bool w64 = row.width == Width::W64;
  const unsigned bytes = w64 ? 8 : 4;
  const AluOp op = row.alu_op();
  const bool is_signed = op == AluOp::Sdiv || op == AluOp::Smod;
  const bool quotient = op == AluOp::Div || op == AluOp::Sdiv;
  const x86::Gp d = kReg[insn.dst];
  const x86::Gp dst = sized(d, bytes);
  const x86::Gp div = sized(kT1, bytes);

  // Results of the two special divisors, which must not reach div / idiv (x / 0 is not a
  // host fault here, and INT_MIN / -1 would be): x / 0 = 0, x % 0 = x, x s/ -1 = -x, x s% -1 = 0.
  // Captured by value: the cold stubs run after this function returns.
  auto emit_zero_divisor = [this, quotient, w64, d] {
    if (quotient) {
      a_.xor_(d.r32(), d.r32());
    } else if (!w64) {
      a_.mov(d.r32(), d.r32());
    }
  };
  auto emit_minus_one = [this, quotient, dst, d] {
    if (quotient) {
      a_.neg(dst);
    } else {
      a_.xor_(d.r32(), d.r32());
    }
  };

  asmjit::Label done = a_.newLabel();
  if (row.operand == semantics::Operand::Imm) {
    const uint64_t k = semantics::zext(semantics::imm_operand(insn.imm), w64 ? 64u : 32u);
    if (k == 0) {
      emit_zero_divisor();
      return;
    }
    if (is_signed && k == semantics::zext(~uint64_t{0}, w64 ? 64u : 32u)) {
      emit_minus_one();
      return;
    }
    load_imm(kT1, k);
  } else {
    const x86::Gp src = sized(kReg[insn.src], bytes);
    a_.mov(div, src);
    asmjit::Label zero = a_.newLabel();
    a_.test(div, div);
    a_.jz(zero);
    cold_.push_back([this, zero, done, emit_zero_divisor] {
      a_.bind(zero);
      emit_zero_divisor();
      a_.jmp(done);
    });
    if (is_signed) {
      asmjit::Label minus_one = a_.newLabel();
      a_.cmp(div, -1);
      a_.je(minus_one);
      cold_.push_back([this, minus_one, done, emit_minus_one] {
        a_.bind(minus_one);
        emit_minus_one();
        a_.jmp(done);
      });
    }
  }
  const bool dst_is_rax = insn.dst == 0, dst_is_rdx = insn.dst == 2;
  if (!dst_is_rax) a_.mov(kT0, x86::rax);
  if (!dst_is_rdx) a_.mov(frame(F(scratch)), x86::rdx);
  if (!dst_is_rax) a_.mov(x86::rax, d);
  if (is_signed) {
    w64 ? a_.cqo() : a_.cdq();
    a_.idiv(div);
  } else {
    a_.xor_(x86::edx, x86::edx);
    a_.div(div);
  }
  const x86::Gp result = quotient ? x86::rax : x86::rdx;
  if (!w64) {
    a_.mov(d.r32(), result.r32());
  } else if (d.id() != result.id()) {
    a_.mov(d, result);
  }
  if (!dst_is_rax) a_.mov(x86::rax, kT0);
  if (!dst_is_rdx) a_.mov(x86::rdx, frame(F(scratch)));
  a_.bind(done);
}

void Emitter::emit_jump(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn) {
  const size_t target = static_cast<size_t>(semantics::branch_target(insn, row, pc));
  JmpOp op = row.jmp_op();
  if (op == JmpOp::Ja) {
    a_.jmp(jump_target(pc, target));
    return;
  }
  const bool w64 = row.width == Width::W64;
  const x86::Gp dst = sized(kReg[insn.dst], w64 ? 8 : 4);
  if (row.operand == semantics::Operand::Reg) {
    const x86::Gp src = sized(kReg[insn.src], w64 ? 8 : 4);
    op == JmpOp::Jset ? a_.test(dst, src) : a_.cmp(dst, src);
  } else {
    if (op == JmpOp::Jset) {
      a_.test(dst, insn.imm);
    } else if (insn.imm == 0) {
      a_.test(dst, dst);  // the same flags as cmp dst, 0 for every condition used below
    } else {
      a_.cmp(dst, insn.imm);
    }
  }
  asmjit::Label t = jump_target(pc, target);
  // A jump over one instruction that never falls through (exit or ja), as clang lays out
  // loop exits: invert it and move that instruction out of line, so the hot path has no taken
  // branch here. Not in a copy without checks (the checked code moved it already) nor at a
  // versioned loop's latch (falling through to its header would enter the entry test).
  const size_t over = pc + 1;
  if (target == over + 1 && !has_callx_ && prog_.row(over).kind == Kind::Exit && fast_ == nullptr &&
      !versioned_latch(pc)) {
    static constexpr JmpOp kInverse[] = {JmpOp::Ja,   JmpOp::Jne,  JmpOp::Jle, JmpOp::Jlt,
                                         JmpOp::Jset, JmpOp::Jeq,  JmpOp::Jsle, JmpOp::Jslt,
                                         JmpOp::Jge,  JmpOp::Jgt,  JmpOp::Jsge, JmpOp::Jsgt};
    moved_[over] = 1;
    cold_.push_back([this, over] {
      a_.bind(labels_[over]);
      if (charge_[over]) emit_charge(over, remaining_[over]);
      emit_insn(over);
    });
    t = labels_[over];
    if (op == JmpOp::Jset) {
      a_.jz(t);
      return;
    }
    op = kInverse[static_cast<int>(op)];
  }
  switch (op) {
    case JmpOp::Jeq: a_.je(t); break;
    case JmpOp::Jne: a_.jne(t); break;
    case JmpOp::Jgt: a_.ja(t); break;
    case JmpOp::Jge: a_.jae(t); break;
    case JmpOp::Jlt: a_.jb(t); break;
    case JmpOp::Jle: a_.jbe(t); break;
    case JmpOp::Jset: a_.jnz(t); break;
    case JmpOp::Jsgt: a_.jg(t); break;
    case JmpOp::Jsge: a_.jge(t); break;
    case JmpOp::Jslt: a_.jl(t); break;
    case JmpOp::Jsle: a_.jle(t); break;
    case JmpOp::Ja: break;
  }
}

// Checked mode: r10 = the address; the stack (active frames) and the first region are tested
// inline, anything else calls check_access, which knows every region and sets the trap.
x86::Mem Emitter::emit_address(size_t pc, uint8_t base, int32_t off, unsigned size, uint64_t flags) {
  if (!checked() || elided(base, off, size)) return sized_ptr(kReg[base], off, size);
  return emit_checked(pc, x86::ptr(kReg[base], off), size, flags, likely_region(pc, base));
}

// A forward pass in pc order, tracking where each register's pointer (if any) most likely
// points: r10 and copies of it into the stack, a map-value LDDW or a lookup in a known array
// map into that map's values, arithmetic keeps the pointer's region. Control flow is ignored
// (a branch target inherits the state of the instruction before it): a wrong guess costs one
// extra out-of-line test, never a wrong verdict, so the pass stays linear and simple.
void Emitter::compute_likely_regions() {
  const size_t n = prog_.size();
  likely_.assign(n, {});
  auto map_index = [this](const Map* map) {
    for (size_t i = 0; i < env_.map_count() && i < kInlineMaps; ++i) {
      if (&env_.map_at(i) == map) return kCheckMap + static_cast<int>(i);
    }
    return kCheckRegion;
  };
  std::array<int8_t, 11> r{};
  r.fill(kCheckRegion);
  r[semantics::kFramePointer] = kCheckStack;
  for (size_t pc = 0; pc < n; pc = next_pc(pc)) {
    likely_[pc] = r;
    const auto& row = prog_.row(pc);
    const auto& insn = prog_.insns[pc];
    switch (row.kind) {
      case Kind::Alu: {
        if (row.width != Width::W64) {
          r[insn.dst] = kCheckRegion;
        } else if (row.alu_op() == AluOp::Mov) {
          r[insn.dst] = row.operand == semantics::Operand::Reg ? r[insn.src] : kCheckRegion;
        } else if (row.alu_op() == AluOp::Add && row.operand == semantics::Operand::Reg) {
          if (r[insn.dst] == kCheckRegion) r[insn.dst] = r[insn.src];  // scalar + pointer
        } else if (row.alu_op() != AluOp::Add && row.alu_op() != AluOp::Sub) {
          r[insn.dst] = kCheckRegion;
        }
        break;
      }
      case Kind::Load:
      case Kind::PacketLoad: r[insn.dst] = kCheckRegion; break;
      case Kind::LoadImm64: {
        const auto kind = row.lddw_kind();
        r[insn.dst] = kCheckRegion;
        if (kind != LddwKind::MapValue && kind != LddwKind::MapIdxValue) break;
        const uint64_t address = linked_.lddw_values[pc];
        for (size_t i = 0; i < env_.map_count() && i < kInlineMaps; ++i) {
          const auto slab = env_.map_at(i).slab();
          const auto begin = reinterpret_cast<uint64_t>(slab.data());
          if (address >= begin && address - begin < slab.size()) r[insn.dst] = static_cast<int8_t>(kCheckMap + i);
        }
        break;
      }
      case Kind::Atomic:
        if (row.fetch) r[row.atomic_op() == AtomicOp::Cmpxchg ? 0 : insn.src] = kCheckRegion;
        break;
      case Kind::Call: {
        const bool lookup = row.call_kind() == CallKind::Helper && insn.imm == helper_id::kMapLookupElem;
        const Map* map = lookup ? known_array_map(pc) : nullptr;
        for (int i = 1; i <= 5; ++i) r[static_cast<size_t>(i)] = kCheckRegion;
        r[0] = map != nullptr ? static_cast<int8_t>(map_index(map)) : kCheckRegion;
        break;
      }
      default: break;
    }
  }
}

int Emitter::likely_region(size_t pc, uint8_t reg) const {
  if (likely_.empty() || reg > semantics::kFramePointer) return kCheckRegion;
  return likely_[pc][reg];
}

// The access `addr` (base [+ index] + displacement), checked. The inline test computes
// addr - start straight into r11 and the access then uses `addr` itself, so the hot path has
// no copy of the address; the out-of-line path puts the address in r10, where the other
// checks and check_access take it. Atomics get r10 = the address on both paths (see
// emit_atomic).
x86::Mem Emitter::emit_checked(size_t pc, const x86::Mem& addr, unsigned size, uint64_t flags, int first) {
  if (proven_at_entry(pc, flags)) {  // a versioned loop's copy: its entry test covered this access
    x86::Mem access = addr;
    access.setSize(size);
    return access;
  }
  const int32_t si = static_cast<int32_t>(size_index(size));
  const bool write = (flags & kAccessWrite) != 0;
  const bool via_r10 = (flags & kAccessAtomic) != 0;
  auto limit = [si, write](int which) {
    if (which == kCheckCache) return frame(write ? F(cache_write_lim) + 8 * si : F(cache_read_lim) + 8 * si);
    if (which == kCheckStack) return frame(F(stack_lim) + 8 * si);
    return frame(write ? F(region_write_lim) + 8 * si : F(region_read_lim) + 8 * si);
  };
  auto start = [](int which) {
    return frame(which == kCheckCache ? F(cache_start) : which == kCheckStack ? F(stack_lo) : F(region_start));
  };
  // (r10 - start) < limit, one unsigned compare per region.
  auto check = [this, limit, start](int which) {
    a_.mov(kT1, kT0);
    a_.sub(kT1, start(which));
    a_.cmp(kT1, limit(which));
  };
  // The likelier region is tested inline and falls through; the others and the runtime call
  // are out of line. A map is tested inline only when its elements can be (see emit_map_check).
  if (first >= kCheckMap && !map_checkable_inline(static_cast<size_t>(first - kCheckMap), size)) first = kCheckRegion;
  asmjit::Label ok = a_.newLabel(), other = a_.newLabel();
  if (first >= kCheckMap) {
    a_.lea(kT0, addr);
    emit_map_check(static_cast<size_t>(first - kCheckMap), size, other, true);
  } else if (via_r10) {
    a_.lea(kT0, addr);
    check(first);
    a_.jae(other);
  } else {
    a_.lea(kT1, addr);
    a_.sub(kT1, start(first));
    a_.cmp(kT1, limit(first));
    a_.jae(other);
  }
  cold_.push_back([this, other, ok, pc, size, flags, check, first, via_r10, addr] {
    a_.bind(other);
    if (!via_r10 && first < kCheckMap) a_.lea(kT0, addr);
    for (int which : {kCheckRegion, kCheckStack}) {
      if (which == first) continue;
      check(which);
      a_.jb(ok);
    }
    for (size_t i = 0; i < env_.map_count() && i < kInlineMaps; ++i) {
      if (static_cast<int>(i) + kCheckMap != first && map_checkable_inline(i, size)) emit_map_check(i, size, ok, false);
    }
    check(kCheckCache);
    a_.jb(ok);
    spill(true);
    a_.mov(x86::rdi, kFrame);
    a_.mov(x86::rsi, kT0);
    a_.mov(x86::edx, static_cast<uint32_t>(size | flags));
    emit_runtime_call(reinterpret_cast<const void*>(&Jit::Impl::check_access));
    a_.test(x86::eax, x86::eax);
    unspill(true);
    a_.jnz(runtime_trap_label(pc));
    a_.jmp(ok);
  });
  a_.bind(ok);
  if (via_r10 || first >= kCheckMap) return x86::ptr(kT0, 0, size);
  x86::Mem access = addr;
  access.setSize(size);
  return access;
}

// Map values: inside the slab of one of the first maps, and inside one element (the element
// stride must be a power of two so the offset in the element is a mask). Maps are writable.
bool Emitter::map_checkable_inline(size_t index, unsigned size) const {
  if (index >= env_.map_count() || index >= kInlineMaps) return false;
  const Map& map = env_.map_at(index);
  const uint64_t stride = map.stride(), elem = map.def().value_size;
  return stride != 0 && (stride & (stride - 1)) == 0 && elem >= size && stride <= INT32_MAX;
}

// r10 = the address. Jumps to `target` when it is inside an element of map `index` and falls
// through otherwise, or (`target_on_failure`, the inline fast path) the other way round.
void Emitter::emit_map_check(size_t index, unsigned size, asmjit::Label target, bool target_on_failure) {
  const int32_t si = static_cast<int32_t>(size_index(size));
  const int32_t i = static_cast<int32_t>(index);
  const Map& map = env_.map_at(index);
  const uint64_t stride = map.stride(), elem = map.def().value_size;
  asmjit::Label next = target_on_failure ? target : a_.newLabel();
  a_.mov(kT1, kT0);
  a_.sub(kT1, frame(F(map_start) + 8 * i));
  a_.cmp(kT1, frame(F(map_lim) + 32 * i + 8 * si));
  a_.jae(next);
  a_.and_(kT1.r32(), static_cast<uint32_t>(stride - 1));
  a_.cmp(kT1.r32(), static_cast<uint32_t>(elem - size));
  if (target_on_failure) {
    a_.ja(target);
  } else {
    a_.jbe(target);
    a_.bind(next);
  }
}

void Emitter::emit_load(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn) {
  emit_load_to(kReg[insn.dst], emit_address(pc, insn.src, insn.off, row.size, 0), row);
}

void Emitter::emit_load_to(const x86::Gp& d, const x86::Mem& m, const semantics::Encoding& row) {
  if (row.size == 8) {
    a_.mov(d, m);
  } else if (row.sign_extend) {
    row.size == 4 ? a_.movsxd(d, m) : a_.movsx(d, m);
  } else {
    row.size == 4 ? a_.mov(d.r32(), m) : a_.movzx(d.r32(), m);
  }
}

void Emitter::emit_store(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn) {
  emit_store_to(emit_address(pc, insn.dst, insn.off, row.size, kAccessWrite), row, insn);
}

void Emitter::emit_store_to(const x86::Mem& m, const semantics::Encoding& row, const semantics::Insn& insn) {
  if (row.operand == semantics::Operand::Reg) {
    a_.mov(m, sized(kReg[insn.src], row.size));
    return;
  }
  // The bits stored are the semantics' store_value(); an 8-byte store writes the immediate
  // sign-extended, which is exactly x86's mov qword [m], imm32.
  const uint64_t v = semantics::store_value<uint64_t>(semantics::imm_operand(insn.imm), row.size);
  if (row.size == 8) {
    a_.mov(m, static_cast<int32_t>(insn.imm));
  } else {
    a_.mov(m, v);
  }
}

void Emitter::emit_atomic(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn) {
  const unsigned size = row.size;
  const x86::Mem m0 = emit_address(pc, insn.dst, insn.off, size, kAccessWrite | kAccessAtomic);
  // A stable address in r10 (dst may be rax, which cmpxchg clobbers).
  if (!(checked() && !elided(insn.dst, insn.off, size))) a_.lea(kT0, x86::ptr(kReg[insn.dst], insn.off));
  (void)m0;
  const x86::Mem m = x86::ptr(kT0, 0, size);
  const x86::Gp src = sized(kReg[insn.src], size);
  const AtomicOp op = row.atomic_op();
  if (!row.fetch) {
    switch (op) {
      case AtomicOp::Add: a_.lock().add(m, src); break;
      case AtomicOp::Or: a_.lock().or_(m, src); break;
      case AtomicOp::And: a_.lock().and_(m, src); break;
      case AtomicOp::Xor: a_.lock().xor_(m, src); break;
      default: break;
    }
    return;
  }
  switch (op) {
    case AtomicOp::Add:
      a_.lock().xadd(m, src);  // src = old, zero-extended when 32-bit
      return;
    case AtomicOp::Xchg:
      a_.xchg(m, src);  // implicitly locked
      return;
    case AtomicOp::Cmpxchg:
      a_.lock().cmpxchg(m, src, sized(x86::rax, size));
      if (size == 4) a_.mov(x86::eax, x86::eax);  // a successful 32-bit cmpxchg leaves rax's top half
      return;
    default: break;
  }
  // OR / AND / XOR with fetch: x86 has no fetching form, so a cmpxchg loop.
  const x86::Gp t = sized(kT1, size);
  const x86::Gp ax = sized(x86::rax, size), dx = sized(x86::rdx, size);
  a_.mov(kT1, kReg[insn.src]);
  a_.mov(frame(F(scratch)), x86::rax);
  a_.mov(frame(F(scratch) + 8), x86::rdx);
  a_.mov(ax, m);
  asmjit::Label again = a_.newLabel();
  a_.bind(again);
  a_.mov(dx, ax);
  if (op == AtomicOp::Or) a_.or_(dx, t);
  if (op == AtomicOp::And) a_.and_(dx, t);
  if (op == AtomicOp::Xor) a_.xor_(dx, t);
  a_.lock().cmpxchg(m, dx, ax);
  a_.jne(again);
  a_.mov(kT1, x86::rax);  // the old value, zero-extended when 32-bit
  a_.mov(x86::rax, frame(F(scratch)));
  a_.mov(x86::rdx, frame(F(scratch) + 8));
  a_.mov(kReg[insn.src], kT1);
}

void Emitter::emit_packet(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn) {
  (void)pc;
  const unsigned size = row.size;
  if (row.operand == semantics::Operand::Imm) {
    const int64_t offset = insn.imm;
    if (offset < 0) {
      a_.jmp(packet_end_);
      return;
    }
    a_.mov(kT1, static_cast<uint64_t>(offset) + size);
    a_.cmp(frame(F(packet_size)), kT1);
    a_.jb(packet_end_);
    a_.mov(kT0, frame(F(packet_data)));
    a_.add(kT0, static_cast<uint32_t>(offset));
  } else {
    a_.mov(kT1.r32(), kReg[insn.src].r32());
    a_.add(kT1.r32(), insn.imm);
    a_.movsxd(kT1, kT1.r32());
    a_.test(kT1, kT1);
    a_.js(packet_end_);
    a_.lea(kT0, x86::ptr(kT1, static_cast<int32_t>(size)));
    a_.cmp(frame(F(packet_size)), kT0);
    a_.jb(packet_end_);
    a_.mov(kT0, frame(F(packet_data)));
    a_.add(kT0, kT1);
  }
  // Network to host order: the semantics' packet_load_result is a byte swap of the size.
  if (size == 1) {
    a_.movzx(x86::eax, x86::byte_ptr(kT0));
  } else if (size == 2) {
    a_.movzx(x86::eax, x86::word_ptr(kT0));
    a_.rol(x86::ax, 8);
  } else {
    a_.mov(x86::eax, x86::dword_ptr(kT0));
    a_.bswap(x86::eax);
  }
}

// A local call: r6-r9 and r10 saved on the native stack (5 pushes + the return address keep
// rsp 16-byte aligned), a new 512-byte frame below the caller's, EXIT is a plain ret.
void Emitter::emit_local_call(const std::function<void()>& do_call) {
  a_.push(x86::rbx);
  a_.push(x86::r13);
  a_.push(x86::r14);
  a_.push(x86::r15);
  a_.push(x86::rbp);
  a_.add(frame32(F(depth)), 1);
  if (checked()) {
    a_.sub(frame(F(stack_lo)), static_cast<int32_t>(kStackFrameSize));
    for (int i = 0; i < 4; ++i) a_.add(frame(F(stack_lim) + 8 * i), static_cast<int32_t>(kStackFrameSize));
  }
  a_.sub(x86::rbp, static_cast<int32_t>(kStackFrameSize));
  // The first time this run reaches the new depth, its frame is zeroed (Jit::run zeroes only
  // frame 0): the callee sees a zeroed frame, as on the interpreter; later calls to the same
  // depth see what the last callee there left, as on the interpreter too.
  asmjit::Label fresh = a_.newLabel(), zeroed = a_.newLabel();
  a_.mov(kT1.r32(), frame32(F(depth)));
  a_.cmp(kT1.r32(), frame32(F(zeroed)));
  a_.ja(fresh);
  cold_.push_back([this, fresh, zeroed] {
    a_.bind(fresh);
    a_.mov(frame32(F(zeroed)), kT1.r32());
    a_.call(zero_frame_label());
    a_.jmp(zeroed);
  });
  a_.bind(zeroed);
  do_call();
  a_.pop(x86::rbp);
  a_.pop(x86::r15);
  a_.pop(x86::r14);
  a_.pop(x86::r13);
  a_.pop(x86::rbx);
  a_.sub(frame32(F(depth)), 1);
  if (checked()) {
    a_.add(frame(F(stack_lo)), static_cast<int32_t>(kStackFrameSize));
    for (int i = 0; i < 4; ++i) a_.sub(frame(F(stack_lim) + 8 * i), static_cast<int32_t>(kStackFrameSize));
  }
}

// A subroutine (shared by the prologue and every local call site) that zeroes the frame below
// rbp, the 512 bytes a function addresses from its r10. The stack is 16-byte aligned and so are frames. xmm0
// is free: generated code keeps nothing in vector registers, and its caller and the helpers
// it calls treat them as caller-saved.
asmjit::Label Emitter::zero_frame_label() {
  if (!zero_frame_.isValid()) {
    zero_frame_ = a_.newLabel();
    cold_.push_back([this] {
      a_.bind(zero_frame_);
      a_.xorps(x86::xmm0, x86::xmm0);
      for (int32_t off = -static_cast<int32_t>(kStackFrameSize); off < 0; off += 16) {
        a_.movaps(x86::ptr(x86::rbp, off), x86::xmm0);
      }
      a_.ret();
    });
  }
  return zero_frame_;
}

void Emitter::emit_call(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn) {
  asmjit::Label after;
  switch (row.call_kind()) {
    case CallKind::Local: {
      const size_t target = static_cast<size_t>(semantics::branch_target(insn, row, pc));
      a_.cmp(frame32(F(depth)), kMaxCallFrames - 1);
      a_.jae(trap_label(pc, TrapKind::CallDepthExceeded));
      emit_local_call([this, target] { a_.call(labels_[target]); });
      return;
    }
    case CallKind::Helper:
    case CallKind::Kfunc: {
      const Helper* callee = linked_.callees[pc];
      if (callee == nullptr) {
        emit_trap(pc, row.call_kind() == CallKind::Helper ? TrapKind::UnknownHelper : TrapKind::UnknownKfunc);
        return;
      }
      after = a_.newLabel();
      if (row.call_kind() == CallKind::Helper && callee->fn == standard_map_lookup()) {
        if (const Map* map = known_array_map(pc)) {
          asmjit::Label general = a_.newLabel();
          emit_inline_array_lookup(*map, general, after);
          a_.bind(general);
        }
      }
      spill(false);
      a_.mov(kT1, reinterpret_cast<uint64_t>(callee->fn));
      a_.mov(frame(F(helper_fn)), kT1);
      a_.mov(x86::rdi, kFrame);  // r1-r5 are already rsi, rdx, rcx, r8, r9
      emit_runtime_call(reinterpret_cast<const void*>(&Jit::Impl::call_helper));
      unspill(false);
      break;
    }
    case CallKind::Indirect: {
      a_.mov(frame(F(callx_value)), kReg[insn.dst]);
      a_.mov(frame32(F(trap_pc)), static_cast<uint32_t>(pc));  // for messages naming the register
      spill(true);
      a_.mov(x86::rdi, kFrame);
      emit_runtime_call(reinterpret_cast<const void*>(&Jit::Impl::callx));
      unspill(false);
      asmjit::Label done = a_.newLabel(), not_local = a_.newLabel();
      a_.cmp(frame32(F(status)), kLocalCall);
      a_.jne(not_local);
      a_.mov(x86::rax, frame(F(spill)));  // a local call leaves r0 as it was
      emit_local_call([this] { a_.call(frame(F(callx_target))); });
      a_.jmp(done);
      a_.bind(not_local);
      asmjit::Label stop = a_.newLabel();
      a_.cmp(frame32(F(status)), kContinue);
      a_.jne(stop);
      cold_.push_back([this, stop, pc] {
        a_.bind(stop);
        a_.cmp(frame32(F(status)), kExit);
        a_.jne(runtime_trap_label(pc));
        a_.mov(x86::rax, frame(F(exit_value)));
        a_.jmp(early_end_);
      });
      a_.bind(done);
      return;
    }
  }
  // After a helper or kfunc: status says whether it faulted or asked to end the program.
  asmjit::Label stop = a_.newLabel();
  a_.cmp(frame32(F(status)), kContinue);
  a_.jne(stop);
  cold_.push_back([this, stop, pc] {
    a_.bind(stop);
    a_.cmp(frame32(F(status)), kExit);
    a_.jne(runtime_trap_label(pc));
    a_.mov(x86::rax, frame(F(exit_value)));
    a_.jmp(early_end_);
  });
  a_.bind(after);
}

// The map r1 names at a call, when the segment loads it with LDDW src 1 / 5 and nothing after
// that writes r1 (a segment runs straight, so that LDDW executed). Only array maps.
const Map* Emitter::known_array_map(size_t call_pc) const {
  size_t pc = call_pc;
  while (pc > 0) {
    size_t prev = pc - 1;
    if (prog_.row(prev).kind == Kind::WideSlot) --prev;
    if (leader_[pc] && pc != call_pc) return nullptr;  // pc starts the segment: r1 came from elsewhere
    pc = prev;
    const auto& row = prog_.row(pc);
    const auto& insn = prog_.insns[pc];
    const bool writes_r1 = ((row.kind == Kind::Alu || row.kind == Kind::Load || row.kind == Kind::LoadImm64) &&
                            insn.dst == 1) ||
                           (row.kind == Kind::Atomic && row.fetch && row.atomic_op() != AtomicOp::Cmpxchg &&
                            insn.src == 1);
    if (!writes_r1) continue;
    if (row.kind != Kind::LoadImm64) return nullptr;
    if (row.lddw_kind() != LddwKind::MapFd && row.lddw_kind() != LddwKind::MapIdx) return nullptr;
    const uint64_t handle = linked_.lddw_values[pc];
    const Map* map = env_.map_from_handle(handle);
    if (map == nullptr || map->def().type != MapType::Array || map->def().key_size != 4) return nullptr;
    return map;
  }
  return nullptr;
}

// bpf_map_lookup_elem on a known array map, inline (as Linux's array_map_gen_lookup): the key
// is read when it lies in the active stack (anything else takes the general helper call, which
// also reports unreadable keys), then r0 = index < max_entries ? values + index * stride : 0,
// what the array map's lookup() computes. r1-r5 are left as they are, like after the helper.
void Emitter::emit_inline_array_lookup(const Map& map, asmjit::Label general, asmjit::Label done) {
  auto& m = const_cast<Map&>(map);
  a_.mov(kT1, kReg[2]);
  a_.sub(kT1, frame(F(stack_lo)));
  a_.cmp(kT1, frame(F(stack_lim) + 8 * 2));
  a_.jae(general);
  asmjit::Label null = a_.newLabel();
  a_.mov(x86::eax, x86::dword_ptr(kReg[2]));
  a_.cmp(x86::eax, map.def().max_entries);
  a_.jae(null);
  a_.imul(x86::rax, x86::rax, static_cast<int32_t>(map.stride()));
  a_.mov(kT1, reinterpret_cast<uint64_t>(m.slab().data()));
  a_.add(x86::rax, kT1);
  a_.jmp(done);
  a_.bind(null);
  a_.xor_(x86::eax, x86::eax);
  a_.jmp(done);
}

void Emitter::find_loops() {
  const size_t n = prog_.size();
  loop_of_.assign(n, -1);
  header_loop_.assign(n, -1);
  // Unchecked mode has no checks to drop; callx may enter any instruction.
  if (!checked() || has_callx_) return;
  auto found = find_versioned_loops(
      prog_, [this](size_t pc, uint8_t reg) { return likely_region(pc, reg); },
      [](int region) { return region == kCheckRegion || region == kCheckStack; });
  for (VersionedLoop& loop : found) {
    // Two back edges to one header give two loops sharing instructions: version the first.
    if (std::any_of(loop.pcs.begin(), loop.pcs.end(), [this](size_t pc) { return loop_of_[pc] >= 0; })) continue;
    const int index = static_cast<int>(loops_.size());
    for (size_t pc : loop.pcs) loop_of_[pc] = index;
    header_loop_[loop.header] = index;
    loops_.push_back(std::move(loop));
    checked_header_.push_back(a_.newLabel());
  }
}

// The label a jump at pc to target goes to: the checked loop's back edge skips its entry test;
// in a copy charged per iteration, a side exit first gives back the steps of the iteration it
// did not run.
asmjit::Label Emitter::jump_target(size_t pc, size_t target) {
  if (fast_ == nullptr && !header_loop_.empty() && header_loop_[target] >= 0 && loop_of_[pc] == header_loop_[target]) {
    return checked_header_[static_cast<size_t>(header_loop_[target])];
  }
  if (fast_ != nullptr && iteration_steps_ > 0 && loop_of_[target] != loop_of_[pc]) {
    const auto position = static_cast<size_t>(std::find(fast_->path.begin(), fast_->path.end(), pc) -
                                              fast_->path.begin());
    const uint64_t refund = iteration_steps_ - (position + 1);
    if (refund == 0) return labels_[target];
    const asmjit::Label stub = a_.newLabel(), to = labels_[target];
    cold_.push_back([this, stub, to, refund] {
      a_.bind(stub);
      a_.add(kBudget, static_cast<int32_t>(refund));
      a_.jmp(to);
    });
    return stub;
  }
  return labels_[target];
}

// Whether the copy without checks may charge the budget once per iteration rather than per
// segment: an iteration is one path from the header to the latch (every other edge leaves the
// loop) and none of its instructions can trap (every access proven at entry), so an iteration
// runs whole or leaves at a known position, and the steps it did not run are given back.
// Exact counting only (the other modes charge loop headers alike in both copies anyway).
bool Emitter::charges_per_iteration(const VersionedLoop& loop) const {
  if (options_.counting != StepCounting::Exact || loop.path.empty()) return false;
  for (size_t pc : loop.pcs) {
    const auto& row = prog_.row(pc);
    const auto& insn = prog_.insns[pc];
    if (row.kind == Kind::Atomic) return false;
    if ((row.kind == Kind::Load || row.kind == Kind::Store) && loop.range_of[pc] < 0 &&
        !elided(row.kind == Kind::Load ? insn.src : insn.dst, insn.off, row.size)) {
      return false;
    }
  }
  return true;
}

// At the header, reached from outside the loop: jumps to the copy without checks when every
// range of the loop lies in its region for all the iterations the latch allows, and falls
// through to the checked loop otherwise. Scratch: r10, r11 and the frame's scratch slot.
void Emitter::emit_loop_entry(size_t index) {
  const VersionedLoop& loop = loops_[index];
  const asmjit::Label checked_loop = checked_header_[index];
  const asmjit::Label fast = a_.newLabel();
  if (options_.listing) {
    const std::string line = fmt::format("entry test of the loop at pc {} (its copy without checks follows the body)",
                                         loop.header);
    a_.comment(line.data(), line.size());
  }
  const bool counted = std::any_of(loop.ranges.begin(), loop.ranges.end(), [](const AccessRange& r) {
    return r.counter >= 0;
  });
  if (counted) {
    // r11 = N, the number of header visits the latch allows (at least 1), from the counter's
    // value c here, its stride s (|s| = 2^shift) and the bound b. A loop that would run once,
    // or whose counter could wrap around before the latch stops it, takes the checked loop.
    const x86::Gp c = kReg[loop.counter];
    const int64_t s = loop.counter_stride;
    const auto m = static_cast<uint32_t>(s > 0 ? s : -s);
    const auto shift = static_cast<uint32_t>(__builtin_ctz(m));
    if (loop.bound_is_reg) {
      a_.mov(kT1, kReg[loop.bound_reg]);
    } else {
      load_imm(kT1, static_cast<uint64_t>(loop.bound_imm));
    }
    JmpOp op = loop.op;
    if (op == JmpOp::Jle) {  // c <= b is c < b + 1, unless b + 1 wraps
      a_.add(kT1, 1);
      a_.jb(checked_loop);
      op = JmpOp::Jlt;
    }
    if (op == JmpOp::Jge) {  // c >= b is c > b - 1, unless b is 0 (always true)
      a_.sub(kT1, 1);
      a_.jb(checked_loop);
      op = JmpOp::Jgt;
    }
    if (op == JmpOp::Jlt) {
      // c < b; the last value reached, below b + s, must not wrap: b + s < 2^64.
      a_.cmp(c, kT1);
      a_.jae(checked_loop);
      a_.mov(kT0, kT1);
      a_.add(kT0, static_cast<int32_t>(m));
      a_.jb(checked_loop);
      a_.sub(kT1, c);  // N = ceil((b - c) / s)
      if (m > 1) {
        a_.add(kT1, static_cast<int32_t>(m - 1));
        a_.shr(kT1, shift);
      }
    } else if (op == JmpOp::Jgt) {
      // c > b, counting down; the last value reached, above b - |s|, must not wrap: b >= |s| - 1.
      a_.cmp(c, kT1);
      a_.jbe(checked_loop);
      if (m > 1) {
        a_.cmp(kT1, static_cast<int32_t>(m - 1));
        a_.jb(checked_loop);
      }
      a_.mov(kT0, c);
      a_.sub(kT0, kT1);  // N = ceil((c - b) / |s|)
      if (m > 1) {
        a_.add(kT0, static_cast<int32_t>(m - 1));
        a_.shr(kT0, shift);
      }
      a_.mov(kT1, kT0);
    } else {  // Jne: the counter must reach b exactly, from below (s > 0) or above
      if (s > 0) {
        a_.cmp(c, kT1);
        a_.jae(checked_loop);
        a_.sub(kT1, c);
      } else {
        a_.cmp(c, kT1);
        a_.jbe(checked_loop);
        a_.mov(kT0, c);
        a_.sub(kT0, kT1);
        a_.mov(kT1, kT0);
      }
      if (m > 1) {
        a_.test(kT1.r32(), static_cast<uint32_t>(m - 1));
        a_.jnz(checked_loop);
        a_.shr(kT1, shift);
      }
    }
    // N < 2^32 keeps (N - 1) * |stride| (|stride| <= 2^30) exact; the frame keeps N - 1.
    a_.mov(kT0, kT1);
    a_.shr(kT0, 32);
    a_.jnz(checked_loop);
    a_.sub(kT1, 1);
    a_.mov(frame(F(scratch)), kT1);
  }
  for (const AccessRange& r : loop.ranges) {
    // r10 = the lowest address - region start, r11 = the range's bytes; in the region when
    // bytes <= limit and r10 <= limit - bytes (limits for 1-byte accesses: the region's size).
    const x86::Mem start = frame(r.region == kCheckStack ? F(stack_lo) : F(region_start));
    const x86::Mem lim = frame(r.region == kCheckStack ? F(stack_lim)
                               : r.write                ? F(region_write_lim)
                                                        : F(region_read_lim));
    const int64_t t = r.counter >= 0 ? r.stride : 0;
    const auto lo = static_cast<int32_t>(r.lo);
    const auto width = static_cast<int32_t>(r.hi - r.lo);
    if (r.base >= 0 && r.counter >= 0) {
      a_.lea(kT0, x86::ptr(kReg[r.base], kReg[r.counter], 0, lo));
    } else {
      a_.lea(kT0, x86::ptr(kReg[r.base >= 0 ? r.base : r.counter], lo));
    }
    if (t != 0) {
      a_.mov(kT1, frame(F(scratch)));
      if (t != 1 && t != -1) a_.imul(kT1, kT1, static_cast<int32_t>(t < 0 ? -t : t));  // the counter's travel
      if (t < 0) a_.sub(kT0, kT1);
      a_.add(kT1, width);
    } else {
      a_.mov(kT1.r32(), static_cast<uint32_t>(width));
    }
    a_.sub(kT0, start);
    a_.cmp(kT1, lim);
    a_.ja(checked_loop);
    a_.neg(kT1);
    a_.add(kT1, lim);
    a_.cmp(kT0, kT1);
    a_.ja(checked_loop);
  }
  a_.jmp(fast);
  cold_.push_back([this, index, fast] { emit_unchecked_copy(index, fast); });
}

// The loop once more, its pcs in order, with labels of its own (the header's is `entry`):
// accesses in a range the entry test proved go unchecked; jumps out of the loop go to the
// checked code's labels; a fall-through to an instruction that is not next here is a jump.
void Emitter::emit_unchecked_copy(size_t index, asmjit::Label entry) {
  const VersionedLoop& loop = loops_[index];
  std::vector<asmjit::Label> saved;
  saved.reserve(loop.pcs.size());
  for (size_t pc : loop.pcs) {
    saved.push_back(labels_[pc]);
    labels_[pc] = pc == loop.header ? entry : a_.newLabel();
    annotated_[pc] = 0;  // listed again, in this copy
  }
  if (options_.listing) {
    const std::string line = fmt::format("loop at pc {} without its checks ({} ranges tested at its entry)",
                                         loop.header, loop.ranges.size());
    a_.comment(line.data(), line.size());
  }
  // The copy is reached only by jumps (the entry test's and its own), so padding before its
  // header never runs: align it, as compilers align loops (a tight loop across a 64-byte
  // boundary costs a second fetch per iteration on some cores).
  a_.align(asmjit::AlignMode::kCode, 64);
  fast_ = &loop;
  fast_index_ = index;
  iteration_steps_ = charges_per_iteration(loop) ? loop.pcs.size() : 0;
  for (size_t i = 0; i < loop.pcs.size(); ++i) {
    const size_t last = emit_at(loop.pcs[i]);
    while (i + 1 < loop.pcs.size() && loop.pcs[i + 1] <= last) ++i;
    const auto& row = prog_.row(last);
    const size_t nx = next_pc(last);
    const bool falls = row.kind != Kind::Exit && semantics::falls_through(row);
    if (falls && (i + 1 == loop.pcs.size() || loop.pcs[i + 1] != nx)) a_.jmp(jump_target(last, nx));
  }
  fast_ = nullptr;
  iteration_steps_ = 0;
  for (size_t i = 0; i < loop.pcs.size(); ++i) labels_[loop.pcs[i]] = saved[i];
}

// At the header of a copy charged per iteration: the whole iteration's steps. When the budget
// cannot pay them, the iteration runs in the checked loop instead, which charges segment by
// segment and ends the run exactly where the interpreter does.
void Emitter::emit_iteration_charge() {
  const asmjit::Label short_budget = a_.newLabel(), checked_loop = checked_header_[fast_index_];
  const auto steps = static_cast<int32_t>(iteration_steps_);
  a_.sub(kBudget, steps);
  a_.jb(short_budget);
  cold_.push_back([this, short_budget, checked_loop, steps] {
    a_.bind(short_budget);
    a_.add(kBudget, steps);
    a_.jmp(checked_loop);
  });
}

// In the copy without checks, whether the access at pc needs no check (its range passed).
bool Emitter::proven_at_entry(size_t pc, uint64_t flags) const {
  return fast_ != nullptr && fast_->range_of[pc] >= 0 && (flags & kAccessAtomic) == 0;
}

// Throws nothing: asmjit reports errors through return values, collected here.
class CollectErrors : public asmjit::ErrorHandler {
 public:
  void handleError(asmjit::Error err, const char* message, asmjit::BaseEmitter*) override {
    if (error == asmjit::kErrorOk) {
      error = err;
      text = message;
    }
  }
  asmjit::Error error = asmjit::kErrorOk;
  std::string text;
};

RunContext& context(JitFrame* f) { return *static_cast<RunContext*>(f->run); }

// After an accepted access outside the stack and the first region: remember its region (or map
// element) for the inline cache check, unless another region overlaps it (the first region
// containing an access decides whether it may write, so overlaps must go through Memory).
void remember_region(JitFrame* f, const Memory& memory, uint64_t addr, uint64_t len) {
  const Region* r = memory.find(addr, len);
  if (r == nullptr || r->stride != 0) return;  // in the stack, or a map (inline checks, see kInlineMaps)
  for (const Region& other : memory.regions()) {
    if (&other != r && other.start < r->start + r->size && r->start < other.start + other.size) return;
  }
  const uint64_t start = r->start, size = r->size;
  const uint64_t sizes[4] = {1, 2, 4, 8};
  f->cache_start = start;
  for (int i = 0; i < 4; ++i) {
    f->cache_read_lim[i] = size >= sizes[i] ? size - sizes[i] + 1 : 0;
    f->cache_write_lim[i] = r->writable ? f->cache_read_lim[i] : 0;
  }
}

}  // namespace

uint64_t Jit::Impl::check_access(JitFrame* f, uint64_t addr, uint64_t flags) {
  RunContext& rc = context(f);
  Memory& memory = rc.memory(f->depth);
  const uint64_t len = flags & 0xff;
  const bool write = (flags & kAccessWrite) != 0;
  if (write ? memory.writable(addr, len) : memory.readable(addr, len)) {
    remember_region(f, memory, addr, len);
    return 0;
  }
  const TrapKind kind =
      write && memory.readable(addr, len) ? TrapKind::WriteToReadOnly : TrapKind::OutOfBounds;
  const char* what = (flags & kAccessAtomic) ? "atomic update" : write ? "write" : "read";
  f->trap_kind = static_cast<uint32_t>(kind);
  rc.message = fmt::format("{} of {} bytes at {:#x}: {}", what, len, addr, memory.describe(addr));
  return 1;
}

uint64_t Jit::Impl::call_helper(JitFrame* f, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
  RunContext& rc = context(f);
  Memory& memory = rc.memory(f->depth);
  HelperContext ctx{*rc.env, memory};
  const uint64_t r0 = reinterpret_cast<HelperFn>(f->helper_fn)(ctx, a, b, c, d, e);
  f->status = kContinue;
  if (ctx.faulted) {
    f->status = kTrap;
    f->trap_kind = static_cast<uint32_t>(TrapKind::HelperFault);
    rc.message = std::move(ctx.fault_message);
  } else if (ctx.exit_requested) {
    f->status = kExit;
    f->exit_value = ctx.exit_value;
  }
  return r0;
}

uint64_t Jit::Impl::callx(JitFrame* f, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
  RunContext& rc = context(f);
  const uint64_t target = f->callx_value;
  const unsigned reg = rc.program->insns[f->trap_pc].dst;
  auto trap = [&](TrapKind kind, std::string message) {
    f->status = kTrap;
    f->trap_kind = static_cast<uint32_t>(kind);
    rc.message = std::move(message);
    return uint64_t{0};
  };
  if ((target & kHandleMask) == kCodeAddressBase) {
    const uint64_t pc = target - kCodeAddressBase;
    if (pc >= rc.native_pc->size() || (*rc.native_pc)[pc] == 0) {
      return trap(TrapKind::BadCallTarget,
                  fmt::format("callx r{} = {:#x}: code address of pc {} is not an instruction", reg, target, pc));
    }
    if (f->depth + 1 >= static_cast<uint32_t>(kMaxCallFrames)) {
      return trap(TrapKind::CallDepthExceeded, fmt::format("call depth would exceed {} frames", kMaxCallFrames));
    }
    f->callx_target = (*rc.native_pc)[pc];
    f->status = kLocalCall;
    return 0;
  }
  const Helper* callee = target <= INT32_MAX ? rc.env->helper(static_cast<int32_t>(target)) : nullptr;
  if (callee == nullptr) {
    return trap(target <= INT32_MAX ? TrapKind::UnknownHelper : TrapKind::BadCallTarget,
                fmt::format("callx r{} = {:#x} is neither a helper id nor a code address", reg, target));
  }
  f->helper_fn = reinterpret_cast<uint64_t>(callee->fn);
  return call_helper(f, a, b, c, d, e);
}

// The slow path of a segment the budget cannot pay for in full: the first `budget`
// instructions run here, one by one with the interpreter's checks and the semantics templates
// (segments hold only ALU, LDDW, loads, stores and atomics before their last instruction, and
// the last one is never reached), then the run traps. Returns the budget left, for the steps
// count.
uint64_t Jit::Impl::replay(JitFrame* f, uint64_t pc, uint64_t budget) {
  RunContext& rc = context(f);
  Memory& memory = rc.memory(f->depth);
  const semantics::Program& prog = *rc.program;
  uint64_t* r = f->regs;
  auto fault = [&](uint64_t addr, uint64_t len, const char* what, bool write) {
    const TrapKind kind = write && memory.readable(addr, len) ? TrapKind::WriteToReadOnly : TrapKind::OutOfBounds;
    f->trap_kind = static_cast<uint32_t>(kind);
    f->trap_pc = static_cast<uint32_t>(pc);
    rc.message = fmt::format("{} of {} bytes at {:#x}: {}", what, len, addr, memory.describe(addr));
  };
  auto read = [](uint64_t addr, unsigned n) {
    uint64_t v = 0;
    std::memcpy(&v, reinterpret_cast<const void*>(addr), n);  // little-endian host
    return v;
  };
  auto write = [](uint64_t addr, unsigned n, uint64_t v) { std::memcpy(reinterpret_cast<void*>(addr), &v, n); };
  for (uint64_t left = budget; left > 0; --left) {
    const semantics::Encoding& row = prog.row(pc);
    const semantics::Insn& insn = prog.insns[pc];
    const uint64_t off = static_cast<uint64_t>(int64_t{insn.off});
    switch (row.kind) {
      case Kind::Alu: {
        const uint64_t operand =
            row.operand == semantics::Operand::Reg ? r[insn.src] : semantics::imm_operand(insn.imm);
        r[insn.dst] = semantics::alu<uint64_t>(row.alu_op(), row.width, r[insn.dst], operand, row.size);
        break;
      }
      case Kind::LoadImm64: r[insn.dst] = rc.linked->lddw_values[pc]; break;
      case Kind::Load: {
        const uint64_t addr = r[insn.src] + off;
        if (!memory.readable(addr, row.size)) {
          fault(addr, row.size, "read", false);
          return left - 1;
        }
        r[insn.dst] = semantics::load_result<uint64_t>(read(addr, row.size), row.size, row.sign_extend);
        break;
      }
      case Kind::Store:
      case Kind::Atomic: {
        const uint64_t addr = r[insn.dst] + off;
        const bool atomic = row.kind == Kind::Atomic;
        if (!memory.writable(addr, row.size)) {
          fault(addr, row.size, atomic ? "atomic update" : "write", true);
          return left - 1;
        }
        if (!atomic) {
          const uint64_t v = row.operand == semantics::Operand::Reg ? r[insn.src] : semantics::imm_operand(insn.imm);
          write(addr, row.size, semantics::store_value<uint64_t>(v, row.size));
          break;
        }
        const uint64_t old = read(addr, row.size);
        write(addr, row.size, semantics::atomic_new_value<uint64_t>(row.atomic_op(), row.size, old, r[insn.src], r[0]));
        if (row.fetch) {
          r[row.atomic_op() == AtomicOp::Cmpxchg ? 0 : insn.src] = semantics::atomic_fetch_result<uint64_t>(old, row.size);
        }
        break;
      }
      default: break;  // never inside a segment
    }
    pc += row.kind == Kind::LoadImm64 ? 2 : 1;
  }
  f->trap_kind = static_cast<uint32_t>(TrapKind::StepBudgetExhausted);
  f->trap_pc = static_cast<uint32_t>(pc);
  return 0;
}

namespace {

// Code pages: where generated code lives and how it becomes executable.
//
// Pooling. Mapping fresh pages per program (mmap, the first-touch page faults, munmap) costs
// more than generating the code of a small program. Blocks are whole pages, carved from chunks
// of kChunkPages mapped pre-faulted (MAP_POPULATE), and go back to a free list per size when
// their Jit is destroyed; beyond kMaxPooledPages free pages, freed blocks are unmapped. A
// program too large for a quarter of a chunk gets a mapping of its own (pooled the same way).
// One mutex guards the pools; writing the code runs outside it, on a block only that compile
// holds, so compiles on several threads overlap except for taking and returning blocks.
//
// Installing code, CodeInstall::Memfd (the default). The pages belong to a memfd
// ("bpfcert-jit") and its only mappings are read + execute, MAP_SHARED. compile() writes the
// code with one pwrite() of the whole block (the code and its zero padding, so nothing a
// previous program left survives) at the block's offset in the file: the kernel writes the
// page-cache pages that the mapping shows. No mapping is ever writable, so W^X holds in a
// stronger form than "never writable and executable at once": there is no writable view of
// the code at all. What can change the code is the file descriptor (close-on-exec), as
// mprotect is in the fallback. A freed block goes straight back to its free list, still read
// + execute: its old code is unreachable (its Jit is gone) and the next pwrite replaces all of
// it. On the development VM a syscall costs ~1 us, a pwrite of a page ~2 us, and an mprotect
// that takes write access away ~6 us (a TLB flush; tens of microseconds on some virtualised
// hosts), plus the batched mprotects that made freed blocks writable again.
//
// Rewriting a block that held other code. x86 keeps instruction caches coherent with stores,
// including the kernel's stores through its own mapping of the page (caches are snooped by
// physical address), so no cache flush is needed. What x86 does not promise is that a
// processor drops instructions it already fetched when another processor rewrites them: the
// SDM's protocol for cross-modifying code has the executing processor serialise (cpuid)
// before it runs the new code. We rely instead on the block being unreachable while it is
// rewritten, as Linux's BPF JIT does when it copies a new program into a freed part of its
// executable memory (bpf_prog_pack, through another mapping): no thread runs a Jit's code once
// the Jit is destroyed, so no processor is executing in the block, and the new Jit reaches
// other threads only after pwrite() has returned, through whatever synchronisation hands it
// over. (The fallback's mprotect may interrupt other processors running the process for its
// TLB shootdown, which serialises them in passing; the memfd path, like most JITs, does not.)
//
// fork(). A child shares MAP_SHARED mappings instead of getting copies: were parent and child
// to keep allocating from the same file, one would overwrite code the other runs. So at a fork
// (pthread_atfork) both processes stop writing the file they now share: each starts a memfd of
// its own at its next compile; the shared file's free blocks and the rest of its chunk are
// unmapped, and its blocks still in use are unmapped rather than pooled when freed (the
// descriptor is closed with the last of them). Code compiled before the fork keeps running in
// both processes.
//
// The fallback, CodeInstall::Mprotect: when memfd_create() or an executable mapping of the
// memfd is refused (a seccomp filter, an SELinux execmem policy), when the environment sets
// BPFCERT_JIT_MPROTECT (read once; anything but "" or "0"), or while jit_force_mprotect(true)
// is in effect. Anonymous private pages: a block in this pool is read + write and never
// executable; compile() copies the code into it, then makes it read + execute (mprotect); a
// freed block becomes read + write again before it returns to the pool, so pages are never
// writable and executable at once. Freed blocks are made writable in batches (kRetireBatch
// pages, adjacent blocks in one mprotect), which halves a compile-and-free cycle; until its
// batch, a freed block keeps its code, read + execute, unreachable. Each block remembers its
// pool (CodeBlock::file_offset), so switching mechanisms at any time is safe.
class CodePages {
 public:
  using Block = detail::CodeBlock;

  static CodePages& instance() {
    static CodePages* pages = new CodePages;  // never destroyed: Jits may outlive statics
    return *pages;
  }

  // A block of at least `bytes`: in the memfd (file_offset >= 0, read + execute; fill it with
  // write()) or, failing that or when the fallback is wanted, anonymous read + write pages.
  // start is nullptr when nothing could be mapped.
  Block acquire(size_t bytes) {
    const size_t pages = std::max<size_t>(1, (bytes + page_ - 1) / page_);
    std::lock_guard lock(mutex_);
    if (memfd_wanted()) {
      const Block b = memfd_.acquire(pages);
      if (b.start != nullptr) return b;
    }
    return anonymous_.acquire(pages);
  }

  void release(const Block& b) {
    std::lock_guard lock(mutex_);
    if (b.file_offset >= 0) {
      memfd_.release(b);
    } else {
      anonymous_.release(b);
    }
  }

  // Makes `image` (b.bytes long: the code and its padding) the contents of a memfd block.
  static bool write(const Block& b, const uint8_t* image) {
    size_t done = 0;
    while (done < b.bytes) {
      const auto at = static_cast<off_t>(b.file_offset) + static_cast<off_t>(done);
      const ssize_t n = pwrite(b.fd, image + done, b.bytes - done, at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  CodeInstall next_install() {
    std::lock_guard lock(mutex_);
    return memfd_wanted() && memfd_.ready() ? CodeInstall::Memfd : CodeInstall::Mprotect;
  }

  void force_mprotect(bool force) { forced_mprotect_.store(force, std::memory_order_relaxed); }

 private:
  static constexpr size_t kChunkPages = 64;
  static constexpr size_t kMaxPooledPages = 1024;  // per pool
  static constexpr size_t kRetireBatch = 64;

  // Blocks in a memfd mapped read + execute only (see above). Called with the mutex held.
  class MemfdPool {
   public:
    explicit MemfdPool(size_t page) : page_(page) {}

    // Whether a memfd is open (opening one if need be) and executable mappings of it work.
    bool ready() {
      if (!usable_) return false;
      if (fd_ < 0 && !open()) return false;
      if (proven_) return true;
      // The first chunk is the test of whether an executable mapping is allowed.
      return new_chunk();
    }

    Block acquire(size_t pages) {
      if (!ready()) return {};
      const size_t bytes = pages * page_;
      if (auto it = free_.find(pages); it != free_.end() && !it->second.empty()) {
        const Free f = it->second.back();
        it->second.pop_back();
        free_pages_ -= pages;
        ++live_;
        return {f.start, bytes, f.offset, fd_};
      }
      if (pages > kChunkPages / 4) {
        int64_t offset = 0;
        uint8_t* start = map(bytes, offset);
        if (start == nullptr) return {};
        ++live_;
        return {start, bytes, offset, fd_};
      }
      // The rest of the old chunk stays mapped (and its part of the file allocated), unused.
      if (chunk_left_ < pages && !new_chunk()) return {};
      const Block b{chunk_, bytes, chunk_offset_, fd_};
      chunk_ += bytes;
      chunk_offset_ += static_cast<int64_t>(bytes);
      chunk_left_ -= pages;
      ++live_;
      return b;
    }

    void release(const Block& b) {
      if (b.fd != fd_) {  // a block of the file shared with the other side of a fork
        munmap(b.start, b.bytes);
        const auto it = shared_files_.find(b.fd);
        if (it != shared_files_.end() && --it->second == 0) {
          close(b.fd);
          shared_files_.erase(it);
        }
        return;
      }
      --live_;
      const size_t pages = b.bytes / page_;
      if (free_pages_ + pages > kMaxPooledPages) {
        munmap(b.start, b.bytes);
        // Give the memory back; the offsets are not reused (the file only grows, sparsely).
        fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, b.file_offset, static_cast<off_t>(b.bytes));
        return;
      }
      free_[pages].push_back({b.start, b.file_offset});
      free_pages_ += pages;
    }

    // In both processes after a fork (the mutex was held across it): stop using the file
    // they share; see above.
    void after_fork() {
      if (fd_ < 0) return;
      for (const auto& [pages, blocks] : free_) {
        for (const Free& f : blocks) munmap(f.start, pages * page_);
      }
      free_.clear();
      free_pages_ = 0;
      if (chunk_left_ > 0) munmap(chunk_, chunk_left_ * page_);
      chunk_ = nullptr;
      chunk_left_ = 0;
      if (live_ == 0) {
        close(fd_);
      } else {
        shared_files_[fd_] = live_;
      }
      fd_ = -1;
      live_ = 0;
    }

   private:
    struct Free {
      uint8_t* start;
      int64_t offset;
    };

    bool open() {
      // MFD_NOEXEC_SEAL (Linux 6.3+): the file can never be execve()d, which is all it denies
      // (mapping it executable is not affected) and what the vm.memfd_noexec sysctl asks for.
      int fd = memfd_create("bpfcert-jit", MFD_CLOEXEC | kNoExecSeal);
      if (fd < 0 && errno == EINVAL) fd = memfd_create("bpfcert-jit", MFD_CLOEXEC);
      if (fd < 0) {
        if (!proven_) usable_ = false;
        return false;
      }
      fd_ = fd;
      file_size_ = 0;
      return true;
    }

    bool new_chunk() {
      int64_t offset = 0;
      uint8_t* start = map(kChunkPages * page_, offset);
      if (start == nullptr) return false;
      chunk_ = start;
      chunk_offset_ = offset;
      chunk_left_ = kChunkPages;
      return true;
    }

    // Grows the file by `bytes` and maps them read + execute, pre-faulted (so the first run
    // of the code pays no page faults). nullptr on failure; the first failure before any
    // mapping worked turns the memfd off for good (the fallback takes over).
    uint8_t* map(size_t bytes, int64_t& offset) {
      offset = file_size_;
      void* mem = MAP_FAILED;
      if (ftruncate(fd_, static_cast<off_t>(offset) + static_cast<off_t>(bytes)) == 0) {
        mem = mmap(nullptr, bytes, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_POPULATE, fd_, static_cast<off_t>(offset));
      }
      if (mem == MAP_FAILED) {
        if (!proven_) {
          usable_ = false;
          close(fd_);
          fd_ = -1;
        }
        return nullptr;
      }
      file_size_ += static_cast<int64_t>(bytes);
      proven_ = true;
      return static_cast<uint8_t*>(mem);
    }

#ifdef MFD_NOEXEC_SEAL
    static constexpr unsigned kNoExecSeal = MFD_NOEXEC_SEAL;
#else
    static constexpr unsigned kNoExecSeal = 0x0008U;
#endif

    const size_t page_;
    bool usable_ = true;   // false once memfd_create or an executable mapping was refused
    bool proven_ = false;  // an executable mapping of a memfd has worked in this process
    int fd_ = -1;
    int64_t file_size_ = 0;
    uint8_t* chunk_ = nullptr;
    int64_t chunk_offset_ = 0;
    size_t chunk_left_ = 0;  // pages
    std::map<size_t, std::vector<Free>> free_;
    size_t free_pages_ = 0;
    size_t live_ = 0;                     // blocks of fd_ handed out and not released
    std::map<int, size_t> shared_files_;  // memfds from before a fork: blocks still in use
  };

  // Anonymous private pages, read + write in the pool (the mprotect fallback, see above).
  // Called with the mutex held.
  class AnonymousPool {
   public:
    explicit AnonymousPool(size_t page) : page_(page) {}

    Block acquire(size_t pages) {
      const size_t bytes = pages * page_;
      if (auto it = free_.find(pages); it != free_.end() && !it->second.empty()) {
        uint8_t* block = it->second.back();
        it->second.pop_back();
        free_pages_ -= pages;
        return {block, bytes, -1, -1};
      }
      if (pages > kChunkPages / 4) return {map(bytes, false), bytes, -1, -1};
      if (chunk_left_ < pages) {
        // The rest of the old chunk stays mapped, read + write, and unused.
        chunk_ = map(kChunkPages * page_, true);
        chunk_left_ = chunk_ == nullptr ? 0 : kChunkPages;
        if (chunk_ == nullptr) return {};
      }
      const Block b{chunk_, bytes, -1, -1};
      chunk_ += bytes;
      chunk_left_ -= pages;
      return b;
    }

    void release(const Block& b) {
      if (free_pages_ + retired_pages_ + b.bytes / page_ > kMaxPooledPages) {
        munmap(b.start, b.bytes);
        return;
      }
      retired_.push_back({b.start, b.bytes});
      retired_pages_ += b.bytes / page_;
      if (retired_pages_ >= kRetireBatch) recycle_retired();
    }

   private:
    struct Retired {
      uint8_t* start;
      size_t bytes;
    };

    // Makes the retired blocks read + write, adjacent ones in one mprotect, and pools them.
    void recycle_retired() {
      std::sort(retired_.begin(), retired_.end(), [](const Retired& a, const Retired& b) { return a.start < b.start; });
      for (size_t i = 0; i < retired_.size();) {
        size_t j = i + 1;
        uint8_t* end = retired_[i].start + retired_[i].bytes;
        while (j < retired_.size() && retired_[j].start == end) end += retired_[j++].bytes;
        const bool writable = mprotect(retired_[i].start, static_cast<size_t>(end - retired_[i].start),
                                       PROT_READ | PROT_WRITE) == 0;
        for (; i < j; ++i) {
          const Retired& b = retired_[i];
          if (!writable) {
            munmap(b.start, b.bytes);
            continue;
          }
          free_[b.bytes / page_].push_back(b.start);
          free_pages_ += b.bytes / page_;
        }
      }
      retired_.clear();
      retired_pages_ = 0;
    }

    static uint8_t* map(size_t bytes, bool populate) {
      const int flags = MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0);
      void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
      return mem == MAP_FAILED ? nullptr : static_cast<uint8_t*>(mem);
    }

    const size_t page_;
    uint8_t* chunk_ = nullptr;
    size_t chunk_left_ = 0;  // pages
    std::map<size_t, std::vector<uint8_t*>> free_;
    size_t free_pages_ = 0;
    std::vector<Retired> retired_;  // freed, still read + execute: see the comment above
    size_t retired_pages_ = 0;
  };

  CodePages()
      : page_(static_cast<size_t>(sysconf(_SC_PAGESIZE))),
        env_forces_mprotect_([] {
          const char* v = std::getenv("BPFCERT_JIT_MPROTECT");
          return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
        }()),
        memfd_(page_),
        anonymous_(page_) {
    self_ = this;
    pthread_atfork([] { self_->mutex_.lock(); }, after_fork, after_fork);
  }

  static void after_fork() {
    self_->memfd_.after_fork();
    self_->mutex_.unlock();
  }

  bool memfd_wanted() const { return !env_forces_mprotect_ && !forced_mprotect_.load(std::memory_order_relaxed); }

  static inline CodePages* self_ = nullptr;  // for the fork handlers
  const size_t page_;
  const bool env_forces_mprotect_;
  std::atomic<bool> forced_mprotect_{false};
  std::mutex mutex_;
  MemfdPool memfd_;
  AnonymousPool anonymous_;
};

}  // namespace

bool jit_available() {
#if defined(__x86_64__)
  return true;
#else
  return false;
#endif
}

CodeInstall jit_code_install() { return CodePages::instance().next_install(); }

void jit_force_mprotect(bool force) { CodePages::instance().force_mprotect(force); }

Jit::Jit(const LinkedProgram& linked, Environment& env, const JitOptions& options)
    : linked_(&linked), env_(&env), options_(options) {}

Jit::~Jit() {
  if (block_.start != nullptr) CodePages::instance().release(block_);
}

semantics::Result<std::unique_ptr<Jit>> Jit::compile(const LinkedProgram& linked, Environment& env,
                                                     const JitOptions& options) {
  using semantics::Error;
  using semantics::ErrorCode;
  if (!jit_available()) return Error{ErrorCode::UsageError, {}, "the JIT needs an x86-64 host"};
  if (options.counting == StepCounting::Off && options.safety != SafetyMode::Unchecked) {
    return Error{ErrorCode::UsageError, {},
                 "jit: running without a step budget needs unchecked mode (a program the verifier accepted)"};
  }
  std::unique_ptr<Jit> jit(new Jit(linked, env, options));
  asmjit::CodeHolder code;
  asmjit::Environment target = asmjit::Environment::host();
  code.init(target);
  CollectErrors errors;
  code.setErrorHandler(&errors);
  asmjit::StringLogger logger;
  if (options.listing) {
    logger.addFlags(asmjit::FormatFlags::kHexImms | asmjit::FormatFlags::kHexOffsets);
    code.setLogger(&logger);
  }
  std::vector<asmjit::Label> entries;
  {
    Emitter emitter(env, linked, jit->options_, code);
    auto generated = emitter.run(entries);
    if (!generated.ok()) return generated.error();
  }
  if (errors.error == asmjit::kErrorOk) errors.error = code.flatten();
  if (errors.error == asmjit::kErrorOk) errors.error = code.resolveUnresolvedLinks();
  const size_t size = code.codeSize();
  const detail::CodeBlock block = CodePages::instance().acquire(size);
  if (block.start == nullptr) return Error{ErrorCode::UsageError, {}, "jit: mmap failed"};
  jit->block_ = block;
  uint8_t* const mem = block.start;
  if (errors.error == asmjit::kErrorOk) errors.error = code.relocateToBase(reinterpret_cast<uint64_t>(mem));
  // The whole block is written, padding included (kPadTargetBuffer), so nothing a previous
  // program left in a recycled block survives. With one section (.text: runtime functions are
  // called through a register, so asmjit adds no .addrtab) the code and the padding cover
  // every byte of the image; asmjit would leave gaps between sections unwritten.
  std::unique_ptr<uint8_t[]> image;
  if (errors.error == asmjit::kErrorOk) {
    if (block.file_offset >= 0) {
      image = code.sectionCount() == 1 ? std::make_unique_for_overwrite<uint8_t[]>(block.bytes)
                                       : std::make_unique<uint8_t[]>(block.bytes);
      errors.error = code.copyFlattenedData(image.get(), block.bytes, asmjit::CopySectionFlags::kPadTargetBuffer);
    } else {
      errors.error = code.copyFlattenedData(mem, block.bytes, asmjit::CopySectionFlags::kPadTargetBuffer);
    }
  }
  if (errors.error != asmjit::kErrorOk) {
    return Error{ErrorCode::UsageError, {},
                 fmt::format("jit: code generation failed: {}", asmjit::DebugUtils::errorAsString(errors.error))};
  }
  if (block.file_offset >= 0) {
    // The memfd's mappings are read + execute only: the kernel writes the code into the file
    // (see CodePages). The block is unreachable until this returns.
    if (!CodePages::write(block, image.get())) {
      return Error{ErrorCode::UsageError, {}, fmt::format("jit: pwrite failed: {}", std::strerror(errno))};
    }
  } else if (mprotect(mem, block.bytes, PROT_READ | PROT_EXEC) != 0) {
    // The fallback: the block was only ever read + write; now it becomes read + execute.
    return Error{ErrorCode::UsageError, {}, "jit: mprotect failed"};
  }
  if (options.listing) {
    jit->listing_ = fmt::format("; {} bytes of x86-64 at {}, {} mode\n{}", size, static_cast<void*>(mem),
                                options.safety == SafetyMode::Checked ? "checked" : "unchecked", logger.data());
  }
  jit->code_size_ = size;
  jit->entry_ = reinterpret_cast<void (*)(void*)>(mem);
  const size_t n = linked.program->size();
  jit->native_pc_.assign(n, 0);
  for (size_t pc = 0; pc < n; ++pc) {
    if (entries[pc].isValid()) {
      jit->native_pc_[pc] = reinterpret_cast<uint64_t>(mem) + code.labelOffsetFromBase(entries[pc]);
    }
  }
  return jit;
}

// UBSan's -fsanitize=function (on in the fuzz builds) checks an indirect call by reading a type
// signature in the 8 bytes before the callee; generated code has none, and a code block at the
// start of a pool chunk has no mapped page before it, so the check itself would fault.
#if defined(__clang__)
#define BPFCERT_CALLS_GENERATED_CODE __attribute__((no_sanitize("function")))
#else
#define BPFCERT_CALLS_GENERATED_CODE
#endif

BPFCERT_CALLS_GENERATED_CODE
RunResult Jit::run(const Invocation& invocation, const RunOptions& options) const {
  // The stack starts zeroed, as the interpreter's, but the generated code zeroes it a frame at
  // a time: frame 0 on entry, a deeper frame when a local call first reaches it in this run
  // (JitFrame::zeroed), so a run that never calls does not pay for 4 KiB of stores. Frames
  // become active one at a time (depth + 1), so the zeroed frames are always 0..zeroed.
  alignas(16) uint8_t own_stack[kStackBytes];
  uint8_t* const stack = run_stack_base(options, own_stack);
  const uint64_t stack_top = reinterpret_cast<uint64_t>(stack) + kStackBytes;
  RunContext rc{this,     env_,    &invocation, reinterpret_cast<uint64_t>(stack), linked_->program,
                &native_pc_, linked_, false,        {},                                {}};

  // Only the fields the generated code reads before writing them are set (the frame is large,
  // and zeroing all of it is a good part of a short run).
  JitFrame f;
  f.run = &rc;
  f.depth = 0;
  f.zeroed = 0;
  f.outcome = 0;
  f.stack_top = stack_top;
  f.stack_lo = stack_top - kStackFrameSize;
  const uint64_t sizes[4] = {1, 2, 4, 8};
  for (int i = 0; i < 4; ++i) f.stack_lim[i] = kStackFrameSize - sizes[i] + 1;
  // The first region of the run's Memory (the invocation's, then the environment's), tested
  // inline when it is contiguous.
  Environment::RegionBounds first;
  if (!invocation.regions.empty()) {
    const Region& r = invocation.regions.front();
    first = {r.start, r.size, r.stride, r.writable};
  } else {
    first = env_->first_region();
  }
  f.region_start = first.start;
  for (int i = 0; i < 4; ++i) {
    const bool inline_ok = first.stride == 0 && first.size >= sizes[i];
    f.region_read_lim[i] = inline_ok ? first.size - sizes[i] + 1 : 0;
    f.region_write_lim[i] = first.writable ? f.region_read_lim[i] : 0;
  }
  // No region remembered yet: limits of 0 accept nothing.
  f.cache_start = 0;
  for (int i = 0; i < 4; ++i) f.cache_read_lim[i] = f.cache_write_lim[i] = 0;
  for (size_t i = 0; i < env_->map_count() && i < kInlineMaps; ++i) {
    const Map& map = env_->map_at(i);
    const uint64_t start = reinterpret_cast<uint64_t>(map.slab().data()), size = map.slab().size();
    // An invocation region over the slab would come first in Memory's order: no inline check.
    bool overlaps = false;
    for (const Region& r : invocation.regions) overlaps |= r.start < start + size && start < r.start + r.size;
    f.map_start[i] = start;
    for (int k = 0; k < 4; ++k) f.map_lim[i][k] = !overlaps && size >= sizes[k] ? size - sizes[k] + 1 : 0;
  }
  f.packet_data = reinterpret_cast<uint64_t>(invocation.packet.data());
  f.packet_size = invocation.packet.size();
  // Without counting (StepCounting::Off) the budget is never charged, so steps come out 0.
  const uint64_t max_steps = options_.counting == StepCounting::Off ? 0 : options.max_steps;
  f.budget = max_steps;
  for (int i = 0; i < 5; ++i) f.args[i] = invocation.args[static_cast<size_t>(i)];

  entry_(&f);

  RunResult result;
  if (f.outcome == 0) {
    result.r0 = f.r0;
    result.steps = max_steps - f.budget;
    return result;
  }
  result.trapped = true;
  const auto kind = static_cast<TrapKind>(f.trap_kind);
  size_t pc = f.trap_pc;
  const semantics::Program& prog = *linked_->program;
  std::string message = std::move(rc.message);
  switch (kind) {
    case TrapKind::StepBudgetExhausted:
      message = fmt::format("executed {} instructions, the budget", max_steps);
      result.steps = max_steps;
      break;
    case TrapKind::UnknownHelper:
    case TrapKind::UnknownKfunc:
      if (message.empty()) {
        message = fmt::format("no {} with id {}", kind == TrapKind::UnknownHelper ? "helper" : "kfunc",
                              static_cast<uint32_t>(prog.insns[pc].imm));
      }
      result.steps = max_steps - f.budget;
      break;
    case TrapKind::CallDepthExceeded:
      if (message.empty()) message = fmt::format("call depth would exceed {} frames", kMaxCallFrames);
      result.steps = max_steps - f.budget;
      break;
    default: result.steps = max_steps - f.budget; break;
  }
  result.trap = Trap{kind, pc, std::move(message)};
  return result;
}

}  // namespace bpfcert::interp
