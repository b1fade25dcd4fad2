// Reading programs from the command line's input argument.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli/input.h"

namespace bpfcert::cli {
namespace {

TEST(Input, DataFileWithUtf8CommentIsText) {
  const auto p = std::filesystem::temp_directory_path() / ("bpfcert_utf8_" + std::to_string(::getpid()) + ".asm");
  std::ofstream(p) << "# RFC 9669 \xc2\xa7" "4.1: \xe2\x80\x9cmov\xe2\x80\x9d\nmov %r0, 1\nexit\n";
  auto prog = load_program(p.string(), std::nullopt);
  std::filesystem::remove(p);
  ASSERT_TRUE(prog.ok()) << prog.error().to_string();
  EXPECT_EQ(prog->kind, InputKind::Assembly);
  EXPECT_EQ(prog->insns.size(), 2u);
}

TEST(Input, BytecodeIsBinary) {
  const auto p = std::filesystem::temp_directory_path() / ("bpfcert_bin_" + std::to_string(::getpid()) + ".bin");
  const unsigned char code[16] = {0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(code), 16);
  auto prog = load_program(p.string(), std::nullopt);
  std::filesystem::remove(p);
  ASSERT_TRUE(prog.ok());
  EXPECT_EQ(prog->kind, InputKind::Bytecode);
}

}  // namespace
}  // namespace bpfcert::cli
