// Jump offsets in the assembler and disassembler: only JA32 (gotol) carries its target in imm;
// the conditional JMP32 jumps carry it in offset like JMP (OPCODES.md §4.16).
#include <gtest/gtest.h>

#include "semantics/assembly.h"

namespace bpfcert::semantics {
namespace {

TEST(AssemblyJumps, Jmp32ConditionalKeepsImmAndPutsTargetInOffset) {
  auto insns = assemble("jsgt32 %r1, 0xffffffff, +1\nexit\nexit\n", Syntax::Conformance);
  ASSERT_TRUE(insns.ok()) << insns.error().to_string();
  EXPECT_EQ((*insns)[0].opcode, 0x66);
  EXPECT_EQ((*insns)[0].imm, -1);
  EXPECT_EQ((*insns)[0].off, 1);
  EXPECT_EQ(disassemble_one((*insns)[0], nullptr, Syntax::Conformance), "jsgt32 %r1, -1, +1");
}

TEST(AssemblyJumps, Ja32PutsTargetInImm) {
  auto insns = assemble("ja32 +1\nexit\nexit\n", Syntax::Conformance);
  ASSERT_TRUE(insns.ok()) << insns.error().to_string();
  EXPECT_EQ((*insns)[0].imm, 1);
  EXPECT_EQ((*insns)[0].off, 0);
}

TEST(AssemblyJumps, LlvmJmp32RoundTrips) {
  auto insns = assemble("if w1 < 7 goto +1\nexit\nexit\n", Syntax::Llvm);
  ASSERT_TRUE(insns.ok()) << insns.error().to_string();
  EXPECT_EQ((*insns)[0].imm, 7);
  EXPECT_EQ((*insns)[0].off, 1);
}

}  // namespace
}  // namespace bpfcert::semantics

namespace bpfcert::semantics {
namespace {

// bpf_conformance's newer tests and rbpf write conformance-syntax registers without '%'.
TEST(AssemblyRegisters, ConformanceSyntaxTakesRegistersWithoutPercent) {
  auto with = assemble("mov %r1, 0\nldxw %r0, [%r10-4]\nja +0\nexit\n", Syntax::Conformance);
  auto without = assemble("mov r1, 0\nldxw r0, [r10-4]\nja +0\nexit\n", Syntax::Conformance);
  ASSERT_TRUE(with.ok());
  ASSERT_TRUE(without.ok()) << without.error().to_string();
  EXPECT_EQ(*with, *without);
  EXPECT_FALSE(assemble("mov w1, 0\nexit\n", Syntax::Conformance).ok());
}

}  // namespace
}  // namespace bpfcert::semantics
