// The program corpus verified by bpfcert: every program gets its expected verdict, every wrong
// variant is rejected with its expected check at its C line, unless tests/linux/
// known_deviations.txt records the disagreement and its reason. Prints the per-program table
// (instructions, verification time, verdict).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "loader/target.h"
#include "tests/linux/corpus_support.h"
#include "verifier/object/verify_object.h"

namespace bpfcert::tests {
namespace {

std::string observed_findings(const loader::ProgramInfo& p, const verifier::VerificationResult& r) {
  std::set<std::string> seen;
  for (const auto& f : r.findings) {
    if (f.severity != verifier::Severity::Error) continue;
    const auto* line = f.pc >= 0 ? p.line_at(static_cast<size_t>(f.pc)) : nullptr;
    seen.insert(fmt::format("{}@{}", f.check, line != nullptr ? line->line : 0));
  }
  std::string s;
  for (const auto& x : seen) s += (s.empty() ? "" : " ") + x;
  return s;
}

TEST(CorpusVerification, EveryProgramGetsItsExpectedVerdictOrAKnownDeviation) {
  if (const std::string why = corpus_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  const auto deviations = known_deviations();
  std::set<std::pair<std::string, std::string>> used;
  size_t programs = 0, as_expected = 0, correct = 0, wrong = 0;
  double seconds = 0;
  std::ostringstream table;
  table << fmt::format("{:<32} {:<24} {:>6} {:>9}  {}\n", "file", "program", "insns", "ms", "verdict");
  for (const CorpusProgram& cp : corpus_programs()) {
    SCOPED_TRACE(cp.name);
    // For the running kernel, as a loader loads them: CO-RE and attach targets from its BTF.
    static loader::Target running_kernel;
    loader::LoadOptions load;
    load.target = &running_kernel;
    auto obj = loader::load_object_file(cp.object, load);
    ASSERT_TRUE(obj.ok()) << obj.error().to_string();
    (cp.expect_accept ? correct : wrong)++;
    for (const auto& p : obj->programs) {
      if (p.type.attach_btf && !p.attach_btf_id) {
        // A BTF-typed program needs the kernel's BTF for its arguments.
        std::cout << cp.name << ": skipped, no kernel BTF with its attach target (" << running_kernel.btf_problem()
                  << ")\n";
        continue;
      }
      auto v = verifier::verify_object_program(*obj, p, {}, &running_kernel);
      ASSERT_TRUE(v.ok()) << v.error().to_string();
      const auto& r = v->result;
      ++programs;
      seconds += r.stats.seconds;
      const std::string observed = observed_findings(p, r);
      bool ok = cp.expect_accept == r.accepted;
      if (ok && !cp.expect_accept) {
        for (const ExpectedFinding& f : cp.findings) {
          if ((" " + observed + " ").find(fmt::format(" {}@{} ", f.check, f.line)) == std::string::npos) ok = false;
        }
        if (cp.findings.empty()) ADD_FAILURE() << "wrong variant without a 'bpfcert: finding' line";
      }
      const auto dev = deviations.find({cp.name, p.name});
      if (ok) {
        ++as_expected;
        EXPECT_EQ(dev, deviations.end()) << p.name << ": listed in known_deviations.txt but now verifies as expected: "
                                         << "delete its line";
      } else if (dev == deviations.end()) {
        ADD_FAILURE() << p.name << ": expected " << (cp.expect_accept ? "accept" : "reject") << ", bpfcert "
                      << (r.accepted ? "accepts" : "rejects") << " with [" << observed << "]";
      } else {
        used.insert(dev->first);
        EXPECT_EQ(dev->second.observed, observed) << p.name << ": the deviation changed; update known_deviations.txt";
      }
      table << fmt::format("{:<32} {:<24} {:>6} {:>9.3f}  {}{}\n", cp.name, p.name, p.insns.size(), r.stats.seconds * 1e3,
                           r.accepted ? "accepted" : "rejected " + observed, ok ? "" : "  (known deviation)");
    }
  }
  for (const auto& [key, d] : deviations) {
    EXPECT_EQ(used.count(key), 1u) << key.first << " " << key.second << ": known deviation names no program that deviates";
  }
  std::cout << table.str()
            << fmt::format("{} files ({} correct, {} wrong variants), {} programs; {} as expected, {} known deviations; "
                           "analysis time {:.1f} ms in total\n",
                           correct + wrong, correct, wrong, programs, as_expected, programs - as_expected, seconds * 1e3);
  EXPECT_GE(correct, 40u);
  EXPECT_GE(wrong, 20u);
}

}  // namespace
}  // namespace bpfcert::tests
