// The kernel differential: every corpus program is verified by bpfcert and loaded into the
// running kernel (when this process may; otherwise the test skips and says why). The kernel
// must give the corpus' expected verdict (or the one a "bpfcert: kernel" annotation states),
// and every disagreement between bpfcert and the kernel is listed with its explanation: the
// annotation's, or the reason in known_deviations.txt. An unexplained disagreement fails.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <linux/bpf.h>

#include <iostream>
#include <sstream>

#include "loader/kernel.h"
#include "loader/object.h"
#include "loader/target.h"
#include "tests/linux/corpus_support.h"
#include "tests/linux/kernel_support.h"
#include "verifier/object/verify_object.h"

namespace bpfcert::tests {
namespace {

using loader::kernel::KernelStatus;

TEST(KernelDifferential, KernelVerdictsAndEveryDisagreementExplained) {
  if (const std::string why = corpus_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  std::string why;
  if (!loader::kernel::loading_available(&why)) GTEST_SKIP() << "kernel loading not permitted: " << why;
  const auto deviations = known_deviations();
  size_t loaded = 0, agree = 0, located = 0;
  std::ostringstream disagreements;
  for (const CorpusProgram& cp : corpus_programs()) {
    SCOPED_TRACE(cp.name);
    static loader::Target running_kernel;  // CO-RE and attach targets, as a loader loads them
    loader::LoadOptions load;
    load.target = &running_kernel;
    auto obj = loader::load_object_file(cp.object, load);
    ASSERT_TRUE(obj.ok()) << obj.error().to_string();
    for (const auto& p : obj->programs) {
      ASSERT_TRUE(p.type.known()) << p.section;
      if (p.type.attach_btf && !p.attach_btf_id) continue;  // no kernel BTF to attach by
      const loader::kernel::KernelLoadOptions options;
      const auto k = loader::kernel::load_object_program(*obj, p, options);
      ASSERT_NE(k.status, KernelStatus::Unavailable) << k.reason;
      ++loaded;
      const bool kernel_accepts = k.status == KernelStatus::Accepted;
      const std::string missing_helper =
          kernel_accepts ? std::string() : helper_missing_from_this_kernel(k.reason, p.type.prog_type, p.type.expected_attach_type);
      // Where Linux names the C line of its complaint, it is the line the corpus expects.
      if (!kernel_accepts && !k.location.empty() && !cp.findings.empty()) {
        ++located;
        bool at_expected_line = false;
        std::string expected;
        for (const ExpectedFinding& f : cp.findings) {
          const std::string e = fmt::format("{}.c:{}", cp.name, f.line);
          at_expected_line = at_expected_line || k.location == e || k.location.ends_with("/" + e);
          expected += (expected.empty() ? "" : " or ") + e;
        }
        EXPECT_TRUE(at_expected_line) << p.name << ": Linux complains at " << k.location << ", the corpus expects "
                                      << expected;
      }
      EXPECT_TRUE(kernel_accepts == cp.kernel_accepts.value_or(cp.expect_accept) || !missing_helper.empty())
          << p.name << ": kernel " << to_string(k.status) << ": " << k.reason;
      if (kernel_accepts) {
        EXPECT_TRUE(k.processed_insns.has_value());
      }
      auto v = verifier::verify_object_program(*obj, p, {}, &running_kernel);
      ASSERT_TRUE(v.ok()) << v.error().to_string();
      const bool bpfcert_accepts = v->result.accepted;
      if (bpfcert_accepts == kernel_accepts) {
        ++agree;
        continue;
      }
      // The corpus annotation explains a kernel that departs from the expectation on purpose;
      // a known deviation explains bpfcert departing from it.
      std::string explanation;
      if (const auto d = deviations.find({cp.name, p.name}); d != deviations.end()) {
        explanation = "known deviation: " + d->second.reason;
      }
      if (cp.kernel_accepts) explanation = "Linux: " + cp.kernel_note;
      if (!missing_helper.empty()) explanation = "Linux: " + missing_helper;
      EXPECT_FALSE(explanation.empty()) << p.name << ": unexplained disagreement: bpfcert "
                                        << (bpfcert_accepts ? "accepts" : "rejects") << ", kernel "
                                        << (kernel_accepts ? "accepts" : "rejects: " + k.reason);
      disagreements << fmt::format("  {}/{}: bpfcert {}, kernel {}\n      {}\n", cp.name, p.name,
                                   bpfcert_accepts ? "accepts" : "rejects",
                                   kernel_accepts ? "accepts" : "rejects (" + k.reason + ")",
                                   explanation.empty() ? "UNEXPLAINED" : explanation);
    }
  }
  std::cout << fmt::format("{} programs loaded into Linux ({} rejections located at the expected C line); bpfcert and "
                           "the kernel agree on {}, disagree on {}:\n",
                           loaded, located, agree, loaded - agree)
            << disagreements.str();
  EXPECT_GE(loaded, 80u);
}

// Without CAP_PERFMON Linux forbids pointer leaks; tracing types cannot be loaded at all.
TEST(KernelDifferential, UnprivilegedModeAppliesTheChecksOfLoadersWithoutPerfmon) {
  if (const std::string why = corpus_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  std::string why;
  if (!loader::kernel::loading_available(&why)) GTEST_SKIP() << "kernel loading not permitted: " << why;
  auto load = [](const std::string& name, bool unprivileged) {
    auto obj = loader::load_object_file(std::string(BPFCERT_PROGRAMS_OUT) + "/" + name + ".o");
    EXPECT_TRUE(obj.ok());
    const auto& p = obj->programs.at(0);
    loader::kernel::KernelLoadOptions options;
    options.unprivileged = unprivileged;
    return loader::kernel::load_object_program(*obj, p, options);
  };
  EXPECT_EQ(load("wrong_pointer_leak_map", false).status, KernelStatus::Accepted);
  const auto leak = load("wrong_pointer_leak_map", true);
  EXPECT_EQ(leak.status, KernelStatus::Rejected);
  EXPECT_NE(leak.reason.find("leaks addr"), std::string::npos) << leak.reason;
  EXPECT_EQ(load("xdp_pass", true).status, KernelStatus::Accepted);
  const auto kprobe = load("kprobe_count_calls", true);
  EXPECT_EQ(kprobe.status, KernelStatus::Unavailable);
  EXPECT_NE(kprobe.reason.find("CAP_PERFMON"), std::string::npos) << kprobe.reason;
}

}  // namespace
}  // namespace bpfcert::tests
