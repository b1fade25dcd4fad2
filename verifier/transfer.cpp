// Transfer functions: what an instruction computes, from the state before it to the state
// after. They assume the instruction's assertions held (checker.cpp evaluated them first), and
// report only the checks not yet stated as assertions (LDDW references, legacy packet loads). Branches are branch.cpp's, calls calls.cpp's and helpers.cpp's.
#include <fmt/format.h>

#include "verifier/access_rules.h"
#include "verifier/analyzer_impl.h"

namespace bpfcert::verifier::detail {

void Analyzer::step(State& s, size_t pc) {
  const semantics::Encoding& row = prog_.row(pc);
  const Checked c = check_insn(s, pc);
  switch (row.kind) {
    case Kind::Alu: alu_insn(s, pc); break;
    case Kind::Load: load_insn(s, pc, c); break;
    case Kind::Store: store_insn(s, pc, c); break;
    case Kind::Atomic: atomic_insn(s, pc, c); break;
    case Kind::LoadImm64: lddw_insn(s, pc); break;
    case Kind::PacketLoad: packet_load_insn(s, pc); break;
    case Kind::Call: call_insn(s, pc); break;
    case Kind::Jump:
    case Kind::MayGoto:
    case Kind::Exit:
    case Kind::WideSlot: break;
  }
}

void Analyzer::fresh_id(State& s, uint32_t id) {
  auto forget = [&](Value& v) {
    if (v.is_pointer() && v.id == id) v.id = kOpaqueId;
  };
  for (Value& v : s.regs) forget(v);
  for (size_t f = 0; f < s.frames.size(); ++f) {
    const StackFrame& fr = *s.frames[f];
    bool has = false;
    for (const Value& v : fr.spill) has = has || (v.is_pointer() && v.id == id);
    if (!has) continue;
    for (Value& v : s.frame_mut(f).spill) forget(v);
  }
  std::erase_if(s.packet, [&](const PacketRange& r) { return r.id == id; });
}

// Gives the scalar in r an id (if it has none) that its copies will share.
void Analyzer::share_scalar(State& s, int r, size_t pc) {
  Value& v = s.regs[static_cast<size_t>(r)];
  if (!v.is_scalar() || v.id != 0) return;
  const uint32_t id = kScalarIdBase + static_cast<uint32_t>(pc);
  auto forget = [&](Value& x) {
    if (x.is_scalar() && x.id == id) {
      x.id = 0;
      x.delta = 0;
    }
  };
  for (Value& x : s.regs) forget(x);
  for (size_t f = 0; f < s.frames.size(); ++f) {
    bool has = false;
    for (const Value& x : s.frames[f]->spill) has = has || (x.is_scalar() && x.id == id);
    if (has) {
      for (Value& x : s.frame_mut(f).spill) forget(x);
    }
  }
  v.id = id;
  v.delta = 0;
}

// After a branch refined a scalar, its copies (same id) hold the same value: meet them with it.
// Returns false when a copy's value and the refined one are disjoint (the path is infeasible).
bool Analyzer::propagate_scalar(State& s, const Value& refined) {
  if (!refined.is_scalar() || refined.id == 0) return true;
  bool ok = true;
  auto meet = [&](Value& x) {
    if (!x.is_scalar() || x.id != refined.id) return;
    // x = refined - refined.delta + x.delta (mod 2^64).
    const Scalar shifted =
        x.delta == refined.delta
            ? refined.num
            : alu(AluOp::Add, Width::W64, refined.num,
                  scalar_const(static_cast<uint64_t>(x.delta) - static_cast<uint64_t>(refined.delta)));
    if (scalar_eq(x.num, shifted)) return;
    const dm::Refined<uint64_t> m = dm::scalar_refine<uint64_t>(JmpOp::Jeq, Width::W64, true, x.num, shifted);
    const dm::Tightened<uint64_t> t = dm::scalar_tighten<uint64_t>(m.dst);
    if (!m.feasible || !t.nonempty) {
      ok = false;
      return;
    }
    x.num = t.s;
  };
  for (Value& x : s.regs) meet(x);
  for (size_t f = 0; f < s.frames.size(); ++f) {
    bool has = false;
    for (const Value& x : s.frames[f]->spill) has = has || (x.is_scalar() && x.id == refined.id);
    if (has) {
      for (Value& x : s.frame_mut(f).spill) meet(x);
    }
  }
  return ok;
}

ArithFault pointer_arith_fault(const Value& ptr, const Scalar& x) {
  switch (ptr.region) {
    case PointerKind::PacketEnd:
    case PointerKind::MapHandle:
    case PointerKind::Code: return ArithFault::NotAddressable;
    default: break;
  }
  if (ptr.nullable) return ArithFault::Nullable;
  if (ptr.region == PointerKind::Context && !is_const(x)) return ArithFault::ContextVariable;
  return ArithFault::None;
}

bool pointers_subtract(const Value& a, const Value& b) {
  const bool same = a.same_object(b) && a.id == b.id && a.id != kOpaqueId && a.region != PointerKind::MapHandle &&
                    a.region != PointerKind::Code && a.region != PointerKind::PacketEnd;
  const bool packet_pair = (is_packet(a.region) || a.region == PointerKind::PacketEnd) &&
                           (is_packet(b.region) || b.region == PointerKind::PacketEnd);
  return same || packet_pair;
}

// ptr + x (or ptr - x), a scalar when the pointer rules forbid it (check_arithmetic reported).
void Analyzer::pointer_arith(State& s, size_t pc, const Value& ptr, const Scalar& x, bool subtract, Value& out) {
  if (pointer_arith_fault(ptr, x) != ArithFault::None) {
    out = Value::scalar(scalar_top());
    return;
  }
  out = ptr;
  out.num = access_rules::pointer_offset<uint64_t>(ptr.num, x, subtract);
  if (is_packet(ptr.region)) {
    if (is_const(x)) {
      if (ptr.id != 0 && ptr.id != kOpaqueId) {
        out.delta = subtract ? ptr.delta - static_cast<int64_t>(x.t.value) : ptr.delta + static_cast<int64_t>(x.t.value);
      }
    } else {
      const uint32_t id = kPacketIdBase + static_cast<uint32_t>(pc);
      fresh_id(s, id);
      out.id = id;
      out.delta = 0;
    }
  }
}

// mov (64 or 32 bits): a 64-bit copy of a scalar shares its id (a branch on one refines both)
// and its counter relations; a 32-bit copy keeps the relations modulo 2^32 only.
void Analyzer::alu_move(State& s, size_t pc) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const Width w = row.width;
  const bool reg_operand = row.operand == Operand::Reg;
  const int dst = insn.dst;
  Value& d = s.regs[static_cast<size_t>(dst)];
  const Value src = reg_operand ? s.regs[static_cast<size_t>(insn.src)]
                                : Value::scalar(scalar_const(semantics::imm_operand(insn.imm)));
  const auto dst_cell = static_cast<uint32_t>(dst);
  if (w == Width::W64) {
    if (reg_operand && src.is_scalar() && insn.src != dst) {
      share_scalar(s, insn.src, pc);
      s.regs[static_cast<size_t>(dst)] = s.regs[static_cast<size_t>(insn.src)];
    } else {
      d = src;
    }
    if (reg_operand) {
      rel_copy(s, static_cast<uint32_t>(insn.src), dst_cell, false);
    } else {
      rel_drop(s, dst_cell);
    }
    return;
  }
  if (!src.is_scalar()) {
    d = Value::scalar(alu(AluOp::Mov, Width::W32, scalar_top(), scalar_top()));
    rel_drop(s, dst_cell);
    return;
  }
  d = Value::scalar(alu(AluOp::Mov, Width::W32, src.num, src.num));
  if (reg_operand) {
    rel_copy(s, static_cast<uint32_t>(insn.src), dst_cell, true);
  } else {
    rel_drop(s, dst_cell);
  }
}

void Analyzer::alu_insn(State& s, size_t pc) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const AluOp op = row.alu_op();
  if (op == AluOp::Mov) {  // its operands are read by alu_move itself
    alu_move(s, pc);
    return;
  }
  const Width w = row.width;
  const bool reg_operand = row.operand == Operand::Reg;
  const int dst = insn.dst;
  Value& d = s.regs[static_cast<size_t>(dst)];
  const Value src = reg_operand ? s.regs[static_cast<size_t>(insn.src)]
                                : Value::scalar(scalar_const(semantics::imm_operand(insn.imm)));
  const auto dst_cell = static_cast<uint32_t>(dst);
  if (op == AluOp::Movsx) {
    rel_drop(s, dst_cell);
    d = Value::scalar(alu(op, w, scalar_top(), src.is_scalar() ? src.num : scalar_top(), row.size));
    return;
  }
  if (op == AluOp::Neg || op == AluOp::ToLe || op == AluOp::ToBe || op == AluOp::Bswap) {
    rel_drop(s, dst_cell);
    if (!d.is_scalar()) d = Value::scalar(scalar_top());
    d = Value::scalar(alu(op, w, d.num, d.num, row.size));
    return;
  }
  if (d.is_scalar() && src.is_scalar()) {
    // x += K keeps x linked to its copies (with K more); anything else makes a new value.
    const bool keeps_link = d.id != 0 && w == Width::W64 && (op == AluOp::Add || op == AluOp::Sub) && is_const(src.num);
    const uint32_t link = d.id;
    const int64_t k = static_cast<int64_t>(src.num.t.value);
    const int64_t delta = op == AluOp::Add ? static_cast<int64_t>(static_cast<uint64_t>(d.delta) + static_cast<uint64_t>(k))
                                           : static_cast<int64_t>(static_cast<uint64_t>(d.delta) - static_cast<uint64_t>(k));
    d = Value::scalar(alu(op, w, d.num, src.num));
    if (keeps_link) {
      d.id = link;
      d.delta = delta;
    }
    if (op == AluOp::Add || op == AluOp::Sub) {
      rel_shift(s, dst_cell, op, src.num, w);
    } else {
      rel_drop(s, dst_cell);
    }
    return;
  }
  const bool additive = (op == AluOp::Add || op == AluOp::Sub) && w == Width::W64;
  if (additive && d.is_pointer() && src.is_scalar()) {
    Value out;
    pointer_arith(s, pc, d, src.num, op == AluOp::Sub, out);
    s.regs[static_cast<size_t>(dst)] = out;
    if (out.is_pointer()) {
      rel_shift(s, dst_cell, op, src.num, w);
    } else {
      rel_drop(s, dst_cell);
    }
    return;
  }
  rel_drop(s, dst_cell);
  if (op == AluOp::Add && w == Width::W64 && d.is_scalar() && src.is_pointer()) {
    Value out;
    pointer_arith(s, pc, src, d.num, false, out);
    s.regs[static_cast<size_t>(dst)] = out;
    return;
  }
  if (op == AluOp::Sub && d.is_pointer() && src.is_pointer()) {
    // A packet pointer minus packet end (or the reverse) is a distance whose length is unknown;
    // a 32-bit subtraction keeps the low half of the distance, zero-extended.
    const bool to_end = d.region != src.region && is_packet_or_end(d) && is_packet_or_end(src);
    const bool known = pointers_subtract(d, src) && !to_end;
    if (known && w == Width::W64) {
      d = Value::scalar(access_rules::pointer_distance<uint64_t>(d.num, src.num));
    } else {
      d = Value::scalar(alu(AluOp::Sub, w, known ? d.num : scalar_top(), known ? src.num : scalar_top()));
    }
    return;
  }
  // A 32-bit subtraction with one pointer (check_arithmetic allowed it where pointers may leak),
  // and any other operation involving a pointer or a value of unknown type: a number of the
  // operation's width.
  if (w == Width::W32) {
    d = Value::scalar(alu(AluOp::Mov, Width::W32, scalar_top(), scalar_top()));
    return;
  }
  // Any other operation involving a pointer or a value of unknown type (check_arithmetic reported).
  d = Value::scalar(scalar_top());
}

void Analyzer::load_insn(State& s, size_t pc, const Checked& c) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const unsigned n = row.size;
  Value result = Value::scalar(dm::scalar_unknown_load<uint64_t>(0, n, row.sign_extend));
  const Value p = s.regs[static_cast<size_t>(insn.src)];
  if (c.access) {
    if (p.region == PointerKind::Stack) {
      result = stack_read(s, p, insn.off, n, row.sign_extend);
    } else if (p.region == PointerKind::Context) {
      result = context_read(p, insn.off, n);
      if (row.sign_extend && result.is_scalar()) result = Value::scalar(dm::scalar_unknown_load<uint64_t>(0, n, true));
      if (result.nullable) {
        // Copies of this load share its null test, as copies of a map lookup's result do.
        result.id = static_cast<uint32_t>(pc) + 1;
        fresh_id(s, result.id);
      }
    } else if (p.region == PointerKind::MapValue) {
      if (auto v = frozen_read(p, insn.off, n, row.sign_extend)) result = *v;
    } else if (p.region == PointerKind::Kernel) {
      result = kernel_read(p, insn.off, n, row.sign_extend);
    }
  }
  s.regs[static_cast<size_t>(insn.dst)] = result;
  rel_drop(s, insn.dst);
  if (result.is_pointer() || result.type == Value::Type::Unknown) {
    // A reloaded 8-byte spill: its relations come back with it.
    if (p.is_pointer() && p.region == PointerKind::Stack && is_const(p.num)) {
      const int start = static_cast<int>(static_cast<int64_t>(p.num.t.value) + insn.off) + kFrameBytes;
      if (start % 8 == 0) rel_copy(s, slot_cell(static_cast<int>(p.object), start / 8), insn.dst, false);
    }
  } else if (n == 8 && p.is_pointer() && p.region == PointerKind::Stack && is_const(p.num) &&
             p.object < static_cast<int64_t>(s.frames.size())) {
    const int start = static_cast<int>(static_cast<int64_t>(p.num.t.value) + insn.off) + kFrameBytes;
    if (start >= 0 && start % 8 == 0 && start < kFrameBytes) {
      rel_copy(s, slot_cell(static_cast<int>(p.object), start / 8), insn.dst, false);
    }
  }
}

void Analyzer::store_insn(State& s, size_t pc, const Checked& c) {
  if (!c.region) return;
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const bool reg_value = row.operand == Operand::Reg;
  const Value p = s.regs[static_cast<size_t>(insn.dst)];
  if (p.region != PointerKind::Stack) return;  // elsewhere nothing the state tracks changes
  const Value v = reg_value ? s.regs[static_cast<size_t>(insn.src)]
                            : Value::scalar(scalar_const(semantics::imm_operand(insn.imm)));
  const unsigned n = row.size;
  Value spilled = n == 8 || !v.is_scalar() ? v : Value::scalar(alu(AluOp::ToLe, Width::W64, v.num, v.num, n * 8));
  if (reg_value && n == 8 && v.is_scalar()) {
    share_scalar(s, insn.src, pc);
    spilled = s.regs[static_cast<size_t>(insn.src)];
  }
  stack_write(s, p, insn.off, n, spilled, n);
  if (reg_value && n == 8 && is_const(p.num)) {
    const int start = static_cast<int>(static_cast<int64_t>(p.num.t.value) + insn.off) + kFrameBytes;
    if (start % 8 == 0) rel_copy(s, insn.src, slot_cell(static_cast<int>(p.object), start / 8), false);
  }
}

void Analyzer::atomic_insn(State& s, size_t pc, const Checked& c) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const AtomicOp op = row.atomic_op();
  const Value p = s.regs[static_cast<size_t>(insn.dst)];
  const unsigned n = row.size;
  if (c.region && p.region == PointerKind::Stack) {
    stack_write(s, p, insn.off, n, Value::scalar(dm::scalar_unknown_load<uint64_t>(0, n, false)), n);
  }
  if (row.fetch) {
    const int r = op == AtomicOp::Cmpxchg ? 0 : insn.src;
    s.regs[static_cast<size_t>(r)] = Value::scalar(dm::scalar_unknown_load<uint64_t>(0, n, false));
    rel_drop(s, static_cast<uint32_t>(r));
  }
}

void Analyzer::lddw_insn(State& s, size_t pc) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const int32_t next = prog_.lddw_next_imm(pc);
  Value& d = s.regs[insn.dst];
  rel_drop(s, insn.dst);
  auto find_map = [&](bool by_fd) -> std::optional<size_t> {
    for (size_t i = 0; i < in_.maps.size(); ++i) {
      if (by_fd ? (in_.maps[i].fd && *in_.maps[i].fd == insn.imm) : static_cast<int64_t>(i) == insn.imm) return i;
    }
    return std::nullopt;
  };
  switch (row.lddw_kind()) {
    case LddwKind::Imm: d = Value::scalar(scalar_const(semantics::lddw_value(insn.imm, next))); return;
    case LddwKind::MapFd:
    case LddwKind::MapIdx:
    case LddwKind::MapValue:
    case LddwKind::MapIdxValue: {
      const bool by_fd = row.lddw_kind() == LddwKind::MapFd || row.lddw_kind() == LddwKind::MapValue;
      const auto m = find_map(by_fd);
      if (!m) {
        report(CheckId::MapUnknown, pc, fmt::format("{}: no map with {} {}", row.id, by_fd ? "fd" : "index", insn.imm), s);
        d = Value::scalar(scalar_top());
        return;
      }
      if (row.lddw_kind() == LddwKind::MapFd || row.lddw_kind() == LddwKind::MapIdx) {
        d = Value::pointer(PointerKind::MapHandle, static_cast<int64_t>(*m), scalar_const(0));
        return;
      }
      const MapDescriptor& md = in_.maps[*m];
      const MapTypeInfo* info = nullptr;
      if (auto it = plat_.map_types.find(md.type); it != plat_.map_types.end()) info = &it->second;
      if (info == nullptr || !info->array_like || !info->lookup_returns_value || next < 0 ||
          static_cast<uint32_t>(next) >= md.value_size) {
        report(CheckId::MapDirectValue, pc,
               fmt::format("{}: offset {} into map '{}' ({} bytes of value, {}): needs an array map and an offset inside "
                           "its value",
                           row.id, next, md.name, md.value_size, info ? info->name : "unknown type"),
               s);
        d = Value::scalar(scalar_top());
        return;
      }
      d = Value::pointer(PointerKind::MapValue, static_cast<int64_t>(*m), scalar_const(static_cast<uint64_t>(next)));
      return;
    }
    case LddwKind::VarAddr: {
      for (const VariableDescriptor& v : in_.variables) {
        if (v.id == insn.imm) {
          d = Value::pointer(PointerKind::Variable, v.id, scalar_const(0));
          return;
        }
      }
      report(CheckId::MapUnknown, pc, fmt::format("{}: no variable with id {}", row.id, insn.imm), s);
      d = Value::scalar(scalar_top());
      return;
    }
    case LddwKind::CodeAddr: {
      const int64_t target = semantics::branch_target(insn, row, pc);
      d = Value::pointer(PointerKind::Code, target, scalar_const(0));
      return;
    }
  }
}

void Analyzer::packet_load_insn(State& s, size_t pc) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  if (!type_.legacy_packet_loads) {
    report(CheckId::InsnForbidden, pc,
           fmt::format("{}: legacy packet loads are not allowed for program type {}", row.id, type_.name), s);
  } else if (type_.entry == ProgramType::Entry::Context) {
    const Value& r6 = s.regs[6];
    if (!r6.is_pointer() || r6.region != PointerKind::Context) {
      report(CheckId::InsnForbidden, pc, fmt::format("{} needs the context in r6; {}", row.id, reg_text(s, 6)), s);
    }
  }
  check_no_references(s, pc, fmt::format("{} may end the program (a load past the packet)", row.id));
  if (row.operand == Operand::Reg) {
    check_initialized(s, pc, insn.src);
    if (!s.regs[insn.src].is_scalar()) {
      report(CheckId::MemType, pc, fmt::format("{}: the offset register {} must be a scalar", row.id, reg_text(s, insn.src)), s);
    }
  }
  const unsigned n = row.size;
  s.regs[0] = Value::scalar(scalar_range(0, n >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * n)) - 1));
  rel_drop(s, 0);
  if (type_.entry == ProgramType::Entry::Context) {
    for (int r = 1; r <= 5; ++r) {
      s.regs[static_cast<size_t>(r)] = Value::uninit();
      rel_drop(s, static_cast<uint32_t>(r));
    }
  }
  // Out of bounds, the load ends the program with r0 = 0.
  if (check_) {
    exit_r0_ = exit_r0_ ? dm::scalar_join<uint64_t>(*exit_r0_, scalar_const(0)) : scalar_const(0);
    if (type_.return_range && (type_.return_range->first > 0 || type_.return_range->second < 0)) {
      report(CheckId::ExitR0, pc, fmt::format("{} may end the program with r0 = 0, outside the return range [{}, {}]", row.id,
                                        type_.return_range->first, type_.return_range->second),
             s);
    }
  }
}

// r0 at the main program's exit (checked: check_return) is part of the result.
void Analyzer::exit_insn(State& s, size_t pc) {
  if (s.depth() > 0 || !check_) return;
  check_no_references(s, pc, "the program exits");
  const Value& r0 = s.regs[0];
  if (r0.is_scalar()) {
    exit_r0_ = exit_r0_ ? dm::scalar_join<uint64_t>(*exit_r0_, r0.num) : r0.num;
  } else {
    exit_r0_bad_ = true;
  }
}

}  // namespace bpfcert::verifier::detail
