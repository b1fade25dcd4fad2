#include "verifier/smt/operators.h"

#include <algorithm>

namespace bpfcert::verifier::smt {

using semantics::AluOp;
using semantics::JmpOp;
using semantics::Kind;

std::string conformance_mnemonic(const semantics::Encoding& e) {
  std::string_view s = e.conformance_asm;
  s = s.substr(0, s.find("||"));
  return std::string(s.substr(0, s.find(' ')));
}

namespace {

std::vector<Operator> build() {
  std::vector<Operator> out;
  auto seen = [&](const std::string& name) {
    return std::any_of(out.begin(), out.end(), [&](const Operator& o) { return o.name == name; });
  };
  for (const semantics::Encoding& e : semantics::encodings()) {
    const std::string name = conformance_mnemonic(e);
    if (seen(name)) continue;  // the K and X forms of one op share the abstract operator
    Operator op{name, OperatorKind::Alu};
    op.width = e.width;
    op.group = e.group;
    if (e.kind == Kind::Alu) {
      op.alu_op = e.alu_op();
      op.ext_bits = e.size;
      op.unary = e.operand == semantics::Operand::None;
    } else if (e.kind == Kind::Jump && e.jmp_op() != JmpOp::Ja) {
      op.kind = OperatorKind::Branch;
      op.jmp_op = e.jmp_op();
    } else if (e.kind == Kind::Load) {
      op.kind = OperatorKind::Load;
      op.size = e.size;
      op.sign_extend = e.sign_extend;
    } else {
      continue;  // no abstract operator of its own (stores, calls, atomics, jumps that always go)
    }
    out.push_back(op);
  }
  out.push_back({"sync", OperatorKind::Sync});
  out.push_back({"tighten", OperatorKind::Tighten});
  out.push_back({"join", OperatorKind::Join});
  out.push_back({"widen", OperatorKind::Widen});
  return out;
}

}  // namespace

const std::vector<Operator>& operators() {
  static const std::vector<Operator> all = build();
  return all;
}

const Operator* find_operator(std::string_view name) {
  for (const Operator& o : operators()) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

const std::vector<Operator>& check_operators() {
  static const std::vector<Operator> all = [] {
    using access_rules::Region;
    std::vector<Operator> out;
    for (Region r : {Region::Stack, Region::Memory, Region::MapValue, Region::Variable, Region::Context, Region::Packet,
                     Region::PacketMeta}) {
      Operator op{std::string("access.") + access_rules::to_string(r), OperatorKind::Access};
      op.region = r;
      out.push_back(op);
    }
    Operator add{"ptr.add", OperatorKind::Pointer}, sub{"ptr.sub", OperatorKind::Pointer},
        diff{"ptr.diff", OperatorKind::Pointer};
    add.alu_op = AluOp::Add;
    sub.alu_op = AluOp::Sub;
    diff.alu_op = AluOp::Sub;
    diff.pointer_pair = true;
    out.insert(out.end(), {add, sub, diff});
    Operator packet{"range.packet", OperatorKind::Range}, meta{"range.packet_meta", OperatorKind::Range};
    packet.region = Region::Packet;
    meta.region = Region::PacketMeta;
    out.insert(out.end(), {packet, meta});
    return out;
  }();
  return all;
}

const Operator* find_check_operator(std::string_view name) {
  for (const Operator& o : check_operators()) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

bool is_check(const Operator& op) {
  return op.kind == OperatorKind::Access || op.kind == OperatorKind::Pointer || op.kind == OperatorKind::Range;
}

bool is_expensive(const Operator& op) {
  if (op.kind != OperatorKind::Alu) return false;
  switch (op.alu_op) {
    case AluOp::Mul:
    case AluOp::Div:
    case AluOp::Sdiv:
    case AluOp::Mod:
    case AluOp::Smod: return true;
    default: return false;
  }
}

std::vector<unsigned> quick_widths(const Operator& op) {
  if (op.kind == OperatorKind::Access || op.kind == OperatorKind::Range) return {64};
  if (!is_expensive(op)) return {8, 16, 64};
  const bool wide_mul_or_div = op.width == semantics::Width::W64 && (op.alu_op == AluOp::Mul || op.alu_op == AluOp::Div);
  return wide_mul_or_div ? std::vector<unsigned>{8} : std::vector<unsigned>{8, 16};
}

std::string_view to_string(OperatorKind k) {
  switch (k) {
    case OperatorKind::Alu: return "alu";
    case OperatorKind::Branch: return "branch";
    case OperatorKind::Load: return "load";
    case OperatorKind::Sync: return "sync";
    case OperatorKind::Tighten: return "tighten";
    case OperatorKind::Join: return "join";
    case OperatorKind::Widen: return "widen";
    case OperatorKind::Access: return "access";
    case OperatorKind::Pointer: return "pointer";
    case OperatorKind::Range: return "range";
  }
  return "?";
}

}  // namespace bpfcert::verifier::smt
