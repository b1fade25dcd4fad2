// The witness search over every rejected case of corpus/verifier/: it must end on each, never
// crash, and never produce a model that the reference interpreter does not replay (that would
// be a defect of the symbolic executor). Prints how many findings are confirmed, not
// confirmed and not applicable, and the time per search.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "tests/verifier/verifier_test_support.h"
#include "verifier/smt/witness.h"

namespace bpfcert::verifier::smt {
namespace {

struct Tally {
  std::map<std::string, int> by_status;
  std::map<std::string, std::map<std::string, int>> by_check;  // check -> status -> count
  std::vector<std::string> mismatches;
  double total_seconds = 0, max_seconds = 0;
  std::string slowest;
  int searches = 0;

  void add(const std::string& where, const Witness& w) {
    const std::string status = to_string(w.status);
    ++by_status[status];
    ++by_check[to_string(w.check)][status];
    if (w.replay_mismatch) mismatches.push_back(fmt::format("{}: {} at pc {}: {}", where, w.check, w.pc, w.reason));
    if (w.status != WitnessStatus::NotApplicable) {
      ++searches;
      total_seconds += w.stats.seconds;
      if (w.stats.seconds > max_seconds) {
        max_seconds = w.stats.seconds;
        slowest = fmt::format("{} ({} at pc {})", where, w.check, w.pc);
      }
    }
  }

  void print(const std::string& title) const {
    std::string s = fmt::format("{}: {} confirmed, {} not confirmed, {} not applicable\n", title,
                                by_status.count("confirmed") ? by_status.at("confirmed") : 0,
                                by_status.count("not_confirmed") ? by_status.at("not_confirmed") : 0,
                                by_status.count("not_applicable") ? by_status.at("not_applicable") : 0);
    for (const auto& [check, st] : by_check) {
      s += fmt::format("  {:<16}", check);
      for (const auto& [status, n] : st) s += fmt::format(" {} {}", status, n);
      s += "\n";
    }
    s += fmt::format("  {} searches, {:.3f} s in total, {:.1f} ms on average, slowest {:.3f} s: {}\n", searches,
                     total_seconds, searches ? 1e3 * total_seconds / searches : 0.0, max_seconds, slowest);
    std::printf("%s", s.c_str());
  }
};

TEST(WitnessCorpus, RejectedVerifierCasesReplayOrSayWhy) {
  const std::filesystem::path dir = std::filesystem::path(BPFCERT_CORPUS_DIR) / "verifier";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const auto ext = e.path().extension();
    if (ext == ".data" || ext == ".asm") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  WitnessOptions options;
  options.timeout_seconds = 5;
  Tally tally;
  int cases = 0;
  for (const auto& path : files) {
    testing::Case c;
    if (auto err = testing::load_case(path.string(), c)) continue;  // the corpus test reports those
    if (c.expect_accept) continue;
    VerifierInput in;
    ASSERT_FALSE(testing::make_input(c, in).has_value()) << path;
    auto r = verify(in);
    ASSERT_TRUE(r.ok()) << path;
    if (r->accepted) continue;
    ++cases;
    const std::vector<Witness> ws = find_witnesses(in, *r, options);
    ASSERT_EQ(ws.size(), r->findings.size());
    for (size_t i = 0; i < ws.size(); ++i) {
      if (r->findings[i].severity != Severity::Error) continue;
      const Witness& w = ws[i];
      tally.add(path.filename().string(), w);
      EXPECT_FALSE(w.reason.empty()) << path;
      if (w.status == WitnessStatus::Confirmed) {
        EXPECT_TRUE(w.input.has_value()) << path;
        EXPECT_TRUE(w.replay.has_value()) << path;
      }
      if (std::getenv("BPFCERT_WITNESS_VERBOSE") != nullptr) {
        std::printf("%s: %s pc %lld: %s: %s\n", path.filename().c_str(), to_string(w.check), static_cast<long long>(w.pc),
                    to_string(w.status), w.reason.c_str());
      }
    }
  }
  ASSERT_GT(cases, 100);
  tally.print(fmt::format("corpus/verifier: {} rejected cases", cases));
  for (const std::string& m : tally.mismatches) ADD_FAILURE() << "a witness that does not replay: " << m;
}

}  // namespace
}  // namespace bpfcert::verifier::smt
