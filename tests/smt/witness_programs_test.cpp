// The witness search over the wrong variants of corpus/programs/ (BPF objects built with
// clang-19, verified on the Linux platform): no crash, no model that the reference interpreter
// does not replay, every search within its budget. Prints, per program, each finding's witness
// status, and the counts.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <sstream>

#include "tests/linux/corpus_support.h"
#include "verifier/object/verify_object.h"
#include "verifier/platform/linux.h"
#include "verifier/smt/witness.h"

namespace bpfcert::verifier::smt {
namespace {

TEST(WitnessPrograms, WrongVariantsReplayOrSayWhy) {
  if (const std::string why = tests::corpus_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  WitnessOptions options;
  options.timeout_seconds = 10;
  std::map<std::string, int> counts;
  std::ostringstream table;
  double total = 0, slowest = 0;
  int searches = 0, programs = 0;
  for (const tests::CorpusProgram& cp : tests::corpus_programs()) {
    if (cp.expect_accept) continue;
    SCOPED_TRACE(cp.name);
    auto obj = loader::load_object_file(cp.object);
    ASSERT_TRUE(obj.ok()) << obj.error().to_string();
    for (const loader::ProgramInfo& p : obj->programs) {
      auto v = verify_object_program(*obj, p);
      ASSERT_TRUE(v.ok()) << v.error().to_string();
      if (v->result.accepted) continue;
      ++programs;
      VerifierInput in;
      in.program = &v->program;
      in.platform = &platform::linux_platform();
      in.program_type = v->type->name;
      in.maps = map_descriptors(*obj);
      const std::vector<Witness> ws = find_witnesses(in, v->result, options);
      ASSERT_EQ(ws.size(), v->result.findings.size());
      for (size_t i = 0; i < ws.size(); ++i) {
        const Finding& f = v->result.findings[i];
        if (f.severity != Severity::Error) continue;
        const Witness& w = ws[i];
        ++counts[to_string(w.status)];
        EXPECT_FALSE(w.replay_mismatch) << p.name << ": " << f.check << " at pc " << f.pc << ": " << w.reason;
        EXPECT_LT(w.stats.seconds, options.timeout_seconds + 5) << p.name;
        if (w.status != WitnessStatus::NotApplicable) {
          ++searches;
          total += w.stats.seconds;
          slowest = std::max(slowest, w.stats.seconds);
        }
        const auto* line = f.pc >= 0 ? p.line_at(static_cast<size_t>(f.pc)) : nullptr;
        table << fmt::format("{:<32} {:<14} line {:<4} {:<15} {:8.1f} ms  {}\n", cp.name, f.check,
                             line != nullptr ? line->line : 0, to_string(w.status), w.stats.seconds * 1e3, w.reason);
      }
    }
  }
  ASSERT_GT(programs, 10);
  std::cout << table.str()
            << fmt::format("corpus/programs: {} rejected programs: {} confirmed, {} not confirmed, {} not applicable; "
                           "{} searches, {:.1f} ms on average, slowest {:.3f} s\n",
                           programs, counts["confirmed"], counts["not_confirmed"], counts["not_applicable"], searches,
                           searches ? 1e3 * total / searches : 0.0, slowest);
}

}  // namespace
}  // namespace bpfcert::verifier::smt
