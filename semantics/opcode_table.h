// The opcode table: one row per RFC 9669 encoding (plus callx), the single source from which
// decoding, validation, both assemblers and disassemblers, groups and ISA versions derive.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace bpfcert::semantics {

enum class InsnClass : uint8_t { Ld = 0, Ldx = 1, St = 2, Stx = 3, Alu = 4, Jmp = 5, Jmp32 = 6, Alu64 = 7 };

// What an encoding does, at the grain the interpreter, JIT and verifier dispatch on.
enum class Kind : uint8_t {
  Alu,         // ALU / ALU64: arithmetic, logic, moves, byte swaps
  Jump,        // JA, JA32 (gotol) and the conditional jumps of JMP and JMP32
  Call,        // CALL src 0 / 1 / 2 and callx
  Exit,
  LoadImm64,   // first slot of LDDW (any src)
  WideSlot,    // second slot of LDDW (opcode 0x00), never a standalone instruction
  PacketLoad,  // legacy LD ABS / IND
  Load,        // LDX MEM and MEMSX
  Store,       // ST MEM (immediate) and STX MEM (register)
  Atomic,      // STX ATOMIC
};

enum class AluOp : uint8_t {
  Add, Sub, Mul, Div, Sdiv, Or, And, Lsh, Rsh, Neg, Mod, Smod, Xor, Mov, Movsx, Arsh,
  ToLe, ToBe, Bswap,
};
enum class JmpOp : uint8_t { Ja, Jeq, Jgt, Jge, Jset, Jne, Jsgt, Jsge, Jlt, Jle, Jslt, Jsle };
enum class CallKind : uint8_t { Helper, Local, Kfunc, Indirect };
// LDDW's src field: what the 64-bit immediate stands for.
enum class LddwKind : uint8_t { Imm = 0, MapFd = 1, MapValue = 2, VarAddr = 3, CodeAddr = 4, MapIdx = 5, MapIdxValue = 6 };
enum class AtomicOp : uint8_t { Add, Or, And, Xor, Xchg, Cmpxchg };

// W32: ALU / JMP32 (the low half of a register, results zero-extended); W64: ALU64 / JMP.
enum class Width : uint8_t { W32, W64 };
// Second operand of ALU / JMP: the immediate (K) or the src register (X).
enum class Operand : uint8_t { None, Imm, Reg };

// What a field of a basic instruction may hold.
enum class FieldRule : uint8_t { Zero, Reg, Any, Fixed };
enum class Field : uint8_t { None, Src, Off, Imm };

enum class Group : uint8_t { Base32, Base64, Atomic32, Atomic64, Divmul32, Divmul64, Packet, Callx };
inline constexpr int kGroupCount = 8;
enum class IsaVersion : uint8_t { V1 = 1, V2 = 2, V3 = 3, V4 = 4 };

struct Encoding {
  std::string_view id;  // stable name used in reports, coverage and the corpus: "add32_imm"
  uint8_t opcode;
  Field key_field;      // the field that tells rows sharing an opcode apart (None: opcode alone)
  int32_t key_value;
  Kind kind;
  uint8_t op;           // AluOp / JmpOp / CallKind / LddwKind / AtomicOp, according to kind
  Width width;          // ALU and JMP width; W64 for everything else
  Operand operand;
  uint8_t size;         // bytes accessed by loads, stores, atomics, packet loads; bits of END/BSWAP/MOVSX
  bool sign_extend;     // MEMSX loads
  bool fetch;           // atomics that write the old value back to a register
  FieldRule dst, src, off, imm;
  FieldRule next_imm;   // LDDW: the second slot's imm (Any where the row uses it); Zero elsewhere
  Group group;
  IsaVersion since;
  bool rfc;             // false for encodings outside RFC 9669 (callx)
  std::string_view conformance_asm;  // bpf_conformance / uBPF syntax; "||" separates parse-only aliases
  std::string_view llvm_asm;         // LLVM / clang syntax, same alias convention

  AluOp alu_op() const { return static_cast<AluOp>(op); }
  JmpOp jmp_op() const { return static_cast<JmpOp>(op); }
  CallKind call_kind() const { return static_cast<CallKind>(op); }
  LddwKind lddw_kind() const { return static_cast<LddwKind>(op); }
  AtomicOp atomic_op() const { return static_cast<AtomicOp>(op); }
  InsnClass insn_class() const { return static_cast<InsnClass>(opcode & 7); }
};

// All rows. The index of a row in this span is its stable "encoding index".
std::span<const Encoding> encodings();

// Rows sharing an opcode byte (empty when the byte is not an opcode).
std::span<const Encoding* const> encodings_for_opcode(uint8_t opcode);

// The row for (opcode, src, off, imm), or nullptr when no row's discriminator matches.
// Fields that are not discriminators are not checked here; validation does that.
const Encoding* find_encoding(uint8_t opcode, uint8_t src, int16_t off, int32_t imm);

const Encoding* find_encoding_by_id(std::string_view id);
inline size_t encoding_index(const Encoding& e) { return static_cast<size_t>(&e - encodings().data()); }

std::string_view to_string(Group g);
std::optional<Group> group_from_string(std::string_view s);
// Groups a group implies (RFC 9669 §2.4: base64 includes base32, ...), including itself.
bool group_includes(Group outer, Group inner);
std::string_view to_string(IsaVersion v);  // "v1".."v4"
std::optional<IsaVersion> isa_version_from_string(std::string_view s);
std::string_view to_string(Kind k);

}  // namespace bpfcert::semantics
