// End to end through the command: exit codes, the text report, the JSON report validated
// against reports/schemas/verification-1.schema.json, and the SARIF 2.1.0 report.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "reports/json_schema.h"

namespace bpfcert::testing {
namespace {

namespace fs = std::filesystem;

struct CommandRun {
  int exit_code = -1;
  std::string out;
};

CommandRun run(const std::string& args) {
  const std::string cmd = std::string(BPFCERT_BINARY_DIR) + "/cli/bpfcert verify " + args + " 2>&1";
  CommandRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

fs::path temp(const std::string& name) { return fs::temp_directory_path() / ("bpfcert-verify-test-" + name); }

std::string corpus(const std::string& name) { return std::string(BPFCERT_CORPUS_DIR) + "/verifier/" + name; }

// The published schema file, checked with the validator `bpfcert report validate` uses.
struct PublishedSchema {
  nlohmann::json schema = read_json(fs::path(BPFCERT_SOURCE_DIR) / "reports/schemas/verification-1.schema.json");
  std::vector<std::string> validate(const nlohmann::json& doc) const { return reports::validate_json(schema, doc); }
};
PublishedSchema schema() { return {}; }

TEST(VerifyCommand, AcceptedExitsZeroAndJsonValidates) {
  const fs::path json = temp("accept.json");
  const CommandRun r = run(corpus("gen-loop-nested.data") + " --json " + json.string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("accepted"), std::string::npos) << r.out;
  const nlohmann::json j = read_json(json);
  EXPECT_EQ(j["schema"], "bpfcert/verification/1");
  EXPECT_EQ(j["verdict"], "accepted");
  EXPECT_TRUE(j.contains("exit_r0"));
  ASSERT_EQ(j["loops"].size(), 2u);
  EXPECT_FALSE(j["loops"][0]["bound"].is_null());
  const auto errors = schema().validate(j);
  EXPECT_TRUE(errors.empty()) << errors.front();
}

TEST(VerifyCommand, RejectedExitsOneWithFindingsAndInvariants) {
  const fs::path json = temp("reject.json");
  const CommandRun r = run(corpus("gen-mem-load4-at15.data") + " --print-invariants --json " + json.string());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  // The text names the check, shows the instruction and the registers' abstract values.
  EXPECT_NE(r.out.find("error[mem.bounds]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ldxw %r0, [%r1+15]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("r1 = mem+0"), std::string::npos) << r.out;
  const nlohmann::json j = read_json(json);
  EXPECT_EQ(j["verdict"], "rejected");
  ASSERT_EQ(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["check"], "mem.bounds");
  EXPECT_EQ(j["findings"][0]["pc"], 0);
  EXPECT_GT(j["findings"][0]["line"].get<int>(), 0);
  ASSERT_TRUE(j.contains("invariants"));
  EXPECT_EQ(j["invariants"].size(), 2u);
  const auto errors = schema().validate(j);
  EXPECT_TRUE(errors.empty()) << errors.front();
}

TEST(VerifyCommand, SchemaRejectsAMalformedReport) {
  const fs::path json = temp("malformed.json");
  ASSERT_EQ(run(corpus("gen-loop-nested.data") + " --json " + json.string()).exit_code, 0);
  nlohmann::json j = read_json(json);
  j["verdict"] = "maybe";
  j["statistics"].erase("seconds");
  EXPECT_EQ(schema().validate(j).size(), 2u);
}

TEST(VerifyCommand, SarifLocatesFindingsByLine) {
  const fs::path asm_file = temp("prog.asm");
  {
    std::ofstream out(asm_file);
    out << "# comment line\n"
           "    mov %r0, 0\n"
           "label:\n"
           "    ldxdw %r0, [%r10-8]   # uninitialised\n"
           "    exit\n";
  }
  const fs::path sarif = temp("out.sarif");
  const CommandRun r = run(asm_file.string() + " --sarif " + sarif.string());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  const nlohmann::json j = read_json(sarif);
  EXPECT_EQ(j["version"], "2.1.0");
  const auto& run0 = j["runs"][0];
  EXPECT_EQ(run0["tool"]["driver"]["name"], "bpfcert");
  EXPECT_FALSE(run0["tool"]["driver"]["rules"].empty());
  ASSERT_EQ(run0["results"].size(), 1u);
  const auto& res = run0["results"][0];
  EXPECT_EQ(res["ruleId"], "stack.uninit");
  EXPECT_EQ(res["level"], "error");
  const auto& rule = run0["tool"]["driver"]["rules"][res["ruleIndex"].get<size_t>()];
  EXPECT_EQ(rule["id"], "stack.uninit");
  const auto& loc = res["locations"][0]["physicalLocation"];
  // Outside the source root (the working directory), a path stays absolute, as a file:// URI.
  EXPECT_EQ(loc["artifactLocation"]["uri"], "file://" + asm_file.string());
  EXPECT_EQ(loc["region"]["startLine"], 4);
}

TEST(VerifyCommand, SarifLocatesBytecodeByOffset) {
  const fs::path bin = temp("prog.bin");
  {
    // mov r0, 0 ; ldxdw r0, [r10-8] ; exit
    const unsigned char bytes[] = {0xb7, 0, 0, 0, 0, 0, 0, 0, 0x79, 0xa0, 0xf8, 0xff, 0, 0, 0, 0,
                                   0x95, 0, 0, 0, 0, 0, 0, 0};
    std::ofstream out(bin, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes), sizeof bytes);
  }
  const fs::path sarif = temp("bin.sarif");
  EXPECT_EQ(run(bin.string() + " --sarif " + sarif.string()).exit_code, 1);
  const nlohmann::json j = read_json(sarif);
  const auto& region = j["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
  EXPECT_EQ(region["byteOffset"], 8);
  EXPECT_EQ(region["byteLength"], 8);
}

TEST(VerifyCommand, InputErrorsExitTwo) {
  EXPECT_EQ(run("/nonexistent/file.asm").exit_code, 2);
  EXPECT_EQ(run(corpus("gen-loop-nested.data") + " --platform nowhere").exit_code, 2);
  EXPECT_EQ(run(corpus("gen-loop-nested.data") + " --program-type nothing").exit_code, 2);
  const fs::path bad = temp("bad.asm");
  {
    std::ofstream out(bad);
    out << "mov %r0, 0\n";  // falls off the end
  }
  EXPECT_EQ(run(bad.string()).exit_code, 2);
}

TEST(VerifyCommand, AssemblerDirectivesDeclareMapsAndMemory) {
  // "# @bpfcert map ..." and "# @bpfcert mem-size N" in assembler text, as in .data files.
  EXPECT_EQ(run(corpus("hand-llvm-map-counter.asm")).exit_code, 0);
  EXPECT_EQ(run(corpus("hand-llvm-sum-memory.asm")).exit_code, 0);
  EXPECT_EQ(run(corpus("hand-llvm-sum-memory-overrun.asm")).exit_code, 1);
}

TEST(VerifyCommand, MemorySizeOptionDecides) {
  const fs::path asm_file = temp("mem.asm");
  {
    std::ofstream out(asm_file);
    out << "ldxdw %r0, [%r1+8]\nexit\n";
  }
  EXPECT_EQ(run(asm_file.string() + " --mem-size 16").exit_code, 0);
  EXPECT_EQ(run(asm_file.string() + " --mem-size 15").exit_code, 1);
  EXPECT_EQ(run(asm_file.string() + " --mem \"00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\"").exit_code, 0);
}

}  // namespace
}  // namespace bpfcert::testing
