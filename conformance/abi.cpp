#include "conformance/abi.h"

#include <deque>

namespace bpfcert::conformance {

using semantics::AluOp;
using semantics::AtomicOp;
using semantics::CallKind;
using semantics::Kind;
using semantics::Operand;

std::string_view to_string(AbiDifference a) { return a == AbiDifference::NoR2 ? "no-r2" : "packet-mbuf"; }

std::string_view describe(AbiDifference a) {
  return a == AbiDifference::NoR2 ? "r2 is not set to the memory's length"
                                  : "legacy packet loads read a packet descriptor, not the test's memory";
}

std::optional<AbiDifference> abi_difference_from_string(std::string_view s) {
  for (AbiDifference a : kAbiDifferences) {
    if (to_string(a) == s) return a;
  }
  return std::nullopt;
}

namespace {

constexpr uint16_t bit(unsigned r) { return static_cast<uint16_t>(1u << r); }
constexpr uint16_t kArgs = 0b111110;  // r1-r5

}  // namespace

uint16_t registers_read(const semantics::Encoding& row, const semantics::Insn& insn) {
  const uint16_t src = row.operand == Operand::Reg ? bit(insn.src) : 0;
  switch (row.kind) {
    case Kind::Alu:
      if (row.alu_op() == AluOp::Mov || row.alu_op() == AluOp::Movsx) return src;
      return static_cast<uint16_t>(bit(insn.dst) | src);
    case Kind::Jump: return row.jmp_op() == semantics::JmpOp::Ja ? 0 : static_cast<uint16_t>(bit(insn.dst) | src);
    case Kind::Call:
      // A local call (and callx, which reaches local functions) passes r1-r5 through to code
      // the analysis follows; a helper reads its arguments.
      if (row.call_kind() == CallKind::Local) return 0;
      if (row.call_kind() == CallKind::Indirect) return bit(insn.dst);
      return kArgs;
    case Kind::Exit: return bit(0);
    case Kind::Load: return bit(insn.src);
    case Kind::Store: return static_cast<uint16_t>(bit(insn.dst) | src);
    case Kind::Atomic:
      return static_cast<uint16_t>(bit(insn.dst) | bit(insn.src) | (row.atomic_op() == AtomicOp::Cmpxchg ? bit(0) : 0));
    case Kind::PacketLoad: return static_cast<uint16_t>(bit(6) | src);
    case Kind::LoadImm64:
    case Kind::MayGoto:
    case Kind::WideSlot: return 0;
  }
  return 0;
}

uint16_t registers_written(const semantics::Encoding& row, const semantics::Insn& insn) {
  switch (row.kind) {
    case Kind::Alu:
    case Kind::Load:
    case Kind::LoadImm64: return bit(insn.dst);
    case Kind::Call: return row.call_kind() == CallKind::Local ? 0 : static_cast<uint16_t>(bit(0) | kArgs);
    case Kind::Atomic:
      if (!row.fetch) return 0;
      return row.atomic_op() == AtomicOp::Cmpxchg ? bit(0) : bit(insn.src);
    case Kind::PacketLoad: return bit(0);
    case Kind::Jump:
    case Kind::MayGoto:
    case Kind::Exit:
    case Kind::Store:
    case Kind::WideSlot: return 0;
  }
  return 0;
}

bool reads_entry_register(const std::vector<semantics::Insn>& insns, unsigned reg) {
  semantics::ValidationOptions options;
  options.allow_extensions = true;
  auto program = semantics::validate(insns, options);
  if (!program.ok()) return false;
  // May-analysis: reached[pc] when some path reaches pc with `reg` still holding its entry value.
  std::vector<bool> reached(program->size(), false);
  std::deque<size_t> work{0};
  reached[0] = true;
  auto visit = [&](int64_t pc) {
    if (pc < 0 || static_cast<size_t>(pc) >= reached.size() || reached[static_cast<size_t>(pc)]) return;
    reached[static_cast<size_t>(pc)] = true;
    work.push_back(static_cast<size_t>(pc));
  };
  while (!work.empty()) {
    const size_t pc = work.front();
    work.pop_front();
    const semantics::Encoding& row = program->row(pc);
    const semantics::Insn& insn = program->insns[pc];
    if (registers_read(row, insn) & bit(reg)) return true;
    if (registers_written(row, insn) & bit(reg)) continue;
    if (semantics::has_branch_target(row) && row.kind != Kind::LoadImm64) visit(semantics::branch_target(insn, row, pc));
    if (semantics::falls_through(row)) visit(static_cast<int64_t>(pc) + (row.kind == Kind::LoadImm64 ? 2 : 1));
  }
  return false;
}

bool depends_on(const TestCase& test, AbiDifference a) {
  switch (a) {
    case AbiDifference::NoR2: return reads_entry_register(test.insns, 2);
    case AbiDifference::PacketMbuf:
      for (const semantics::Encoding* e : test.encodings) {
        if (e->kind == Kind::PacketLoad) return true;
      }
      return false;
  }
  return false;
}

}  // namespace bpfcert::conformance
