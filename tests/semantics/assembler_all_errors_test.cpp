// Every assembler error of a text in one run, in line order, with did-you-mean suggestions for
// misspelt mnemonics and labels, and the source line of every slot of a program that assembles.
#include <gtest/gtest.h>

#include <string>

#include "semantics/assembly.h"

namespace bpfcert::semantics {
namespace {

TEST(AssemblerAllErrors, ReportsEveryErrorInLineOrder) {
  const std::string text =
      "mov %r0, 0\n"
      "addd %r0, 1\n"        // 2: misspelt mnemonic
      "loop:\n"
      "mov %r1, %r11\n"      // 4: no such register
      "jne %r1, 0, lop\n"    // 5: misspelt label
      "sub %r0, 1 2\n"       // 6: trailing operand
      "exit\n";
  const Assembly a = assemble_program(text, Syntax::Conformance);
  ASSERT_EQ(a.errors.size(), 4u);
  EXPECT_EQ(a.errors[0].where.line, 2);
  EXPECT_EQ(a.errors[0].code, ErrorCode::UnknownMnemonic);
  EXPECT_NE(a.errors[0].message.find("did you mean 'add'?"), std::string::npos) << a.errors[0].message;
  EXPECT_EQ(a.errors[1].where.line, 4);
  EXPECT_EQ(a.errors[1].code, ErrorCode::BadRegister);
  EXPECT_EQ(a.errors[2].where.line, 5);
  EXPECT_EQ(a.errors[2].code, ErrorCode::UndefinedLabel);
  EXPECT_EQ(a.errors[2].where.column, 13);
  EXPECT_NE(a.errors[2].message.find("did you mean 'loop'?"), std::string::npos) << a.errors[2].message;
  EXPECT_EQ(a.errors[3].where.line, 6);
  EXPECT_TRUE(a.insns.empty());
  // assemble() still reports the first one.
  auto first = assemble(text, Syntax::Conformance);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().where.line, 2);
}

TEST(AssemblerAllErrors, LlvmMnemonicsAreSuggestedToo) {
  const Assembly a = assemble_program("r0 = 0\nexti\n", Syntax::Llvm);
  ASSERT_EQ(a.errors.size(), 1u);
  EXPECT_NE(a.errors[0].message.find("did you mean 'exit'?"), std::string::npos) << a.errors[0].message;
  const Assembly any = assemble_program_any("mov %r0, 0\nexti\n");
  ASSERT_EQ(any.errors.size(), 1u);
  EXPECT_NE(any.errors[0].message.find("did you mean 'exit'?"), std::string::npos) << any.errors[0].message;
}

TEST(AssemblerAllErrors, StopsAfterTwentyErrors) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "frob %r0\n";
  EXPECT_EQ(assemble_program(text, Syntax::Conformance).errors.size(), 20u);
}

TEST(AssemblerAllErrors, EachSlotKnowsItsLine) {
  const Assembly a = assemble_program("# comment\nmov %r0, 1\n\nstart:\n  lddw %r1, 0x100000000\nexit\n", Syntax::Conformance);
  ASSERT_TRUE(a.errors.empty()) << a.errors.front().to_string();
  EXPECT_EQ(a.lines, (std::vector<int>{2, 5, 5, 6}));
  AssembleOptions o;
  o.first_line = 10;
  EXPECT_EQ(assemble_program(".raw 0x0000000000000095\n", Syntax::Conformance, o).lines, std::vector<int>{10});
}

}  // namespace
}  // namespace bpfcert::semantics
