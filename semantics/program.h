// Instructions as fields, their 8-byte little-endian encoding, and validated programs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "semantics/diagnostic.h"
#include "semantics/opcode_table.h"

namespace bpfcert::semantics {

inline constexpr int kMaxRegister = 10;
inline constexpr int kFramePointer = 10;
inline constexpr size_t kSlotBytes = 8;
inline constexpr size_t kDefaultMaxInstructions = 1'000'000;

// One 8-byte slot, decoded into fields (bpfel: dst in the low nibble of byte 1).
struct Insn {
  uint8_t opcode = 0;
  uint8_t dst = 0;
  uint8_t src = 0;
  int16_t off = 0;
  int32_t imm = 0;
  friend bool operator==(const Insn&, const Insn&) = default;
};

std::array<uint8_t, kSlotBytes> encode(const Insn& insn);
Insn decode_slot(std::span<const uint8_t, kSlotBytes> bytes);
// Raw little-endian bytecode to slots; fails when the size is not a multiple of 8.
Result<std::vector<Insn>> decode_bytes(std::span<const uint8_t> bytes, const std::string& file = {});
std::vector<uint8_t> encode_all(std::span<const Insn> insns);

struct ValidationOptions {
  size_t max_instructions = kDefaultMaxInstructions;
  bool allow_extensions = false;  // accept every encoding outside RFC 9669 (the extension groups)
  std::vector<Group> extension_groups;  // or only those of these groups (what a run claims)
  bool allows(const Encoding& row) const;
};

// A program that passed validation: every slot has its table row (second LDDW slots have the
// WideSlot row), every jump and call target is a real instruction.
struct Program {
  std::vector<Insn> insns;
  std::vector<const Encoding*> rows;  // one per slot

  size_t size() const { return insns.size(); }
  const Encoding& row(size_t pc) const { return *rows[pc]; }
  // The 64-bit LDDW immediate (both slots) at pc.
  uint64_t lddw_imm64(size_t pc) const;
  int32_t lddw_next_imm(size_t pc) const { return insns[pc + 1].imm; }
};

Result<Program> validate(std::vector<Insn> insns, const ValidationOptions& options = {});

// Target of the jump, local call or LDDW code address at pc; only meaningful for those rows.
int64_t branch_target(const Insn& insn, const Encoding& row, size_t pc);
bool has_branch_target(const Encoding& row);
// Whether the target's distance is in imm (gotol, local calls, LDDW code addresses, s32) or
// in the offset (JA and every conditional jump of JMP and JMP32, s16).
bool branch_target_in_imm(const Encoding& row);
// True when execution may continue at pc + 1 (or pc + 2 after an LDDW).
bool falls_through(const Encoding& row);
// The instruction after the one at pc (an LDDW takes two slots).
inline size_t next_pc(const Program& p, size_t pc) { return pc + (p.row(pc).kind == Kind::LoadImm64 ? 2 : 1); }

// The registers an instruction reads and writes, bit r for register r. Calls and exits give
// {0, 0}: which registers they read and write depends on the callee (a helper's prototype, a
// function's body, the caller an exit returns to), so each user decides those itself.
struct RegisterUse {
  uint16_t read = 0;
  uint16_t written = 0;
};
RegisterUse register_use(const Encoding& row, const Insn& insn);

}  // namespace bpfcert::semantics
