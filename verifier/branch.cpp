// Conditional jumps: each side of the test refines the state. Scalars are refined by the
// domain's branch operators (domain/scalar.h) and the refinement reaches every linked copy; a
// test against 0 refines a nullable pointer and its copies; packet pointers compared with
// packet end (or data_meta with data) prove the packet's range; pointers into one object
// compare as their offsets. A test `x != K` also tells the loop counters something (loops.cpp).
#include <fmt/format.h>

#include <algorithm>

#include "verifier/access_rules.h"
#include "verifier/analyzer_impl.h"

namespace bpfcert::verifier::detail {

namespace {

JmpOp signed_version(JmpOp op) {
  switch (op) {
    case JmpOp::Jgt: return JmpOp::Jsgt;
    case JmpOp::Jge: return JmpOp::Jsge;
    case JmpOp::Jlt: return JmpOp::Jslt;
    case JmpOp::Jle: return JmpOp::Jsle;
    default: return op;
  }
}

}  // namespace

bool same_base(const Value& a, const Value& b) {
  return a.same_object(b) && a.region != PointerKind::MapHandle && a.region != PointerKind::Code &&
         a.region != PointerKind::PacketEnd && !a.nullable && !b.nullable &&
         (is_packet(a.region) || (a.id == b.id && a.id != kOpaqueId));
}

// Scalars; a pointer with 0 (a null check); two pointers into one object, packet end included
// (64-bit comparisons of packet pointers with packet end, or of data_meta with data, prove
// ranges; other pairs into one object compare their offsets).
bool comparable(const Value& a, const Value& b, Width w) {
  if (a.is_scalar() && b.is_scalar()) return true;
  if ((a.is_pointer() && is_null(b)) || (b.is_pointer() && is_null(a))) return true;
  if (!a.is_pointer() || !b.is_pointer()) return false;
  const bool a_pkt = a.region == PointerKind::Packet, b_pkt = b.region == PointerKind::Packet;
  const bool a_end = a.region == PointerKind::PacketEnd, b_end = b.region == PointerKind::PacketEnd;
  const bool a_meta = a.region == PointerKind::PacketMeta, b_meta = b.region == PointerKind::PacketMeta;
  if (w == Width::W64 && ((a_pkt && b_end) || (a_end && b_pkt) || (a_meta && b_pkt) || (a_pkt && b_meta))) return true;
  return same_base(a, b) || (a_end && b_end);
}

void Analyzer::learn_packet_range(State& s, const Value& p, int64_t extra) {
  if (!sane(p.num)) return;
  auto learn = [&](uint32_t id, int64_t r) {
    for (PacketRange& x : s.packet) {
      if (x.id == id) {
        x.range = std::max(x.range, r);
        return;
      }
    }
    s.packet.push_back({id, r});
    std::sort(s.packet.begin(), s.packet.end(), [](const PacketRange& a, const PacketRange& b) { return a.id < b.id; });
  };
  // The packet holds at least the smallest offset the pointer may have (+ extra).
  learn(0, smin(p.num) + extra);
  if (p.id != 0 && p.id != kOpaqueId) learn(p.id, p.delta + extra);
}

void Analyzer::branch(const State& in, size_t pc, State& fall, State& taken) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const bool reg_operand = row.operand == Operand::Reg;
  State s = in;
  check_insn(s, pc);
  const Value a = s.regs[insn.dst];
  const Value b = reg_operand ? s.regs[insn.src] : Value::scalar(scalar_const(semantics::imm_operand(insn.imm)));
  fall = s;
  taken = s;
  if (a.is_scalar() && b.is_scalar()) {
    branch_scalars(in, pc, a, b, fall, taken);
    return;
  }
  if ((a.is_pointer() && is_null(b)) || (b.is_pointer() && is_null(a))) {
    branch_null(s, pc, a, b, fall, taken);
    return;
  }
  if (a.is_pointer() && b.is_pointer()) branch_pointers(pc, a, b, fall, taken);
}

// `in`: the state before the jump, before its registers were checked (a loop-invariant
// register's value for learn_exclusion).
void Analyzer::branch_scalars(const State& in, size_t pc, const Value& a, const Value& b, State& fall, State& taken) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const JmpOp op = row.jmp_op();
  const Width w = row.width;
  const bool reg_operand = row.operand == Operand::Reg;
  for (int dir = 0; dir < 2; ++dir) {
    State& out = dir == 1 ? taken : fall;
    const dm::Refined<uint64_t> r = dm::scalar_refine<uint64_t>(op, w, dir == 1, a.num, b.num);
    const dm::Tightened<uint64_t> td = dm::scalar_tighten<uint64_t>(r.dst);
    const dm::Tightened<uint64_t> ts = dm::scalar_tighten<uint64_t>(r.src);
    if (!r.feasible || !td.nonempty || !ts.nonempty) {
      out = State{};
      continue;
    }
    out.regs[insn.dst].num = td.s;
    if (reg_operand && insn.src != insn.dst) out.regs[insn.src].num = ts.s;
    if (!propagate_scalar(out, out.regs[insn.dst]) ||
        (reg_operand && insn.src != insn.dst && !propagate_scalar(out, out.regs[insn.src]))) {
      out = State{};
    }
  }
  // `if (x != K)`: on the unequal side, a loop counter related to x (stride +-1) is not at the
  // value E that would make x == K. E is exact when d and K are constants; it is one value
  // fixed for this entry into the loop (bounded by an interval) when d is invariant and K is
  // a constant or a register the loop never writes. Also the other spellings of x != 0:
  // jset x, -1; jgt x, 0; jge x, 1 (taken) and jle x, 0; jlt x, 1 (not taken).
  const uint64_t ones = w == Width::W64 ? ~uint64_t{0} : 0xffffffffull;
  const uint64_t bval = is_const(b.num) ? b.num.t.value & ones : 1;
  State* ne_side = nullptr;
  bool k_is_zero = false;
  if (op == JmpOp::Jne) ne_side = &taken;
  if (op == JmpOp::Jeq) ne_side = &fall;
  if (is_const(b.num)) {
    if ((op == JmpOp::Jset && bval == ones) || (op == JmpOp::Jgt && bval == 0) || (op == JmpOp::Jge && bval == 1)) {
      ne_side = &taken;
      k_is_zero = true;
    }
    if ((op == JmpOp::Jle && bval == 0) || (op == JmpOp::Jlt && bval == 1)) {
      ne_side = &fall;
      k_is_zero = true;
    }
  }
  if (ne_side != nullptr && !ne_side->bottom) learn_exclusion(in, pc, b, ne_side, k_is_zero);
}

void Analyzer::learn_exclusion(const State& in, size_t pc, const Value& b, State* ne_side, bool k_is_zero) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const Width w = row.width;
  const bool reg_operand = row.operand == Operand::Reg;
  const uint64_t ones = w == Width::W64 ? ~uint64_t{0} : 0xffffffffull;
  State& ne = *ne_side;
  // (counter register, the other operand's register or -1 for the immediate)
  std::vector<std::pair<int, int>> pairs{{insn.dst, reg_operand && !k_is_zero ? insn.src : -1}};
  if (reg_operand && !k_is_zero && insn.src != insn.dst) pairs.emplace_back(insn.src, insn.dst);
  for (const auto& [x, y] : pairs) {
    for (Relation& rel : ne.relations) {
      if (rel.cell != static_cast<uint32_t>(x) || (rel.k != 1 && rel.k != -1)) continue;
      if (w == Width::W64 && !rel.wide) continue;
      // K: the immediate (or 0), or a register whose value the loop never changes.
      std::optional<Scalar> kv;
      if (k_is_zero) {
        kv = scalar_const(0);
      } else if (y < 0) {
        kv = b.num;
      } else if ((loop_writes_[rel.header] >> y & 1) == 0 && in.regs[static_cast<size_t>(y)].is_scalar()) {
        kv = in.regs[static_cast<size_t>(y)].num;
      }
      if (!kv) continue;
      if (is_const(rel.d) && is_const(*kv)) {
        const uint64_t kval = kv->t.value & ones, dval = rel.d.t.value;
        const uint64_t e = rel.k == 1 ? kval - dval : dval - kval;
        rel.exclusion = w == Width::W64 ? Exclusion::Exact64 : Exclusion::Exact32;
        rel.excl = e & ones;
      } else if (rel.invariant) {
        const Scalar e = rel.k == 1 ? alu(AluOp::Sub, w, *kv, rel.d) : alu(AluOp::Sub, w, rel.d, *kv);
        rel.exclusion = w == Width::W64 ? Exclusion::Bounded64 : Exclusion::Bounded32;
        rel.excl = w == Width::W64 ? e.umax : e.u32max;
      }
    }
  }
}

// A pointer tested against 0.
void Analyzer::branch_null(const State& s, size_t pc, const Value& a, const Value& /*b*/, State& fall, State& taken) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const JmpOp op = row.jmp_op();
  const Width w = row.width;
  const int preg = a.is_pointer() ? insn.dst : insn.src;
  const Value p = s.regs[static_cast<size_t>(preg)];
  if (w == Width::W64 && (op == JmpOp::Jeq || op == JmpOp::Jne)) {
    State& eq = op == JmpOp::Jeq ? taken : fall;
    State& ne = op == JmpOp::Jeq ? fall : taken;
    if (p.nullable) {
      auto refine = [&](State& st, bool null) {
        auto apply = [&](Value& v) {
          if (!v.is_pointer() || !v.nullable) return;
          if (null) {
            v = Value::scalar(scalar_const(0));
          } else {
            v.nullable = false;
          }
        };
        const bool shared = p.id != 0 && p.id != kOpaqueId;
        for (size_t r = 0; r < st.regs.size(); ++r) {
          if (static_cast<int>(r) == preg || (shared && st.regs[r].is_pointer() && st.regs[r].id == p.id)) apply(st.regs[r]);
        }
        if (!shared) return;
        for (size_t f = 0; f < st.frames.size(); ++f) {
          bool has = false;
          for (const Value& v : st.frames[f]->spill) has = has || (v.is_pointer() && v.nullable && v.id == p.id);
          if (!has) continue;
          for (Value& v : st.frame_mut(f).spill) {
            if (v.is_pointer() && v.id == p.id) apply(v);
          }
        }
      };
      refine(eq, true);
      refine(ne, false);
      // The reserve failed on this branch: no record, no reference (Linux: mark_ptr_or_null_regs
      // releases the reference of a null acquired pointer).
      if (is_record(p) && p.id == static_cast<uint32_t>(p.object) && !eq.bottom) drop_reference(eq, p.object);
    } else if (surely_nonnull(p.num) && p.region != PointerKind::Memory && p.region != PointerKind::Kernel) {
      // A Kernel pointer may be null however it was obtained (a traced function's argument, a
      // member loaded through a probe load), so both outcomes of the test stay possible.
      eq = State{};
    } else if (surely_nonnull(p.num) && p.region == PointerKind::Memory && (p.object != 0 || in_.memory_size.value_or(0) > 0)) {
      eq = State{};
    }
  }
}

// Two pointers: false when they are not comparable (ptr.compare).
// Two pointers (Comparable checked they may be compared).
void Analyzer::branch_pointers(size_t pc, const Value& a, const Value& b, State& fall, State& taken) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const JmpOp op = row.jmp_op();
  const Width w = row.width;
  const bool a_pkt = a.region == PointerKind::Packet, b_pkt = b.region == PointerKind::Packet;
  const bool a_end = a.region == PointerKind::PacketEnd, b_end = b.region == PointerKind::PacketEnd;
  if (w == Width::W64 && ((a_pkt && b_end) || (a_end && b_pkt))) {
    // data + n compared with data_end: the side where the pointer is <= end (or < end)
    // proves the packet holds its bytes (access_rules::range_proven).
    for (const bool dir : {false, true}) {
      if (const std::optional<int64_t> extra = access_rules::range_proven(op, a_pkt, dir)) {
        learn_packet_range(dir ? taken : fall, a_pkt ? a : b, *extra);
      }
    }
    return;
  }
  const bool a_meta = a.region == PointerKind::PacketMeta, b_meta = b.region == PointerKind::PacketMeta;
  if (w == Width::W64 && ((a_meta && b_pkt) || (a_pkt && b_meta))) {
    learn_meta_range(op, a, b, fall, taken);
    return;
  }
  if (same_base(a, b) && w == Width::W64 && op != JmpOp::Jset && sane(a.num) && sane(b.num)) {
    const JmpOp sop = signed_version(op);
    for (int dir = 0; dir < 2; ++dir) {
      State& out = dir == 1 ? taken : fall;
      const dm::Refined<uint64_t> r = dm::scalar_refine<uint64_t>(sop, w, dir == 1, a.num, b.num);
      if (!r.feasible) {
        out = State{};
        continue;
      }
      out.regs[insn.dst].num = r.dst;
      if (insn.src != insn.dst) out.regs[insn.src].num = r.src;
    }
    return;
  }
}

// data_meta + o compared with data + c (c constant): data = data_meta + meta_len, so the
// side where the meta pointer is <= data (or <) proves meta_len >= smin(o) - c (+1).
void Analyzer::learn_meta_range(JmpOp op, const Value& a, const Value& b, State& fall, State& taken) {
  const bool a_meta = a.region == PointerKind::PacketMeta;
  const Value& m = a_meta ? a : b;
  const Value& d = a_meta ? b : a;
  if (!sane(m.num) || !is_const(d.num) || d.id != 0 || !sane(d.num)) return;
  const int64_t base = smin(m.num) - smin(d.num);
  auto learn = [&](State& st, int64_t extra) {
    if (st.bottom || base + extra <= 0) return;
    for (PacketRange& x : st.packet) {
      if (x.id == kMetaRangeId) {
        x.range = std::max(x.range, base + extra);
        return;
      }
    }
    st.packet.push_back({kMetaRangeId, base + extra});
    std::sort(st.packet.begin(), st.packet.end(), [](const PacketRange& x, const PacketRange& y) { return x.id < y.id; });
  };
  for (const bool dir : {false, true}) {
    if (const std::optional<int64_t> extra = access_rules::range_proven(op, a_meta, dir)) learn(dir ? taken : fall, *extra);
  }
}

}  // namespace bpfcert::verifier::detail
