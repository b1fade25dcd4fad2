// The command line on BPF ELF objects: options that do not apply to objects are refused
// (a silently ignored --platform or --mem-size once gave exit 0), and run --json.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "reports/json_schema.h"
#include "tests/linux/corpus_support.h"

namespace bpfcert::tests {
namespace {

struct Command {
  int exit_code = -1;
  std::string out;  // standard output and standard error
};

Command bpfcert(const std::string& args) {
  const std::string cmd = std::string(BPFCERT_BINARY_DIR) + "/cli/bpfcert " + args + " 2>&1";
  Command c;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return c;
  std::array<char, 4096> buf;
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) c.out.append(buf.data(), n);
  const int status = pclose(p);
  c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return c;
}

std::string object(const std::string& name) { return std::string(BPFCERT_PROGRAMS_OUT) + "/" + name + ".o"; }
std::string tmp(const std::string& name) { return std::string(BPFCERT_BINARY_DIR) + "/tests/linux/" + name; }

class CliOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = corpus_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_F(CliOptions, VerifyRefusesOptionsObjectsDoNotTake) {
  const std::string o = object("xdp_pass");
  const Command linx = bpfcert("verify " + o + " --platform linx");
  EXPECT_EQ(linx.exit_code, 2) << linx.out;
  EXPECT_NE(linx.out.find("did you mean 'linux'?"), std::string::npos) << linx.out;
  const Command conformance = bpfcert("verify " + o + " --platform conformance");
  EXPECT_EQ(conformance.exit_code, 2) << conformance.out;
  EXPECT_NE(conformance.out.find("verified on the linux platform"), std::string::npos) << conformance.out;
  EXPECT_EQ(bpfcert("verify " + o + " --platform linux").exit_code, 0);
  for (const std::string opt : {"--mem-size 4", "--mem '00'", "--syntax llvm", "--allow-extensions"}) {
    const Command c = bpfcert("verify " + o + " " + opt);
    EXPECT_EQ(c.exit_code, 2) << opt << ": " << c.out;
    EXPECT_NE(c.out.find("does not apply to BPF ELF objects"), std::string::npos) << c.out;
  }
  const Command type = bpfcert("verify " + o + " --program-type xpd");
  EXPECT_EQ(type.exit_code, 2) << type.out;
  EXPECT_NE(type.out.find("no program type 'xpd'"), std::string::npos) << type.out;
}

TEST_F(CliOptions, RunRefusesOptionsObjectsDoNotTake) {
  std::ofstream(tmp("opt.hex")) << "02 00 00 00 00 01 02 00 00 00 00 02 86 dd 60 00 00 00\n";
  const std::string args = "run " + object("xdp_drop_ipv6") + " --packet " + tmp("opt.hex");
  for (const std::string opt : {"--mem '00'", "--syntax llvm", "--jit --unchecked"}) {
    const Command c = bpfcert(args + " " + opt);
    EXPECT_EQ(c.exit_code, 2) << opt << ": " << c.out;
    EXPECT_NE(c.out.find("does not apply to BPF ELF objects"), std::string::npos) << c.out;
  }
}

TEST_F(CliOptions, RunJsonOnObjectsNamesThePacketAndTheVerdict) {
  std::ofstream(tmp("two.hex")) << "02 00 00 00 00 01 02 00 00 00 00 02 86 dd 60 00 00 00\n"
                                << "02 00 00 00 00 01 02 00 00 00 00 02 08 00 45 00 00 00\n";
  const Command c = bpfcert("run " + object("xdp_drop_ipv6") + " --packet " + tmp("two.hex") + " --json " + tmp("run.json"));
  ASSERT_EQ(c.exit_code, 0) << c.out;
  const auto j = nlohmann::json::parse(std::ifstream(tmp("run.json")));
  const auto schema = nlohmann::json::parse(reports::published_schema("run-1"));
  EXPECT_EQ(reports::validate_json(schema, j), std::vector<std::string>{});
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][0]["packet"], 1);
  EXPECT_EQ(j["runs"][0]["verdict"], "XDP_DROP");
  EXPECT_EQ(j["runs"][1]["verdict"], "XDP_PASS");
  EXPECT_EQ(j["program"]["type"], "xdp");
  EXPECT_EQ(j["input"]["kind"], "elf");
}

TEST_F(CliOptions, ListJsonMatchesItsSchema) {
  const Command c = bpfcert("list " + object("xdp_tail_call") + " -q --json " + tmp("list.json"));
  ASSERT_EQ(c.exit_code, 0) << c.out;
  EXPECT_EQ(c.out, "");  // -q: the JSON file only
  const auto j = nlohmann::json::parse(std::ifstream(tmp("list.json")));
  const auto schema = nlohmann::json::parse(reports::published_schema("object-listing-1"));
  EXPECT_EQ(reports::validate_json(schema, j), std::vector<std::string>{});
  EXPECT_EQ(j["schema"], "bpfcert/object-listing/1");
}

TEST_F(CliOptions, SarifPathsAreRelativeToTheSourceRoot) {
  const std::string root = BPFCERT_PROGRAMS_SRC;
  const Command c = bpfcert("verify " + object("wrong_map_null_deref") + " -q --sarif " + tmp("r.sarif") + " --source-root " + root);
  ASSERT_EQ(c.exit_code, 1) << c.out;
  const auto s = nlohmann::json::parse(std::ifstream(tmp("r.sarif")));
  const auto& loc = s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
  EXPECT_EQ(loc["uri"], "wrong_map_null_deref.c");
  EXPECT_EQ(loc["uriBaseId"], "SRCROOT");
  EXPECT_EQ(s["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"], "file://" + root + "/");
}

TEST_F(CliOptions, FindingsOfCObjectsReadLikeClang) {
  const Command c = bpfcert("verify " + object("wrong_xdp_off_by_one"));
  ASSERT_EQ(c.exit_code, 1) << c.out;
  // The C line under its number, a caret under the column, and the instruction in the LLVM
  // syntax `bpfcert list --disasm` and llvm-objdump print.
  EXPECT_NE(c.out.find("wrong_xdp_off_by_one.c:11:12: pc 7: error[mem.bounds]:"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("   11 |   if (eth->h_proto == bpf_htons(ETH_P_ARP)) return XDP_DROP;"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("      |            ^\n"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("7: r1 = *(u8 *)(r1 + 13)"), std::string::npos) << c.out;
  // The help names the comparison that proves the access: bytes [0, 14), one more than the
  // program compared.
  EXPECT_NE(c.out.find("    help: prove the packet holds 14 bytes before this access: `if (data + 14 > data_end) "
                       "return XDP_DROP;`\n"),
            std::string::npos)
      << c.out;
  // The tnum and the packet range ids are verifier internals: only with -v.
  EXPECT_EQ(c.out.find("var#"), std::string::npos) << c.out;
  const Command json = bpfcert("verify " + object("wrong_xdp_off_by_one") + " -q --json -");
  EXPECT_NE(json.out.find("\"help\": \"prove the packet holds 14 bytes"), std::string::npos) << json.out;
  const Command list = bpfcert("list --disasm " + object("wrong_xdp_off_by_one"));
  EXPECT_NE(list.out.find("r1 = *(u8 *)(r1 + 13)"), std::string::npos) << list.out;
}

TEST_F(CliOptions, TheGraphOfACObjectShowsItsCLinesAndLlvmSyntax) {
  const Command c = bpfcert("verify " + object("wrong_xdp_off_by_one") + " -q --dot -");
  ASSERT_EQ(c.exit_code, 1) << c.out;
  EXPECT_TRUE(c.out.starts_with("digraph \"")) << c.out;
  EXPECT_NE(c.out.find("subgraph cluster_p0_program {\n    label=\"xdp_off_by_one (section xdp): rejected\""),
            std::string::npos)
      << c.out;
  // The error's block: its C line above its instructions, the finding written in it, filled red.
  const size_t block = c.out.find("; 11:   if (eth->h_proto == bpf_htons(ETH_P_ARP)) return XDP_DROP;");
  ASSERT_NE(block, std::string::npos) << c.out;
  const std::string line = c.out.substr(block, c.out.find('\n', block) - block);
  EXPECT_NE(line.find("   7: r1 = *(u8 *)(r1 + 13)\\l"), std::string::npos) << line;
  EXPECT_NE(line.find("error[mem.bounds] pc 7: "), std::string::npos) << line;
  EXPECT_NE(line.find("fillcolor=\"#ffd6d6\""), std::string::npos) << line;
}

TEST_F(CliOptions, APacketReadPastTheEndNamesThePacketAndItsColumn) {
  std::ofstream(tmp("short.hex")) << "02 00 00 00 00 01 02 00 00 00 00 02 86\n";  // 13 bytes: h_proto is cut
  const Command c = bpfcert("run " + object("wrong_xdp_no_bounds_check") + " --packet " + tmp("short.hex"));
  ASSERT_EQ(c.exit_code, 1) << c.out;
  EXPECT_NE(c.out.find("past the end of packet"), std::string::npos) << c.out;
  EXPECT_EQ(c.out.find("linux-context"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("wrong_xdp_no_bounds_check.c:8:"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("    8 | "), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("^\n"), std::string::npos) << c.out;
}

}  // namespace
}  // namespace bpfcert::tests
