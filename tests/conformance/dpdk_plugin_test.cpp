// DPDK's eBPF VM (librte_bpf 22.11) through plugins/dpdk: its known bugs are reported as bugs,
// apart from its refusals and from the ABI differences it declares. Skips when libdpdk-dev was
// not installed at build time (the plugin is then not built).
#include <gtest/gtest.h>

#include <map>

#include "conformance/plugin_target.h"
#include "conformance/runner.h"

namespace bpfcert::conformance {
namespace {

std::map<std::string, reports::ConformanceTest> run_dpdk(bool jit, const std::string& regex) {
  std::vector<std::string> options;
  if (jit) options.emplace_back("--jit");
  PluginTarget plugin(BPFCERT_DPDK_PLUGIN, options);
  RunnerOptions o;
  o.test_paths = {BPFCERT_CORPUS_DIR "/conformance"};
  o.groups = *claimed_groups(std::string("all"), std::nullopt);
  o.abi = *declared_abi("no-r2,packet-mbuf");
  o.include_regex = regex;
  o.jobs = 2;
  auto r = run_conformance(plugin, o);
  EXPECT_TRUE(r.ok());
  std::map<std::string, reports::ConformanceTest> out;
  if (r.ok()) {
    for (const auto& t : r->tests) out[t.name] = t;
  }
  return out;
}

class DpdkPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(BPFCERT_DPDK_PLUGIN).empty()) GTEST_SKIP() << "libdpdk-dev not installed: bpfcert-dpdk-plugin not built";
  }
};

const char* const kBugTests =
    "^(byteswap/le16_of_8877665544332211|byteswap/le32_of_8877665544332211|jmp/jset_imm_zero_vs_zero_not_taken|"
    "divmul64/div_imm_int_min_by_minus_1_unsigned|negative/ja_to_end_exactly|negative/lddw_second_slot_opcode_nonzero|"
    "divmul32/mod32_reg_by_zero_from_memory_program_goes_on|jmp32/jeq32_imm_equal_taken|abi/r2_holds_memory_length|"
    "packet/ldabsw_offset_4|alu64/add_imm_one_plus_one|divmul32/div32_imm_by_zero_gives_0)$";

TEST_F(DpdkPlugin, InterpreterBugsAreBugsAndRefusalsAreRefusals) {
  auto t = run_dpdk(false, kBugTests);
  ASSERT_EQ(t.size(), 12u);
  // le16 / le32 do not truncate in the interpreter.
  EXPECT_EQ(t["byteswap/le16_of_8877665544332211"].outcome, "wrong");
  EXPECT_EQ(t["byteswap/le16_of_8877665544332211"].like_mutants, std::vector<std::string>{"size:le16>le64"});
  EXPECT_EQ(t["byteswap/le32_of_8877665544332211"].outcome, "wrong");
  // The validator divides the constants it tracks in C: SIGFPE on INT64_MIN / -1.
  EXPECT_EQ(t["divmul64/div_imm_int_min_by_minus_1_unsigned"].outcome, "crashed");
  // A jump to one past the last instruction corrupts the validator's heap.
  EXPECT_EQ(t["negative/ja_to_end_exactly"].outcome, "crashed");
  // LDDW's second slot is never validated.
  EXPECT_EQ(t["negative/lddw_second_slot_opcode_nonzero"].outcome, "accepted-invalid");
  // A zero divisor known only at run time ends the whole program with 0.
  EXPECT_EQ(t["divmul32/mod32_reg_by_zero_from_memory_program_goes_on"].outcome, "wrong");
  // What DPDK does not have, refuses by policy, or cannot be given.
  EXPECT_EQ(t["jmp32/jeq32_imm_equal_taken"].outcome, "refused");
  EXPECT_EQ(t["divmul32/div32_imm_by_zero_gives_0"].outcome, "refused");
  EXPECT_EQ(t["abi/r2_holds_memory_length"].outcome, "abi-difference");
  EXPECT_EQ(t["packet/ldabsw_offset_4"].outcome, "abi-difference");
  EXPECT_EQ(t["alu64/add_imm_one_plus_one"].outcome, "passed");
  // The JIT truncates where the interpreter does not, and its jset is the bug instead.
  EXPECT_EQ(t["jmp/jset_imm_zero_vs_zero_not_taken"].outcome, "passed");
}

TEST_F(DpdkPlugin, JitBugsAreBugs) {
  auto t = run_dpdk(true, kBugTests);
  ASSERT_EQ(t.size(), 12u);
  // jset with a small immediate is encoded as test r64, imm32 plus a stray byte.
  EXPECT_EQ(t["jmp/jset_imm_zero_vs_zero_not_taken"].outcome, "wrong");
  EXPECT_EQ(t["byteswap/le16_of_8877665544332211"].outcome, "passed");
  EXPECT_EQ(t["divmul64/div_imm_int_min_by_minus_1_unsigned"].outcome, "crashed");
  EXPECT_EQ(t["negative/lddw_second_slot_opcode_nonzero"].outcome, "accepted-invalid");
  EXPECT_EQ(t["divmul32/mod32_reg_by_zero_from_memory_program_goes_on"].outcome, "wrong");
  EXPECT_EQ(t["jmp32/jeq32_imm_equal_taken"].outcome, "refused");
}

}  // namespace
}  // namespace bpfcert::conformance
