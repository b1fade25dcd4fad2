// Replays the ELF loader fuzz target's seed corpus (fuzz/corpus/fuzz_elf_loader, including inputs
// the fuzzer found) and the built program corpus through the target's entry point, so every
// ctest run checks what the fuzzer checks, without libFuzzer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "loader/object.h"

int bpfcert_fuzz_elf_loader(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ElfFuzzReplay, SeedCorpus) {
  size_t inputs = 0, objects = 0;
  for (const auto& e : fs::directory_iterator(std::string(BPFCERT_SOURCE_DIR) + "/fuzz/corpus/fuzz_elf_loader")) {
    const auto bytes = read_bytes(e.path());
    EXPECT_EQ(bpfcert_fuzz_elf_loader(bytes.data(), bytes.size()), 0) << e.path();
    auto obj = bpfcert::loader::load_object(bytes, e.path().string());
    objects += obj.ok() ? 1 : 0;
    ++inputs;
  }
  EXPECT_GE(inputs, 8u);
  EXPECT_GE(objects, 8u);  // the clang-built seeds load
}

TEST(ElfFuzzReplay, BuiltProgramCorpus) {
  if (!fs::is_directory(BPFCERT_PROGRAMS_OUT)) GTEST_SKIP() << "corpus/programs not built (no clang-19)";
  size_t inputs = 0;
  for (const auto& e : fs::directory_iterator(BPFCERT_PROGRAMS_OUT)) {
    const auto bytes = read_bytes(e.path());
    EXPECT_EQ(bpfcert_fuzz_elf_loader(bytes.data(), bytes.size()), 0) << e.path();
    ++inputs;
  }
  EXPECT_GT(inputs, 0u);
}

}  // namespace
