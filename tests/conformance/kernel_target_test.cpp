// The kernel target on this machine: where bpf() is allowed, the corpus runs on Linux and every
// test whose outcome differs from the ISA is explained by a loader policy note; where it is
// not, every test is SKIP with the reason and the run is not a success.
#include <gtest/gtest.h>

#include "conformance/kernel_target.h"
#include "conformance/runner.h"

namespace bpfcert::conformance {
namespace {

reports::ConformanceReport run_kernel(const std::string& regex) {
  KernelTarget kernel;
  RunnerOptions o;
  o.test_paths = {BPFCERT_CORPUS_DIR "/conformance"};
  o.groups = *claimed_groups(std::string("all"), std::nullopt);
  o.include_regex = regex;
  o.jobs = 2;
  return *run_conformance(kernel, o);
}

TEST(KernelTarget, RunsTheCorpusOrSaysWhyNot) {
  const auto r = run_kernel("^(divmul32|divmul64|negative|maps|packet|call|store)/");
  const auto s = r.summary();
  if (!r.target_available) {
    EXPECT_FALSE(r.target_unavailable_reason.empty());
    EXPECT_EQ(s.counts["skipped"], r.tests.size());
    EXPECT_FALSE(s.ok());
    for (const auto& t : r.tests) EXPECT_EQ(t.outcome, "skipped");
    GTEST_SKIP() << "bpf() is not available here: " << r.target_unavailable_reason;
  }
  EXPECT_EQ(s.counts["error"], 0u);
  EXPECT_GT(s.counts["passed"], 200u);
  // Every failure is one the notes explain, by loader policy.
  std::string notes;
  for (const auto& n : r.notes) notes += n + "\n";
  for (const auto& t : r.tests) {
    if (reports::is_failing_outcome(t.outcome)) {
      EXPECT_NE(notes.find(t.name), std::string::npos) << t.name << " fails on Linux without an explanation";
    }
  }
  // The policies OPCODES.md §4 documents are found.
  EXPECT_NE(notes.find("constant division by zero refused"), std::string::npos) << notes;
  EXPECT_NE(notes.find("divmul32/div32_imm_by_zero_gives_0"), std::string::npos);
  // Register divisors of zero are defined by the ISA and Linux agrees at run time.
  for (const auto& t : r.tests) {
    if (t.name == "divmul64/div_reg_by_zero_gives_0" || t.name == "maps/hash_update_then_lookup" ||
        t.name == "packet/ldabsw_offset_4") {
      EXPECT_EQ(t.outcome, "passed") << t.name << ": " << t.message;
    }
  }
}

}  // namespace
}  // namespace bpfcert::conformance
