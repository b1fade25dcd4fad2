#include "semantics/program.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <fmt/format.h>

namespace bpfcert::semantics {

std::array<uint8_t, kSlotBytes> encode(const Insn& insn) {
  std::array<uint8_t, kSlotBytes> b{};
  b[0] = insn.opcode;
  b[1] = static_cast<uint8_t>((insn.dst & 0x0f) | ((insn.src & 0x0f) << 4));
  const auto off = static_cast<uint16_t>(insn.off);
  b[2] = static_cast<uint8_t>(off);
  b[3] = static_cast<uint8_t>(off >> 8);
  const auto imm = static_cast<uint32_t>(insn.imm);
  for (int i = 0; i < 4; ++i) b[4 + i] = static_cast<uint8_t>(imm >> (8 * i));
  return b;
}

Insn decode_slot(std::span<const uint8_t, kSlotBytes> b) {
  Insn insn;
  insn.opcode = b[0];
  insn.dst = b[1] & 0x0f;
  insn.src = b[1] >> 4;
  insn.off = static_cast<int16_t>(static_cast<uint16_t>(b[2] | (b[3] << 8)));
  uint32_t imm = 0;
  for (int i = 0; i < 4; ++i) imm |= static_cast<uint32_t>(b[4 + i]) << (8 * i);
  insn.imm = static_cast<int32_t>(imm);
  return insn;
}

Result<std::vector<Insn>> decode_bytes(std::span<const uint8_t> bytes, const std::string& file) {
  if (bytes.size() % kSlotBytes != 0) {
    return Error{ErrorCode::TruncatedBytecode, {file, 0, 0, static_cast<int64_t>(bytes.size() / kSlotBytes)},
                 fmt::format("{} bytes is not a whole number of 8-byte instructions ({} trailing bytes)",
                             bytes.size(), bytes.size() % kSlotBytes)};
  }
  std::vector<Insn> out;
  out.reserve(bytes.size() / kSlotBytes);
  for (size_t i = 0; i < bytes.size(); i += kSlotBytes) {
    out.push_back(decode_slot(bytes.subspan(i).first<kSlotBytes>()));
  }
  return out;
}

std::vector<uint8_t> encode_all(std::span<const Insn> insns) {
  std::vector<uint8_t> out;
  out.reserve(insns.size() * kSlotBytes);
  for (const Insn& insn : insns) {
    auto b = encode(insn);
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

RegisterUse register_use(const Encoding& row, const Insn& insn) {
  const auto bit = [](unsigned r) { return static_cast<uint16_t>(1u << (r & 15)); };  // fields are 4 bits
  const uint16_t dst = bit(insn.dst);
  const uint16_t src = row.operand == Operand::Reg ? bit(insn.src) : 0;
  switch (row.kind) {
    case Kind::Alu: {
      const bool moves = row.alu_op() == AluOp::Mov || row.alu_op() == AluOp::Movsx;  // dst is not read
      return {static_cast<uint16_t>((moves ? 0 : dst) | src), dst};
    }
    case Kind::LoadImm64: return {0, dst};
    case Kind::Load: return {bit(insn.src), dst};
    case Kind::Store: return {static_cast<uint16_t>(dst | src), 0};
    case Kind::Atomic: {
      // The value operand is always a register; CMPXCHG also compares with r0 and writes the
      // old value there, the other fetching forms write it back to src.
      const bool cmpxchg = row.atomic_op() == AtomicOp::Cmpxchg;
      const uint16_t read = static_cast<uint16_t>(dst | bit(insn.src) | (cmpxchg ? bit(0) : 0));
      return {read, row.fetch ? (cmpxchg ? bit(0) : bit(insn.src)) : uint16_t{0}};
    }
    case Kind::PacketLoad: return {src, bit(0)};  // the packet itself is the invocation's, not a register's
    case Kind::Jump: return {row.jmp_op() == JmpOp::Ja ? uint16_t{0} : static_cast<uint16_t>(dst | src), 0};
    case Kind::Call:
    case Kind::Exit:
    case Kind::MayGoto:  // its budget is the frame's, no register's
    case Kind::WideSlot: break;
  }
  return {};
}

uint64_t Program::lddw_imm64(size_t pc) const {
  return static_cast<uint64_t>(static_cast<uint32_t>(insns[pc].imm)) |
         (static_cast<uint64_t>(static_cast<uint32_t>(insns[pc + 1].imm)) << 32);
}

bool ValidationOptions::allows(const Encoding& row) const {
  return row.rfc || allow_extensions ||
         std::find(extension_groups.begin(), extension_groups.end(), row.group) != extension_groups.end();
}

bool has_branch_target(const Encoding& row) {
  return (row.kind == Kind::Jump) || row.kind == Kind::MayGoto || (row.kind == Kind::Call && row.call_kind() == CallKind::Local) ||
         (row.kind == Kind::LoadImm64 && row.lddw_kind() == LddwKind::CodeAddr);
}

bool branch_target_in_imm(const Encoding& row) {
  if (row.kind == Kind::MayGoto) return false;
  return row.kind != Kind::Jump || (row.jmp_op() == JmpOp::Ja && row.width == Width::W32);
}

int64_t branch_target(const Insn& insn, const Encoding& row, size_t pc) {
  return static_cast<int64_t>(pc) + 1 + (branch_target_in_imm(row) ? int64_t{insn.imm} : int64_t{insn.off});
}

bool falls_through(const Encoding& row) {
  if (row.kind == Kind::Exit) return false;
  if (row.kind == Kind::Jump && row.jmp_op() == JmpOp::Ja) return false;
  return true;
}

namespace {

Error at(ErrorCode code, size_t pc, std::string message) {
  return Error{code, Location{{}, 0, 0, static_cast<int64_t>(pc)}, std::move(message)};
}

// Checks one field against its rule; returns an error message or empty.
std::optional<Error> check_field(const char* name, FieldRule rule, int64_t value, size_t pc,
                                 const Encoding& row) {
  switch (rule) {
    case FieldRule::Zero:
      if (value != 0) {
        return at(ErrorCode::ReservedFieldNonzero, pc,
                  fmt::format("{} must be 0 in {} (0x{:02x}), found {}", name, row.id, row.opcode, value));
      }
      break;
    case FieldRule::Reg:
      if (value > kMaxRegister) {
        return at(ErrorCode::BadRegister, pc,
                  fmt::format("{} register r{} does not exist (r0-r10) in {}", name, value, row.id));
      }
      break;
    case FieldRule::Any:
    case FieldRule::Fixed:
      break;
  }
  return std::nullopt;
}

std::optional<Error> check_insn(const Insn& insn, size_t pc, const Encoding& row) {
  if (auto e = check_field("dst", row.dst, insn.dst, pc, row)) return e;
  if (auto e = check_field("src", row.src, insn.src, pc, row)) return e;
  if (auto e = check_field("offset", row.off, insn.off, pc, row)) return e;
  if (auto e = check_field("imm", row.imm, insn.imm, pc, row)) return e;
  // Registers the instruction writes must not be the read-only frame pointer.
  if (register_use(row, insn).written & (1u << kFramePointer)) {
    return at(ErrorCode::R10Write, pc,
              row.kind == Kind::Atomic
                  ? fmt::format("{} writes the fetched value to r10, the read-only frame pointer", row.id)
                  : fmt::format("{} writes r10, the read-only frame pointer", row.id));
  }
  return std::nullopt;
}

std::string describe_variant(const Insn& insn, uint8_t opcode) {
  const auto rows = encodings_for_opcode(opcode);
  switch (rows.front()->key_field) {
    case Field::Src: return fmt::format("src {}", insn.src);
    case Field::Off: return fmt::format("offset {}", insn.off);
    case Field::Imm: return fmt::format("imm 0x{:x}", static_cast<uint32_t>(insn.imm));
    case Field::None: break;
  }
  return "fields";
}

}  // namespace

Result<Program> validate(std::vector<Insn> insns, const ValidationOptions& options) {
  if (insns.empty()) return at(ErrorCode::EmptyProgram, 0, "the program has no instructions");
  if (insns.size() > options.max_instructions) {
    return at(ErrorCode::ProgramTooLarge, options.max_instructions,
              fmt::format("{} instructions exceed the limit of {}", insns.size(), options.max_instructions));
  }
  Program prog;
  prog.rows.assign(insns.size(), nullptr);
  const Encoding* second_slot = &encodings()[0];  // the WideSlot row leads the table

  for (size_t pc = 0; pc < insns.size(); ++pc) {
    const Insn& insn = insns[pc];
    if (encodings_for_opcode(insn.opcode).empty() || insn.opcode == 0x00) {
      return at(ErrorCode::UnknownOpcode, pc,
                insn.opcode == 0x00 ? std::string("opcode 0x00 outside the second slot of an LDDW")
                                    : fmt::format("unknown opcode 0x{:02x}", insn.opcode));
    }
    const Encoding* row = find_encoding(insn.opcode, insn.src, insn.off, insn.imm);
    if (row == nullptr) {
      return at(ErrorCode::UnknownVariant, pc,
                fmt::format("opcode 0x{:02x} has no encoding with {}", insn.opcode,
                            describe_variant(insn, insn.opcode)));
    }
    if (!options.allows(*row)) {
      return at(ErrorCode::ExtensionDisabled, pc,
                fmt::format("{} (0x{:02x}) is not in RFC 9669 but in the extension group {}; enable it to accept it",
                            row->id, row->opcode, to_string(row->group)));
    }
    if (auto e = check_insn(insn, pc, *row)) return *e;
    prog.rows[pc] = row;
    if (row->kind == Kind::LoadImm64) {
      if (pc + 1 >= insns.size()) {
        return at(ErrorCode::LddwMissingSecondSlot, pc, "LDDW is the last slot; its second slot is missing");
      }
      const Insn& next = insns[pc + 1];
      if (next.opcode != 0 || next.dst != 0 || next.src != 0 || next.off != 0) {
        return at(ErrorCode::LddwBadSecondSlot, pc + 1,
                  "the second slot of an LDDW must have opcode, registers and offset 0");
      }
      if (row->next_imm == FieldRule::Zero && next.imm != 0) {
        return at(ErrorCode::LddwBadSecondSlot, pc + 1,
                  fmt::format("{} does not use the second slot's imm, which must be 0", row->id));
      }
      prog.rows[++pc] = second_slot;
    }
  }

  for (size_t pc = 0; pc < insns.size(); ++pc) {
    const Encoding& row = *prog.rows[pc];
    if (!has_branch_target(row)) continue;
    const int64_t target = branch_target(insns[pc], row, pc);
    if (target < 0 || target >= static_cast<int64_t>(insns.size())) {
      return at(ErrorCode::JumpOutOfRange, pc,
                fmt::format("{} targets pc {}, outside the program (0..{})", row.id, target, insns.size() - 1));
    }
    if (prog.rows[static_cast<size_t>(target)]->kind == Kind::WideSlot) {
      return at(ErrorCode::JumpIntoLddw, pc,
                fmt::format("{} targets pc {}, the second slot of an LDDW", row.id, target));
    }
  }

  // The last instruction must end the path: anything else would run past the end.
  size_t last = insns.size() - 1;
  if (prog.rows[last]->kind == Kind::WideSlot) --last;
  if (falls_through(*prog.rows[last])) {
    return at(ErrorCode::FallThroughEnd, last,
              fmt::format("execution can continue past the last instruction ({})", prog.rows[last]->id));
  }
  prog.insns = std::move(insns);
  return prog;
}

}  // namespace bpfcert::semantics
