// Dispatch: each slot is pre-decoded into an operation index whose handler is a label of one
// function, reached by computed goto (threaded code). A handler instantiates a semantics
// template with the operation fixed at compile time, so alu<uint64_t>(AluOp::Add, ...) folds
// to one add. Step counting is one decrement per instruction; memory checks try the stack
// first.
#include "interp/interpreter.h"

#include <algorithm>
#include <cstring>

#include "semantics/machine.h"
#include "semantics/operations.h"

namespace bpfcert::interp {

using semantics::AluOp;
using semantics::AtomicOp;
using semantics::CallKind;
using semantics::JmpOp;
using semantics::Kind;
using semantics::Width;

namespace {

bool is_probe_load(const RunOptions& options, std::ptrdiff_t pc) {
  return std::binary_search(options.probe_loads.begin(), options.probe_loads.end(), static_cast<size_t>(pc));
}

constexpr uint16_t kAluOps = 19;
constexpr uint16_t kJmpOps = 12;
constexpr uint16_t alu_index(AluOp op, Width w, bool reg) {
  return static_cast<uint16_t>((static_cast<uint16_t>(op) * 2 + (w == Width::W64)) * 2 + reg);
}
constexpr uint16_t kJmpBase = kAluOps * 4;
constexpr uint16_t jmp_index(JmpOp op, Width w, bool reg) {
  return static_cast<uint16_t>(kJmpBase + (static_cast<uint16_t>(op) * 2 + (w == Width::W64)) * 2 + reg);
}
constexpr uint16_t kJa = kJmpBase + kJmpOps * 4;
constexpr uint16_t kExit = kJa + 1;
constexpr uint16_t kCallHelper = kExit + 1;
constexpr uint16_t kCallLocal = kCallHelper + 1;
constexpr uint16_t kCallKfunc = kCallLocal + 1;
constexpr uint16_t kCallx = kCallKfunc + 1;
constexpr uint16_t kLddw = kCallx + 1;
constexpr uint16_t kLoad = kLddw + 1;          // + size_index * 2 + sign_extend
constexpr uint16_t kStoreImm = kLoad + 8;      // + size_index
constexpr uint16_t kStoreReg = kStoreImm + 4;  // + size_index
constexpr uint16_t kAtomic = kStoreReg + 4;    // + (op * 2 + is64) * 2 + fetch
constexpr uint16_t kPacket = kAtomic + 24;     // + indirect * 3 + size_index
constexpr uint16_t kMayGoto = kPacket + 6;
constexpr uint16_t kOpCount = kMayGoto + 1;

constexpr uint16_t size_index(unsigned size) { return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3; }

static_assert(static_cast<int>(AluOp::Bswap) == kAluOps - 1, "label table below follows AluOp's order");
static_assert(static_cast<int>(JmpOp::Jsle) == kJmpOps - 1, "label table below follows JmpOp's order");
static_assert(static_cast<int>(AtomicOp::Cmpxchg) == 5, "label table below follows AtomicOp's order");

uint16_t exec_op(const semantics::Encoding& row) {
  const bool reg = row.operand == semantics::Operand::Reg;
  switch (row.kind) {
    case Kind::Alu: return alu_index(row.alu_op(), row.width, reg);
    case Kind::Jump: return row.jmp_op() == JmpOp::Ja ? kJa : jmp_index(row.jmp_op(), row.width, reg);
    case Kind::Exit: return kExit;
    case Kind::Call:
      switch (row.call_kind()) {
        case CallKind::Helper: return kCallHelper;
        case CallKind::Local: return kCallLocal;
        case CallKind::Kfunc: return kCallKfunc;
        case CallKind::Indirect: return kCallx;
      }
      break;
    case Kind::LoadImm64: return kLddw;
    case Kind::Load: return static_cast<uint16_t>(kLoad + size_index(row.size) * 2 + row.sign_extend);
    case Kind::Store: return static_cast<uint16_t>((reg ? kStoreReg : kStoreImm) + size_index(row.size));
    case Kind::Atomic:
      return static_cast<uint16_t>(kAtomic + (static_cast<uint16_t>(row.atomic_op()) * 2 + (row.size == 8)) * 2 +
                                   row.fetch);
    case Kind::PacketLoad: return static_cast<uint16_t>(kPacket + reg * 3 + size_index(row.size));
    case Kind::MayGoto: return kMayGoto;
    case Kind::WideSlot: break;
  }
  return kOpCount;  // never executed (second LDDW slots)
}

template <unsigned N>
uint64_t read_le(uint64_t addr) {
  if constexpr (N == 1) {
    uint8_t v;
    std::memcpy(&v, reinterpret_cast<const void*>(addr), 1);
    return v;
  } else if constexpr (N == 2) {
    uint16_t v;
    std::memcpy(&v, reinterpret_cast<const void*>(addr), 2);
    return v;
  } else if constexpr (N == 4) {
    uint32_t v;
    std::memcpy(&v, reinterpret_cast<const void*>(addr), 4);
    return v;
  } else {
    uint64_t v;
    std::memcpy(&v, reinterpret_cast<const void*>(addr), 8);
    return v;
  }
}

template <unsigned N>
void write_le(uint64_t addr, uint64_t value) {
  if constexpr (N == 1) {
    const auto v = static_cast<uint8_t>(value);
    std::memcpy(reinterpret_cast<void*>(addr), &v, 1);
  } else if constexpr (N == 2) {
    const auto v = static_cast<uint16_t>(value);
    std::memcpy(reinterpret_cast<void*>(addr), &v, 2);
  } else if constexpr (N == 4) {
    const auto v = static_cast<uint32_t>(value);
    std::memcpy(reinterpret_cast<void*>(addr), &v, 4);
  } else {
    std::memcpy(reinterpret_cast<void*>(addr), &value, 8);
  }
}

struct Frame {
  uint64_t saved[4];  // r6-r9
  uint64_t saved_r10;
  const void* return_to;
};

}  // namespace

Invocation memory_invocation(std::span<uint8_t> memory) {
  Invocation inv;
  inv.args[0] = reinterpret_cast<uint64_t>(memory.data());
  inv.args[1] = memory.size();
  if (!memory.empty()) {
    Region r;
    r.start = reinterpret_cast<uint64_t>(memory.data());
    r.size = memory.size();
    r.kind = RegionKind::Input;
    r.name = "mem";
    inv.regions.push_back(std::move(r));
  }
  inv.packet = memory;
  return inv;
}

Interpreter::Interpreter(const LinkedProgram& linked, Environment& env, const Fault& fault)
    : program_(linked.program), env_(&env), restored_(fault.restored) {
  const semantics::Program& prog = *linked.program;
  decoded_.resize(prog.size());
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    const bool faulty = &prog.row(pc) == fault.from;
    const semantics::Encoding& row = faulty && fault.as != nullptr ? *fault.as : prog.row(pc);
    const semantics::Insn& insn = prog.insns[pc];
    Decoded& d = decoded_[pc];
    d.op = exec_op(row);
    d.dst = insn.dst;
    d.src = insn.src;
    d.off = insn.off;
    d.imm = faulty && fault.zero_extend_imm ? static_cast<uint32_t>(insn.imm) : semantics::imm_operand(insn.imm);
    d.callee = linked.callees[pc];
    if (row.kind == Kind::Alu) d.off = row.size;  // END / BSWAP / MOVSX width
    if (semantics::has_branch_target(row) && row.kind != Kind::LoadImm64) {
      d.off = static_cast<int32_t>(semantics::branch_target(insn, prog.row(pc), pc));
    }
    if (row.kind == Kind::LoadImm64) d.imm = linked.lddw_values[pc];
    if (row.kind == Kind::Call && row.call_kind() != CallKind::Indirect) {
      d.imm = static_cast<uint32_t>(insn.imm);  // ids, for trap messages
    }
  }
}

void build_run_memory(Memory& memory, const Invocation& invocation, Environment& env, uint64_t stack_base) {
  memory.reserve(invocation.regions.size() + env.region_count());  // one allocation per run
  for (const Region& r : invocation.regions) memory.add(r);
  env.add_regions(memory);
  memory.set_stack(stack_base, stack_base + kStackBytes);
}

RunResult Interpreter::run(const Invocation& invocation, const RunOptions& options) const {
  // The stack starts zeroed (deterministic, and the JIT's is too), a frame at a time: frame 0
  // here, a deeper one when a local call first reaches it in this run (`zeroed`). Only active
  // frames are accessible (Memory::set_active_frames), and frames become active one at a time,
  // so no run can read a byte that was not zeroed; a short run does not pay for 4 KiB of stores.
  alignas(16) uint8_t own_stack[kStackBytes];
  uint8_t* const stack = run_stack_base(options, own_stack);
  std::memset(stack + kStackBytes - kStackFrameBytes, 0, kStackFrameBytes);
  int zeroed = 0;
  Memory memory;
  build_run_memory(memory, invocation, *env_, reinterpret_cast<uint64_t>(stack));
  const uint64_t stack_top = reinterpret_cast<uint64_t>(stack) + kStackBytes;

  uint64_t r[11] = {};
  for (int i = 0; i < 5; ++i) r[i + 1] = invocation.args[static_cast<size_t>(i)];
  r[10] = stack_top;
  Frame frames[kMaxCallFrames];
  int depth = 0;  // active local calls beyond the main program
  uint64_t may_goto_left[kMaxCallFrames];  // per active frame: each activation has its own budget
  may_goto_left[0] = kMayGotoBudget;

  const Decoded* const base = decoded_.data();
  const Decoded* d = base;
  const uint64_t initial_budget = options.max_steps + 1;
  uint64_t budget = initial_budget;
  RunResult result;
  TrapKind trap_kind = TrapKind::OutOfBounds;
  std::string trap_message;
  uint64_t fault_addr = 0, fault_len = 0;
  Access fault_access = Access::Read;

#define LBL4(a, b, c, e) &&a, &&b, &&c, &&e
#define ALU_LABELS(OP) LBL4(alu_##OP##_32k, alu_##OP##_32x, alu_##OP##_64k, alu_##OP##_64x)
#define JMP_LABELS(OP) LBL4(jmp_##OP##_32k, jmp_##OP##_32x, jmp_##OP##_64k, jmp_##OP##_64x)
  static const void* const kLabels[kOpCount + 1] = {
      ALU_LABELS(Add), ALU_LABELS(Sub), ALU_LABELS(Mul), ALU_LABELS(Div), ALU_LABELS(Sdiv),
      ALU_LABELS(Or), ALU_LABELS(And), ALU_LABELS(Lsh), ALU_LABELS(Rsh), ALU_LABELS(Neg),
      ALU_LABELS(Mod), ALU_LABELS(Smod), ALU_LABELS(Xor), ALU_LABELS(Mov), ALU_LABELS(Movsx),
      ALU_LABELS(Arsh), ALU_LABELS(ToLe), ALU_LABELS(ToBe), ALU_LABELS(Bswap),
      LBL4(bad_op, bad_op, bad_op, bad_op),  // JA has its own handler
      JMP_LABELS(Jeq), JMP_LABELS(Jgt), JMP_LABELS(Jge), JMP_LABELS(Jset), JMP_LABELS(Jne),
      JMP_LABELS(Jsgt), JMP_LABELS(Jsge), JMP_LABELS(Jlt), JMP_LABELS(Jle), JMP_LABELS(Jslt),
      JMP_LABELS(Jsle),
      &&ja, &&exit_insn, &&call_helper, &&call_local, &&call_kfunc, &&callx, &&lddw,
      &&load_1, &&load_1sx, &&load_2, &&load_2sx, &&load_4, &&load_4sx, &&load_8, &&load_8sx,
      &&store_imm_1, &&store_imm_2, &&store_imm_4, &&store_imm_8,
      &&store_reg_1, &&store_reg_2, &&store_reg_4, &&store_reg_8,
      LBL4(atomic_Add_4, atomic_Add_4f, atomic_Add_8, atomic_Add_8f),
      LBL4(atomic_Or_4, atomic_Or_4f, atomic_Or_8, atomic_Or_8f),
      LBL4(atomic_And_4, atomic_And_4f, atomic_And_8, atomic_And_8f),
      LBL4(atomic_Xor_4, atomic_Xor_4f, atomic_Xor_8, atomic_Xor_8f),
      LBL4(bad_op, atomic_Xchg_4, bad_op, atomic_Xchg_8),
      LBL4(bad_op, atomic_Cmpxchg_4, bad_op, atomic_Cmpxchg_8),
      &&pkt_abs_1, &&pkt_abs_2, &&pkt_abs_4, &&pkt_ind_1, &&pkt_ind_2, &&pkt_ind_4,
      &&may_goto, &&bad_op};
#undef ALU_LABELS
#undef JMP_LABELS
#undef LBL4

#define DISPATCH()                                            \
  do {                                                        \
    if (__builtin_expect(--budget == 0, 0)) goto out_of_steps; \
    goto *kLabels[d->op];                                     \
  } while (0)
#define NEXT() \
  do {         \
    ++d;       \
    DISPATCH(); \
  } while (0)
// After a call made frame `depth` active (r10 = its top): zero it if this run has not yet.
#define ZERO_NEW_FRAME()                                                                   \
  do {                                                                                     \
    if (depth > zeroed) {                                                                  \
      std::memset(reinterpret_cast<void*>(r[10] - kStackFrameBytes), 0, kStackFrameBytes); \
      zeroed = depth;                                                                      \
    }                                                                                      \
  } while (0)
#define FAULT(ADDR, LEN, ACCESS) \
  do {                           \
    fault_addr = (ADDR);         \
    fault_len = (LEN);           \
    fault_access = (ACCESS);     \
    goto memory_fault;           \
  } while (0)

  DISPATCH();

#define ALU_CASE(OP, W, WN)                                                                                \
  alu_##OP##_##WN##k : r[d->dst] = semantics::alu<uint64_t>(AluOp::OP, Width::W, r[d->dst], d->imm,         \
                                                            static_cast<unsigned>(d->off));                \
  NEXT();                                                                                                  \
  alu_##OP##_##WN##x : r[d->dst] = semantics::alu<uint64_t>(AluOp::OP, Width::W, r[d->dst], r[d->src],      \
                                                            static_cast<unsigned>(d->off));                \
  NEXT();
#define ALU_HANDLERS(OP) ALU_CASE(OP, W32, 32) ALU_CASE(OP, W64, 64)
  ALU_HANDLERS(Add)
  ALU_HANDLERS(Sub)
  ALU_HANDLERS(Mul)
  ALU_HANDLERS(Div)
  ALU_HANDLERS(Sdiv)
  ALU_HANDLERS(Or)
  ALU_HANDLERS(And)
  ALU_HANDLERS(Lsh)
  ALU_HANDLERS(Rsh)
  ALU_HANDLERS(Neg)
  ALU_HANDLERS(Mod)
  ALU_HANDLERS(Smod)
  ALU_HANDLERS(Xor)
  ALU_HANDLERS(Mov)
  ALU_HANDLERS(Movsx)
  ALU_HANDLERS(Arsh)
  ALU_HANDLERS(ToLe)
  ALU_HANDLERS(ToBe)
  ALU_HANDLERS(Bswap)
#undef ALU_HANDLERS
#undef ALU_CASE

#define JMP_CASE(OP, W, WN)                                                                   \
  jmp_##OP##_##WN##k : d = semantics::jump_taken<uint64_t>(JmpOp::OP, Width::W, r[d->dst], d->imm) \
                           ? base + d->off                                                    \
                           : d + 1;                                                           \
  DISPATCH();                                                                                 \
  jmp_##OP##_##WN##x : d = semantics::jump_taken<uint64_t>(JmpOp::OP, Width::W, r[d->dst], r[d->src]) \
                           ? base + d->off                                                    \
                           : d + 1;                                                           \
  DISPATCH();
#define JMP_HANDLERS(OP) JMP_CASE(OP, W32, 32) JMP_CASE(OP, W64, 64)
  JMP_HANDLERS(Jeq)
  JMP_HANDLERS(Jgt)
  JMP_HANDLERS(Jge)
  JMP_HANDLERS(Jset)
  JMP_HANDLERS(Jne)
  JMP_HANDLERS(Jsgt)
  JMP_HANDLERS(Jsge)
  JMP_HANDLERS(Jlt)
  JMP_HANDLERS(Jle)
  JMP_HANDLERS(Jslt)
  JMP_HANDLERS(Jsle)
#undef JMP_HANDLERS
#undef JMP_CASE

ja:
  d = base + d->off;
  DISPATCH();

may_goto:
  if (may_goto_left[depth] == 0) {
    d = base + d->off;
    DISPATCH();
  }
  --may_goto_left[depth];
  NEXT();

lddw:
  r[d->dst] = d->imm;
  d += 2;
  DISPATCH();

#define LOAD_CASE(N, SX, LABEL)                                                  \
  LABEL : {                                                                      \
    const uint64_t addr = r[d->src] + static_cast<uint64_t>(int64_t{d->off});   \
    if (!memory.readable(addr, N)) {                                             \
      if (!is_probe_load(options, d - base)) FAULT(addr, N, Access::Read);       \
      r[d->dst] = semantics::probe_load_result<uint64_t>(false, 0);              \
      NEXT();                                                                    \
    }                                                                            \
    r[d->dst] = semantics::load_result<uint64_t>(read_le<N>(addr), N, SX);       \
  }                                                                              \
  NEXT();
  LOAD_CASE(1, false, load_1)
  LOAD_CASE(1, true, load_1sx)
  LOAD_CASE(2, false, load_2)
  LOAD_CASE(2, true, load_2sx)
  LOAD_CASE(4, false, load_4)
  LOAD_CASE(4, true, load_4sx)
  LOAD_CASE(8, false, load_8)
  LOAD_CASE(8, true, load_8sx)
#undef LOAD_CASE

#define STORE_CASE(N, VALUE, LABEL)                                              \
  LABEL : {                                                                      \
    const uint64_t addr = r[d->dst] + static_cast<uint64_t>(int64_t{d->off});   \
    if (!memory.writable(addr, N)) FAULT(addr, N, Access::Write);                \
    write_le<N>(addr, semantics::store_value<uint64_t>(VALUE, N));              \
  }                                                                              \
  NEXT();
  STORE_CASE(1, d->imm, store_imm_1)
  STORE_CASE(2, d->imm, store_imm_2)
  STORE_CASE(4, d->imm, store_imm_4)
  STORE_CASE(8, d->imm, store_imm_8)
  STORE_CASE(1, r[d->src], store_reg_1)
  STORE_CASE(2, r[d->src], store_reg_2)
  STORE_CASE(4, r[d->src], store_reg_4)
  STORE_CASE(8, r[d->src], store_reg_8)
#undef STORE_CASE

  // One thread of execution, so the reference semantics of an atomic is a read-modify-write.
#define ATOMIC_CASE(OP, N, FETCH, LABEL)                                                      \
  LABEL : {                                                                                   \
    const uint64_t addr = r[d->dst] + static_cast<uint64_t>(int64_t{d->off});                \
    if (!memory.writable(addr, N)) FAULT(addr, N, Access::AtomicUpdate);                      \
    const uint64_t old = read_le<N>(addr);                                                    \
    write_le<N>(addr, semantics::atomic_new_value<uint64_t>(AtomicOp::OP, N, old, r[d->src], r[0])); \
    if (FETCH) r[AtomicOp::OP == AtomicOp::Cmpxchg ? 0 : d->src] = semantics::atomic_fetch_result<uint64_t>(old, N); \
  }                                                                                           \
  NEXT();
  ATOMIC_CASE(Add, 4, false, atomic_Add_4)
  ATOMIC_CASE(Add, 4, true, atomic_Add_4f)
  ATOMIC_CASE(Add, 8, false, atomic_Add_8)
  ATOMIC_CASE(Add, 8, true, atomic_Add_8f)
  ATOMIC_CASE(Or, 4, false, atomic_Or_4)
  ATOMIC_CASE(Or, 4, true, atomic_Or_4f)
  ATOMIC_CASE(Or, 8, false, atomic_Or_8)
  ATOMIC_CASE(Or, 8, true, atomic_Or_8f)
  ATOMIC_CASE(And, 4, false, atomic_And_4)
  ATOMIC_CASE(And, 4, true, atomic_And_4f)
  ATOMIC_CASE(And, 8, false, atomic_And_8)
  ATOMIC_CASE(And, 8, true, atomic_And_8f)
  ATOMIC_CASE(Xor, 4, false, atomic_Xor_4)
  ATOMIC_CASE(Xor, 4, true, atomic_Xor_4f)
  ATOMIC_CASE(Xor, 8, false, atomic_Xor_8)
  ATOMIC_CASE(Xor, 8, true, atomic_Xor_8f)
  ATOMIC_CASE(Xchg, 4, true, atomic_Xchg_4)
  ATOMIC_CASE(Xchg, 8, true, atomic_Xchg_8)
  ATOMIC_CASE(Cmpxchg, 4, true, atomic_Cmpxchg_4)
  ATOMIC_CASE(Cmpxchg, 8, true, atomic_Cmpxchg_8)
#undef ATOMIC_CASE

  // Legacy packet loads (Linux semantics): big-endian value into r0; an offset outside the
  // packet ends the program with r0 = 0.
#define PACKET_CASE(N, OPERAND, LABEL)                                                                   \
  LABEL : {                                                                                              \
    const uint64_t offset =                                                                              \
        semantics::packet_load_offset<uint64_t>(semantics::Operand::OPERAND, r[d->src], static_cast<int32_t>(d->imm)); \
    if (!semantics::packet_load_in_bounds<uint64_t>(offset, N, invocation.packet.size())) {              \
      result.r0 = 0;                                                                                     \
      goto finished;                                                                                     \
    }                                                                                                    \
    const uint64_t addr = reinterpret_cast<uint64_t>(invocation.packet.data()) + offset;                 \
    r[0] = semantics::packet_load_result<uint64_t>(read_le<N>(addr), N);                                 \
  }                                                                                                      \
  NEXT();
  PACKET_CASE(1, Imm, pkt_abs_1)
  PACKET_CASE(2, Imm, pkt_abs_2)
  PACKET_CASE(4, Imm, pkt_abs_4)
  PACKET_CASE(1, Reg, pkt_ind_1)
  PACKET_CASE(2, Reg, pkt_ind_2)
  PACKET_CASE(4, Reg, pkt_ind_4)
#undef PACKET_CASE

call_helper:
call_kfunc: {
  const Helper* callee = d->callee;
  if (callee == nullptr) {
    trap_kind = d->op == kCallHelper ? TrapKind::UnknownHelper : TrapKind::UnknownKfunc;
    trap_message = semantics::unknown_callee_trap_message(d->op == kCallKfunc, static_cast<uint32_t>(d->imm));
    goto trap;
  }
  HelperContext ctx{*env_, memory};
  r[0] = callee->fn(ctx, r[1], r[2], r[3], r[4], r[5]);
  if (ctx.faulted) {
    trap_kind = TrapKind::HelperFault;
    trap_message = std::move(ctx.fault_message);
    goto trap;
  }
  if (ctx.exit_requested) {
    result.r0 = ctx.exit_value;
    goto finished;
  }
}
  NEXT();

callx: {
  const uint64_t value = r[d->dst];
  const semantics::CallxTarget target = semantics::resolve_callx(*program_, value);
  if (target.kind == semantics::CallxTarget::Kind::Local) {
    if (!semantics::call_allowed(static_cast<uint64_t>(depth))) goto too_deep;
    Frame& f = frames[depth++];
    std::memcpy(f.saved, &r[6], sizeof f.saved);
    f.saved_r10 = r[10];
    f.return_to = d + 1;
    r[10] -= kStackFrameBytes;
    ZERO_NEW_FRAME();
    may_goto_left[depth] = kMayGotoBudget;
    memory.set_active_frames(depth + 1);
    d = base + target.pc;
    DISPATCH();
  }
  const Helper* callee = target.kind == semantics::CallxTarget::Kind::Helper ? env_->helper(target.helper) : nullptr;
  if (callee == nullptr) {
    trap_kind = target.trap;
    trap_message = semantics::callx_trap_message(d->dst, value, target);
    goto trap;
  }
  HelperContext ctx{*env_, memory};
  r[0] = callee->fn(ctx, r[1], r[2], r[3], r[4], r[5]);
  if (ctx.faulted) {
    trap_kind = TrapKind::HelperFault;
    trap_message = std::move(ctx.fault_message);
    goto trap;
  }
  if (ctx.exit_requested) {
    result.r0 = ctx.exit_value;
    goto finished;
  }
}
  NEXT();

call_local: {
  if (!semantics::call_allowed(static_cast<uint64_t>(depth))) goto too_deep;
  Frame& f = frames[depth++];
  std::memcpy(f.saved, &r[6], sizeof f.saved);
  f.saved_r10 = r[10];
  f.return_to = d + 1;
  r[10] -= kStackFrameBytes;  // each call gets its own frame
  ZERO_NEW_FRAME();
  may_goto_left[depth] = kMayGotoBudget;
  memory.set_active_frames(depth + 1);
  d = base + d->off;
}
  DISPATCH();

exit_insn:
  if (depth == 0) {
    result.r0 = r[0];
    goto finished;
  }
  {
    const Frame& f = frames[--depth];
    if (__builtin_expect(restored_ == Fault::kCalleeSaved, 1)) {
      std::memcpy(&r[6], f.saved, sizeof f.saved);  // r6-r9 are callee-saved
      r[10] = f.saved_r10;
    } else {
      for (int i = 0; i < 4; ++i) {
        if (restored_ & (1u << (6 + i))) r[6 + i] = f.saved[i];
      }
      if (restored_ & (1u << 10)) r[10] = f.saved_r10;
    }
    memory.set_active_frames(depth + 1);
    d = static_cast<const Decoded*>(f.return_to);
  }
  DISPATCH();

too_deep:
  trap_kind = TrapKind::CallDepthExceeded;
  trap_message = semantics::call_depth_trap_message();
  goto trap;

memory_fault: {
  std::optional<Memory::Fault> fault = memory.check(fault_access, fault_addr, fault_len);
  trap_kind = fault->kind;  // the fast check failed, so the machine model names a trap
  trap_message = std::move(fault->message);
}
  goto trap;

bad_op:
  trap_kind = TrapKind::BadCallTarget;
  trap_message = "execution reached a slot that is not an instruction";
  goto trap;

out_of_steps:
  result.trapped = true;
  result.trap = Trap{TrapKind::StepBudgetExhausted, static_cast<size_t>(d - base),
                     semantics::step_budget_trap_message(options.max_steps)};
  result.steps = options.max_steps;
  return result;

trap:
  result.trapped = true;
  result.trap = Trap{trap_kind, static_cast<size_t>(d - base), std::move(trap_message)};
  result.steps = initial_budget - budget;
  return result;

finished:
  result.steps = initial_budget - budget;
  return result;

#undef DISPATCH
#undef NEXT
#undef FAULT
}

}  // namespace bpfcert::interp
