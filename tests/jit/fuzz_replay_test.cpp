// Replays the JIT differential fuzz target's seed corpus (fuzz/corpus/jit_differential/) through
// its entry point, so every seed (and every regression a fuzzer found) runs in ctest.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <fmt/format.h>

#include <iterator>

#include "fuzz/jit_differential_fuzz.h"
#include "tests/support/program_generator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace bpfcert::fuzz {
namespace {

const std::filesystem::path kCorpus = std::filesystem::path(BPFCERT_SOURCE_DIR) / "fuzz/corpus/jit_differential";

TEST(FuzzReplay, SeedCorpusAgrees) {
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto verdict = check_jit_differential(bytes.data(), bytes.size());
    EXPECT_NE(verdict.kind, FuzzVerdict::Diverged) << entry.path() << ": " << verdict.diff;
    EXPECT_EQ(LLVMFuzzerTestOneInput(bytes.data(), bytes.size()), 0);
    ++files;
  }
  EXPECT_GE(files, 32u);
}

// The seeds are generated programs: they must stay valid fuzz inputs of the current format
// (a seed the harness rejects would exercise nothing).
TEST(FuzzReplay, GeneratedProgramsRoundTripThroughTheInputFormat) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    test_support::GeneratorOptions o;
    o.seed = seed;
    const auto p = test_support::generate(o);
    const auto input = to_fuzz_input(p);
    const auto verdict = check_jit_differential(input.data(), input.size());
    EXPECT_EQ(verdict.kind, FuzzVerdict::Agreed) << verdict.diff << p.listing();
  }
}

// Writes the seed corpus (run with --gtest_also_run_disabled_tests to regenerate).
TEST(FuzzReplay, DISABLED_WriteSeedCorpus) {
  std::filesystem::create_directories(kCorpus);
  for (uint64_t seed = 1; seed <= 64; ++seed) {
    test_support::GeneratorOptions o;
    o.seed = seed * 7919;
    o.snippets = 6 + seed % 20;
    o.subprograms = static_cast<int>(seed % 3);
    const auto input = to_fuzz_input(test_support::generate(o));
    std::ofstream out(kCorpus / fmt::format("generated-{:03}", seed), std::ios::binary);
    out.write(reinterpret_cast<const char*>(input.data()), static_cast<std::streamsize>(input.size()));
  }
}

}  // namespace
}  // namespace bpfcert::fuzz
