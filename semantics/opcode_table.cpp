// The table itself (see opcode_table.h). Rows follow ../shared/isa/OPCODES.md §2, in opcode order.
#include "semantics/opcode_table.h"

#include <array>
#include <vector>

namespace bpfcert::semantics {
namespace {

using enum AluOp;
using enum Group;
using enum IsaVersion;
using enum Width;
using enum Operand;

constexpr FieldRule fixed_if(Field key, Field f, FieldRule otherwise) {
  return key == f ? FieldRule::Fixed : otherwise;
}

constexpr Encoding alu(std::string_view id, uint8_t opcode, AluOp op, Width w, Operand o, Group g,
                       IsaVersion v, std::string_view casm, std::string_view lasm,
                       Field key = Field::None, int32_t key_value = 0, uint8_t bits = 0) {
  Encoding e{};
  e.id = id;
  e.opcode = opcode;
  e.key_field = key;
  e.key_value = key_value;
  e.kind = Kind::Alu;
  e.op = static_cast<uint8_t>(op);
  e.width = w;
  e.operand = o;
  e.size = bits;
  e.dst = FieldRule::Reg;
  e.src = o == Reg ? FieldRule::Reg : FieldRule::Zero;
  e.off = fixed_if(key, Field::Off, FieldRule::Zero);
  e.imm = fixed_if(key, Field::Imm, o == Imm ? FieldRule::Any : FieldRule::Zero);
  e.group = g;
  e.since = v;
  e.rfc = true;
  e.conformance_asm = casm;
  e.llvm_asm = lasm;
  return e;
}

constexpr Encoding jmp(std::string_view id, uint8_t opcode, JmpOp op, Width w, Operand o, Group g,
                       IsaVersion v, std::string_view casm, std::string_view lasm) {
  Encoding e{};
  e.id = id;
  e.opcode = opcode;
  e.key_field = Field::None;
  e.kind = Kind::Jump;
  e.op = static_cast<uint8_t>(op);
  e.width = w;
  e.operand = o;
  e.dst = op == JmpOp::Ja ? FieldRule::Zero : FieldRule::Reg;
  e.src = o == Reg ? FieldRule::Reg : FieldRule::Zero;
  // JA uses offset, JA32 (gotol) uses imm; conditional jumps use offset and, in K form, imm.
  const bool gotol = op == JmpOp::Ja && w == W32;
  e.off = gotol ? FieldRule::Zero : FieldRule::Any;
  e.imm = (gotol || o == Imm) ? FieldRule::Any : FieldRule::Zero;
  e.group = g;
  e.since = v;
  e.rfc = true;
  e.conformance_asm = casm;
  e.llvm_asm = lasm;
  return e;
}

constexpr Encoding call(std::string_view id, uint8_t opcode, CallKind k, Group g, IsaVersion v,
                        bool rfc, std::string_view casm, std::string_view lasm) {
  Encoding e{};
  e.id = id;
  e.opcode = opcode;
  e.kind = Kind::Call;
  e.op = static_cast<uint8_t>(k);
  e.width = W64;
  if (k == CallKind::Indirect) {
    e.key_field = Field::None;
    e.operand = Reg;
    e.dst = FieldRule::Reg;  // LLVM >= 19, GCC and bpf_conformance put the register in dst
    e.src = FieldRule::Zero;
    e.imm = FieldRule::Zero;
  } else {
    e.key_field = Field::Src;
    e.key_value = k == CallKind::Helper ? 0 : k == CallKind::Local ? 1 : 2;
    e.operand = Imm;
    e.dst = FieldRule::Zero;
    e.src = FieldRule::Fixed;
    e.imm = FieldRule::Any;
  }
  e.off = FieldRule::Zero;
  e.group = g;
  e.since = v;
  e.rfc = rfc;
  e.conformance_asm = casm;
  e.llvm_asm = lasm;
  return e;
}

constexpr Encoding exit_insn() {
  Encoding e{};
  e.id = "exit";
  e.opcode = 0x95;
  e.kind = Kind::Exit;
  e.width = W64;
  e.dst = e.src = e.off = e.imm = FieldRule::Zero;
  e.group = Base32;
  e.since = V1;
  e.rfc = true;
  e.conformance_asm = "exit";
  e.llvm_asm = "exit";
  return e;
}

constexpr Encoding wide_slot() {
  Encoding e{};
  e.id = "lddw_second_slot";
  e.opcode = 0x00;
  e.kind = Kind::WideSlot;
  e.width = W64;
  e.dst = e.src = e.off = FieldRule::Zero;
  e.imm = FieldRule::Any;
  e.group = Base64;
  e.since = V1;
  e.rfc = true;
  e.conformance_asm = "";
  e.llvm_asm = "";
  return e;
}

constexpr Encoding lddw(std::string_view id, LddwKind k, FieldRule next_imm, std::string_view casm,
                        std::string_view lasm) {
  Encoding e{};
  e.id = id;
  e.opcode = 0x18;
  e.key_field = Field::Src;
  e.key_value = static_cast<int32_t>(k);
  e.kind = Kind::LoadImm64;
  e.op = static_cast<uint8_t>(k);
  e.width = W64;
  e.operand = Imm;
  e.size = 8;
  e.dst = FieldRule::Reg;
  e.src = FieldRule::Fixed;
  e.off = FieldRule::Zero;
  e.imm = FieldRule::Any;
  e.next_imm = next_imm;
  e.group = Base64;
  e.since = V1;
  e.rfc = true;
  e.conformance_asm = casm;
  e.llvm_asm = lasm;
  return e;
}

constexpr Encoding packet(std::string_view id, uint8_t opcode, bool indirect, uint8_t size,
                          std::string_view casm, std::string_view lasm) {
  Encoding e{};
  e.id = id;
  e.opcode = opcode;
  e.kind = Kind::PacketLoad;
  e.width = W64;
  e.operand = indirect ? Reg : Imm;
  e.size = size;
  e.dst = FieldRule::Zero;  // the result always goes to r0
  e.src = indirect ? FieldRule::Reg : FieldRule::Zero;
  e.off = FieldRule::Zero;
  e.imm = FieldRule::Any;
  e.group = Packet;
  e.since = V1;
  e.rfc = true;
  e.conformance_asm = casm;
  e.llvm_asm = lasm;
  return e;
}

constexpr Encoding load(std::string_view id, uint8_t opcode, uint8_t size, bool sx, Group g, IsaVersion v,
                        std::string_view casm, std::string_view lasm) {
  Encoding e{};
  e.id = id;
  e.opcode = opcode;
  e.kind = Kind::Load;
  e.width = W64;
  e.operand = Reg;
  e.size = size;
  e.sign_extend = sx;
  e.dst = FieldRule::Reg;
  e.src = FieldRule::Reg;
  e.off = FieldRule::Any;
  e.imm = FieldRule::Zero;
  e.group = g;
  e.since = v;
  e.rfc = true;
  e.conformance_asm = casm;
  e.llvm_asm = lasm;
  return e;
}

constexpr Encoding store(std::string_view id, uint8_t opcode, uint8_t size, Operand o, Group g,
                         std::string_view casm, std::string_view lasm) {
  Encoding e{};
  e.id = id;
  e.opcode = opcode;
  e.kind = Kind::Store;
  e.width = W64;
  e.operand = o;
  e.size = size;
  e.dst = FieldRule::Reg;
  e.src = o == Reg ? FieldRule::Reg : FieldRule::Zero;
  e.off = FieldRule::Any;
  e.imm = o == Imm ? FieldRule::Any : FieldRule::Zero;
  e.group = g;
  e.since = V1;
  e.rfc = true;
  e.conformance_asm = casm;
  e.llvm_asm = lasm;
  return e;
}

constexpr Encoding atomic(std::string_view id, uint8_t size, AtomicOp op, bool fetch, int32_t imm,
                          IsaVersion v, std::string_view casm, std::string_view lasm) {
  Encoding e{};
  e.id = id;
  e.opcode = size == 4 ? 0xc3 : 0xdb;
  e.key_field = Field::Imm;
  e.key_value = imm;
  e.kind = Kind::Atomic;
  e.op = static_cast<uint8_t>(op);
  e.width = size == 4 ? W32 : W64;
  e.operand = Reg;
  e.size = size;
  e.fetch = fetch;
  e.dst = FieldRule::Reg;
  e.src = FieldRule::Reg;
  e.off = FieldRule::Any;
  e.imm = FieldRule::Fixed;
  e.group = size == 4 ? Atomic32 : Atomic64;
  e.since = v;
  e.rfc = true;
  e.conformance_asm = casm;
  e.llvm_asm = lasm;
  return e;
}

constexpr Field kOff = Field::Off;
constexpr Field kImm = Field::Imm;

// clang-format off
// ISA versions follow bpf_conformance's labels (OPCODES.md: "cpu" column), so that --cpu-version
// selects the same tests as their runner: atomic add and local calls are labelled v3 there.
constexpr std::array kTable = {
  wide_slot(),
  alu("add32_imm", 0x04, Add, W32, Imm, Base32, V1, "add32 %r{d}, {imm}", "w{d} += {imm}"),
  jmp("ja", 0x05, JmpOp::Ja, W64, None, Base32, V1, "ja {tgt}", "goto {tgt}"),
  jmp("ja32", 0x06, JmpOp::Ja, W32, None, Base32, V4, "ja32 {tgt32}", "gotol {tgt32}"),
  alu("add_imm", 0x07, Add, W64, Imm, Base64, V1, "add %r{d}, {imm}", "r{d} += {imm}"),
  alu("add32_reg", 0x0c, Add, W32, Reg, Base32, V1, "add32 %r{d}, %r{s}", "w{d} += w{s}"),
  alu("add_reg", 0x0f, Add, W64, Reg, Base64, V1, "add %r{d}, %r{s}", "r{d} += r{s}"),
  alu("sub32_imm", 0x14, Sub, W32, Imm, Base32, V1, "sub32 %r{d}, {imm}", "w{d} -= {imm}"),
  jmp("jeq_imm", 0x15, JmpOp::Jeq, W64, Imm, Base64, V1, "jeq %r{d}, {imm}, {tgt}", "if r{d} == {imm} goto {tgt}"),
  jmp("jeq32_imm", 0x16, JmpOp::Jeq, W32, Imm, Base32, V3, "jeq32 %r{d}, {imm}, {tgt}", "if w{d} == {imm} goto {tgt}"),
  alu("sub_imm", 0x17, Sub, W64, Imm, Base64, V1, "sub %r{d}, {imm}", "r{d} -= {imm}"),
  lddw("lddw", LddwKind::Imm, FieldRule::Any, "lddw %r{d}, {imm64}", "r{d} = {imm64} ll"),
  lddw("lddw_map_fd", LddwKind::MapFd, FieldRule::Zero, "lddw %r{d}, map_fd {imm}", "ld_pseudo r{d}, 1, {imm}"),
  lddw("lddw_map_value", LddwKind::MapValue, FieldRule::Any, "lddw %r{d}, map_value {imm}, {next}",
       "ld_pseudo r{d}, 2, {imm}, {next}||ld_pseudo r{d}, 2, {imm}"),
  lddw("lddw_var_addr", LddwKind::VarAddr, FieldRule::Zero, "lddw %r{d}, var {imm}", "ld_pseudo r{d}, 3, {imm}"),
  lddw("lddw_code_addr", LddwKind::CodeAddr, FieldRule::Zero, "lddw %r{d}, code {tgt32}", "ld_pseudo r{d}, 4, {tgt32}"),
  lddw("lddw_map_idx", LddwKind::MapIdx, FieldRule::Zero, "lddw %r{d}, map_idx {imm}", "ld_pseudo r{d}, 5, {imm}"),
  lddw("lddw_map_idx_value", LddwKind::MapIdxValue, FieldRule::Any, "lddw %r{d}, map_idx_value {imm}, {next}",
       "ld_pseudo r{d}, 6, {imm}, {next}||ld_pseudo r{d}, 6, {imm}"),
  alu("sub32_reg", 0x1c, Sub, W32, Reg, Base32, V1, "sub32 %r{d}, %r{s}", "w{d} -= w{s}"),
  jmp("jeq_reg", 0x1d, JmpOp::Jeq, W64, Reg, Base64, V1, "jeq %r{d}, %r{s}, {tgt}", "if r{d} == r{s} goto {tgt}"),
  jmp("jeq32_reg", 0x1e, JmpOp::Jeq, W32, Reg, Base32, V3, "jeq32 %r{d}, %r{s}, {tgt}", "if w{d} == w{s} goto {tgt}"),
  alu("sub_reg", 0x1f, Sub, W64, Reg, Base64, V1, "sub %r{d}, %r{s}", "r{d} -= r{s}"),
  packet("ldabsw", 0x20, false, 4, "ldabsw {imm}", "r0 = *(u32 *)skb[{imm}]"),
  alu("mul32_imm", 0x24, Mul, W32, Imm, Divmul32, V1, "mul32 %r{d}, {imm}", "w{d} *= {imm}"),
  jmp("jgt_imm", 0x25, JmpOp::Jgt, W64, Imm, Base64, V1, "jgt %r{d}, {imm}, {tgt}", "if r{d} > {imm} goto {tgt}"),
  jmp("jgt32_imm", 0x26, JmpOp::Jgt, W32, Imm, Base32, V3, "jgt32 %r{d}, {imm}, {tgt}", "if w{d} > {imm} goto {tgt}"),
  alu("mul_imm", 0x27, Mul, W64, Imm, Divmul64, V1, "mul %r{d}, {imm}", "r{d} *= {imm}"),
  packet("ldabsh", 0x28, false, 2, "ldabsh {imm}", "r0 = *(u16 *)skb[{imm}]"),
  alu("mul32_reg", 0x2c, Mul, W32, Reg, Divmul32, V1, "mul32 %r{d}, %r{s}", "w{d} *= w{s}"),
  jmp("jgt_reg", 0x2d, JmpOp::Jgt, W64, Reg, Base64, V1, "jgt %r{d}, %r{s}, {tgt}", "if r{d} > r{s} goto {tgt}"),
  jmp("jgt32_reg", 0x2e, JmpOp::Jgt, W32, Reg, Base32, V3, "jgt32 %r{d}, %r{s}, {tgt}", "if w{d} > w{s} goto {tgt}"),
  alu("mul_reg", 0x2f, Mul, W64, Reg, Divmul64, V1, "mul %r{d}, %r{s}", "r{d} *= r{s}"),
  packet("ldabsb", 0x30, false, 1, "ldabsb {imm}", "r0 = *(u8 *)skb[{imm}]"),
  alu("div32_imm", 0x34, Div, W32, Imm, Divmul32, V1, "div32 %r{d}, {imm}", "w{d} /= {imm}", kOff, 0),
  alu("sdiv32_imm", 0x34, Sdiv, W32, Imm, Divmul32, V4, "sdiv32 %r{d}, {imm}", "w{d} s/= {imm}", kOff, 1),
  jmp("jge_imm", 0x35, JmpOp::Jge, W64, Imm, Base64, V1, "jge %r{d}, {imm}, {tgt}", "if r{d} >= {imm} goto {tgt}"),
  jmp("jge32_imm", 0x36, JmpOp::Jge, W32, Imm, Base32, V3, "jge32 %r{d}, {imm}, {tgt}", "if w{d} >= {imm} goto {tgt}"),
  alu("div_imm", 0x37, Div, W64, Imm, Divmul64, V1, "div %r{d}, {imm}", "r{d} /= {imm}", kOff, 0),
  alu("sdiv_imm", 0x37, Sdiv, W64, Imm, Divmul64, V4, "sdiv %r{d}, {imm}", "r{d} s/= {imm}", kOff, 1),
  alu("div32_reg", 0x3c, Div, W32, Reg, Divmul32, V1, "div32 %r{d}, %r{s}", "w{d} /= w{s}", kOff, 0),
  alu("sdiv32_reg", 0x3c, Sdiv, W32, Reg, Divmul32, V4, "sdiv32 %r{d}, %r{s}", "w{d} s/= w{s}", kOff, 1),
  jmp("jge_reg", 0x3d, JmpOp::Jge, W64, Reg, Base64, V1, "jge %r{d}, %r{s}, {tgt}", "if r{d} >= r{s} goto {tgt}"),
  jmp("jge32_reg", 0x3e, JmpOp::Jge, W32, Reg, Base32, V3, "jge32 %r{d}, %r{s}, {tgt}", "if w{d} >= w{s} goto {tgt}"),
  alu("div_reg", 0x3f, Div, W64, Reg, Divmul64, V1, "div %r{d}, %r{s}", "r{d} /= r{s}", kOff, 0),
  alu("sdiv_reg", 0x3f, Sdiv, W64, Reg, Divmul64, V4, "sdiv %r{d}, %r{s}", "r{d} s/= r{s}", kOff, 1),
  packet("ldindw", 0x40, true, 4, "ldindw %r{s}, {imm}", "r0 = *(u32 *)skb[r{s} {simm}]||r0 = *(u32 *)skb[r{s}]"),
  alu("or32_imm", 0x44, Or, W32, Imm, Base32, V1, "or32 %r{d}, {imm}", "w{d} |= {imm}"),
  jmp("jset_imm", 0x45, JmpOp::Jset, W64, Imm, Base64, V1, "jset %r{d}, {imm}, {tgt}", "if r{d} & {imm} goto {tgt}"),
  jmp("jset32_imm", 0x46, JmpOp::Jset, W32, Imm, Base32, V3, "jset32 %r{d}, {imm}, {tgt}", "if w{d} & {imm} goto {tgt}"),
  alu("or_imm", 0x47, Or, W64, Imm, Base64, V1, "or %r{d}, {imm}", "r{d} |= {imm}"),
  packet("ldindh", 0x48, true, 2, "ldindh %r{s}, {imm}", "r0 = *(u16 *)skb[r{s} {simm}]||r0 = *(u16 *)skb[r{s}]"),
  alu("or32_reg", 0x4c, Or, W32, Reg, Base32, V1, "or32 %r{d}, %r{s}", "w{d} |= w{s}"),
  jmp("jset_reg", 0x4d, JmpOp::Jset, W64, Reg, Base64, V1, "jset %r{d}, %r{s}, {tgt}", "if r{d} & r{s} goto {tgt}"),
  jmp("jset32_reg", 0x4e, JmpOp::Jset, W32, Reg, Base32, V3, "jset32 %r{d}, %r{s}, {tgt}", "if w{d} & w{s} goto {tgt}"),
  alu("or_reg", 0x4f, Or, W64, Reg, Base64, V1, "or %r{d}, %r{s}", "r{d} |= r{s}"),
  packet("ldindb", 0x50, true, 1, "ldindb %r{s}, {imm}", "r0 = *(u8 *)skb[r{s} {simm}]||r0 = *(u8 *)skb[r{s}]"),
  alu("and32_imm", 0x54, And, W32, Imm, Base32, V1, "and32 %r{d}, {imm}", "w{d} &= {imm}"),
  jmp("jne_imm", 0x55, JmpOp::Jne, W64, Imm, Base64, V1, "jne %r{d}, {imm}, {tgt}", "if r{d} != {imm} goto {tgt}"),
  jmp("jne32_imm", 0x56, JmpOp::Jne, W32, Imm, Base32, V3, "jne32 %r{d}, {imm}, {tgt}", "if w{d} != {imm} goto {tgt}"),
  alu("and_imm", 0x57, And, W64, Imm, Base64, V1, "and %r{d}, {imm}", "r{d} &= {imm}"),
  alu("and32_reg", 0x5c, And, W32, Reg, Base32, V1, "and32 %r{d}, %r{s}", "w{d} &= w{s}"),
  jmp("jne_reg", 0x5d, JmpOp::Jne, W64, Reg, Base64, V1, "jne %r{d}, %r{s}, {tgt}", "if r{d} != r{s} goto {tgt}"),
  jmp("jne32_reg", 0x5e, JmpOp::Jne, W32, Reg, Base32, V3, "jne32 %r{d}, %r{s}, {tgt}", "if w{d} != w{s} goto {tgt}"),
  alu("and_reg", 0x5f, And, W64, Reg, Base64, V1, "and %r{d}, %r{s}", "r{d} &= r{s}"),
  load("ldxw", 0x61, 4, false, Base32, V1, "ldxw %r{d}, [%r{s}{off}]", "r{d} = *(u32 *)(r{s} {soff})||w{d} = *(u32 *)(r{s} {soff})"),
  store("stw", 0x62, 4, Imm, Base32, "stw [%r{d}{off}], {imm}", "*(u32 *)(r{d} {soff}) = {imm}"),
  store("stxw", 0x63, 4, Reg, Base32, "stxw [%r{d}{off}], %r{s}", "*(u32 *)(r{d} {soff}) = r{s}||*(u32 *)(r{d} {soff}) = w{s}"),
  alu("lsh32_imm", 0x64, Lsh, W32, Imm, Base32, V1, "lsh32 %r{d}, {imm}", "w{d} <<= {imm}"),
  jmp("jsgt_imm", 0x65, JmpOp::Jsgt, W64, Imm, Base64, V1, "jsgt %r{d}, {imm}, {tgt}", "if r{d} s> {imm} goto {tgt}"),
  jmp("jsgt32_imm", 0x66, JmpOp::Jsgt, W32, Imm, Base32, V3, "jsgt32 %r{d}, {imm}, {tgt}", "if w{d} s> {imm} goto {tgt}"),
  alu("lsh_imm", 0x67, Lsh, W64, Imm, Base64, V1, "lsh %r{d}, {imm}", "r{d} <<= {imm}"),
  load("ldxh", 0x69, 2, false, Base32, V1, "ldxh %r{d}, [%r{s}{off}]", "r{d} = *(u16 *)(r{s} {soff})||w{d} = *(u16 *)(r{s} {soff})"),
  store("sth", 0x6a, 2, Imm, Base32, "sth [%r{d}{off}], {imm}", "*(u16 *)(r{d} {soff}) = {imm}"),
  store("stxh", 0x6b, 2, Reg, Base32, "stxh [%r{d}{off}], %r{s}", "*(u16 *)(r{d} {soff}) = r{s}||*(u16 *)(r{d} {soff}) = w{s}"),
  alu("lsh32_reg", 0x6c, Lsh, W32, Reg, Base32, V1, "lsh32 %r{d}, %r{s}", "w{d} <<= w{s}"),
  jmp("jsgt_reg", 0x6d, JmpOp::Jsgt, W64, Reg, Base64, V1, "jsgt %r{d}, %r{s}, {tgt}", "if r{d} s> r{s} goto {tgt}"),
  jmp("jsgt32_reg", 0x6e, JmpOp::Jsgt, W32, Reg, Base32, V3, "jsgt32 %r{d}, %r{s}, {tgt}", "if w{d} s> w{s} goto {tgt}"),
  alu("lsh_reg", 0x6f, Lsh, W64, Reg, Base64, V1, "lsh %r{d}, %r{s}", "r{d} <<= r{s}"),
  load("ldxb", 0x71, 1, false, Base32, V1, "ldxb %r{d}, [%r{s}{off}]", "r{d} = *(u8 *)(r{s} {soff})||w{d} = *(u8 *)(r{s} {soff})"),
  store("stb", 0x72, 1, Imm, Base32, "stb [%r{d}{off}], {imm}", "*(u8 *)(r{d} {soff}) = {imm}"),
  store("stxb", 0x73, 1, Reg, Base32, "stxb [%r{d}{off}], %r{s}", "*(u8 *)(r{d} {soff}) = r{s}||*(u8 *)(r{d} {soff}) = w{s}"),
  alu("rsh32_imm", 0x74, Rsh, W32, Imm, Base32, V1, "rsh32 %r{d}, {imm}", "w{d} >>= {imm}"),
  jmp("jsge_imm", 0x75, JmpOp::Jsge, W64, Imm, Base64, V1, "jsge %r{d}, {imm}, {tgt}", "if r{d} s>= {imm} goto {tgt}"),
  jmp("jsge32_imm", 0x76, JmpOp::Jsge, W32, Imm, Base32, V3, "jsge32 %r{d}, {imm}, {tgt}", "if w{d} s>= {imm} goto {tgt}"),
  alu("rsh_imm", 0x77, Rsh, W64, Imm, Base64, V1, "rsh %r{d}, {imm}", "r{d} >>= {imm}"),
  load("ldxdw", 0x79, 8, false, Base64, V1, "ldxdw %r{d}, [%r{s}{off}]", "r{d} = *(u64 *)(r{s} {soff})"),
  store("stdw", 0x7a, 8, Imm, Base64, "stdw [%r{d}{off}], {imm}", "*(u64 *)(r{d} {soff}) = {imm}"),
  store("stxdw", 0x7b, 8, Reg, Base64, "stxdw [%r{d}{off}], %r{s}", "*(u64 *)(r{d} {soff}) = r{s}"),
  alu("rsh32_reg", 0x7c, Rsh, W32, Reg, Base32, V1, "rsh32 %r{d}, %r{s}", "w{d} >>= w{s}"),
  jmp("jsge_reg", 0x7d, JmpOp::Jsge, W64, Reg, Base64, V1, "jsge %r{d}, %r{s}, {tgt}", "if r{d} s>= r{s} goto {tgt}"),
  jmp("jsge32_reg", 0x7e, JmpOp::Jsge, W32, Reg, Base32, V3, "jsge32 %r{d}, %r{s}, {tgt}", "if w{d} s>= w{s} goto {tgt}"),
  alu("rsh_reg", 0x7f, Rsh, W64, Reg, Base64, V1, "rsh %r{d}, %r{s}", "r{d} >>= r{s}"),
  load("ldxsw", 0x81, 4, true, Base32, V4, "ldxsw %r{d}, [%r{s}{off}]", "r{d} = *(s32 *)(r{s} {soff})"),
  alu("neg32", 0x84, Neg, W32, None, Base32, V1, "neg32 %r{d}", "w{d} = -w{d}"),
  call("call", 0x85, CallKind::Helper, Base32, V1, true, "call {id}||call helper {id}", "call {id}"),
  call("call_local", 0x85, CallKind::Local, Base32, V3, true, "call local {tgt32}", "call {tgt32}"),
  call("call_kfunc", 0x85, CallKind::Kfunc, Base32, V3, true, "call runtime {id}", "call kfunc {id}"),
  alu("neg", 0x87, Neg, W64, None, Base64, V1, "neg %r{d}", "r{d} = -r{d}"),
  load("ldxsh", 0x89, 2, true, Base32, V4, "ldxsh %r{d}, [%r{s}{off}]", "r{d} = *(s16 *)(r{s} {soff})"),
  call("callx", 0x8d, CallKind::Indirect, Callx, V3, false, "call %r{d}||callx %r{d}||call helper %r{d}", "callx r{d}"),
  load("ldxsb", 0x91, 1, true, Base32, V4, "ldxsb %r{d}, [%r{s}{off}]", "r{d} = *(s8 *)(r{s} {soff})"),
  alu("mod32_imm", 0x94, Mod, W32, Imm, Divmul32, V1, "mod32 %r{d}, {imm}", "w{d} %= {imm}", kOff, 0),
  alu("smod32_imm", 0x94, Smod, W32, Imm, Divmul32, V4, "smod32 %r{d}, {imm}", "w{d} s%= {imm}", kOff, 1),
  exit_insn(),
  alu("mod_imm", 0x97, Mod, W64, Imm, Divmul64, V1, "mod %r{d}, {imm}", "r{d} %= {imm}", kOff, 0),
  alu("smod_imm", 0x97, Smod, W64, Imm, Divmul64, V4, "smod %r{d}, {imm}", "r{d} s%= {imm}", kOff, 1),
  alu("mod32_reg", 0x9c, Mod, W32, Reg, Divmul32, V1, "mod32 %r{d}, %r{s}", "w{d} %= w{s}", kOff, 0),
  alu("smod32_reg", 0x9c, Smod, W32, Reg, Divmul32, V4, "smod32 %r{d}, %r{s}", "w{d} s%= w{s}", kOff, 1),
  alu("mod_reg", 0x9f, Mod, W64, Reg, Divmul64, V1, "mod %r{d}, %r{s}", "r{d} %= r{s}", kOff, 0),
  alu("smod_reg", 0x9f, Smod, W64, Reg, Divmul64, V4, "smod %r{d}, %r{s}", "r{d} s%= r{s}", kOff, 1),
  alu("xor32_imm", 0xa4, Xor, W32, Imm, Base32, V1, "xor32 %r{d}, {imm}", "w{d} ^= {imm}"),
  jmp("jlt_imm", 0xa5, JmpOp::Jlt, W64, Imm, Base64, V2, "jlt %r{d}, {imm}, {tgt}", "if r{d} < {imm} goto {tgt}"),
  jmp("jlt32_imm", 0xa6, JmpOp::Jlt, W32, Imm, Base32, V3, "jlt32 %r{d}, {imm}, {tgt}", "if w{d} < {imm} goto {tgt}"),
  alu("xor_imm", 0xa7, Xor, W64, Imm, Base64, V1, "xor %r{d}, {imm}", "r{d} ^= {imm}"),
  alu("xor32_reg", 0xac, Xor, W32, Reg, Base32, V1, "xor32 %r{d}, %r{s}", "w{d} ^= w{s}"),
  jmp("jlt_reg", 0xad, JmpOp::Jlt, W64, Reg, Base64, V2, "jlt %r{d}, %r{s}, {tgt}", "if r{d} < r{s} goto {tgt}"),
  jmp("jlt32_reg", 0xae, JmpOp::Jlt, W32, Reg, Base32, V3, "jlt32 %r{d}, %r{s}, {tgt}", "if w{d} < w{s} goto {tgt}"),
  alu("xor_reg", 0xaf, Xor, W64, Reg, Base64, V1, "xor %r{d}, %r{s}", "r{d} ^= r{s}"),
  alu("mov32_imm", 0xb4, Mov, W32, Imm, Base32, V1, "mov32 %r{d}, {imm}", "w{d} = {imm}"),
  jmp("jle_imm", 0xb5, JmpOp::Jle, W64, Imm, Base64, V2, "jle %r{d}, {imm}, {tgt}", "if r{d} <= {imm} goto {tgt}"),
  jmp("jle32_imm", 0xb6, JmpOp::Jle, W32, Imm, Base32, V3, "jle32 %r{d}, {imm}, {tgt}", "if w{d} <= {imm} goto {tgt}"),
  alu("mov_imm", 0xb7, Mov, W64, Imm, Base64, V1, "mov %r{d}, {imm}", "r{d} = {imm}"),
  alu("mov32_reg", 0xbc, Mov, W32, Reg, Base32, V1, "mov32 %r{d}, %r{s}", "w{d} = w{s}", kOff, 0),
  alu("movsx8_32", 0xbc, Movsx, W32, Reg, Base32, V4, "movsx832 %r{d}, %r{s}", "w{d} = (s8)w{s}", kOff, 8, 8),
  alu("movsx16_32", 0xbc, Movsx, W32, Reg, Base32, V4, "movsx1632 %r{d}, %r{s}", "w{d} = (s16)w{s}", kOff, 16, 16),
  jmp("jle_reg", 0xbd, JmpOp::Jle, W64, Reg, Base64, V2, "jle %r{d}, %r{s}, {tgt}", "if r{d} <= r{s} goto {tgt}"),
  jmp("jle32_reg", 0xbe, JmpOp::Jle, W32, Reg, Base32, V3, "jle32 %r{d}, %r{s}, {tgt}", "if w{d} <= w{s} goto {tgt}"),
  alu("mov_reg", 0xbf, Mov, W64, Reg, Base64, V1, "mov %r{d}, %r{s}", "r{d} = r{s}", kOff, 0),
  alu("movsx8_64", 0xbf, Movsx, W64, Reg, Base64, V4, "movsx864 %r{d}, %r{s}", "r{d} = (s8)r{s}", kOff, 8, 8),
  alu("movsx16_64", 0xbf, Movsx, W64, Reg, Base64, V4, "movsx1664 %r{d}, %r{s}", "r{d} = (s16)r{s}", kOff, 16, 16),
  alu("movsx32_64", 0xbf, Movsx, W64, Reg, Base64, V4, "movsx3264 %r{d}, %r{s}", "r{d} = (s32)r{s}", kOff, 32, 32),
  atomic("lock_add32", 4, AtomicOp::Add, false, 0x00, V3, "lock add32 [%r{d}{off}], %r{s}", "lock *(u32 *)(r{d} {soff}) += w{s}"),
  atomic("lock_fetch_add32", 4, AtomicOp::Add, true, 0x01, V3, "lock fetch add32 [%r{d}{off}], %r{s}", "w{s} = atomic_fetch_add((u32 *)(r{d} {soff}), w{s})"),
  atomic("lock_or32", 4, AtomicOp::Or, false, 0x40, V3, "lock or32 [%r{d}{off}], %r{s}", "lock *(u32 *)(r{d} {soff}) |= w{s}"),
  atomic("lock_fetch_or32", 4, AtomicOp::Or, true, 0x41, V3, "lock fetch or32 [%r{d}{off}], %r{s}", "w{s} = atomic_fetch_or((u32 *)(r{d} {soff}), w{s})"),
  atomic("lock_and32", 4, AtomicOp::And, false, 0x50, V3, "lock and32 [%r{d}{off}], %r{s}", "lock *(u32 *)(r{d} {soff}) &= w{s}"),
  atomic("lock_fetch_and32", 4, AtomicOp::And, true, 0x51, V3, "lock fetch and32 [%r{d}{off}], %r{s}", "w{s} = atomic_fetch_and((u32 *)(r{d} {soff}), w{s})"),
  atomic("lock_xor32", 4, AtomicOp::Xor, false, 0xa0, V3, "lock xor32 [%r{d}{off}], %r{s}", "lock *(u32 *)(r{d} {soff}) ^= w{s}"),
  atomic("lock_fetch_xor32", 4, AtomicOp::Xor, true, 0xa1, V3, "lock fetch xor32 [%r{d}{off}], %r{s}", "w{s} = atomic_fetch_xor((u32 *)(r{d} {soff}), w{s})"),
  atomic("lock_xchg32", 4, AtomicOp::Xchg, true, 0xe1, V3, "lock xchg32 [%r{d}{off}], %r{s}||lock fetch xchg32 [%r{d}{off}], %r{s}", "w{s} = xchg32_32(r{d} {soff}, w{s})"),
  atomic("lock_cmpxchg32", 4, AtomicOp::Cmpxchg, true, 0xf1, V3, "lock cmpxchg32 [%r{d}{off}], %r{s}||lock fetch cmpxchg32 [%r{d}{off}], %r{s}", "w0 = cmpxchg32_32(r{d} {soff}, w0, w{s})"),
  alu("arsh32_imm", 0xc4, Arsh, W32, Imm, Base32, V1, "arsh32 %r{d}, {imm}", "w{d} s>>= {imm}"),
  jmp("jslt_imm", 0xc5, JmpOp::Jslt, W64, Imm, Base64, V2, "jslt %r{d}, {imm}, {tgt}", "if r{d} s< {imm} goto {tgt}"),
  jmp("jslt32_imm", 0xc6, JmpOp::Jslt, W32, Imm, Base32, V3, "jslt32 %r{d}, {imm}, {tgt}", "if w{d} s< {imm} goto {tgt}"),
  alu("arsh_imm", 0xc7, Arsh, W64, Imm, Base64, V1, "arsh %r{d}, {imm}", "r{d} s>>= {imm}"),
  alu("arsh32_reg", 0xcc, Arsh, W32, Reg, Base32, V1, "arsh32 %r{d}, %r{s}", "w{d} s>>= w{s}"),
  jmp("jslt_reg", 0xcd, JmpOp::Jslt, W64, Reg, Base64, V2, "jslt %r{d}, %r{s}, {tgt}", "if r{d} s< r{s} goto {tgt}"),
  jmp("jslt32_reg", 0xce, JmpOp::Jslt, W32, Reg, Base32, V3, "jslt32 %r{d}, %r{s}, {tgt}", "if w{d} s< w{s} goto {tgt}"),
  alu("arsh_reg", 0xcf, Arsh, W64, Reg, Base64, V1, "arsh %r{d}, %r{s}", "r{d} s>>= r{s}"),
  alu("le16", 0xd4, ToLe, W32, None, Base32, V1, "le16 %r{d}", "r{d} = le16 r{d}", kImm, 16, 16),
  alu("le32", 0xd4, ToLe, W32, None, Base32, V1, "le32 %r{d}", "r{d} = le32 r{d}", kImm, 32, 32),
  alu("le64", 0xd4, ToLe, W32, None, Base64, V1, "le64 %r{d}", "r{d} = le64 r{d}", kImm, 64, 64),
  jmp("jsle_imm", 0xd5, JmpOp::Jsle, W64, Imm, Base64, V2, "jsle %r{d}, {imm}, {tgt}", "if r{d} s<= {imm} goto {tgt}"),
  jmp("jsle32_imm", 0xd6, JmpOp::Jsle, W32, Imm, Base32, V3, "jsle32 %r{d}, {imm}, {tgt}", "if w{d} s<= {imm} goto {tgt}"),
  alu("bswap16", 0xd7, Bswap, W64, None, Base32, V4, "bswap16 %r{d}||swap16 %r{d}", "r{d} = bswap16 r{d}", kImm, 16, 16),
  alu("bswap32", 0xd7, Bswap, W64, None, Base32, V4, "bswap32 %r{d}||swap32 %r{d}", "r{d} = bswap32 r{d}", kImm, 32, 32),
  alu("bswap64", 0xd7, Bswap, W64, None, Base64, V4, "bswap64 %r{d}||swap64 %r{d}", "r{d} = bswap64 r{d}", kImm, 64, 64),
  atomic("lock_add", 8, AtomicOp::Add, false, 0x00, V3, "lock add [%r{d}{off}], %r{s}", "lock *(u64 *)(r{d} {soff}) += r{s}"),
  atomic("lock_fetch_add", 8, AtomicOp::Add, true, 0x01, V3, "lock fetch add [%r{d}{off}], %r{s}", "r{s} = atomic_fetch_add((u64 *)(r{d} {soff}), r{s})"),
  atomic("lock_or", 8, AtomicOp::Or, false, 0x40, V3, "lock or [%r{d}{off}], %r{s}", "lock *(u64 *)(r{d} {soff}) |= r{s}"),
  atomic("lock_fetch_or", 8, AtomicOp::Or, true, 0x41, V3, "lock fetch or [%r{d}{off}], %r{s}", "r{s} = atomic_fetch_or((u64 *)(r{d} {soff}), r{s})"),
  atomic("lock_and", 8, AtomicOp::And, false, 0x50, V3, "lock and [%r{d}{off}], %r{s}", "lock *(u64 *)(r{d} {soff}) &= r{s}"),
  atomic("lock_fetch_and", 8, AtomicOp::And, true, 0x51, V3, "lock fetch and [%r{d}{off}], %r{s}", "r{s} = atomic_fetch_and((u64 *)(r{d} {soff}), r{s})"),
  atomic("lock_xor", 8, AtomicOp::Xor, false, 0xa0, V3, "lock xor [%r{d}{off}], %r{s}", "lock *(u64 *)(r{d} {soff}) ^= r{s}"),
  atomic("lock_fetch_xor", 8, AtomicOp::Xor, true, 0xa1, V3, "lock fetch xor [%r{d}{off}], %r{s}", "r{s} = atomic_fetch_xor((u64 *)(r{d} {soff}), r{s})"),
  atomic("lock_xchg", 8, AtomicOp::Xchg, true, 0xe1, V3, "lock xchg [%r{d}{off}], %r{s}||lock fetch xchg [%r{d}{off}], %r{s}", "r{s} = xchg_64(r{d} {soff}, r{s})"),
  atomic("lock_cmpxchg", 8, AtomicOp::Cmpxchg, true, 0xf1, V3, "lock cmpxchg [%r{d}{off}], %r{s}||lock fetch cmpxchg [%r{d}{off}], %r{s}", "r0 = cmpxchg_64(r{d} {soff}, r0, r{s})"),
  alu("be16", 0xdc, ToBe, W32, None, Base32, V1, "be16 %r{d}", "r{d} = be16 r{d}", kImm, 16, 16),
  alu("be32", 0xdc, ToBe, W32, None, Base32, V1, "be32 %r{d}", "r{d} = be32 r{d}", kImm, 32, 32),
  alu("be64", 0xdc, ToBe, W32, None, Base64, V1, "be64 %r{d}", "r{d} = be64 r{d}", kImm, 64, 64),
  jmp("jsle_reg", 0xdd, JmpOp::Jsle, W64, Reg, Base64, V2, "jsle %r{d}, %r{s}, {tgt}", "if r{d} s<= r{s} goto {tgt}"),
  jmp("jsle32_reg", 0xde, JmpOp::Jsle, W32, Reg, Base32, V3, "jsle32 %r{d}, %r{s}, {tgt}", "if w{d} s<= w{s} goto {tgt}"),
};
// clang-format on

static_assert(kTable.size() == 172, "171 RFC 9669 rows (OPCODES.md §2) plus callx");

struct OpcodeIndex {
  std::array<std::vector<const Encoding*>, 256> by_opcode;
  OpcodeIndex() {
    for (const Encoding& e : kTable) by_opcode[e.opcode].push_back(&e);
  }
};

const OpcodeIndex& opcode_index() {
  static const OpcodeIndex index;
  return index;
}

bool key_matches(const Encoding& e, uint8_t src, int16_t off, int32_t imm) {
  switch (e.key_field) {
    case Field::None: return true;
    case Field::Src: return src == e.key_value;
    case Field::Off: return off == e.key_value;
    case Field::Imm: return imm == e.key_value;
  }
  return false;
}

constexpr std::array<std::string_view, kGroupCount> kGroupNames = {
    "base32", "base64", "atomic32", "atomic64", "divmul32", "divmul64", "packet", "callx"};

}  // namespace

std::span<const Encoding> encodings() { return kTable; }

std::span<const Encoding* const> encodings_for_opcode(uint8_t opcode) {
  return opcode_index().by_opcode[opcode];
}

const Encoding* find_encoding(uint8_t opcode, uint8_t src, int16_t off, int32_t imm) {
  for (const Encoding* e : encodings_for_opcode(opcode)) {
    if (key_matches(*e, src, off, imm)) return e;
  }
  return nullptr;
}

const Encoding* find_encoding_by_id(std::string_view id) {
  for (const Encoding& e : kTable) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

std::string_view to_string(Group g) { return kGroupNames[static_cast<size_t>(g)]; }

std::optional<Group> group_from_string(std::string_view s) {
  for (size_t i = 0; i < kGroupNames.size(); ++i) {
    if (kGroupNames[i] == s) return static_cast<Group>(i);
  }
  return std::nullopt;
}

bool group_includes(Group outer, Group inner) {
  if (outer == inner) return true;
  return (outer == Group::Base64 && inner == Group::Base32) ||
         (outer == Group::Atomic64 && inner == Group::Atomic32) ||
         (outer == Group::Divmul64 && inner == Group::Divmul32);
}

std::string_view to_string(IsaVersion v) {
  switch (v) {
    case IsaVersion::V1: return "v1";
    case IsaVersion::V2: return "v2";
    case IsaVersion::V3: return "v3";
    case IsaVersion::V4: return "v4";
  }
  return "v?";
}

std::optional<IsaVersion> isa_version_from_string(std::string_view s) {
  if (s == "v1") return IsaVersion::V1;
  if (s == "v2") return IsaVersion::V2;
  if (s == "v3") return IsaVersion::V3;
  if (s == "v4") return IsaVersion::V4;
  return std::nullopt;
}

std::string_view to_string(Kind k) {
  switch (k) {
    case Kind::Alu: return "alu";
    case Kind::Jump: return "jump";
    case Kind::Call: return "call";
    case Kind::Exit: return "exit";
    case Kind::LoadImm64: return "lddw";
    case Kind::WideSlot: return "lddw-second-slot";
    case Kind::PacketLoad: return "packet-load";
    case Kind::Load: return "load";
    case Kind::Store: return "store";
    case Kind::Atomic: return "atomic";
  }
  return "?";
}

}  // namespace bpfcert::semantics
