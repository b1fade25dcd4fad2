// Selection, sharding, parallelism, certification and exit semantics of the runner.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "conformance/engine_target.h"
#include "conformance/runner.h"
#include "test_util.h"

namespace bpfcert::conformance {
namespace {

using semantics::Group;
using testing::ScratchDir;

const std::string kCorpus = BPFCERT_CORPUS_DIR "/conformance";

std::set<std::string> names(const reports::ConformanceReport& r, const std::string& outcome = "") {
  std::set<std::string> out;
  for (const auto& t : r.tests) {
    if (outcome.empty() || t.outcome == outcome) out.insert(t.name);
  }
  return out;
}

const reports::Verdict& group(const reports::ConformanceReport& r, const std::string& name) {
  for (const auto& v : r.group_verdicts) {
    if (v.name == name) return v;
  }
  static reports::Verdict none;
  return none;
}

TEST(ClaimedGroups, DefaultIsBpfConformancesDefault) {
  auto g = claimed_groups(std::nullopt, std::nullopt);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(*g, RunnerOptions::default_groups());
  EXPECT_FALSE(g->count(Group::Packet));
  EXPECT_FALSE(g->count(Group::Callx));
}

TEST(ClaimedGroups, SixtyFourBitGroupImpliesItsThirtyTwoBitGroup) {
  auto g = claimed_groups(std::string("divmul64,atomic64"), std::nullopt);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(*g, (std::set<Group>{Group::Divmul64, Group::Divmul32, Group::Atomic64, Group::Atomic32}));
}

TEST(ClaimedGroups, ExcludingThirtyTwoBitGroupExcludesSixtyFour) {
  auto g = claimed_groups(std::string("all"), std::string("base32,packet"));
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(g->count(Group::Base32));
  EXPECT_FALSE(g->count(Group::Base64));
  EXPECT_FALSE(g->count(Group::Packet));
  EXPECT_TRUE(g->count(Group::Callx));
}

TEST(ClaimedGroups, UnknownGroupIsAUsageError) {
  auto g = claimed_groups(std::string("base32,quux"), std::nullopt);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, semantics::ErrorCode::UsageError);
}

class RunnerTest : public ::testing::Test {
 protected:
  EngineTarget interp{interp::EngineKind::Interpreter};
};

// A VM that claims only RFC 9669 must reject Linux's extensions; one that claims an extension
// runs its tests and skips the tests of its rejection.
TEST_F(RunnerTest, ExtensionRejectionTestsRunOnlyWithoutTheExtension) {
  RunnerOptions o;
  o.test_paths = {kCorpus};
  o.include_regex = "^(negative|may_goto)/";
  o.groups = RunnerOptions::default_groups();
  auto rfc = run_conformance(interp, o);
  ASSERT_TRUE(rfc.ok());
  auto outcome_of = [](const reports::ConformanceReport& r, const std::string& name) {
    for (const auto& t : r.tests) {
      if (t.name == name) return t.outcome;
    }
    return std::string("missing");
  };
  EXPECT_EQ(outcome_of(*rfc, "negative/may_goto_unclaimed"), "passed");
  EXPECT_EQ(outcome_of(*rfc, "may_goto/ends_an_infinite_loop"), "skipped");
  EXPECT_EQ(outcome_of(*rfc, "negative/may_goto_src_nonzero"), "skipped");  // a may_goto test
  o.groups = *claimed_groups(std::string("base64,may_goto"), std::nullopt);
  auto ext = run_conformance(interp, o);
  ASSERT_TRUE(ext.ok());
  EXPECT_EQ(outcome_of(*ext, "negative/may_goto_unclaimed"), "skipped");
  EXPECT_EQ(outcome_of(*ext, "may_goto/ends_an_infinite_loop"), "passed");
  EXPECT_EQ(outcome_of(*ext, "negative/may_goto_src_nonzero"), "passed");
  EXPECT_EQ(outcome_of(*ext, "negative/load_acquire_unclaimed"), "passed");  // acquire_release not claimed
  EXPECT_TRUE(ext->summary().ok());
}

TEST_F(RunnerTest, WholeCorpusCertifiesEveryGroupOnTheInterpreter) {
  RunnerOptions o;
  o.test_paths = {kCorpus};
  o.groups = *claimed_groups(std::string("all"), std::nullopt);
  o.jobs = 2;
  auto r = run_conformance(interp, o);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->summary().ok());
  EXPECT_EQ(r->summary().counts.failing(), 0u);
  for (const auto& v : r->group_verdicts) EXPECT_EQ(v.verdict, "certified") << v.name;
  for (const auto& v : r->version_verdicts) EXPECT_EQ(v.verdict, "certified") << v.name;
  EXPECT_GT(r->check_verdicts.size(), 10u);
  for (const auto& v : r->check_verdicts) {
    // Claiming every extension leaves nothing to test of their rejection by a VM without them.
    EXPECT_EQ(v.verdict, v.name == "reject:extension-disabled" ? "not-tested" : "certified") << v.name;
  }
  // The reference supports everything it claims: the profile says so, and the claim is the run's.
  ASSERT_EQ(r->profile.claims.size(), 1u) << r->profile.no_claim_reason;
  EXPECT_EQ(r->profile.claims[0].cpu_version, "v4");
  EXPECT_EQ(r->profile.claims[0].groups.size(), 11u);
  EXPECT_EQ(r->profile.claims[0].checks, (std::vector<std::string>{"rejects", "traps"}));
  EXPECT_TRUE(r->profile.bugs.empty());
  EXPECT_TRUE(r->profile.refusals.empty());
  for (const auto& e : r->profile.encodings) EXPECT_EQ(e.status, "supported") << e.id;
}

TEST_F(RunnerTest, ShardsPartitionTheCorpus) {
  RunnerOptions o;
  o.test_paths = {kCorpus};
  o.include_regex = "^(alu32|negative)/";
  auto full = run_conformance(interp, o);
  ASSERT_TRUE(full.ok());
  std::set<std::string> seen;
  size_t total = 0;
  for (unsigned k = 1; k <= 3; ++k) {
    o.shard_index = k;
    o.shard_count = 3;
    auto part = run_conformance(interp, o);
    ASSERT_TRUE(part.ok());
    EXPECT_GT(part->tests.size(), 0u);
    total += part->tests.size();
    for (const auto& n : names(*part)) EXPECT_TRUE(seen.insert(n).second) << n << " is in two shards";
  }
  EXPECT_EQ(total, full->tests.size());
  EXPECT_EQ(seen, names(*full));
}

TEST_F(RunnerTest, ParallelRunGivesTheSameReport) {
  RunnerOptions o;
  o.test_paths = {kCorpus};
  o.include_regex = "^(jmp32|atomic64)/";
  auto one = run_conformance(interp, o);
  o.jobs = 4;
  auto four = run_conformance(interp, o);
  ASSERT_TRUE(one.ok() && four.ok());
  ASSERT_EQ(one->tests.size(), four->tests.size());
  for (size_t i = 0; i < one->tests.size(); ++i) {
    EXPECT_EQ(one->tests[i].name, four->tests[i].name);
    EXPECT_EQ(one->tests[i].outcome, four->tests[i].outcome);
  }
}

TEST_F(RunnerTest, CpuVersionLeavesLaterVersionsNotClaimed) {
  RunnerOptions o;
  o.test_paths = {kCorpus + "/movsx", kCorpus + "/alu64"};
  o.cpu_version = semantics::IsaVersion::V3;
  auto r = run_conformance(interp, o);
  ASSERT_TRUE(r.ok());
  // movsx is v4 only: skipped, not failed.
  for (const auto& t : r->tests) {
    if (t.isa_version == "v4") {
      EXPECT_EQ(t.outcome, "skipped") << t.name;
      EXPECT_NE(t.message.find("not claimed"), std::string::npos);
    }
  }
  EXPECT_EQ(r->version_verdicts.back().name, "v4");
  EXPECT_EQ(r->version_verdicts.back().verdict, "not-claimed");
  EXPECT_EQ(r->version_verdicts[0].verdict, "certified");
}

TEST_F(RunnerTest, UnclaimedGroupsAreSkippedAndNotClaimed) {
  RunnerOptions o;
  o.test_paths = {kCorpus + "/packet", kCorpus + "/alu32"};
  auto r = run_conformance(interp, o);  // default claim: no packet
  ASSERT_TRUE(r.ok());
  for (const auto& t : r->tests) {
    if (t.family == "packet") {
      EXPECT_EQ(t.outcome, "skipped");
    }
  }
  EXPECT_EQ(group(*r, "packet").verdict, "not-claimed");
  EXPECT_EQ(group(*r, "base32").verdict, "certified");
  EXPECT_EQ(group(*r, "atomic32").verdict, "not-tested");
}

TEST_F(RunnerTest, FailuresAreListedUnderTheirGroup) {
  ScratchDir dir("bpfcert_runner");
  dir.write("div/wrong.data", "-- asm\nmov32 %r0, 7\ndiv32 %r0, 2\nexit\n-- result\n0x4\n");
  dir.write("div/right.data", "-- asm\nmov32 %r0, 7\ndiv32 %r0, 2\nexit\n-- result\n0x3\n");
  dir.write("base/right.data", "-- asm\nmov32 %r0, 7\nexit\n-- result\n7\n");
  RunnerOptions o;
  o.test_paths = {dir.path()};
  auto r = run_conformance(interp, o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->summary().ok());
  EXPECT_EQ(group(*r, "divmul32").verdict, "failed");
  EXPECT_EQ(group(*r, "divmul32").failures, std::vector<std::string>{"div/wrong"});
  EXPECT_EQ(group(*r, "base32").verdict, "certified");  // the div tests certify divmul32 only
}

TEST_F(RunnerTest, NothingRanIsNotASuccess) {
  ScratchDir dir("bpfcert_runner");
  dir.write("no_result.data", "-- asm\nmov %r0, 1\nexit\n");
  RunnerOptions o;
  o.test_paths = {dir.path()};
  auto r = run_conformance(interp, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->summary().counts["skipped"], 1u);
  EXPECT_FALSE(r->summary().ok());
}

TEST_F(RunnerTest, UnknownSectionIsSkippedWithTheReason) {
  ScratchDir dir("bpfcert_runner");
  dir.write("with_map.data", "-- map\narray_map 2 4 4 10\n-- asm\nlddw r1, map_by_fd(array_map)\nexit\n-- result\n1\n");
  RunnerOptions o;
  o.test_paths = {dir.path()};
  auto r = run_conformance(interp, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->tests.size(), 1u);
  EXPECT_EQ(r->tests[0].outcome, "skipped");
  EXPECT_NE(r->tests[0].message.find("-- map"), std::string::npos) << r->tests[0].message;
}

TEST_F(RunnerTest, UnreadableTestKeepsEveryGroupFromCertificationAndTheRunGoesOn) {
  ScratchDir dir("bpfcert_runner");
  dir.write("a_bad.data", "-- asm\nfrobnicate %r0\n-- result\n1\n");
  dir.write("b_good.data", "-- asm\nmov %r0, 1\nexit\n-- result\n1\n");
  RunnerOptions o;
  o.test_paths = {dir.path()};
  auto r = run_conformance(interp, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->tests.size(), 2u);
  EXPECT_EQ(r->tests[0].outcome, "unreadable");
  EXPECT_EQ(r->tests[1].outcome, "passed");
  EXPECT_FALSE(r->summary().ok());
  // Its groups are unknown: it could be a test of any of them.
  for (const auto& v : r->group_verdicts) {
    EXPECT_EQ(v.counts["unreadable"], 1u) << v.name;
    EXPECT_NE(v.verdict, "certified") << v.name;
  }
  for (const auto& v : r->version_verdicts) EXPECT_NE(v.verdict, "certified") << v.name;
  EXPECT_TRUE(r->profile.claims.empty());
  EXPECT_NE(r->profile.no_claim_reason.find("unreadable"), std::string::npos);
  ASSERT_EQ(r->profile.failures.size(), 1u);
  EXPECT_EQ(r->profile.failures[0].test, "a_bad");
}

TEST_F(RunnerTest, MissingPathAndBadShardAreErrors) {
  RunnerOptions o;
  o.test_paths = {"/nonexistent/bpfcert"};
  EXPECT_FALSE(run_conformance(interp, o).ok());
  o.test_paths = {kCorpus};
  o.shard_index = 4;
  o.shard_count = 3;
  EXPECT_FALSE(run_conformance(interp, o).ok());
}

TEST_F(RunnerTest, WrongExpectationsFailInEachDirection) {
  ScratchDir dir("bpfcert_runner");
  // A valid program where a rejection is expected, a rejection with another code, a trap of
  // another kind, and a completed run where a trap is expected.
  dir.write("accepts.data", "# @bpfcert expect reject=bad-register\n-- asm\nmov %r0, 0\nexit\n");
  dir.write("other_code.data", "# @bpfcert expect reject=bad-register\n-- raw\n0x00000000000000b7\n");
  dir.write("other_trap.data", "# @bpfcert expect trap=step-budget-exhausted\n-- asm\nldxb %r0, [%r1+0]\nexit\n");
  dir.write("no_trap.data", "# @bpfcert expect trap=out-of-bounds\n-- asm\nmov %r0, 0\nexit\n");
  RunnerOptions o;
  o.test_paths = {dir.path()};
  auto r = run_conformance(interp, o);
  ASSERT_TRUE(r.ok());
  const std::map<std::string, std::string> want = {
      {"accepts", "accepted-invalid"}, {"other_code", "wrong"}, {"other_trap", "wrong"}, {"no_trap", "wrong"}};
  for (const auto& t : r->tests) EXPECT_EQ(t.outcome, want.at(t.name)) << t.name << ": " << t.message;
  // Each counts toward its check, not toward base32.
  EXPECT_EQ(group(*r, "base32").verdict, "not-tested");
  EXPECT_EQ(r->profile.bugs.size(), 4u);
}

TEST_F(RunnerTest, JitTargetIsHonestWhenUnavailable) {
  EngineTarget jit(interp::EngineKind::Jit);
  RunnerOptions o;
  o.test_paths = {kCorpus + "/alu32"};
  auto r = run_conformance(jit, o);
  ASSERT_TRUE(r.ok());
  if (jit.unavailable()) {
    EXPECT_FALSE(r->target_available);
    EXPECT_EQ(r->summary().counts["error"], r->tests.size() - r->summary().counts["skipped"]);
    EXPECT_FALSE(r->summary().ok());
  } else {
    EXPECT_TRUE(r->summary().ok());
  }
}

}  // namespace
}  // namespace bpfcert::conformance

namespace bpfcert::conformance {
namespace {

TEST(TestEnvironment, HugeMapsAreRefusedNotAllocated) {
  testing::ScratchDir dir("bpfcert_env");
  const std::string p = dir.write("huge.data",
                                  "# @bpfcert map fd=1 type=array key=4 value=1048576 entries=1048576\n"
                                  "# @bpfcert expect result=0\n-- asm\nmov %r0, 0\nexit\n");
  auto t = load_test_case(p, "huge");
  ASSERT_TRUE(t.ok());
  const TestRun r = EngineTarget(interp::EngineKind::Interpreter).run(*t, RunSettings{});
  EXPECT_EQ(r.outcome, Outcome::Error);
  EXPECT_NE(r.message.find("64 MiB"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace bpfcert::conformance
