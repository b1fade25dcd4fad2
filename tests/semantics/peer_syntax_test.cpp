// The conformance syntax as bpf_conformance's assembler reads it (its src/bpf_assembler.cc): one
// test per form, each with the encoding it must produce. The programs are written here; the
// peer suite's files are never copied.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "semantics/assembly.h"

namespace bpfcert::semantics {
namespace {

constexpr Syntax C = Syntax::Conformance;

std::vector<Insn> assemble_ok(std::string_view text, const AssembleOptions& options = {}) {
  auto r = assemble(text, C, options);
  EXPECT_TRUE(r.ok()) << text << "\n" << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? *r : std::vector<Insn>{};
}

void expect_error(std::string_view text, ErrorCode code, int line) {
  auto r = assemble(text, C);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.error().code, code) << r.error().to_string();
  EXPECT_EQ(r.error().where.line, line) << r.error().to_string();
}

// The implicit label: bpf_conformance defines `exit` at the first exit instruction, and about a
// fifth of its current suite jumps to it without defining it.
TEST(PeerSyntax, ExitIsAnImplicitLabelAtTheFirstExit) {
  const auto p = assemble_ok(
      "jne %r1, 0, exit\n"
      "mov %r0, 1\n"
      "exit\n"
      "mov %r0, 2\n"
      "exit\n");
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].off, 1);  // pc 0 -> pc 2, the first exit
}

TEST(PeerSyntax, ImplicitExitLabelWorksBackwardAndFromCallsAndGotol) {
  const auto p = assemble_ok(
      "mov %r0, 0\n"
      "exit\n"
      "ja exit\n"
      "ja32 exit\n"
      "call local exit\n");
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[2].off, -2);
  EXPECT_EQ(p[3].imm, -3);
  EXPECT_EQ(p[4].imm, -4);
}

TEST(PeerSyntax, ImplicitExitLabelReplacesAnEarlierExitLabel) {
  // bpf_conformance overwrites the user's `exit:` when the first exit instruction comes.
  const auto p = assemble_ok(
      "exit:\n"
      "mov %r0, 0\n"
      "ja exit\n"
      "exit\n");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[1].off, 0);  // to pc 2, not to pc 0
}

TEST(PeerSyntax, ExitLabelAfterTheFirstExitIsDefinedTwice) {
  expect_error("mov %r0, 0\nexit\nexit:\nexit\n", ErrorCode::DuplicateLabel, 3);
}

TEST(PeerSyntax, LlvmSyntaxHasNoImplicitExitLabel) {
  auto r = assemble("if r1 == 0 goto exit\nexit\n", Syntax::Llvm);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::UndefinedLabel);
}

TEST(PeerSyntax, LabelsOnTheirOwnLines) {
  const auto p = assemble_ok(
      "ja skip\n"
      "mov %r0, 1\n"
      "skip:\n"
      "# a comment between a label and its instruction\n"
      "\n"
      "first:\n"
      "second:\n"
      "mov %r0, 2\n"
      "jeq %r0, 2, first\n"
      "jeq %r0, 2, second\n"
      "exit\n");
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p[0].off, 1);
  EXPECT_EQ(p[3].off, -2);
  EXPECT_EQ(p[4].off, -3);
}

TEST(PeerSyntax, CallForms) {
  const auto p = assemble_ok(
      "call 7\n"               // helper by id, mode omitted
      "call helper 7\n"        // helper by id, mode given
      "call runtime 3\n"       // src 2
      "call local fn\n"        // src 1, pc-relative imm to a label
      "call local +1\n"        // src 1, numeric distance
      "call %r2\n"             // callx (0x8d), register in dst
      "call helper %r3\n"      // callx as bpf_conformance spells it
      "exit\n"
      "fn:\n"
      "exit\n");
  ASSERT_EQ(p.size(), 9u);
  EXPECT_EQ(p[0], (Insn{0x85, 0, 0, 0, 7}));
  EXPECT_EQ(p[1], (Insn{0x85, 0, 0, 0, 7}));
  EXPECT_EQ(p[2], (Insn{0x85, 0, 2, 0, 3}));
  EXPECT_EQ(p[3], (Insn{0x85, 0, 1, 0, 4}));
  EXPECT_EQ(p[4], (Insn{0x85, 0, 1, 0, 1}));
  EXPECT_EQ(p[5], (Insn{0x8d, 2, 0, 0, 0}));
  EXPECT_EQ(p[6], (Insn{0x8d, 3, 0, 0, 0}));
}

TEST(PeerSyntax, LockForms) {
  struct Case {
    const char* text;
    uint8_t opcode;
    int32_t imm;
  };
  const Case cases[] = {
      {"lock add [%r10-8], %r1", 0xdb, 0x00},        {"lock fetch add [%r10-8], %r1", 0xdb, 0x01},
      {"lock or [%r10-8], %r1", 0xdb, 0x40},         {"lock fetch or [%r10-8], %r1", 0xdb, 0x41},
      {"lock and [%r10-8], %r1", 0xdb, 0x50},        {"lock fetch and [%r10-8], %r1", 0xdb, 0x51},
      {"lock xor [%r10-8], %r1", 0xdb, 0xa0},        {"lock fetch xor [%r10-8], %r1", 0xdb, 0xa1},
      {"lock xchg [%r10-8], %r1", 0xdb, 0xe1},       {"lock fetch xchg [%r10-8], %r1", 0xdb, 0xe1},
      {"lock cmpxchg [%r10-8], %r1", 0xdb, 0xf1},    {"lock fetch cmpxchg [%r10-8], %r1", 0xdb, 0xf1},
      {"lock add32 [%r10-8], %r1", 0xc3, 0x00},      {"lock fetch add32 [%r10-8], %r1", 0xc3, 0x01},
      {"lock or32 [%r10-8], %r1", 0xc3, 0x40},       {"lock fetch or32 [%r10-8], %r1", 0xc3, 0x41},
      {"lock and32 [%r10-8], %r1", 0xc3, 0x50},      {"lock fetch and32 [%r10-8], %r1", 0xc3, 0x51},
      {"lock xor32 [%r10-8], %r1", 0xc3, 0xa0},      {"lock fetch xor32 [%r10-8], %r1", 0xc3, 0xa1},
      {"lock xchg32 [%r10-8], %r1", 0xc3, 0xe1},     {"lock fetch xchg32 [%r10-8], %r1", 0xc3, 0xe1},
      {"lock cmpxchg32 [%r10-8], %r1", 0xc3, 0xf1},  {"lock fetch cmpxchg32 [%r10-8], %r1", 0xc3, 0xf1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const auto p = assemble_ok(c.text);
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0], (Insn{c.opcode, 10, 1, -8, c.imm}));
  }
}

TEST(PeerSyntax, AluSpellings) {
  struct Case {
    const char* text;
    Insn insn;
  };
  const Case cases[] = {
      {"mov %r0, 1", {0xb7, 0, 0, 0, 1}},
      {"mov32 %r0, %r1", {0xbc, 0, 1, 0, 0}},
      {"sdiv %r1, 3", {0x37, 1, 0, 1, 3}},
      {"sdiv32 %r1, %r2", {0x3c, 1, 2, 1, 0}},
      {"smod %r1, %r2", {0x9f, 1, 2, 1, 0}},
      {"smod32 %r1, -3", {0x94, 1, 0, 1, -3}},
      {"movsx864 %r1, %r2", {0xbf, 1, 2, 8, 0}},
      {"movsx832 %r1, %r2", {0xbc, 1, 2, 8, 0}},
      {"movsx1664 %r1, %r2", {0xbf, 1, 2, 16, 0}},
      {"movsx1632 %r1, %r2", {0xbc, 1, 2, 16, 0}},
      {"movsx3264 %r1, %r2", {0xbf, 1, 2, 32, 0}},
      {"neg %r3", {0x87, 3, 0, 0, 0}},
      {"neg32 %r3", {0x84, 3, 0, 0, 0}},
      {"le16 %r3", {0xd4, 3, 0, 0, 16}},
      {"be64 %r3", {0xdc, 3, 0, 0, 64}},
      {"bswap32 %r3", {0xd7, 3, 0, 0, 32}},
      {"swap32 %r3", {0xd7, 3, 0, 0, 32}},
      {"arsh32 %r1, 4", {0xc4, 1, 0, 0, 4}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const auto p = assemble_ok(c.text);
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0], c.insn);
  }
}

TEST(PeerSyntax, MemoryOperandsAndLoads) {
  const auto p = assemble_ok(
      "ldxw %r0, [%r1]\n"          // no offset
      "ldxh %r0, [%r1+0x10]\n"     // hexadecimal offset
      "ldxsb %r0, [%r10-1]\n"      // negative offset, sign-extending load
      "stdw [%r10-8], 0x44332211\n"
      "stxb [%r10-1], %r2\n");
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0], (Insn{0x61, 0, 1, 0, 0}));
  EXPECT_EQ(p[1], (Insn{0x69, 0, 1, 16, 0}));
  EXPECT_EQ(p[2], (Insn{0x91, 0, 10, -1, 0}));
  EXPECT_EQ(p[3], (Insn{0x7a, 10, 0, -8, 0x44332211}));
  EXPECT_EQ(p[4], (Insn{0x73, 10, 2, -1, 0}));
}

TEST(PeerSyntax, Lddw) {
  const auto p = assemble_ok("lddw %r0, 0x1122334455667788\nlddw %r1, -1\nlddw %r2, 18446744073709551615\n");
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p[0], (Insn{0x18, 0, 0, 0, 0x55667788}));
  EXPECT_EQ(p[1], (Insn{0, 0, 0, 0, 0x11223344}));
  EXPECT_EQ(p[2].imm, -1);
  EXPECT_EQ(p[3].imm, -1);
  EXPECT_EQ(p[4].imm, -1);
  EXPECT_EQ(p[5].imm, -1);
}

TEST(PeerSyntax, ImmediatesWrittenAsTheir64BitOperand) {
  // "-1" and "0xffffffffffffffff" are the same s32 operand; other values above 32 bits would
  // be truncated by bpf_conformance's assembler, and stay an error here.
  EXPECT_EQ(assemble_ok("jne %r0, 0xffffffffffffffff, +1"), assemble_ok("jne %r0, -1, +1"));
  EXPECT_EQ(assemble_ok("mov %r0, 0xffffffff80000000"), assemble_ok("mov %r0, -2147483648"));
  EXPECT_EQ(assemble_ok("mov %r0, 0xffffffff"), (std::vector<Insn>{{0xb7, 0, 0, 0, -1}}));
  expect_error("mov %r0, 0xffffffff7fffffff", ErrorCode::NumberOutOfRange, 1);
  expect_error("mov %r0, 0x100000000", ErrorCode::NumberOutOfRange, 1);
  // The LLVM syntax keeps its 32-bit literals.
  EXPECT_FALSE(assemble("r0 = 0xffffffffffffffff", Syntax::Llvm).ok());
}

TEST(PeerSyntax, JumpsAndGotol) {
  const auto p = assemble_ok(
      "ja +1\n"
      "ja32 end\n"
      "jset %r1, 0x8, end\n"
      "jsle32 %r1, %r2, -3\n"
      "end:\n"
      "exit\n");
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0], (Insn{0x05, 0, 0, 1, 0}));
  EXPECT_EQ(p[1], (Insn{0x06, 0, 0, 0, 2}));
  EXPECT_EQ(p[2], (Insn{0x45, 1, 0, 1, 8}));
  EXPECT_EQ(p[3], (Insn{0xde, 1, 2, -3, 0}));
}

TEST(PeerSyntax, OperandPunctuationAndComments) {
  // Operands separated by ", " (bpf_conformance drops an operand's trailing comma), registers
  // with or without '%', and comments after an instruction.
  EXPECT_EQ(assemble_ok("add %r1, %r2 # r1 += r2"), assemble_ok("add r1, r2"));
  EXPECT_EQ(assemble_ok("add %r1,%r2"), assemble_ok("add %r1, %r2"));
}

TEST(PeerSyntax, InvalidRegistersAreEncodedForNegativeTests) {
  // bpf_conformance's assembler knows %r11-%r15 so that a test can hand the VM an invalid
  // register; the .data reader asks for the same.
  AssembleOptions options;
  options.encode_invalid_registers = true;
  const auto p = assemble_ok("mov %r11, 1\nadd %r0, %r15\nexit\n", options);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].dst, 11);
  EXPECT_EQ(p[1].src, 15);
  EXPECT_FALSE(validate(p).ok());
  // Beyond the 4-bit field, and by default, a register above r10 is an error.
  auto too_big = assemble("mov %r16, 1", C, options);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code, ErrorCode::BadRegister);
  expect_error("mov %r11, 1", ErrorCode::BadRegister, 1);
}

}  // namespace
}  // namespace bpfcert::semantics
