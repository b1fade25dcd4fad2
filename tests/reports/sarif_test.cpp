// SARIF that resolves wherever it is opened: paths relative to the source root with
// originalUriBaseIds, helpUri and help per rule, several programs in one run.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "reports/verification_report.h"

namespace {

using namespace bpfcert::reports;
namespace fs = std::filesystem;

VerificationReport report(const std::string& input) {
  VerificationReport r;
  r.tool_version = "0.1.0";
  r.input = input;
  r.input_kind = "elf";
  r.platform = "linux";
  r.program_type = "xdp";
  r.checks = {{"mem.bounds", "error", "an access that may fall outside its region", "compare with data_end"},
              {"cfg.unreachable", "warning", "instructions no path reaches", ""}};
  VerificationFinding f;
  f.check = "mem.bounds";
  f.severity = "error";
  f.pc = 4;
  f.message = "read of 1 byte past the packet";
  f.source_file = (fs::current_path() / "src dir" / "prog.c").string();
  f.line = 12;
  f.column = 9;
  f.source_text = "  return eth->h_proto;";
  r.findings.push_back(f);
  return r;
}

TEST(Sarif, PathsUnderTheSourceRootAreRelativeWithABaseId) {
  const auto s = to_sarif(report("build/prog.o"));
  const auto& run = s["runs"][0];
  const std::string root = fs::current_path().generic_string();
  EXPECT_EQ(run["originalUriBaseIds"]["SRCROOT"]["uri"], "file://" + root + "/");
  const auto& loc = run["results"][0]["locations"][0]["physicalLocation"];
  EXPECT_EQ(loc["artifactLocation"]["uri"], "src%20dir/prog.c");
  EXPECT_EQ(loc["artifactLocation"]["uriBaseId"], "SRCROOT");
  EXPECT_EQ(loc["region"]["startLine"], 12);
  EXPECT_EQ(loc["region"]["startColumn"], 9);
  EXPECT_EQ(run["artifacts"][0]["location"]["uri"], "build/prog.o");
}

TEST(Sarif, PathsOutsideTheSourceRootStayAbsolute) {
  SarifOptions o;
  o.source_root = (fs::current_path() / "src dir").string();
  const auto s = to_sarif(report("/elsewhere/prog.o"), o);
  const auto& run = s["runs"][0];
  EXPECT_EQ(run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "prog.c");
  EXPECT_EQ(run["artifacts"][0]["location"]["uri"], "file:///elsewhere/prog.o");
  EXPECT_FALSE(run["artifacts"][0]["location"].contains("uriBaseId"));
}

TEST(Sarif, EveryRuleHasAHelpUriAndHelp) {
  const auto s = to_sarif(report("p.o"));
  const auto& rules = s["runs"][0]["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0]["helpUri"], std::string(kDocsUrl) + "/checks.md#mem.bounds");
  EXPECT_NE(rules[0]["help"]["text"].get<std::string>().find("compare with data_end"), std::string::npos);
  EXPECT_EQ(rules[1]["help"]["text"], "instructions no path reaches");
  EXPECT_EQ(s["runs"][0]["results"][0]["ruleIndex"], 0);
}

TEST(Sarif, ProgramsOfOneObjectShareARunAndNameTheirProgram) {
  VerificationReport a = report("p.o"), b = report("p.o");
  a.program_name = "xdp_a";
  a.section = "xdp";
  b.program_name = "xdp_b";
  b.section = "xdp/b";
  b.accepted = true;
  const auto s = to_sarif(std::vector<VerificationReport>{a, b});
  const auto& run = s["runs"][0];
  ASSERT_EQ(run["results"].size(), 2u);
  EXPECT_EQ(run["results"][1]["properties"]["program"], "xdp_b");
  EXPECT_EQ(run["results"][1]["properties"]["section"], "xdp/b");
  EXPECT_EQ(run["results"][0]["partialFingerprints"]["bpfcertCheckPc/v1"], "xdp_a:mem.bounds:4");
  EXPECT_EQ(run["properties"]["verdict"], "rejected");
  EXPECT_EQ(run["artifacts"].size(), 2u);  // the object and the C file, once each
}

TEST(Sarif, TextSummaryUsesSingularsForOne) {
  VerificationReport r = report("p.o");
  r.statistics.instructions = 1;
  r.statistics.subprograms = 1;
  r.statistics.loops = 2;
  const std::string text = to_text(r);
  EXPECT_NE(text.find("1 instruction, 0 blocks, 2 loops, 1 subprogram;"), std::string::npos) << text;
}

}  // namespace
