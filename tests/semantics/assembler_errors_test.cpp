// Malformed assembler input: every error has its code, line and column (1-based).
#include <gtest/gtest.h>

#include <string>

#include "semantics/assembly.h"

namespace bpfcert::semantics {
namespace {

struct Where {
  ErrorCode code;
  int line;
  int column;
};

void expect_error(std::string_view text, Syntax syntax, Where want) {
  SCOPED_TRACE(std::string(text.substr(0, 80)));
  auto r = assemble(text, syntax);
  ASSERT_FALSE(r.ok()) << "assembled";
  EXPECT_EQ(r.error().code, want.code) << r.error().to_string();
  EXPECT_EQ(r.error().where.line, want.line) << r.error().to_string();
  EXPECT_EQ(r.error().where.column, want.column) << r.error().to_string();
  EXPECT_EQ(r.error().where.pc, -1);
  EXPECT_FALSE(r.error().message.empty());
}

std::vector<Insn> expect_ok(std::string_view text, Syntax syntax) {
  auto r = assemble(text, syntax);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? r.value() : std::vector<Insn>{};
}

constexpr Syntax C = Syntax::Conformance;
constexpr Syntax L = Syntax::Llvm;

TEST(AssemblerErrors, UnknownMnemonic) {
  expect_error("mov %r0, 1\nfoo %r1, 2\nexit\n", C, {ErrorCode::UnknownMnemonic, 2, 1});
  expect_error("  frobnicate r1", L, {ErrorCode::UnknownMnemonic, 1, 3});
  // Each syntax's mnemonics are unknown to the other.
  expect_error("r0 = 1", C, {ErrorCode::UnknownMnemonic, 1, 1});
  expect_error("mov %r0, 1", L, {ErrorCode::UnknownMnemonic, 1, 1});
}

TEST(AssemblerErrors, BadRegister) {
  expect_error("  mov %r11, 1", C, {ErrorCode::BadRegister, 1, 7});
  expect_error("add %r1, %r15", C, {ErrorCode::BadRegister, 1, 10});
  expect_error("w11 = 1", L, {ErrorCode::BadRegister, 1, 1});
  expect_error("r1 = r12", L, {ErrorCode::BadRegister, 1, 6});
  // The conformance syntax also takes "r0" (rbpf, newer bpf_conformance files), not "w0".
  EXPECT_EQ(encode_all(expect_ok("mov r0, 1", C)), encode_all(expect_ok("mov %r0, 1", C)));
  expect_error("mov w0, 1", C, {ErrorCode::SyntaxError, 1, 5});
  // The same register is needed twice ("r1 = -r1") and was not given twice.
  expect_error("r1 = -r2", L, {ErrorCode::SyntaxError, 1, 7});
}

TEST(AssemblerErrors, MalformedNumbers) {
  expect_error("mov %r0, 0xzz", C, {ErrorCode::SyntaxError, 1, 10});
  expect_error("mov %r0, 12abc", C, {ErrorCode::SyntaxError, 1, 10});
  expect_error("mov %r0, 0x", C, {ErrorCode::SyntaxError, 1, 10});
  expect_error("exit\nr0 = 1e5", L, {ErrorCode::SyntaxError, 2, 6});
  expect_error(".raw 0xgg", C, {ErrorCode::SyntaxError, 1, 6});
}

TEST(AssemblerErrors, ImmediateBoundaries) {
  // An immediate is s32 or, written as an unsigned number, u32: [INT32_MIN, UINT32_MAX].
  expect_ok("mov %r0, -2147483648", C);
  expect_ok("mov %r0, 4294967295", C);
  expect_ok("mov %r0, 0xffffffff", C);
  expect_error("mov %r0, -2147483649", C, {ErrorCode::NumberOutOfRange, 1, 10});
  expect_error("mov %r0, 4294967296", C, {ErrorCode::NumberOutOfRange, 1, 10});
  expect_error("mov %r0, 0x100000000", C, {ErrorCode::NumberOutOfRange, 1, 10});
  expect_error("mov %r0, 99999999999999999999999", C, {ErrorCode::NumberOutOfRange, 1, 10});
  expect_ok("r0 = -2147483648", L);
  expect_error("r0 = 4294967296", L, {ErrorCode::NumberOutOfRange, 1, 6});
  expect_error("r0 = -2147483649", L, {ErrorCode::NumberOutOfRange, 1, 6});
  expect_error("if r1 > 4294967296 goto +1", L, {ErrorCode::NumberOutOfRange, 1, 9});
  // Helper ids are unsigned 32-bit.
  expect_ok("call 4294967295", C);
  expect_error("call 4294967296", C, {ErrorCode::NumberOutOfRange, 1, 6});
  // LDDW takes any 64-bit value, signed or unsigned.
  expect_ok("lddw %r0, 18446744073709551615", C);
  expect_ok("lddw %r0, -9223372036854775808", C);
  expect_error("lddw %r0, 18446744073709551616", C, {ErrorCode::NumberOutOfRange, 1, 11});
  expect_error("lddw %r0, -9223372036854775809", C, {ErrorCode::NumberOutOfRange, 1, 11});
  expect_error("r0 = 0x10000000000000000 ll", L, {ErrorCode::NumberOutOfRange, 1, 6});
}

TEST(AssemblerErrors, OffsetAndTargetBoundaries) {
  // Memory offsets and JMP targets are s16: [INT16_MIN, INT16_MAX].
  expect_ok("ldxw %r0, [%r1-32768]", C);
  expect_ok("ldxw %r0, [%r1+32767]", C);
  expect_error("ldxw %r0, [%r1-32769]", C, {ErrorCode::NumberOutOfRange, 1, 15});
  expect_error("ldxw %r0, [%r1+32768]", C, {ErrorCode::NumberOutOfRange, 1, 15});
  expect_error("*(u32 *)(r10 - 32769) = r1", L, {ErrorCode::NumberOutOfRange, 1, 14});
  expect_ok("ja +32767", C);
  expect_ok("ja -32768", C);
  expect_error("ja +32768", C, {ErrorCode::NumberOutOfRange, 1, 4});
  expect_error("ja -32769", C, {ErrorCode::NumberOutOfRange, 1, 4});
  expect_error("if r1 == r2 goto -32769", L, {ErrorCode::NumberOutOfRange, 1, 18});
  // gotol and local calls carry s32 targets.
  expect_ok("ja32 +2147483647", C);
  expect_error("ja32 +2147483648", C, {ErrorCode::NumberOutOfRange, 1, 6});
  expect_ok("call local -2147483648", C);
  expect_error("call local -2147483649", C, {ErrorCode::NumberOutOfRange, 1, 12});
}

TEST(AssemblerErrors, LabelTooFarForAnOffset) {
  // 32767 instructions between the jump and its label still fit an s16; 32768 do not.
  for (int filler : {32767, 32768}) {
    std::string text = "ja far\n";
    for (int i = 0; i < filler; ++i) text += "mov %r0, 0\n";
    text += "far: exit\n";
    if (filler == 32767) {
      auto r = expect_ok(text, C);
      ASSERT_FALSE(r.empty());
      EXPECT_EQ(r[0].off, 32767);
    } else {
      expect_error(text, C, {ErrorCode::NumberOutOfRange, 1, 4});
    }
  }
  // gotol reaches it.
  std::string text = "ja32 far\n";
  for (int i = 0; i < 40000; ++i) text += "mov %r0, 0\n";
  text += "far: exit\n";
  auto r = expect_ok(text, C);
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].imm, 40000);
}

TEST(AssemblerErrors, UndefinedAndDuplicateLabels) {
  expect_error("mov %r0, 0\nja foo\nexit", C, {ErrorCode::UndefinedLabel, 2, 4});
  expect_error("goto nowhere\nexit", L, {ErrorCode::UndefinedLabel, 1, 6});
  expect_error("call local f\nexit", C, {ErrorCode::UndefinedLabel, 1, 12});
  expect_error("lddw %r1, code g\nexit", C, {ErrorCode::UndefinedLabel, 1, 16});
  expect_error("a:\nexit\na: exit", C, {ErrorCode::DuplicateLabel, 3, 1});
  expect_error("a: b: a: exit", L, {ErrorCode::DuplicateLabel, 1, 7});
  // Labels resolve in both directions, several may share an instruction.
  auto r = expect_ok("start: top:\nja end\nja top\nend: exit", C);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].off, 1);
  EXPECT_EQ(r[1].off, -2);
}

TEST(AssemblerErrors, GarbageCharacters) {
  expect_error("mov %r0, 1 @", C, {ErrorCode::SyntaxError, 1, 12});
  expect_error("mov %r0, $1", C, {ErrorCode::SyntaxError, 1, 10});
  expect_error("mov %r0, \xc3\xa9", C, {ErrorCode::SyntaxError, 1, 10});
  expect_error("exit\n\tr0 = {1}", L, {ErrorCode::SyntaxError, 2, 7});
  expect_error("exit 1", C, {ErrorCode::SyntaxError, 1, 6});
  expect_error("mov %r0 1", C, {ErrorCode::SyntaxError, 1, 9});
  // A NUL byte is not whitespace.
  expect_error(std::string_view("exit\0", 5), C, {ErrorCode::SyntaxError, 1, 5});
}

TEST(AssemblerErrors, TruncatedLines) {
  expect_error("mov %r0,", C, {ErrorCode::SyntaxError, 1, 9});
  expect_error("mov", C, {ErrorCode::SyntaxError, 1, 4});
  expect_error("stxw [%r1+4", C, {ErrorCode::SyntaxError, 1, 12});
  expect_error("lddw %r0", C, {ErrorCode::SyntaxError, 1, 9});
  expect_error("jeq %r1, 1,", C, {ErrorCode::SyntaxError, 1, 12});
  expect_error("lock", C, {ErrorCode::SyntaxError, 1, 5});
  expect_error("if r1 > r2 goto", L, {ErrorCode::SyntaxError, 1, 16});
  expect_error("r0 = *(u32 *)(r1", L, {ErrorCode::SyntaxError, 1, 17});
  expect_error(".raw", C, {ErrorCode::SyntaxError, 1, 1});
  expect_error(".raw 0x1 0x2", C, {ErrorCode::SyntaxError, 1, 1});
  expect_error(".raw 0x10000000000000000", C, {ErrorCode::SyntaxError, 1, 1});
}

TEST(AssemblerErrors, LocationsCarryFileAndFirstLine) {
  AssembleOptions o;
  o.file = "t.data";
  o.first_line = 10;
  auto r = assemble("mov %r0, 1\n\n  bogus\n", Syntax::Conformance, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where.file, "t.data");
  EXPECT_EQ(r.error().where.line, 12);
  EXPECT_EQ(r.error().where.column, 3);
  EXPECT_EQ(r.error().to_string().rfind("t.data:12:3: error[unknown-mnemonic]: ", 0), 0u) << r.error().to_string();
}

TEST(AssemblerErrors, CommentsBlankLinesAndCrlf) {
  auto r = expect_ok("# comment\r\n\r\nmov %r0, 1 ; trailing\r\n// another\r\nexit # done\r\n", C);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].imm, 1);
  EXPECT_TRUE(expect_ok("", C).empty());
}

TEST(AssembleAny, DetectsEitherSyntaxAndReportsTheBetterError) {
  auto c = assemble_any("mov %r0, 1\nexit");
  ASSERT_TRUE(c.ok());
  auto l = assemble_any("r0 = 1\nexit");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(encode_all(*c), encode_all(*l));
  // An LLVM line with a bad immediate: the LLVM error, not "unknown instruction 'r0'".
  auto bad = assemble_any("r0 = 4294967296\nexit");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::NumberOutOfRange) << bad.error().to_string();
  // A conformance program with an error on line 3: the syntax that got further reports.
  auto bad2 = assemble_any("mov %r0, 1\nadd %r0, 2\nmov %r0, %r11\nexit");
  ASSERT_FALSE(bad2.ok());
  EXPECT_EQ(bad2.error().code, ErrorCode::BadRegister);
  EXPECT_EQ(bad2.error().where.line, 3);
}

}  // namespace
}  // namespace bpfcert::semantics
