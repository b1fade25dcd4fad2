// bpfcert conform / plugin / report as a user runs them: exit codes, reports on disk.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "conformance/subprocess.h"
#include "reports/conformance_report.h"
#include "reports/json_schema.h"

namespace bpfcert::conformance {
namespace {

namespace fs = std::filesystem;

ProcessResult bpfcert(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), BPFCERT_CLI);
  ProcessLimits limits;
  limits.timeout_seconds = 120;
  limits.max_output = 64 << 20;
  return run_process(args, input, limits);
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("bpfcert_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "tests");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_ / rel) << text;
    return (dir_ / rel).string();
  }
  std::string path(const std::string& rel) const { return (dir_ / rel).string(); }
  fs::path dir_;
  const std::string corpus_ = BPFCERT_CORPUS_DIR "/conformance";
};

TEST_F(CliTest, PassingRunExitsZeroAndWritesReports) {
  const auto p = bpfcert({"conform", "--tests", corpus_, "--include-regex", "^alu32/", "--json", path("r.json"),
                          "--junit", path("r.xml"), "-j", "2"});
  EXPECT_EQ(p.exit_code, 0) << p.out << p.err;
  // The group column is as wide as the longest group name (acquire_release).
  EXPECT_NE(p.out.find("\nbase32          certified"), std::string::npos) << p.out;
  std::ifstream in(path("r.json"));
  const auto j = nlohmann::json::parse(in);
  EXPECT_TRUE(reports::validate_json(nlohmann::json::parse(reports::published_schema("conformance-2")), j).empty());
  EXPECT_TRUE(fs::file_size(path("r.xml")) > 100);
}

TEST_F(CliTest, FailingTestExitsOne) {
  write("tests/wrong.data", "-- asm\nmov %r0, 1\nexit\n-- result\n2\n");
  const auto p = bpfcert({"conform", "--tests", path("tests")});
  EXPECT_EQ(p.exit_code, 1);
  EXPECT_NE(p.out.find("BUGS: 1 test where the VM is wrong"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("WRONG     wrong: expected r0 = 0x2, got 0x1"), std::string::npos) << p.out;
}

TEST_F(CliTest, NothingRanExitsOne) {
  write("tests/skipped.data", "-- asm\nmov %r0, 1\nexit\n");
  EXPECT_EQ(bpfcert({"conform", "--tests", path("tests")}).exit_code, 1);
  EXPECT_EQ(bpfcert({"conform", "--tests", corpus_, "--include-regex", "^no-such-test$"}).exit_code, 1);
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(bpfcert({"conform", "--target", "plugin"}).exit_code, 2);
  EXPECT_EQ(bpfcert({"conform", "--plugin", BPFCERT_PLUGIN}).exit_code, 2);
  EXPECT_EQ(bpfcert({"conform", "--target", "plugin", "--plugin", "/nonexistent"}).exit_code, 2);
  EXPECT_EQ(bpfcert({"conform", "--shard", "0/2"}).exit_code, 2);
  EXPECT_EQ(bpfcert({"conform", "--shard", "x"}).exit_code, 2);
  EXPECT_EQ(bpfcert({"conform", "--include-groups", "base32,nope"}).exit_code, 2);
  EXPECT_EQ(bpfcert({"conform", "--cpu-version", "v9"}).exit_code, 2);
  EXPECT_EQ(bpfcert({"conform", "--include-regex", "("}).exit_code, 2);
  EXPECT_EQ(bpfcert({"conform", "--tests", path("missing")}).exit_code, 2);
  EXPECT_EQ(bpfcert({"conform", "--target", "vm"}).exit_code, 2);
}

TEST_F(CliTest, JitTargetReportsItselfUnavailableWithErrors) {
  const auto p = bpfcert({"conform", "--target", "jit", "--tests", corpus_ + "/alu32"});
  if (p.out.find("unavailable") != std::string::npos) {
    EXPECT_EQ(p.exit_code, 1);
    EXPECT_NE(p.out.find("target jit unavailable"), std::string::npos) << p.out;
  } else {
    EXPECT_EQ(p.exit_code, 0) << p.out;
  }
}

TEST_F(CliTest, ShardReportsMergeIntoOne) {
  for (int k = 1; k <= 3; ++k) {
    const auto p = bpfcert({"conform", "--tests", corpus_, "--include-regex", "^(jmp|negative)/", "--shard",
                            std::to_string(k) + "/3", "--json", path("s" + std::to_string(k) + ".json")});
    ASSERT_EQ(p.exit_code, 0) << p.err;
  }
  const auto full = bpfcert({"conform", "--tests", corpus_, "--include-regex", "^(jmp|negative)/", "--json", path("full.json")});
  ASSERT_EQ(full.exit_code, 0);
  const auto m = bpfcert({"report", "merge", path("s1.json"), path("s2.json"), path("s3.json"), "-o", path("m.json"),
                          "--junit", path("m.xml")});
  EXPECT_EQ(m.exit_code, 0) << m.err;
  reports::ConformanceReport merged, whole;
  ASSERT_FALSE(reports::from_json(nlohmann::json::parse(std::ifstream(path("m.json"))), &merged));
  ASSERT_FALSE(reports::from_json(nlohmann::json::parse(std::ifstream(path("full.json"))), &whole));
  EXPECT_EQ(merged.tests.size(), whole.tests.size());
  EXPECT_EQ(merged.summary().counts["passed"], whole.summary().counts["passed"]);
  EXPECT_EQ(merged.shards.size(), 3u);
  EXPECT_EQ(bpfcert({"report", "validate", path("m.json")}).exit_code, 0);
  EXPECT_EQ(bpfcert({"report", "show", path("m.json")}).exit_code, 0);
  // Missing shard: refused.
  EXPECT_EQ(bpfcert({"report", "merge", path("s1.json"), path("s2.json")}).exit_code, 2);
}

TEST_F(CliTest, ValidateFlagsBrokenReports) {
  write("bad.json", R"({"schema": "bpfcert/conformance/1", "tests": 3})");
  EXPECT_EQ(bpfcert({"report", "validate", path("bad.json")}).exit_code, 1);
  write("other.json", R"({"schema": "something/else"})");
  EXPECT_EQ(bpfcert({"report", "validate", path("other.json")}).exit_code, 2);
}

TEST_F(CliTest, CoverageListsEveryEncoding) {
  const auto p = bpfcert({"conform", "--coverage"});
  EXPECT_EQ(p.exit_code, 0) << p.out;
  EXPECT_NE(p.out.find("lock_cmpxchg32"), std::string::npos);
  EXPECT_NE(p.out.find("0 uncovered"), std::string::npos);
  write("tests/only_mov.data", "-- asm\nmov %r0, 1\nexit\n-- result\n1\n");
  const auto partial = bpfcert({"conform", "--coverage", "--tests", path("tests")});
  EXPECT_EQ(partial.exit_code, 1);
  EXPECT_NE(partial.out.find("UNCOVERED"), std::string::npos);
}

TEST_F(CliTest, PluginSpeaksTheProtocol) {
  // mov r0, r2 (the memory length); exit
  const std::string program = "bf  20  00  00  00  00  00  00  95  00  00  00  00  00  00  00  \n";
  const auto ok = bpfcert({"plugin", "01  02  03  "}, program);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.out, "3\n");
  const auto bad = bpfcert({"plugin"}, "ff  00  00  00  00  00  00  00  \n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("unknown-opcode"), std::string::npos);
  ProcessLimits limits;
  const auto standalone = run_process({BPFCERT_PLUGIN, "01  02  "}, program, limits);
  EXPECT_EQ(standalone.exit_code, 0);
  EXPECT_EQ(standalone.out, "2\n");
}

TEST_F(CliTest, PluginTargetOnBpfcertPlugin) {
  const auto p = bpfcert({"conform", "--target", "plugin", "--plugin", BPFCERT_PLUGIN, "--tests", corpus_,
                          "--include-regex", "^(alu64|negative|trap)/", "--include-groups", "all", "-j", "2"});
  EXPECT_EQ(p.exit_code, 0) << p.out;
}

}  // namespace
}  // namespace bpfcert::conformance
