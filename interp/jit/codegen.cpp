// Code generation: the prologue and the shared out-of-line paths, then each instruction's x86-64,
// with memory checks (checked mode), the step budget's charges and the traps. The passes that
// decide what to emit (segments, liveness, likely regions, fusion) are in passes.cpp.
#include <fmt/format.h>

#include "interp/helpers.h"
#include "interp/jit/emitter.h"
#include "semantics/assembly.h"
#include "semantics/machine.h"
#include "semantics/operations.h"

namespace bpfcert::interp::jit {

using semantics::AluOp;
using semantics::AtomicOp;
using semantics::CallKind;
using semantics::JmpOp;
using semantics::Kind;
using semantics::Width;

HelperFn standard_map_lookup() {
  static const HelperFn fn = [] {
    Environment env;
    add_standard_helpers(env);
    return env.helper(helper_id::kMapLookupElem)->fn;
  }();
  return fn;
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
    case Kind::MayGoto:  // refused by compile()
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

// The machine model's packet_load_offset and packet_load_in_bounds, compiled: the offset is
// known here for LD ABS, computed into r11 (sign-extended from 32 bits) for LD IND; then
// offset >= 0 and offset + size <= packet_size, else the program ends with r0 = 0.
void Emitter::emit_packet(size_t pc, const semantics::Encoding& row, const semantics::Insn& insn) {
  (void)pc;
  const unsigned size = row.size;
  if (row.operand == semantics::Operand::Imm) {
    const uint64_t offset = semantics::packet_load_offset<uint64_t>(row.operand, 0, insn.imm);
    if (semantics::slt(offset, 0)) {
      a_.jmp(packet_end_);
      return;
    }
    a_.mov(kT1, offset + size);
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
// rsp 16-byte aligned), a new frame below the caller's (the active stack grows by one frame,
// semantics::active_stack), EXIT is a plain ret.
void Emitter::emit_local_call(const std::function<void()>& do_call) {
  a_.push(x86::rbx);
  a_.push(x86::r13);
  a_.push(x86::r14);
  a_.push(x86::r15);
  a_.push(x86::rbp);
  a_.add(frame32(F(depth)), 1);
  if (checked()) {
    a_.sub(frame(F(stack_lo)), static_cast<int32_t>(kStackFrameBytes));
    for (int i = 0; i < 4; ++i) a_.add(frame(F(stack_lim) + 8 * i), static_cast<int32_t>(kStackFrameBytes));
  }
  a_.sub(x86::rbp, static_cast<int32_t>(kStackFrameBytes));
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
    a_.add(frame(F(stack_lo)), static_cast<int32_t>(kStackFrameBytes));
    for (int i = 0; i < 4; ++i) a_.sub(frame(F(stack_lim) + 8 * i), static_cast<int32_t>(kStackFrameBytes));
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
      for (int32_t off = -static_cast<int32_t>(kStackFrameBytes); off < 0; off += 16) {
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
      static_assert(semantics::call_allowed(kMaxCallFrames - 2) && !semantics::call_allowed(kMaxCallFrames - 1));
      a_.cmp(frame32(F(depth)), kMaxCallFrames - 1);  // !call_allowed(depth)
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
      emit_status_check(pc);
      a_.bind(done);
      return;
    }
  }
  emit_status_check(pc);
  a_.bind(after);
}

// After a helper, a kfunc or a callx that called one: the runtime's status says whether it
// faulted (a trap at pc) or asked to end the program (r0 = exit_value).
void Emitter::emit_status_check(size_t pc) {
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

}  // namespace bpfcert::interp::jit
