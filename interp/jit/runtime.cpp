// The JIT's runtime: the functions generated code calls out of line (memory checks outside the
// inline-tested regions, helpers, callx, the replay of a segment the budget cannot pay for),
// and Jit::run, which sets up a run's frame and turns its outcome into a RunResult.
#include <fmt/format.h>

#include <cstring>
#include <optional>

#include "interp/jit/runtime.h"
#include "semantics/machine.h"
#include "semantics/operations.h"

namespace bpfcert::interp {

using jit::access_of;
using jit::JitFrame;
using jit::kAccessSizes;
using jit::kContinue;
using jit::kExit;
using jit::kInlineMaps;
using jit::kLocalCall;
using jit::kTrap;
using jit::RunContext;
using semantics::AtomicOp;
using semantics::Kind;

namespace {

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
  f->cache_start = r->start;
  for (int i = 0; i < 4; ++i) {
    f->cache_read_lim[i] = semantics::contains_limit(r->size, kAccessSizes[i]);
    f->cache_write_lim[i] = r->writable ? f->cache_read_lim[i] : 0;
  }
}

}  // namespace

uint64_t Jit::Impl::check_access(JitFrame* f, uint64_t addr, uint64_t flags) {
  RunContext& rc = context(f);
  Memory& memory = rc.memory(f->depth);
  const uint64_t len = flags & 0xff;
  std::optional<Memory::Fault> fault = memory.check(access_of(flags), addr, len);
  if (!fault) {
    remember_region(f, memory, addr, len);
    return 0;
  }
  f->trap_kind = static_cast<uint32_t>(fault->kind);
  rc.message = std::move(fault->message);
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
  const uint64_t value = f->callx_value;
  const unsigned reg = rc.program->insns[f->trap_pc].dst;
  auto trap = [&](TrapKind kind, std::string message) {
    f->status = kTrap;
    f->trap_kind = static_cast<uint32_t>(kind);
    rc.message = std::move(message);
    return uint64_t{0};
  };
  const semantics::CallxTarget target = semantics::resolve_callx(*rc.program, value);
  if (target.kind == semantics::CallxTarget::Kind::Local) {
    if (!semantics::call_allowed(f->depth)) return trap(TrapKind::CallDepthExceeded, semantics::call_depth_trap_message());
    f->callx_target = (*rc.native_pc)[target.pc];
    f->status = kLocalCall;
    return 0;
  }
  const Helper* callee = target.kind == semantics::CallxTarget::Kind::Helper ? rc.env->helper(target.helper) : nullptr;
  if (callee == nullptr) return trap(target.trap, semantics::callx_trap_message(reg, value, target));
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
  // The access's trap, when it has one: the run ends there.
  auto faults = [&](Access a, uint64_t addr, uint64_t len) {
    std::optional<Memory::Fault> fault = memory.check(a, addr, len);
    if (!fault) return false;
    f->trap_kind = static_cast<uint32_t>(fault->kind);
    f->trap_pc = static_cast<uint32_t>(pc);
    rc.message = std::move(fault->message);
    return true;
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
        if (faults(Access::Read, addr, row.size)) return left - 1;
        r[insn.dst] = semantics::load_result<uint64_t>(read(addr, row.size), row.size, row.sign_extend);
        break;
      }
      case Kind::Store:
      case Kind::Atomic: {
        const uint64_t addr = r[insn.dst] + off;
        const bool atomic = row.kind == Kind::Atomic;
        if (faults(atomic ? Access::AtomicUpdate : Access::Write, addr, row.size)) return left - 1;
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
    pc = semantics::next_pc(prog, pc);
  }
  f->trap_kind = static_cast<uint32_t>(TrapKind::StepBudgetExhausted);
  f->trap_pc = static_cast<uint32_t>(pc);
  return 0;
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
// Whether the invocation is the machine the permit's verifier assumed: r1 the start of a region
// of exactly the memory size, r2 that size. (Programs may branch on r2, so a larger memory is
// not safe either.)
static bool invocation_permitted(const Invocation& invocation, const std::optional<semantics::UncheckedPermit>& permit) {
  if (!permit || !permit->memory_size()) return true;
  const uint64_t size = *permit->memory_size();
  if (invocation.args[1] != size) return false;
  for (const Region& r : invocation.regions) {
    if (r.start == invocation.args[0] && r.size == size) return true;
  }
  return false;
}

RunResult Jit::run(const Invocation& invocation, const RunOptions& options) const {
  // Unchecked code would fault on memory the verifier did not assume; the interpreter checks
  // every access and gives the same results.
  if (options_.safety == SafetyMode::Unchecked && !invocation_permitted(invocation, options_.permit)) {
    return Interpreter(*linked_, *env_).run(invocation, options);
  }
  // The stack starts zeroed, as the interpreter's, but the generated code zeroes it a frame at
  // a time: frame 0 on entry, a deeper frame when a local call first reaches it in this run
  // (JitFrame::zeroed), so a run that never calls does not pay for 4 KiB of stores. Frames
  // become active one at a time (depth + 1), so the zeroed frames are always 0..zeroed.
  alignas(16) uint8_t own_stack[kStackBytes];
  uint8_t* const stack = run_stack_base(options, own_stack);
  const uint64_t stack_top = reinterpret_cast<uint64_t>(stack) + kStackBytes;
  const semantics::Bounds<uint64_t> frame0 = semantics::active_stack(stack_top, 0);
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
  f.stack_lo = frame0.start;
  for (int i = 0; i < 4; ++i) f.stack_lim[i] = semantics::contains_limit(frame0.size, kAccessSizes[i]);
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
    f.region_read_lim[i] = first.stride == 0 ? semantics::contains_limit(first.size, kAccessSizes[i]) : 0;
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
    for (int k = 0; k < 4; ++k) f.map_lim[i][k] = overlaps ? 0 : semantics::contains_limit(size, kAccessSizes[k]);
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
      message = semantics::step_budget_trap_message(max_steps);
      result.steps = max_steps;
      break;
    case TrapKind::UnknownHelper:
    case TrapKind::UnknownKfunc:
      if (message.empty()) {
        message = semantics::unknown_callee_trap_message(kind == TrapKind::UnknownKfunc,
                                                         static_cast<uint32_t>(prog.insns[pc].imm));
      }
      result.steps = max_steps - f.budget;
      break;
    case TrapKind::CallDepthExceeded:
      if (message.empty()) message = semantics::call_depth_trap_message();
      result.steps = max_steps - f.budget;
      break;
    default: result.steps = max_steps - f.budget; break;
  }
  result.trap = Trap{kind, pc, std::move(message)};
  return result;
}


}  // namespace bpfcert::interp
