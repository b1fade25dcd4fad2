// The kernel side of the differential: every corpus program is loaded into the running kernel
// (when this process may) and its verdict compared with the corpus' expectation. Where loading
// is not permitted the test skips and says why.
#include <gtest/gtest.h>

#include <iostream>

#include "tests/linux/corpus_support.h"
#include "verifier/elf/object.h"
#include "verifier/kernel/loader.h"
#include "verifier/platform/linux.h"

namespace bpfcert::tests {
namespace {

using verifier::kernel::KernelStatus;

TEST(KernelDifferential, KernelVerdictsMatchTheCorpusExpectations) {
  if (const std::string why = corpus_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  std::string why;
  if (!verifier::kernel::kernel_loading_available(&why)) GTEST_SKIP() << "kernel loading not permitted: " << why;
  size_t loaded = 0;
  for (const CorpusProgram& cp : corpus_programs()) {
    SCOPED_TRACE(cp.name);
    auto obj = verifier::elf::load_object_file(cp.object);
    ASSERT_TRUE(obj.ok()) << obj.error().to_string();
    for (const auto& p : obj->programs) {
      const auto* type = verifier::platform::program_type_for_section(p.section);
      ASSERT_NE(type, nullptr);
      verifier::kernel::KernelLoadOptions options;
      options.prog_type = type->linux_id;
      options.expected_attach_type = verifier::platform::expected_attach_type_for_section(p.section);
      const auto v = verifier::kernel::load_into_kernel(*obj, p, options);
      ASSERT_NE(v.status, KernelStatus::Unavailable) << v.reason;
      const bool expect = cp.kernel_accepts.value_or(cp.expect_accept);
      const bool accepted = v.status == KernelStatus::Accepted;
      EXPECT_EQ(accepted, expect)
          << p.name << ": kernel " << to_string(v.status) << ": " << v.reason;
      if (accepted) {
        EXPECT_TRUE(v.processed_insns.has_value());
      }
      ++loaded;
    }
  }
  EXPECT_GE(loaded, 80u);
}

}  // namespace
}  // namespace bpfcert::tests
