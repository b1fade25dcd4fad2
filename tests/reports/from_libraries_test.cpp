// Reports built from library results, without the command line: a verification report of an
// assembler program located at its source lines, and the prover's verdict rules.
#include <gtest/gtest.h>

#include "reports/from_prover.h"
#include "reports/from_verifier.h"
#include "semantics/assembly.h"
#include "verifier/platforms.h"

namespace {

using namespace bpfcert;

TEST(FromVerifier, FindingsSitOnTheirAssemblerLines) {
  const std::string text = "mov %r0, 0\n\n  ldxb %r0, [%r1+4]\nexit\n";
  const semantics::Assembly a = semantics::assemble_program(text, semantics::Syntax::Conformance);
  ASSERT_TRUE(a.errors.empty());
  auto program = semantics::validate(a.insns);
  ASSERT_TRUE(program.ok());
  verifier::VerifierInput in;
  in.program = &program.value();
  in.platform = verifier::find_platform("conformance");
  in.program_type = in.platform->program_types.front().name;
  in.memory_size = 4;
  auto result = verifier::verify(in);
  ASSERT_TRUE(result.ok());
  reports::ReportContext c;
  c.input = "p.asm";
  c.input_kind = "assembly";
  c.sources = reports::assembler_sources("p.asm", text, a.lines);
  c.syntax = semantics::Syntax::Llvm;
  const reports::VerificationReport r = reports::make_verification_report(*result, a.insns, c);
  EXPECT_FALSE(r.accepted);
  ASSERT_EQ(r.findings.size(), 1u);
  const reports::VerificationFinding& f = r.findings[0];
  EXPECT_EQ(f.check, "mem.bounds");
  EXPECT_EQ(f.pc, 1);
  EXPECT_EQ(f.line, 3);
  EXPECT_EQ(f.column, 3);
  EXPECT_EQ(f.source_file, "p.asm");
  EXPECT_EQ(f.source_text, "  ldxb %r0, [%r1+4]");
  EXPECT_EQ(f.instruction, "r0 = *(u8 *)(r1 + 4)");  // the syntax asked for
  EXPECT_FALSE(r.checks.empty());
}

TEST(FromProver, AnOperatorIsProvenAtTheNarrowestWidthOfItsStatements) {
  namespace smt = verifier::smt;
  const smt::Operator* add = smt::find_operator("add");
  ASSERT_NE(add, nullptr);
  const std::vector<smt::Obligation> obligations = smt::obligations_of(*add);
  ASSERT_GE(obligations.size(), 2u);
  std::vector<smt::ObligationResult> results;
  for (size_t i = 0; i < obligations.size(); ++i) {
    smt::ObligationResult r{obligations[i], {}};
    r.attempts.push_back({8, smt::Verdict::Proven, 0.1, "", std::nullopt});
    // One statement finishes only at 8 bits: the operator is proven at 8, not 16.
    r.attempts.push_back({16, i == 0 ? smt::Verdict::Timeout : smt::Verdict::Proven, 0.1, "", std::nullopt});
    results.push_back(r);
  }
  reports::ProofRun run;
  run.operators = {add};
  run.widths_for = [](const smt::Obligation&) { return std::vector<unsigned>{8, 16}; };
  const reports::ProofReport report = reports::make_proof_report(run, results);
  ASSERT_EQ(report.operators.size(), 1u);
  EXPECT_EQ(report.operators[0].proven_width, 8u);
  EXPECT_EQ(report.operators[0].status, "incomplete");
  EXPECT_FALSE(report.complete);
  EXPECT_EQ(report.unresolved, 1u);
  EXPECT_EQ(report.proven, obligations.size() - 1);
}

}  // namespace
