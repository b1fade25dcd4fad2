// Assertions derived from the instruction alone (its encoding, not the abstract state).
#include "verifier/assertions.h"

#include <fmt/format.h>

#include "verifier/access_rules.h"

namespace bpfcert::verifier {

using semantics::AluOp;
using semantics::AtomicOp;
using semantics::CallKind;
using semantics::Kind;
using semantics::Operand;

const char* to_string(AccessKind k) {
  switch (k) {
    case AccessKind::Read: return "read";
    case AccessKind::Write: return "write";
    case AccessKind::Atomic: return "atomic update";
    case AccessKind::HelperRead: return "helper read";
    case AccessKind::HelperWrite: return "helper write";
  }
  return "access";
}

namespace {

struct Text {
  std::string operator()(const Initialized& a) const { return fmt::format("r{} initialised", a.reg); }
  std::string operator()(const Access& a) const {
    return fmt::format("{} of {} bytes at r{}{:+}", to_string(a.kind), a.size, a.reg, a.offset);
  }
  std::string operator()(const ValidStore& a) const {
    if (a.value < 0) return fmt::format("store of an immediate through r{}", a.base);
    return fmt::format("store of r{} ({} bytes) through r{}", a.value, a.size, a.base);
  }
  std::string operator()(const ValidArithmetic& a) const {
    if (a.src < 0) return fmt::format("arithmetic on r{} with an immediate", a.dst);
    return fmt::format("arithmetic on r{} with r{}", a.dst, a.src);
  }
  std::string operator()(const Comparable& a) const {
    if (a.src < 0) return fmt::format("r{} comparable with an immediate", a.dst);
    return fmt::format("r{} comparable with r{}", a.dst, a.src);
  }
  std::string operator()(const ValidReturn&) const { return "r0 a valid return value"; }
  std::string operator()(const BoundedLoop& a) const { return fmt::format("loop at pc {} bounded", a.header_pc); }
};

}  // namespace

std::string to_string(const Assertion& a) { return std::visit(Text{}, a); }

InsnAssertions assertions_of(const semantics::Program& prog, size_t pc) {
  InsnAssertions out;
  const semantics::Encoding& row = prog.row(pc);
  const semantics::Insn& insn = prog.insns[pc];
  const auto dst = static_cast<uint8_t>(insn.dst), src = static_cast<uint8_t>(insn.src);
  const bool reg_operand = row.operand == Operand::Reg;
  switch (row.kind) {
    case Kind::Alu:
      if (reg_operand) out.push(Initialized{src});
      if (row.alu_op() != AluOp::Mov && row.alu_op() != AluOp::Movsx) out.push(Initialized{dst});
      out.push(ValidArithmetic{dst, static_cast<int8_t>(reg_operand ? insn.src : -1)});
      break;
    case Kind::Load:
      out.push(Initialized{src});
      out.push(Access{AccessKind::Read, src, insn.off, row.size});
      break;
    case Kind::Store:
      out.push(Initialized{dst});
      if (reg_operand) out.push(Initialized{src});
      out.push(Access{AccessKind::Write, dst, insn.off, row.size});
      out.push(ValidStore{dst, static_cast<int8_t>(reg_operand ? insn.src : -1), row.size});
      break;
    case Kind::Atomic:
      // The operand goes into memory (and cmpxchg compares with r0): scalars only. Checked
      // before the access, so a finding about the operand comes first.
      out.push(Initialized{dst});
      out.push(Initialized{src});
      if (row.atomic_op() == AtomicOp::Cmpxchg) out.push(Initialized{0});
      out.push(ValidStore{dst, static_cast<int8_t>(insn.src), row.size});
      out.push(Access{AccessKind::Atomic, dst, insn.off, row.size});
      break;
    case Kind::Jump:
      if (row.jmp_op() == semantics::JmpOp::Ja) break;
      out.push(Initialized{dst});
      if (reg_operand) out.push(Initialized{src});
      out.push(Comparable{dst, static_cast<int8_t>(reg_operand ? insn.src : -1)});
      break;
    case Kind::Exit: out.push(ValidReturn{}); break;
    case Kind::Call:
      if (row.call_kind() == CallKind::Indirect) out.push(Initialized{dst});
      break;
    case Kind::MayGoto:     // reads nothing
    case Kind::PacketLoad:  // its checks are still made by its transfer (packet_load_insn)
    case Kind::LoadImm64:
    case Kind::WideSlot: break;
  }
  return out;
}

const char* access_rules::to_string(Region r) {
  switch (r) {
    case Region::Stack: return "stack";
    case Region::Memory: return "memory";
    case Region::MapValue: return "map_value";
    case Region::Variable: return "variable";
    case Region::Context: return "context";
    case Region::Packet: return "packet";
    case Region::PacketMeta: return "packet_meta";
  }
  return "?";
}

}  // namespace bpfcert::verifier
