// Every output option of the bpfcert command as a user points it: '-' and /proc/self/fd/1 are
// standard output (and the text moves to standard error), a symlink or FIFO is written through,
// two reports on standard output are refused, a folder is an input error.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <thread>

#include "tests/cli/cli_fixture.h"

namespace {

namespace fs = std::filesystem;
using bpfcert::cli::test_support::Cli;
using bpfcert::cli::test_support::Output;
using bpfcert::cli::test_support::slurp;

const std::string kCorpus = BPFCERT_CORPUS_DIR "/conformance";

std::string one_test_args() { return "--tests " + kCorpus + " --include-regex 'add_imm_carry_out_of_bit_31' -q"; }

TEST_F(Cli, ConformJsonToStandardOutputKeepsTheTextOffIt) {
  for (const std::string& target : {std::string("-"), std::string("/proc/self/fd/1")}) {
    const Output o = run("conform " + one_test_args() + " --json " + target);
    ASSERT_EQ(o.exit_code, 0) << target << ": " << o.err;
    // Standard output holds exactly one JSON document; the summary table went to stderr.
    const auto j = nlohmann::json::parse(o.out);
    EXPECT_EQ(j.at("schema"), "bpfcert/conformance/2");
    EXPECT_NE(o.err.find("certified"), std::string::npos) << o.err;
  }
}

TEST_F(Cli, ConformRefusesTwoReportsOnStandardOutput) {
  const Output o = run("conform " + one_test_args() + " --json - --junit /proc/self/fd/1");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("--json and --junit both write to standard output"), std::string::npos) << o.err;
  EXPECT_EQ(o.out, "");
}

TEST_F(Cli, ReportThroughASymlinkKeepsTheLink) {
  const fs::path target = write("real.json", "old");
  const fs::path link = dir_ / "link.json";
  fs::create_symlink(target, link);
  const Output o = run("conform " + one_test_args() + " --json " + link.string());
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(nlohmann::json::parse(slurp(target)).at("schema"), "bpfcert/conformance/2");
  // A link to a device: the device is written, the link stays (were it renamed over, the link
  // would become a regular file).
  const fs::path null_link = dir_ / "null";
  fs::create_symlink("/dev/null", null_link);
  const Output n = run("conform " + one_test_args() + " --json " + null_link.string() + " --junit " +
                       null_link.string());
  ASSERT_EQ(n.exit_code, 0) << n.err;
  EXPECT_TRUE(fs::is_symlink(null_link));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST_F(Cli, ReportIntoAFifoIsReadByItsReader) {
  const fs::path fifo = dir_ / "report.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = slurp(fifo); });
  const Output o = run("conform " + one_test_args() + " --junit " + fifo.string());
  reader.join();
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(received.find("<testsuites"), std::string::npos) << received.substr(0, 200);
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(Cli, AFolderAsAnOutputIsAnInputError) {
  const Output o = run("conform " + one_test_args() + " --json " + dir_.string());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("it is a folder"), std::string::npos) << o.err;
  EXPECT_TRUE(fs::is_directory(dir_));
}

TEST_F(Cli, AsmWritesBytecodeToStandardOutput) {
  const fs::path src = write("p.asm", "mov %r0, 42\nexit\n");
  const Output o = run("asm " + src.string() + " -o -");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, std::string("\xb7\x00\x00\x00\x2a\x00\x00\x00\x95\x00\x00\x00\x00\x00\x00\x00", 16));
  const Output dir = run("asm " + src.string() + " -o " + dir_.string());
  EXPECT_EQ(dir.exit_code, 2);
  EXPECT_NE(dir.err.find("it is a folder"), std::string::npos) << dir.err;
}

TEST_F(Cli, VerifyReportOnStandardOutputAndTextOnStandardError) {
  const fs::path src = write("p.asm", "mov %r0, 0\nexit\n");
  const Output o = run("verify " + src.string() + " --json -");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(nlohmann::json::parse(o.out).at("verdict"), "accepted");
  EXPECT_NE(o.err.find("accepted"), std::string::npos) << o.err;
  const Output both = run("verify " + src.string() + " --json - --sarif -");
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("--json and --sarif both write to standard output"), std::string::npos) << both.err;
}

TEST_F(Cli, ReportMergeRefusesTwoReportsOnStandardOutput) {
  const Output o = run("report merge a.json b.json -o - --junit -");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("both write to standard output"), std::string::npos) << o.err;
}

}  // namespace

namespace {

TEST_F(Cli, AFolderWhereAnInputFileWasExpectedIsAnInputError) {
  for (const std::string cmd : {"list", "disasm", "verify", "run", "asm"}) {
    const Output o = run(cmd + " " + dir_.string() + (cmd == "asm" ? " -o " + (dir_ / "x.bin").string() : ""));
    EXPECT_EQ(o.exit_code, 2) << cmd << ": " << o.err;
    EXPECT_NE(o.err.find("is a folder"), std::string::npos) << cmd << ": " << o.err;
    EXPECT_EQ(o.out, "") << cmd;
  }
}

}  // namespace
