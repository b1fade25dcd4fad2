// Outcomes a VM author can act on: how each thing a target reports is judged, how the runner
// keeps declared ABI differences apart from failures, and the profile and claim one run yields.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "conformance/abi.h"
#include "conformance/engine_target.h"
#include "conformance/runner.h"
#include "semantics/assembly.h"
#include "test_util.h"

namespace bpfcert::conformance {
namespace {

using testing::ScratchDir;

TestCase load(const ScratchDir& dir, const std::string& name, const std::string& text) {
  auto t = load_test_case(dir.write(name + ".data", text), name);
  EXPECT_TRUE(t.ok()) << t.error().to_string();
  return t.ok() ? std::move(t.value()) : TestCase{};
}

class Judging : public ::testing::Test {
 protected:
  ScratchDir dir{"bpfcert_judge"};
  TestCase result = load(dir, "result", "-- asm\nmov %r0, 1\nexit\n-- result\n1\n");
  TestCase reject = load(dir, "reject", "# @bpfcert expect reject=unknown-opcode\n-- raw\n0x00000000000000ff\n");
  TestCase trap = load(dir, "trap", "# @bpfcert expect trap=out-of-bounds\n-- asm\nldxb %r0, [%r1+0]\nexit\n");
  TestCase error_invalid = load(dir, "error_invalid", "-- raw\n0x00000000000000ff\n-- error\nbad opcode\n");
  TestCase error_valid = load(dir, "error_valid", "-- asm\nldxb %r0, [%r1+0]\nexit\n-- error\nout of bounds\n");
};

TEST_F(Judging, TestsOfChecksKnowTheirCheck) {
  EXPECT_EQ(result.check, "");
  EXPECT_EQ(reject.check, "reject:unknown-opcode");
  EXPECT_EQ(trap.check, "trap:out-of-bounds");
  // A "-- error" test is a rejection test when the reference refuses the program, else a trap test.
  EXPECT_EQ(error_invalid.reference_rejection, "unknown-opcode");
  EXPECT_EQ(error_invalid.check, "reject:unknown-opcode");
  EXPECT_EQ(error_valid.check, "trap");
  EXPECT_EQ(check_family("reject:unknown-opcode"), kRejectChecks);
  EXPECT_EQ(check_family("trap"), kTrapChecks);
}

TEST_F(Judging, WhatTheVmDidAgainstWhatTheTestWants) {
  // A result.
  EXPECT_EQ(judge_result(result, 1).outcome, Outcome::Passed);
  EXPECT_EQ(judge_result(result, 2).outcome, Outcome::Wrong);
  EXPECT_EQ(judge_result(reject, 0).outcome, Outcome::AcceptedInvalid);
  EXPECT_EQ(judge_result(error_invalid, 0).outcome, Outcome::AcceptedInvalid);
  EXPECT_EQ(judge_result(trap, 0).outcome, Outcome::Wrong);  // a missing trap is a bug
  EXPECT_EQ(judge_result(error_valid, 0).outcome, Outcome::Wrong);
  // A refusal at load time.
  EXPECT_EQ(judge_refusal(result, "unsupported", "", true).outcome, Outcome::Refused);
  EXPECT_EQ(judge_refusal(reject, "no", "", true).outcome, Outcome::Passed);
  EXPECT_EQ(judge_refusal(reject, "no", "unknown-opcode", false).outcome, Outcome::Passed);
  EXPECT_EQ(judge_refusal(reject, "no", "bad-register", false).outcome, Outcome::Wrong);
  EXPECT_EQ(judge_refusal(trap, "loop", "", true).outcome, Outcome::Passed);  // a static check does the job
  EXPECT_EQ(judge_refusal(error_invalid, "bad opcode", "", true).outcome, Outcome::Passed);
  EXPECT_EQ(judge_refusal(error_invalid, "other text", "", true).outcome, Outcome::Wrong);
  EXPECT_EQ(judge_refusal(error_invalid, "other text", "", false).outcome, Outcome::Passed);
  // A stop at run time.
  EXPECT_EQ(judge_trap(result, "division", "", true).outcome, Outcome::Wrong);  // a spurious trap
  EXPECT_EQ(judge_trap(reject, "stopped", "", true).outcome, Outcome::AcceptedInvalid);
  EXPECT_EQ(judge_trap(error_invalid, "bad opcode", "", true).outcome, Outcome::AcceptedInvalid);
  EXPECT_EQ(judge_trap(trap, "oob", "out-of-bounds", false).outcome, Outcome::Passed);
  EXPECT_EQ(judge_trap(trap, "budget", "step-budget-exhausted", false).outcome, Outcome::Wrong);
  EXPECT_EQ(judge_trap(trap, "anything", "", true).outcome, Outcome::Passed);
  EXPECT_EQ(judge_trap(error_valid, "out of bounds", "", true).outcome, Outcome::Passed);
  // A failure the target cannot place: a valid program that did not complete was refused.
  EXPECT_EQ(judge_failure(result, "no", true).outcome, Outcome::Refused);
  EXPECT_EQ(judge_failure(reject, "no", true).outcome, Outcome::Passed);
  EXPECT_EQ(judge_failure(trap, "no", true).outcome, Outcome::Passed);
}

TEST(OutcomeNames, FollowTheReportsSpelling) {
  for (int i = 0; i < kOutcomeCount; ++i) {
    const auto o = static_cast<Outcome>(i);
    EXPECT_EQ(outcome_from_string(to_string(o)), o);
    EXPECT_EQ(is_failure(o), reports::is_failing_outcome(to_string(o))) << to_string(o);
  }
  EXPECT_FALSE(outcome_from_string("pass"));
}

std::vector<semantics::Insn> program(std::string_view text) {
  auto p = semantics::assemble(text, semantics::Syntax::Conformance);
  EXPECT_TRUE(p.ok()) << text;
  return p.ok() ? *p : std::vector<semantics::Insn>{};
}

TEST(EntryRegisters, ReadBeforeWriteOnSomePath) {
  EXPECT_TRUE(reads_entry_register(program("mov %r0, %r2\nexit"), 2));
  EXPECT_FALSE(reads_entry_register(program("mov %r2, 1\nmov %r0, %r2\nexit"), 2));
  EXPECT_FALSE(reads_entry_register(program("mov %r0, %r1\nexit"), 2));
  // On one path only.
  EXPECT_TRUE(reads_entry_register(program("jeq %r1, 0, +1\nmov %r2, 0\nmov %r0, %r2\nexit"), 2));
  // In a callee, or as a store's address, a jump operand, an atomic's operand.
  EXPECT_TRUE(reads_entry_register(program("call local f\nexit\nf:\nadd %r0, %r2\nexit"), 2));
  EXPECT_TRUE(reads_entry_register(program("stxw [%r10-4], %r2\nmov %r0, 0\nexit"), 2));
  EXPECT_TRUE(reads_entry_register(program("mov %r0, 0\njgt %r2, 4, +0\nexit"), 2));
  EXPECT_TRUE(reads_entry_register(program("mov %r0, 0\nlock add [%r10-8], %r2\nexit"), 2));
  // A load writes its destination; a mov reads only its source; r0 is read by exit.
  EXPECT_FALSE(reads_entry_register(program("ldxw %r2, [%r1+0]\nmov %r0, %r2\nexit"), 2));
  EXPECT_TRUE(reads_entry_register(program("exit"), 0));
  // Invalid programs (negative tests) read nothing.
  EXPECT_FALSE(reads_entry_register({{0xff, 0, 0, 0, 0}}, 2));
}

// A VM whose behaviour each test names: what DPDK-like engines do, without DPDK.
class ScriptedTarget final : public Target {
 public:
  using Script = std::function<TestRun(const TestCase&)>;
  explicit ScriptedTarget(std::map<std::string, Script> scripts) : scripts_(std::move(scripts)) {}
  std::string_view kind() const override { return "plugin"; }
  TestRun run(const TestCase& test, const RunSettings& settings) const override {
    const auto it = scripts_.find(test.name);
    if (it != scripts_.end()) return it->second(test);
    return reference_.run(test, settings);
  }

 private:
  std::map<std::string, Script> scripts_;
  EngineTarget reference_{interp::EngineKind::Interpreter};
};

ScriptedTarget::Script refuse(std::string message) {
  return [message](const TestCase& t) { return judge_refusal(t, message, "", true); };
}
ScriptedTarget::Script answer(uint64_t r0) {
  return [r0](const TestCase& t) { return judge_result(t, r0); };
}

class ProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.write("alu/mov.data", "-- asm\nmov %r0, 1\nexit\n-- result\n1\n");
    dir.write("alu/add32.data", "-- asm\nmov32 %r0, 1\nadd32 %r0, 2\nexit\n-- result\n3\n");
    dir.write("jmp32/jeq32.data", "-- asm\nmov %r0, 0\njeq32 %r0, 0, +1\nmov %r0, 1\nexit\n-- result\n0\n");
    dir.write("jmp32/jne32.data", "-- asm\nmov %r0, 0\njne32 %r0, 1, +1\nmov %r0, 1\nexit\n-- result\n0\n");
    dir.write("div/div32.data", "-- asm\nmov32 %r0, 6\ndiv32 %r0, 2\nexit\n-- result\n3\n");
    dir.write("div/div32_by_zero.data", "-- asm\nmov32 %r0, 6\ndiv32 %r0, 0\nexit\n-- result\n0\n");
    dir.write("byteswap/le16.data", "-- asm\nmov32 %r0, 0x12345678\nle16 %r0\nexit\n-- result\n0x5678\n");
    dir.write("trap/oob.data", "# @bpfcert expect trap=out-of-bounds\n-- asm\nldxb %r0, [%r1+0]\nexit\n");
    dir.write("negative/bad.data", "# @bpfcert expect reject=unknown-opcode\n-- raw\n0x00000000000000ff\n");
    dir.write("abi/len.data", "-- asm\nmov %r0, %r2\nexit\n-- mem\n01 02 03\n-- result\n3\n");
    dir.write("abi/ptr.data", "-- asm\nldxb %r0, [%r1+2]\nexit\n-- mem\n01 02 03\n-- result\n3\n");
  }

  reports::ConformanceReport run(std::map<std::string, ScriptedTarget::Script> scripts, std::set<AbiDifference> abi = {}) {
    ScriptedTarget target(std::move(scripts));
    RunnerOptions o;
    o.test_paths = {dir.path()};
    o.abi = std::move(abi);
    auto r = run_conformance(target, o);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : reports::ConformanceReport{};
  }

  static const reports::ConformanceTest& test(const reports::ConformanceReport& r, const std::string& name) {
    for (const auto& t : r.tests) {
      if (t.name == name) return t;
    }
    ADD_FAILURE() << "no test " << name;
    static reports::ConformanceTest none;
    return none;
  }

  static const reports::ProfileEntry& entry(const std::vector<reports::ProfileEntry>& v, const std::string& name) {
    for (const auto& e : v) {
      if (e.name == name) return e;
    }
    ADD_FAILURE() << "no entry " << name;
    static reports::ProfileEntry none;
    return none;
  }

  ScratchDir dir{"bpfcert_profile"};
  std::map<std::string, ScriptedTarget::Script> dpdk_like{
      {"jmp32/jeq32", refuse("invalid opcode 0x16 at pc 1")},
      {"jmp32/jne32", refuse("invalid opcode 0x56 at pc 1")},
      {"div/div32_by_zero", refuse("division by 0 at pc 1")},
      {"byteswap/le16", answer(0x12345678)},
      {"trap/oob", answer(0)},
      {"negative/bad", refuse("invalid opcode 0xff at pc 0")},
      {"abi/len", refuse("reads uninitialised r2 at pc 0")},
  };
};

TEST_F(ProfileTest, BugsRefusalsAndPoliciesAreTold) {
  const auto r = run(dpdk_like);
  EXPECT_EQ(test(r, "byteswap/le16").outcome, "wrong");
  EXPECT_EQ(test(r, "trap/oob").outcome, "wrong");
  EXPECT_EQ(test(r, "negative/bad").outcome, "passed");
  EXPECT_EQ(test(r, "jmp32/jeq32").outcome, "refused");
  EXPECT_EQ(test(r, "abi/len").outcome, "refused");  // no ABI difference declared
  ASSERT_EQ(r.profile.bugs.size(), 2u);
  EXPECT_EQ(r.profile.bugs[0].test, "byteswap/le16");
  // The single faults of the reference that give the VM's result name it: le16 not truncating.
  EXPECT_EQ(test(r, "byteswap/le16").like_mutants, (std::vector<std::string>{"size:le16>le32", "size:le16>le64"}));
  EXPECT_TRUE(test(r, "trap/oob").like_mutants.empty());
  // A bug is blamed on le16, not on the mov32 and exit other tests use too.
  for (const auto& e : r.profile.encodings) {
    if (e.id == "le16") {
      EXPECT_EQ(e.status, "suspect");
    } else if (e.id == "exit" || e.id == "mov32_imm") {
      EXPECT_EQ(e.status, "supported") << e.id;
    } else if (e.id == "jeq32_imm") {
      EXPECT_EQ(e.status, "refused");
    }
  }
  // Refusals: the missing instructions, one group each, then the policy (div32 by an immediate
  // is accepted elsewhere, so refusing division by zero is a rule, not a missing instruction).
  std::map<std::string, std::string> kinds;
  for (const auto& g : r.profile.refusals) {
    for (const auto& t : g.tests) kinds[t] = g.kind + ": " + g.reason;
  }
  EXPECT_EQ(kinds["jmp32/jeq32"], "unsupported: jeq32_imm");
  EXPECT_EQ(kinds["jmp32/jne32"], "unsupported: jne32_imm");
  EXPECT_EQ(kinds["div/div32_by_zero"], "policy: division by 0 at pc 1");
  // Groups: base32 holds a bug; divmul32 is partly refused; base64 is fully supported.
  EXPECT_EQ(entry(r.profile.groups, "base32").status, "wrong");
  EXPECT_EQ(entry(r.profile.groups, "divmul32").status, "partial");
  EXPECT_EQ(entry(r.profile.checks, "trap:out-of-bounds").status, "wrong");
  EXPECT_EQ(entry(r.profile.checks, "reject:unknown-opcode").status, "supported");
  EXPECT_TRUE(r.profile.claims.empty());
  EXPECT_NE(r.profile.no_claim_reason.find("byteswap/le16"), std::string::npos) << r.profile.no_claim_reason;
  const std::string text = reports::to_text(r);
  EXPECT_EQ(text.find("BUGS: 2 tests"), 0u) << text;  // the summary leads with the bugs
  EXPECT_NE(text.find("unsupported jeq32_imm (1 test)"), std::string::npos) << text;
  EXPECT_NE(text.find("policy: \"division by 0 at pc 1\""), std::string::npos) << text;
  EXPECT_NE(text.find("the result of size:le16>le32 or size:le16>le64"), std::string::npos) << text;
}

TEST_F(ProfileTest, TheClaimIsTheLargestThatHolds) {
  auto scripts = dpdk_like;
  scripts.erase("byteswap/le16");  // without the le16 bug
  scripts.erase("abi/len");        // and with r2 set
  const auto r = run(scripts);
  // JMP32 (v3) is refused in tests that also use base64 instructions, and division by zero is
  // refused: what holds is v2 with base64 but no divmul, or v4 with neither base64 nor divmul.
  // The VM makes no bounds checks but rejects invalid encodings.
  ASSERT_EQ(r.profile.claims.size(), 2u) << r.profile.no_claim_reason;
  const reports::Claim& first = r.profile.claims[0];
  EXPECT_EQ(first.cpu_version, "v2");
  EXPECT_EQ(first.groups, (std::vector<std::string>{"base32", "base64", "atomic32", "atomic64"}));
  EXPECT_EQ(first.checks, std::vector<std::string>{"rejects"});
  EXPECT_EQ(first.arguments, "--include-groups base32,base64,atomic32,atomic64 --cpu-version v2 --checks rejects");
  EXPECT_EQ(r.profile.claims[1].cpu_version, "v4");
  EXPECT_EQ(r.profile.claims[1].groups, (std::vector<std::string>{"base32", "atomic32", "atomic64"}));
  // Making that claim certifies.
  ScriptedTarget target(scripts);
  RunnerOptions o;
  o.test_paths = {dir.path()};
  o.groups = *claimed_groups(std::string("base32,base64,atomic32,atomic64"), std::nullopt);
  o.cpu_version = semantics::IsaVersion::V2;
  o.checks = *claimed_checks(std::string("rejects"));
  const auto claimed = run_conformance(target, o);
  ASSERT_TRUE(claimed.ok());
  EXPECT_EQ(claimed->summary().counts.failing(), 0u);
  EXPECT_TRUE(claimed->summary().ok());
}

TEST_F(ProfileTest, DeclaredAbiDifferencesAreNotFailures) {
  auto scripts = dpdk_like;
  scripts["abi/ptr"] = refuse("unused");  // does not read r2: stays a refusal
  const auto r = run(scripts, {AbiDifference::NoR2});
  EXPECT_EQ(test(r, "abi/len").outcome, "abi-difference");
  EXPECT_EQ(test(r, "abi/len").abi, std::vector<std::string>{"no-r2"});
  EXPECT_NE(test(r, "abi/len").message.find("reads uninitialised r2"), std::string::npos);
  EXPECT_EQ(test(r, "abi/ptr").outcome, "refused");
  EXPECT_EQ(r.abi, std::vector<std::string>{"no-r2"});
  // A test that depends on the difference but passes anyway is a pass.
  scripts.erase("abi/len");
  const auto passing = run(scripts, {AbiDifference::NoR2});
  EXPECT_EQ(test(passing, "abi/len").outcome, "passed");
  const std::string text = reports::to_text(r);
  EXPECT_NE(text.find("ABI DIFFERENCES declared by the target"), std::string::npos) << text;
}

TEST_F(ProfileTest, ChecksAreClaimedApartFromGroups) {
  ScriptedTarget target(dpdk_like);
  RunnerOptions o;
  o.test_paths = {dir.path()};
  o.checks = *claimed_checks(std::string("rejects"));
  const auto r = run_conformance(target, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(test(*r, "trap/oob").outcome, "skipped");
  EXPECT_NE(test(*r, "trap/oob").message.find("not claimed: checks trap:out-of-bounds"), std::string::npos);
  EXPECT_EQ(test(*r, "negative/bad").outcome, "passed");
  EXPECT_FALSE(claimed_checks(std::string("traps,quux")).ok());
  EXPECT_EQ(*claimed_checks(std::string("none")), std::vector<std::string>{});
  EXPECT_EQ(*claimed_checks(std::nullopt), (std::vector<std::string>{"rejects", "traps"}));
  EXPECT_TRUE(check_claimed({"traps"}, "trap:out-of-bounds"));
  EXPECT_TRUE(check_claimed({"trap:out-of-bounds"}, "trap:out-of-bounds"));
  EXPECT_FALSE(check_claimed({"rejects"}, "trap"));
}

TEST_F(ProfileTest, CrashesAndTimeoutsAreNotJudgedAndBlockTheClaim) {
  auto scripts = dpdk_like;
  scripts.erase("byteswap/le16");
  scripts["alu/add32"] = [](const TestCase&) { return TestRun{Outcome::Crashed, "the plugin crashed (SIGFPE)", "signal 8"}; };
  const auto r = run(scripts);
  ASSERT_EQ(r.profile.failures.size(), 1u);
  EXPECT_EQ(r.profile.failures[0].outcome, "crashed");
  EXPECT_EQ(entry(r.profile.groups, "base32").status, "failing");
  EXPECT_TRUE(r.profile.claims.empty());
}

TEST(PeerSyntaxFiles, RunOnTheReferenceInterpreter) {
  EngineTarget interp(interp::EngineKind::Interpreter);
  RunnerOptions o;
  o.test_paths = {BPFCERT_SOURCE_DIR "/tests/conformance/peer_syntax"};
  o.groups = *claimed_groups(std::string("all"), std::nullopt);
  const auto r = run_conformance(interp, o);
  ASSERT_TRUE(r.ok());
  EXPECT_GE(r->tests.size(), 8u);
  for (const auto& t : r->tests) EXPECT_EQ(t.outcome, "passed") << t.name << ": " << t.message;
}

}  // namespace
}  // namespace bpfcert::conformance
