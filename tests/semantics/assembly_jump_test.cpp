// Where the assembler puts jump targets: JMP32 conditional jumps keep the target in off and
// the compared immediate in imm, like JMP; only JA32 (gotol) has its target in imm.
#include <gtest/gtest.h>

#include "semantics/assembly.h"

namespace bpfcert::semantics {
namespace {

TEST(AssemblyJumps, Jmp32ConditionalKeepsImmAndOffset) {
  for (Syntax syntax : {Syntax::Conformance, Syntax::Llvm}) {
    const char* text = syntax == Syntax::Conformance ? "jeq32 %r1, 5, +2\nexit\nexit\nexit"
                                                     : "if w1 == 5 goto +2\nexit\nexit\nexit";
    auto insns = assemble(text, syntax);
    ASSERT_TRUE(insns.ok()) << insns.error().to_string();
    EXPECT_EQ((*insns)[0].opcode, 0x16);
    EXPECT_EQ((*insns)[0].imm, 5);
    EXPECT_EQ((*insns)[0].off, 2);
    // And back: the disassembly names the immediate and the target.
    const std::string back = disassemble_one((*insns)[0], nullptr, syntax);
    EXPECT_NE(back.find('5'), std::string::npos) << back;
    EXPECT_NE(back.find("+2"), std::string::npos) << back;
  }
}

TEST(AssemblyJumps, Ja32KeepsItsTargetInImm) {
  auto insns = assemble("ja32 +2\nexit\nexit\nexit", Syntax::Conformance);
  ASSERT_TRUE(insns.ok()) << insns.error().to_string();
  EXPECT_EQ((*insns)[0].opcode, 0x06);
  EXPECT_EQ((*insns)[0].imm, 2);
  EXPECT_EQ((*insns)[0].off, 0);
}

TEST(AssemblyJumps, Jmp32RegisterFormUsesOffset) {
  auto insns = assemble("jgt32 %r1, %r2, +1\nexit\nexit", Syntax::Conformance);
  ASSERT_TRUE(insns.ok()) << insns.error().to_string();
  EXPECT_EQ((*insns)[0].off, 1);
  EXPECT_EQ((*insns)[0].imm, 0);
}

}  // namespace
}  // namespace bpfcert::semantics
