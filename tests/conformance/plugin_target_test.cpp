// The plugin target against stub plugins that behave well and badly, and against bpfcert's own
// plugin (bpfcert-plugin) over the whole corpus.
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <chrono>
#include <fstream>
#include <thread>

#include "conformance/plugin_target.h"
#include "conformance/runner.h"
#include "test_util.h"

namespace bpfcert::conformance {
namespace {

using testing::ScratchDir;

TestCase make_test(const ScratchDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.write(name + ".data", text);
  auto t = load_test_case(path, name);
  EXPECT_TRUE(t.ok()) << t.error().to_string();
  return t.ok() ? std::move(t.value()) : TestCase{};
}

TestRun run_stub(const TestCase& t, const std::string& options, double timeout = 5) {
  PluginTarget plugin(BPFCERT_STUB_PLUGIN, split_plugin_options(options));
  RunSettings s;
  s.timeout_seconds = timeout;
  return plugin.run(t, s);
}

class PluginTargetTest : public ::testing::Test {
 protected:
  ScratchDir dir{"bpfcert_plugin"};
  // Two instructions (16 bytes) and three bytes of memory.
  TestCase with_mem = make_test(dir, "with_mem", "-- asm\nmov %r0, 0\nexit\n-- mem\n01 02 03\n-- result\n0xbc8\n");
  TestCase answer42 = make_test(dir, "answer42", "-- asm\nmov %r0, 42\nexit\n-- result\n42\n");
  TestCase error_text = make_test(dir, "error_text", "-- asm\nmov %r0, 0\nexit\n-- error\nbad program\n");
  TestCase reject = make_test(dir, "reject", "# @bpfcert expect reject=r10-write\n-- raw\n0x00000000000000ba\n0x0000000000000095\n");
};

TEST(PluginProtocol, HexFormatIsTwoDigitsAndTwoSpacesPerByte) {
  EXPECT_EQ(protocol_hex({0xaa, 0x0b, 0x11}), "aa  0b  11  ");
  EXPECT_EQ(protocol_hex({}), "");
  EXPECT_EQ(split_plugin_options("  --a  b "), (std::vector<std::string>{"--a", "b"}));
}

TEST_F(PluginTargetTest, SpeaksTheProtocolExactly) {
  // The stub checks argv and stdin byte for byte and answers 16 + 1000 * 3.
  const TestRun r = run_stub(with_mem, "protocol");
  EXPECT_EQ(r.outcome, Outcome::Passed) << r.message;
}

TEST_F(PluginTargetTest, NoMemoryMeansNoMemoryArgument) {
  const TestRun r = run_stub(answer42, "protocol");  // 16 bytes, no memory: r0 = 16
  EXPECT_EQ(r.outcome, Outcome::Wrong);
  EXPECT_EQ(r.actual, "0x10");
}

TEST_F(PluginTargetTest, CorrectAnswerPassesWrongAnswerFails) {
  EXPECT_EQ(run_stub(answer42, "answer 42").outcome, Outcome::Passed);
  const TestRun r = run_stub(answer42, "wrong");
  EXPECT_EQ(r.outcome, Outcome::Wrong);
  EXPECT_NE(r.message.find("0xdead"), std::string::npos);
}

TEST_F(PluginTargetTest, ErrorTextIsComparedExactly) {
  EXPECT_EQ(run_stub(error_text, "fail bad").outcome, Outcome::Wrong);
  PluginTarget plugin(BPFCERT_STUB_PLUGIN, {"fail", "bad program"});  // one argument with a space
  RunSettings s;
  EXPECT_EQ(plugin.run(error_text, s).outcome, Outcome::Passed);
  // The message comes from stderr when stdout is empty.
  PluginTarget quiet(BPFCERT_STUB_PLUGIN, {"stderr", "bad program"});
  EXPECT_EQ(quiet.run(error_text, s).outcome, Outcome::Passed);
  // A stage marker is not part of the VM's message.
  PluginTarget marked(BPFCERT_STUB_PLUGIN, {"fail", "run: bad program"});
  EXPECT_EQ(marked.run(error_text, s).outcome, Outcome::Passed);
}

TEST_F(PluginTargetTest, RejectionExpectedPassesOnAnyFailure) {
  EXPECT_EQ(run_stub(reject, "fail whatever").outcome, Outcome::Passed);
  EXPECT_EQ(run_stub(reject, "answer 0").outcome, Outcome::AcceptedInvalid);
}

TEST_F(PluginTargetTest, HangingPluginIsKilledWithItsProcessGroup) {
  const std::string pidfile = dir.path() + "/child.pid";
  const auto t0 = std::chrono::steady_clock::now();
  const TestRun r = run_stub(answer42, "hang " + pidfile, 0.5);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.outcome, Outcome::TimedOut);
  EXPECT_NE(r.message.find("did not finish"), std::string::npos);
  EXPECT_LT(took, 5.0);
  // The plugin's child was in its group: it is gone too.
  int child = 0;
  std::ifstream(pidfile) >> child;
  ASSERT_GT(child, 0);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = ::kill(child, 0) != 0 && errno == ESRCH;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone) << "child " << child << " of the hung plugin survived";
}

TEST_F(PluginTargetTest, CrashIsItsOwnOutcome) {
  const TestRun r = run_stub(answer42, "crash");
  EXPECT_EQ(r.outcome, Outcome::Crashed);
  EXPECT_NE(r.message.find("crashed"), std::string::npos);
}

TEST_F(PluginTargetTest, MegabytesOfOutputAreAnError) {
  const TestRun r = run_stub(answer42, "noisy");
  EXPECT_EQ(r.outcome, Outcome::Error);
  EXPECT_NE(r.message.find("more than"), std::string::npos);
}

TEST_F(PluginTargetTest, GarbageOnStdoutIsAnError) {
  const TestRun r = run_stub(answer42, "garbage");
  EXPECT_EQ(r.outcome, Outcome::Error);
  EXPECT_NE(r.message.find("not r0"), std::string::npos);
}

TEST_F(PluginTargetTest, PluginThatIgnoresStdinDoesNotKillTheRunner) {
  // 40000 slots: far more program text than a pipe holds, so writes hit EPIPE.
  std::string text = "-- asm\n";
  for (int i = 0; i < 40000; ++i) text += "mov %r0, 1\n";
  text += "exit\n-- result\n1\n";
  const TestCase big = make_test(dir, "big", text);
  const TestRun r = run_stub(big, "noread 1");
  EXPECT_EQ(r.outcome, Outcome::Passed) << r.message;
}

TEST_F(PluginTargetTest, MissingPluginIsAnError) {
  PluginTarget plugin("/nonexistent/plugin", {});
  EXPECT_EQ(plugin.run(answer42, RunSettings{}).outcome, Outcome::Error);
}

TEST_F(PluginTargetTest, PlatformTestsAreSkipped) {
  const TestCase t = make_test(dir, "platform", "# @bpfcert expect result=3\n-- asm\nmov %r1, 1\nmov %r2, 2\ncall 1000\nexit\n");
  const TestRun r = run_stub(t, "answer 3");
  EXPECT_EQ(r.outcome, Outcome::Skipped);
}

TEST_F(PluginTargetTest, RunGoesOnAfterCrashesAndHangs) {
  RunnerOptions o;
  o.test_paths = {dir.path()};
  o.timeout_seconds = 0.3;
  o.jobs = 2;
  PluginTarget crashing(BPFCERT_STUB_PLUGIN, {"crash"});
  auto r = run_conformance(crashing, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->summary().counts["crashed"], r->tests.size());  // a crash is a crash whatever the test expects
}

TEST(BpfcertPlugin, CertifiesTheWholeCorpusThroughTheProtocol) {
  PluginTarget plugin(BPFCERT_PLUGIN, {});
  RunnerOptions o;
  o.test_paths = {BPFCERT_CORPUS_DIR "/conformance"};
  o.groups = *claimed_groups(std::string("all"), std::nullopt);
  o.jobs = 2;
  auto r = run_conformance(plugin, o);
  ASSERT_TRUE(r.ok());
  const auto s = r->summary();
  EXPECT_EQ(s.counts.failing(), 0u);
  EXPECT_GT(s.counts["passed"], 1000u);
  for (const auto& t : r->tests) {
    if (t.outcome != "passed") {
      EXPECT_EQ(t.outcome, "skipped") << t.name << ": " << t.message;
    }
  }
}

}  // namespace
}  // namespace bpfcert::conformance
