// Data-driven: every file in corpus/verifier/ is a test. The verdict and the set of error
// findings (check id and pc) must be exactly those the file expects; accepted programs the
// interpreter can run must not trap and must return an r0 inside the abstract r0.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "tests/verifier/verifier_test_support.h"

namespace bpfcert::verifier::testing {
namespace {

std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  const std::filesystem::path dir = std::filesystem::path(BPFCERT_CORPUS_DIR) / "verifier";
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".data" || ext == ".asm")) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class VerifierCorpus : public ::testing::TestWithParam<std::string> {};

// Checks the checker reports only from assertions (checker.cpp): their findings say which one
// failed. (mem.type and exit.r0 also come from legacy packet loads, ptr.leak from helper
// arguments, which are not assertions yet.)
bool stated_as_assertion(CheckId c) {
  switch (c) {
    case CheckId::RegUninit:
    case CheckId::StackUninit:
    case CheckId::MemNull:
    case CheckId::MemBounds:
    case CheckId::MemReadonly:
    case CheckId::CtxAccess:
    case CheckId::PtrArith:
    case CheckId::PtrCompare:
    case CheckId::PtrPartial:
    case CheckId::ExitStackPointer:
    case CheckId::LoopUnbounded: return true;
    default: return false;
  }
}

TEST_P(VerifierCorpus, VerdictAndFindings) {
  Case c;
  const auto err = load_case(GetParam(), c);
  ASSERT_FALSE(err) << GetParam() << ": " << *err;
  VerifierInput in;
  const auto ierr = make_input(c, in);
  ASSERT_FALSE(ierr) << *ierr;
  auto result = verify(in);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  const VerificationResult& r = *result;
  std::string got;
  std::set<std::pair<std::string, int64_t>> errors;
  for (const Finding& f : r.findings) {
    got += fmt::format("\n  pc {}: {}[{}]: {}", f.pc, to_string(f.severity), f.check, f.message);
    if (f.severity == Severity::Error) errors.insert({to_string(f.check), f.pc});
    EXPECT_TRUE(!stated_as_assertion(f.check) || f.assertion) << GetParam() << ": " << f.check << " at pc " << f.pc;
  }
  std::set<std::pair<std::string, int64_t>> want;
  for (const Expected& e : c.rejects) want.insert({e.check, e.pc});
  EXPECT_EQ(r.accepted, c.expect_accept) << GetParam() << got;
  EXPECT_EQ(errors, want) << GetParam() << got;
  if (r.accepted) {
    const auto bad = check_concrete(c, r, 24, std::hash<std::string>{}(GetParam()));
    EXPECT_FALSE(bad) << GetParam() << ": " << *bad;
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = std::filesystem::path(info.param).stem().string();
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Corpus, VerifierCorpus, ::testing::ValuesIn(corpus_files()), test_name);

TEST(VerifierCorpusSize, HasAtLeast300Cases) { EXPECT_GE(corpus_files().size(), 300u); }

}  // namespace
}  // namespace bpfcert::verifier::testing
