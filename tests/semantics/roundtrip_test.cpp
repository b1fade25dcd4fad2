// The table round trip: every row, both syntaxes, several field values each:
// encode -> disassemble_one -> assemble gives the same bytes. Plus whole programs with labels,
// and slots the templates cannot carry (printed as ".raw").
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "semantics/assembly.h"
#include "semantics/opcode_table.h"
#include "semantics/program.h"

namespace bpfcert::semantics {
namespace {

constexpr std::array<Syntax, 2> kSyntaxes = {Syntax::Conformance, Syntax::Llvm};

// Field values per variant: registers at both ends, offsets and immediates at their limits,
// negative and positive, small (printed decimal) and large (printed hex).
constexpr int kVariants = 5;
constexpr std::array<uint8_t, kVariants> kDst = {1, 10, 0, 7, 5};
constexpr std::array<uint8_t, kVariants> kSrc = {2, 9, 10, 0, 5};
constexpr std::array<int16_t, kVariants> kOff = {-7, INT16_MAX, INT16_MIN, 100, 0};
constexpr std::array<int32_t, kVariants> kImm = {-123456789, INT32_MIN, INT32_MAX, 0x12345, 0};
constexpr std::array<int32_t, kVariants> kNextImm = {static_cast<int32_t>(0x89abcdefu), -1, 0, 7, 0x7fffffff};

int32_t key_or(const Encoding& row, Field f, int32_t value) {
  return row.key_field == f ? row.key_value : value;
}

// Builds the slots of one instruction of `row` with the values of variant v.
std::vector<Insn> make_insn(const Encoding& row, int v) {
  Insn insn;
  insn.opcode = row.opcode;
  auto pick = [](FieldRule rule, int64_t reg_or_any) { return rule == FieldRule::Zero ? 0 : reg_or_any; };
  insn.dst = static_cast<uint8_t>(pick(row.dst, kDst[v]));
  insn.src = static_cast<uint8_t>(pick(row.src, kSrc[v]));
  insn.off = static_cast<int16_t>(pick(row.off, kOff[v]));
  insn.imm = static_cast<int32_t>(pick(row.imm, kImm[v]));
  if (row.src == FieldRule::Fixed) insn.src = static_cast<uint8_t>(key_or(row, Field::Src, 0));
  if (row.off == FieldRule::Fixed) insn.off = static_cast<int16_t>(key_or(row, Field::Off, 0));
  if (row.imm == FieldRule::Fixed) insn.imm = key_or(row, Field::Imm, 0);
  std::vector<Insn> out{insn};
  if (row.kind == Kind::LoadImm64) {
    Insn second;
    if (row.next_imm != FieldRule::Zero) second.imm = kNextImm[v];
    out.push_back(second);
  }
  return out;
}

TEST(RoundTrip, EveryRowBothSyntaxesSeveralValues) {
  int checked = 0;
  for (const Encoding& row : encodings()) {
    if (row.kind == Kind::WideSlot) continue;
    for (Syntax syntax : kSyntaxes) {
      for (int v = 0; v < kVariants; ++v) {
        const std::vector<Insn> slots = make_insn(row, v);
        ASSERT_EQ(find_encoding(slots[0].opcode, slots[0].src, slots[0].off, slots[0].imm), &row) << row.id;
        const std::string text = disassemble_one(slots[0], slots.size() > 1 ? &slots[1] : nullptr, syntax);
        SCOPED_TRACE(std::string(row.id) + " variant " + std::to_string(v) + " (" +
                     std::string(to_string(syntax)) + "): " + text);
        EXPECT_FALSE(text.starts_with(".raw")) << "a representable instruction printed as raw";
        auto back = assemble(text, syntax);
        ASSERT_TRUE(back.ok()) << back.error().to_string();
        EXPECT_EQ(encode_all(*back), encode_all(slots));
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 171 * 2 * kVariants);
}

TEST(RoundTrip, SpotChecksOfPrintedText) {
  // The printed forms follow OPCODES.md's spellings (a round trip alone would accept any
  // self-consistent spelling).
  auto one = [](std::string_view id, Insn insn, Syntax s, const Insn* second = nullptr) {
    insn.opcode = find_encoding_by_id(id)->opcode;
    return disassemble_one(insn, second, s);
  };
  EXPECT_EQ(one("add32_imm", {0, 1, 0, 0, -5}, Syntax::Conformance), "add32 %r1, -5");
  EXPECT_EQ(one("add32_imm", {0, 1, 0, 0, -5}, Syntax::Llvm), "w1 += -5");
  EXPECT_EQ(one("jgt_reg", {0, 1, 2, 3, 0}, Syntax::Llvm), "if r1 > r2 goto +3");
  EXPECT_EQ(one("jgt_reg", {0, 1, 2, -3, 0}, Syntax::Conformance), "jgt %r1, %r2, -3");
  EXPECT_EQ(one("stxw", {0, 10, 1, -4, 0}, Syntax::Llvm), "*(u32 *)(r10 - 4) = r1");
  EXPECT_EQ(one("stxw", {0, 10, 1, -4, 0}, Syntax::Conformance), "stxw [%r10-4], %r1");
  EXPECT_EQ(one("ldxdw", {0, 0, 1, 8, 0}, Syntax::Conformance), "ldxdw %r0, [%r1+8]");
  const Insn hi{0, 0, 0, 0, 0x11223344};
  EXPECT_EQ(one("lddw", {0, 0, 0, 0, 0x55667788}, Syntax::Conformance, &hi), "lddw %r0, 0x1122334455667788");
  EXPECT_EQ(one("lddw", {0, 0, 0, 0, 0x55667788}, Syntax::Llvm, &hi), "r0 = 0x1122334455667788 ll");
  EXPECT_EQ(one("call", {0, 0, 0, 0, 1}, Syntax::Conformance), "call 1");
  EXPECT_EQ(one("call_local", {0, 0, 1, 0, -3}, Syntax::Conformance), "call local -3");
  EXPECT_EQ(one("callx", {0, 2, 0, 0, 0}, Syntax::Conformance), "call %r2");
  EXPECT_EQ(one("lock_cmpxchg32", {0, 1, 2, 0, 0xf1}, Syntax::Llvm), "w0 = cmpxchg32_32(r1 + 0, w0, w2)");
  EXPECT_EQ(one("movsx8_64", {0, 1, 2, 8, 0}, Syntax::Llvm), "r1 = (s8)r2");
  EXPECT_EQ(one("be16", {0, 3, 0, 0, 16}, Syntax::Llvm), "r3 = be16 r3");
}

TEST(RoundTrip, Jmp32ConditionalJumpsKeepTheTargetInTheOffset) {
  // Regression: JMP32 conditional jumps once had their distance written into imm (gotol's
  // field), clobbering the immediate operand.
  for (Syntax s : kSyntaxes) {
    auto r = assemble(s == Syntax::Conformance ? "jeq32 %r1, 5, +1" : "if w1 == 5 goto +1", s);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ((*r)[0], (Insn{0x16, 1, 0, 1, 5}));
  }
  auto gotol = assemble("ja32 +7", Syntax::Conformance);
  ASSERT_TRUE(gotol.ok());
  EXPECT_EQ((*gotol)[0], (Insn{0x06, 0, 0, 0, 7}));
}

TEST(RoundTrip, AliasesParseToTheSameRow) {
  auto bytes = [](std::string_view text, Syntax s) {
    auto r = assemble(text, s);
    EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? encode_all(*r) : std::vector<uint8_t>{};
  };
  EXPECT_EQ(bytes("swap16 %r1", Syntax::Conformance), bytes("bswap16 %r1", Syntax::Conformance));
  EXPECT_EQ(bytes("callx %r3", Syntax::Conformance), bytes("call %r3", Syntax::Conformance));
  EXPECT_EQ(bytes("call helper 7", Syntax::Conformance), bytes("call 7", Syntax::Conformance));
  EXPECT_EQ(bytes("w1 = *(u32 *)(r2 + 4)", Syntax::Llvm), bytes("r1 = *(u32 *)(r2 + 4)", Syntax::Llvm));
  EXPECT_EQ(bytes("r0 = *(u8 *)skb[r3]", Syntax::Llvm), bytes("r0 = *(u8 *)skb[r3 + 0]", Syntax::Llvm));
  // An omitted offset is +0.
  EXPECT_EQ(bytes("ldxw %r1, [%r2]", Syntax::Conformance), bytes("ldxw %r1, [%r2+0]", Syntax::Conformance));
}

// Builds a program from rows and fields, then checks disassemble() -> assemble() in both
// syntaxes, with and without labels and pc prefixes turned off.
void expect_program_round_trip(const std::vector<Insn>& prog) {
  for (Syntax syntax : kSyntaxes) {
    for (bool labels : {true, false}) {
      DisassembleOptions o;
      o.syntax = syntax;
      o.labels = labels;
      const std::string text = disassemble(prog, o);
      SCOPED_TRACE(text);
      auto back = assemble(text, syntax);
      ASSERT_TRUE(back.ok()) << back.error().to_string();
      EXPECT_EQ(encode_all(*back), encode_all(prog));
    }
  }
}

Insn mk(std::string_view id, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  const Encoding* e = find_encoding_by_id(id);
  EXPECT_NE(e, nullptr) << id;
  Insn i{e->opcode, dst, src, off, imm};
  if (e->key_field == Field::Src) i.src = static_cast<uint8_t>(e->key_value);
  if (e->key_field == Field::Off) i.off = static_cast<int16_t>(e->key_value);
  if (e->key_field == Field::Imm) i.imm = e->key_value;
  return i;
}

TEST(RoundTrip, WholeProgramWithLabels) {
  const std::vector<Insn> prog = {
      mk("mov_imm", 0, 0, 0, 0),           // 0
      mk("lddw", 1, 0, 0, -1),             // 1-2: lddw r1, 0x00000005ffffffff
      Insn{0, 0, 0, 0, 5},
      mk("jeq_imm", 1, 0, 3, 7),           // 3 -> 7 (forward)
      mk("add_imm", 0, 0, 0, 1),           // 4 <- backward target
      mk("jlt_reg", 0, 1, -2, 0),          // 5 -> 4 (backward)
      mk("ja32", 0, 0, 0, 3),              // 6 -> 10 (gotol)
      mk("call_local", 0, 0, 0, 3),        // 7 -> 11
      mk("lddw_code_addr", 2, 0, 0, 2),    // 8-9 -> 11
      Insn{0, 0, 0, 0, 0},
      mk("exit", 0, 0, 0, 0),              // 10
      mk("mov_imm", 0, 0, 0, 42),          // 11 (function)
      mk("ja", 0, 0, -9, 0),               // 12 -> 4
  };
  ASSERT_TRUE(validate(prog).ok()) << validate(prog).error().to_string();
  expect_program_round_trip(prog);
  // Labels are printed where targets are, and used by the jumps.
  const std::string text = disassemble(prog, {Syntax::Conformance, true, false});
  EXPECT_NE(text.find("L4:"), std::string::npos) << text;
  EXPECT_NE(text.find("L11:"), std::string::npos) << text;
  EXPECT_NE(text.find("jlt %r0, %r1, L4"), std::string::npos) << text;
  EXPECT_NE(text.find("call local L11"), std::string::npos) << text;
  EXPECT_NE(text.find("lddw %r2, code L11"), std::string::npos) << text;
}

TEST(RoundTrip, ProgramWithTargetsOutsideAndInsideLddw) {
  // Not valid programs, but the disassembler must still print them so they reassemble:
  // jumps out of range and into an LDDW's second slot keep their relative offsets.
  const std::vector<Insn> prog = {
      mk("ja", 0, 0, 100, 0),      // out of range forward
      mk("ja", 0, 0, -5, 0),       // out of range backward
      mk("jeq_imm", 1, 0, 1, 0),   // into the second slot of the LDDW at 3
      mk("lddw", 1, 0, 0, 1), Insn{0, 0, 0, 0, 2},
      mk("exit", 0, 0, 0, 0),
  };
  expect_program_round_trip(prog);
}

TEST(RoundTrip, UnrepresentableSlotsPrintAsRawAndRoundTrip) {
  std::vector<std::vector<Insn>> cases = {
      {Insn{0x04, 1, 3, 0, 5}},            // add32_imm with src != 0 (reserved)
      {Insn{0x07, 1, 0, 4, 5}},            // add_imm with a non-zero offset
      {Insn{0x0f, 1, 2, 0, 9}},            // add_reg with a non-zero imm
      {Insn{0x05, 2, 0, 1, 0}},            // ja with dst != 0
      {Insn{0x95, 0, 0, 0, 1}},            // exit with imm
      {Insn{0xbf, 11, 2, 0, 0}},           // register 11
      {Insn{0xbf, 1, 15, 0, 0}},           // register 15
      {Insn{0x8e, 0, 0, 0, 0}},            // no such opcode
      {Insn{0xc3, 1, 2, 0, 0x02}},         // atomic imm selecting no row
      {Insn{0x18, 1, 0, 0, 1}},            // LDDW without a second slot
      {Insn{0x18, 1, 0, 0, 1}, Insn{0x07, 0, 0, 0, 1}},  // second slot with an opcode
      {Insn{0x18, 1, 1, 0, 1}, Insn{0, 0, 0, 0, 3}},     // map_fd with next_imm != 0
      {Insn{0x00, 0, 0, 0, 7}},            // a stray second slot
  };
  for (const auto& prog : cases) {
    for (Syntax syntax : kSyntaxes) {
      const std::string text = disassemble(prog, {syntax, true, false});
      SCOPED_TRACE(text);
      EXPECT_NE(text.find(".raw 0x"), std::string::npos);
      auto back = assemble(text, syntax);
      ASSERT_TRUE(back.ok()) << back.error().to_string();
      EXPECT_EQ(encode_all(*back), encode_all(prog));
    }
  }
  // One slot: the word is the slot's 8 bytes read as a little-endian 64-bit number.
  EXPECT_EQ(disassemble_one(Insn{0x04, 1, 3, 0, 5}, nullptr, Syntax::Llvm), ".raw 0x0000000500003104");
}

TEST(RoundTrip, EncodeDecodeFieldLayout) {
  const Insn insn{0xbf, 0x3, 0xa, -2, -559038737};
  const auto b = encode(insn);
  EXPECT_EQ(b, (std::array<uint8_t, 8>{0xbf, 0xa3, 0xfe, 0xff, 0xef, 0xbe, 0xad, 0xde}));
  EXPECT_EQ(decode_slot(b), insn);
  const std::vector<uint8_t> seven(7, 0);
  auto r = decode_bytes(seven, "x.bin");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::TruncatedBytecode);
}

}  // namespace
}  // namespace bpfcert::semantics
