// The operator catalogue covers every ALU, conditional jump and load mnemonic of the opcode
// table exactly once, with the table's width, size and sign extension.
#include <gtest/gtest.h>

#include <set>

#include "verifier/smt/operators.h"

namespace bpfcert::verifier::smt {
namespace {

TEST(Operators, EveryValueComputingMnemonicOfTheTableHasOneOperator) {
  std::set<std::string> expected;
  for (const semantics::Encoding& e : semantics::encodings()) {
    const bool conditional = e.kind == semantics::Kind::Jump && e.jmp_op() != semantics::JmpOp::Ja;
    if (e.kind == semantics::Kind::Alu || conditional || e.kind == semantics::Kind::Load) {
      expected.insert(conformance_mnemonic(e));
      const Operator* op = find_operator(conformance_mnemonic(e));
      ASSERT_NE(op, nullptr) << e.id;
      EXPECT_EQ(op->width, e.width) << e.id;
      if (e.kind == semantics::Kind::Load) {
        EXPECT_EQ(op->size, e.size) << e.id;
        EXPECT_EQ(op->sign_extend, e.sign_extend) << e.id;
      }
    }
  }
  std::set<std::string> isa;
  for (const Operator& o : operators()) {
    if (o.kind == OperatorKind::Alu || o.kind == OperatorKind::Branch || o.kind == OperatorKind::Load) {
      EXPECT_TRUE(isa.insert(o.name).second) << "duplicate " << o.name;
    }
  }
  EXPECT_EQ(isa, expected);
}

TEST(Operators, NamesFollowTheConformanceSpelling) {
  for (const char* name : {"add", "add32", "neg32", "movsx832", "movsx3264", "be16", "le64", "bswap32", "jeq", "jsle32",
                           "jset", "ldxb", "ldxsw", "ldxdw", "sync", "tighten", "join", "widen"}) {
    EXPECT_NE(find_operator(name), nullptr) << name;
  }
  EXPECT_EQ(find_operator("ja"), nullptr);    // unconditional: refines nothing
  EXPECT_EQ(find_operator("stxw"), nullptr);  // stores have no abstract operator of their own
  const Operator* mul = find_operator("mul32");
  ASSERT_NE(mul, nullptr);
  EXPECT_TRUE(is_expensive(*mul));
  EXPECT_FALSE(is_expensive(*find_operator("add")));
  EXPECT_EQ(quick_widths(*find_operator("add")), (std::vector<unsigned>{8, 16, 64}));
  EXPECT_EQ(quick_widths(*find_operator("mod")), (std::vector<unsigned>{8, 16}));
  EXPECT_EQ(quick_widths(*find_operator("mul32")), (std::vector<unsigned>{8, 16}));
  EXPECT_EQ(quick_widths(*find_operator("mul")), (std::vector<unsigned>{8}));
  EXPECT_TRUE(find_operator("neg")->unary);
  EXPECT_FALSE(find_operator("add")->unary);
}

}  // namespace
}  // namespace bpfcert::verifier::smt
