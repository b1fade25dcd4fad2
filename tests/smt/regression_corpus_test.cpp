// corpus/prover/ holds the programs made from the SMT checker's counterexamples. Each must run
// on both built-in engines to the result it records (the concrete value the counterexample
// named); tests/verifier/soundness_test.cpp also verifies each and requires that value to lie in
// the verifier's abstract r0, which is the regression check of the fixed operator.
#include <gtest/gtest.h>

#include <filesystem>

#include "conformance/engine_target.h"
#include "conformance/runner.h"

namespace bpfcert::verifier::smt {
namespace {

TEST(ProverRegressionCorpus, EveryProgramRunsToItsRecordedResult) {
  const std::string dir = std::string(BPFCERT_CORPUS_DIR) + "/prover";
  ASSERT_TRUE(std::filesystem::exists(dir));
  for (interp::EngineKind kind : {interp::EngineKind::Interpreter, interp::EngineKind::Jit}) {
    conformance::EngineTarget target(kind);
    if (target.unavailable()) continue;
    conformance::RunnerOptions o;
    o.test_paths = {dir};
    o.groups = {semantics::Group::Base32, semantics::Group::Base64, semantics::Group::Atomic32,
                semantics::Group::Atomic64, semantics::Group::Divmul32, semantics::Group::Divmul64,
                semantics::Group::Packet, semantics::Group::Callx};
    auto report = conformance::run_conformance(target, o);
    ASSERT_TRUE(report.ok()) << report.error().to_string();
    EXPECT_GT(report->tests.size(), 0u);
    for (const auto& t : report->tests) EXPECT_EQ(t.outcome, "passed") << t.name << ": " << t.message;
  }
}

}  // namespace
}  // namespace bpfcert::verifier::smt
