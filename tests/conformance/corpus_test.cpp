// The corpus, data-driven: every .data file under corpus/conformance is a test that must pass on
// the reference interpreter (adding a file adds a test), every encoding of the opcode table has
// a test, and the committed files are exactly what generate.py writes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <fstream>
#include <sstream>

#include "conformance/coverage.h"
#include "conformance/engine_target.h"
#include "conformance/subprocess.h"
#include "conformance/test_case.h"
#include "semantics/assembly.h"

namespace bpfcert::conformance {
namespace {

const std::string kCorpus = BPFCERT_CORPUS_DIR "/conformance";

std::vector<TestFile> corpus_files() {
  auto files = find_tests({kCorpus});
  return files.ok() ? *files : std::vector<TestFile>{};
}

// One test per family folder (a ctest entry each), checking every file in it: adding a file
// adds a check, and a failure names the file.
std::vector<std::string> families() {
  std::set<std::string> out;
  for (const TestFile& f : corpus_files()) out.insert(f.name.substr(0, f.name.find('/')));
  return {out.begin(), out.end()};
}

class CorpusFamily : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusFamily, EveryTestPassesOnTheReferenceInterpreter) {
  static const EngineTarget interp(interp::EngineKind::Interpreter);
  RunSettings settings;
  settings.allow_extensions = true;  // the corpus holds the callx group
  size_t checked = 0;
  for (const TestFile& f : corpus_files()) {
    if (f.name.substr(0, f.name.find('/')) != GetParam()) continue;
    ++checked;
    auto test = load_test_case(f.path, f.name);
    ASSERT_TRUE(test.ok()) << test.error().to_string();
    EXPECT_NE(test->expect, ExpectKind::None) << f.name << ": a corpus file must state what it expects";
    const TestRun run = interp.run(*test, settings);
    EXPECT_EQ(run.outcome, Outcome::Passed) << f.name << ": " << run.message << " (actual: " << run.actual << ")";
  }
  EXPECT_GT(checked, 0u);
}

std::string family_name(const ::testing::TestParamInfo<std::string>& p) { return p.param; }

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusFamily, ::testing::ValuesIn(families()), family_name);

TEST(Corpus, HasEnoughTests) { EXPECT_GE(corpus_files().size(), 600u); }

TEST(Corpus, EveryEncodingHasAConformanceTest) {
  std::vector<TestCase> tests;
  for (const TestFile& f : corpus_files()) {
    auto t = load_test_case(f.path, f.name);
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    tests.push_back(std::move(t.value()));
  }
  for (const CoverageRow& row : encoding_coverage(tests)) {
    EXPECT_FALSE(row.tests.empty()) << "no conformance test runs encoding " << row.encoding->id;
  }
}

TEST(Corpus, EveryFamilyHasNegativeAndTrapTests) {
  size_t reject = 0, trap = 0, platform = 0;
  for (const TestFile& f : corpus_files()) {
    auto t = load_test_case(f.path, f.name);
    ASSERT_TRUE(t.ok());
    reject += t->expect == ExpectKind::Reject;
    trap += t->expect == ExpectKind::Trap;
    platform += t->needs_platform;
  }
  EXPECT_GE(reject, 50u);
  EXPECT_GE(trap, 20u);
  EXPECT_GE(platform, 20u);
}

// Tests bpf_conformance's runner must skip (platform, reject, trap) have no result or error
// section, and the ones it runs use only its sections.
TEST(Corpus, StaysReadableByBpfConformance) {
  for (const TestFile& f : corpus_files()) {
    auto t = load_test_case(f.path, f.name);
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(t->file.unknown_sections.empty()) << f.name;
    const bool theirs = t->file.result.has_value() || t->file.error.has_value();
    if (t->needs_platform || t->expect == ExpectKind::Reject || t->expect == ExpectKind::Trap) {
      EXPECT_FALSE(theirs) << f.name << ": bpf_conformance would run a test its plugins cannot pass";
    } else {
      EXPECT_TRUE(theirs) << f.name;
    }
  }
}

// What bpf_conformance's reader and assembler accept (../shared/formats/bpf_conformance-compat.md,
// and their src/bpf_test_parser.cc): it strips comments only in "-- asm", treats any line holding
// "--" as a section header, splits asm lines on single spaces, and knows these mnemonics.
TEST(Corpus, RunnableFilesUseOnlyWhatBpfConformanceParses) {
  static const std::set<std::string> kMnemonics = [] {
    std::set<std::string> m;
    for (const char* op : {"add", "sub", "mul", "div", "sdiv", "or", "and", "lsh", "rsh", "neg", "mod", "smod", "xor",
                           "mov", "arsh", "jeq", "jgt", "jge", "jset", "jne", "jsgt", "jsge", "jlt", "jle", "jslt", "jsle"}) {
      m.insert(op);
      m.insert(std::string(op) + "32");
    }
    for (const char* x : {"movsx864", "movsx832", "movsx1664", "movsx1632", "movsx3264", "le16", "le32", "le64", "be16",
                          "be32", "be64", "swap16", "swap32", "swap64", "ja", "ja32", "call", "exit", "lddw", "ldxb",
                          "ldxh", "ldxw", "ldxdw", "ldxsb", "ldxsh", "ldxsw", "stb", "sth", "stw", "stdw", "stxb", "stxh",
                          "stxw", "stxdw", "lock"}) {
      m.insert(x);
    }
    return m;
  }();
  for (const TestFile& f : corpus_files()) {
    std::ifstream in(f.path);
    std::string line, section;
    bool runnable = false;
    std::vector<std::string> lines;
    while (std::getline(in, line)) lines.push_back(line);
    for (const std::string& l : lines) runnable = runnable || l == "-- result" || l == "-- error";
    for (const std::string& l : lines) {
      if (l.find("--") != std::string::npos) {
        EXPECT_TRUE(l == "-- asm" || l == "-- raw" || l == "-- mem" || l == "-- result" || l == "-- error")
            << f.name << ": '" << l << "' would be read as a section header";
        section = l;
        continue;
      }
      if (l.empty() || l[0] == '#') continue;
      EXPECT_TRUE(section == "-- asm" || l.find('#') == std::string::npos)
          << f.name << ": a comment outside -- asm reaches bpf_conformance's parser: " << l;
      if (!runnable || section != "-- asm" || l.back() == ':') continue;
      EXPECT_NE(l[0], ' ') << f.name;
      const std::string mnemonic = l.substr(0, l.find(' '));
      EXPECT_TRUE(kMnemonics.count(mnemonic)) << f.name << ": bpf_conformance's assembler has no '" << mnemonic << "'";
    }
  }
}

// Where a program is given as raw words with its assembler text in comments, the two agree.
TEST(Corpus, CommentedProgramsMatchTheirRawWords) {
  size_t checked = 0;
  for (const TestFile& f : corpus_files()) {
    auto t = load_test_case(f.path, f.name);
    ASSERT_TRUE(t.ok());
    std::ifstream in(f.path);
    std::string line, text;
    bool program = false;
    while (std::getline(in, line)) {
      if (line.starts_with("# program")) {
        program = true;
      } else if (program && line.starts_with("#   ")) {
        text += line.substr(4) + "\n";
      } else {
        program = false;
      }
    }
    if (text.empty()) continue;
    ++checked;
    auto insns = semantics::assemble(text, semantics::Syntax::Conformance);
    ASSERT_TRUE(insns.ok()) << f.name << ": " << insns.error().to_string();
    EXPECT_EQ(*insns, t->insns) << f.name;
  }
  EXPECT_GT(checked, 0u);
}

TEST(Corpus, CommittedFilesAreWhatTheGeneratorWrites) {
  namespace fs = std::filesystem;
  const fs::path out = fs::temp_directory_path() / ("bpfcert_corpus_" + std::to_string(::getpid()));
  fs::remove_all(out);
  ProcessLimits limits;
  limits.timeout_seconds = 120;
  const ProcessResult p = run_process({BPFCERT_PYTHON, kCorpus + "/generate.py", "--out", out.string()}, "", limits);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  size_t generated = 0;
  for (const auto& e : fs::recursive_directory_iterator(out)) {
    if (!e.is_regular_file()) continue;
    ++generated;
    const fs::path committed = fs::path(kCorpus) / fs::relative(e.path(), out);
    std::ifstream a(e.path()), b(committed);
    std::stringstream sa, sb;
    sa << a.rdbuf();
    sb << b.rdbuf();
    EXPECT_EQ(sa.str(), sb.str()) << committed << " differs from generate.py's output; re-run it";
  }
  size_t committed_generated = 0;
  for (const auto& e : fs::recursive_directory_iterator(kCorpus)) {
    if (!e.is_regular_file() || e.path().extension() != ".data") continue;
    std::ifstream in(e.path());
    std::string first;
    std::getline(in, first);
    committed_generated += first.starts_with("# Generated by corpus/conformance/generate.py");
  }
  EXPECT_EQ(generated, committed_generated) << "stale generated files in the corpus";
  fs::remove_all(out);
}

}  // namespace
}  // namespace bpfcert::conformance
