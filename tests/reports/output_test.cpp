// write_text_file never destroys what an output path names: a device, a FIFO or a symlink is
// written through, a regular file is replaced atomically and keeps its mode, a folder is an error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/output.h"

namespace {

namespace fs = std::filesystem;
using bpfcert::reports::check_output_paths;
using bpfcert::reports::is_standard_output;
using bpfcert::reports::write_text_file;

class OutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(BPFCERT_BINARY_DIR) / "tests" / "reports" / "work" /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  fs::path dir_;
};

TEST_F(OutputTest, NewAndExistingRegularFilesAreWrittenWhole) {
  const fs::path p = dir_ / "r.json";
  EXPECT_EQ(write_text_file(p.string(), "first\n"), "");
  EXPECT_EQ(slurp(p), "first\n");
  EXPECT_EQ(write_text_file(p.string(), "second"), "");
  EXPECT_EQ(slurp(p), "second");
  // No temporary file is left beside it.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(OutputTest, AnOverwrittenFileKeepsItsMode) {
  const fs::path p = dir_ / "r.json";
  std::ofstream(p) << "old";
  ASSERT_EQ(::chmod(p.c_str(), 0640), 0);
  EXPECT_EQ(write_text_file(p.string(), "new"), "");
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(slurp(p), "new");
}

TEST_F(OutputTest, ASymlinkStaysALinkAndItsTargetIsWritten) {
  const fs::path target = dir_ / "target.json", link = dir_ / "link.json";
  std::ofstream(target) << "old";
  fs::create_symlink(target, link);
  EXPECT_EQ(write_text_file(link.string(), "through the link"), "");
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(slurp(target), "through the link");
  // A dangling link: the file it names is created, the link stays.
  const fs::path dangling = dir_ / "dangling.json", missing = dir_ / "missing.json";
  fs::create_symlink(missing, dangling);
  EXPECT_EQ(write_text_file(dangling.string(), "created"), "");
  EXPECT_TRUE(fs::is_symlink(dangling));
  EXPECT_EQ(slurp(missing), "created");
}

TEST_F(OutputTest, ACharacterDeviceIsWrittenInPlaceNotReplaced) {
  // Through a link of our own to /dev/null: were the device replaced, only the link would go.
  const fs::path link = dir_ / "null";
  fs::create_symlink("/dev/null", link);
  EXPECT_EQ(write_text_file(link.string(), "discarded"), "");
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST_F(OutputTest, AFifoIsWrittenInPlace) {
  const fs::path fifo = dir_ / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = slurp(fifo); });
  const std::string content(200000, 'x');  // more than a pipe buffer: written in several parts
  EXPECT_EQ(write_text_file(fifo.string(), content), "");
  reader.join();
  EXPECT_EQ(received, content);
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(OutputTest, AFolderIsAnErrorNamingIt) {
  const std::string err = write_text_file(dir_.string(), "x");
  EXPECT_NE(err.find(dir_.string()), std::string::npos) << err;
  EXPECT_NE(err.find("folder"), std::string::npos) << err;
  EXPECT_TRUE(fs::is_directory(dir_));
  // A file in a folder that does not exist: an error, not a crash.
  EXPECT_NE(write_text_file((dir_ / "no" / "such.json").string(), "x"), "");
}

TEST_F(OutputTest, StandardOutputIsRecognisedByNameAndByFile) {
  EXPECT_TRUE(is_standard_output("-"));
  EXPECT_FALSE(is_standard_output((dir_ / "missing").string()));
  // Point fd 1 at a file: that file, and /proc/self/fd/1, are standard output.
  const fs::path p = dir_ / "out";
  std::ofstream(p) << "";
  const int saved = ::dup(STDOUT_FILENO);
  const int fd = ::open(p.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ::dup2(fd, STDOUT_FILENO);
  const bool by_file = is_standard_output(p.string());
  const bool by_proc = is_standard_output("/proc/self/fd/1");
  const bool by_dev = is_standard_output("/dev/stdout");
  const bool other = is_standard_output((dir_ / ".." / "..").string());
  ::dup2(saved, STDOUT_FILENO);
  ::close(fd);
  ::close(saved);
  EXPECT_TRUE(by_file);
  EXPECT_TRUE(by_proc);
  EXPECT_TRUE(by_dev);
  EXPECT_FALSE(other);
}

TEST_F(OutputTest, TwoOutputsOnStandardOutputAreRefused) {
  EXPECT_EQ(check_output_paths({{"--json", "-"}, {"--junit", ""}}), "");
  EXPECT_EQ(check_output_paths({{"--json", "-"}, {"--junit", (dir_ / "j.xml").string()}}), "");
  const std::string err = check_output_paths({{"--json", "-"}, {"--junit", "-"}});
  EXPECT_NE(err.find("--json and --junit"), std::string::npos) << err;
}

}  // namespace
