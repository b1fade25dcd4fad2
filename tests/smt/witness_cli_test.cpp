// `bpfcert verify --witness` end to end: the text line per finding, the JSON witness validated
// against the published schemas (plain and object reports), SARIF's witness property, and no
// witness without the flag.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
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

nlohmann::json schema(const char* name) {
  return read_json(fs::path(BPFCERT_SOURCE_DIR) / "reports/schemas" / (std::string(name) + ".schema.json"));
}

fs::path temp(const std::string& name) { return fs::temp_directory_path() / ("bpfcert-witness-test-" + name); }

fs::path write_asm(const std::string& name, const std::string& text) {
  const fs::path p = temp(name);
  std::ofstream(p) << text;
  return p;
}

const char* kOutOfBounds =
    "# @bpfcert mem-size 16\n"
    "    ldxb %r3, [%r1+0]\n"
    "    and %r3, 31\n"
    "    add %r1, %r3\n"
    "    ldxb %r0, [%r1+0]\n"
    "    exit\n";

TEST(WitnessCommand, ConfirmedWitnessInTextJsonAndSarif) {
  const fs::path prog = write_asm("oob.asm", kOutOfBounds);
  const fs::path json = temp("oob.json"), sarif = temp("oob.sarif");
  const CommandRun r = run(prog.string() + " --witness --json " + json.string() + " --sarif " + sarif.string());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("    witness: confirmed: mem = "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("replay: trap out-of-bounds at pc 3"), std::string::npos) << r.out;
  const nlohmann::json j = read_json(json);
  const auto errors = reports::validate_json(schema("verification-1"), j);
  EXPECT_TRUE(errors.empty()) << errors.front();
  const nlohmann::json& w = j["findings"][0]["witness"];
  EXPECT_EQ(w["status"], "confirmed");
  EXPECT_EQ(w["depth"], 8);
  EXPECT_EQ(w["input"]["memory"].get<std::string>().size(), 16u * 3 - 1);
  EXPECT_EQ(w["replay"]["trap"], "out-of-bounds");
  EXPECT_EQ(w["replay"]["pc"], 3);
  const nlohmann::json s = read_json(sarif);
  const nlohmann::json& res = s["runs"][0]["results"][0];
  EXPECT_EQ(res["properties"]["witness"]["status"], "confirmed");
  EXPECT_NE(res["message"]["text"].get<std::string>().find("Witness: confirmed"), std::string::npos);
}

TEST(WitnessCommand, DepthDecidesAndTheTextSaysWithinK) {
  const fs::path prog = write_asm("loop.asm",
                                  "# @bpfcert mem-size 10\n"
                                  "    ldxb %r3, [%r1+0]\n"
                                  "    mov %r2, 0\n"
                                  "loop:\n"
                                  "    add %r2, 1\n"
                                  "    jgt %r3, %r2, loop\n"
                                  "    jgt %r2, 200, out\n"
                                  "    add %r1, %r2\n"
                                  "    ldxb %r0, [%r1+0]\n"
                                  "    exit\n"
                                  "out:\n"
                                  "    mov %r0, 0\n"
                                  "    exit\n");
  const CommandRun shallow = run(prog.string() + " --witness");
  EXPECT_NE(shallow.out.find("witness: not confirmed within k=8 (possible false alarm)"), std::string::npos) << shallow.out;
  const CommandRun deep = run(prog.string() + " --witness --witness-depth 16 --witness-timeout 20");
  EXPECT_NE(deep.out.find("witness: confirmed: mem = 0a"), std::string::npos) << deep.out;
}

TEST(WitnessCommand, NoWitnessWithoutTheFlagAndBadFlagsExitTwo) {
  const fs::path prog = write_asm("plain.asm", kOutOfBounds);
  const fs::path json = temp("plain.json");
  const CommandRun r = run(prog.string() + " --json " + json.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.find("witness:"), std::string::npos) << r.out;
  EXPECT_FALSE(read_json(json)["findings"][0].contains("witness"));
  EXPECT_EQ(run(prog.string() + " --witness --witness-timeout -1").exit_code, 2);
}

TEST(WitnessCommand, ObjectReportCountsWitnessesAndValidates) {
  const fs::path obj = fs::path(BPFCERT_BINARY_DIR) / "corpus/programs/wrong_xdp_off_by_one.o";
  if (!fs::exists(obj)) GTEST_SKIP() << "corpus/programs not built (clang-19 missing)";
  const fs::path json = temp("obj.json"), sarif = temp("obj.sarif");
  const CommandRun r = run(obj.string() + " --witness --json " + json.string() + " --sarif " + sarif.string());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("witness: confirmed: packet = "), std::string::npos) << r.out;
  const nlohmann::json j = read_json(json);
  auto errors = reports::validate_json(schema("object-verification-1"), j);
  EXPECT_TRUE(errors.empty()) << errors.front();
  const nlohmann::json& p = j["programs"][0];
  EXPECT_EQ(p["witnesses"]["confirmed"], 1);
  errors = reports::validate_json(schema("verification-1"), p["report"]);
  EXPECT_TRUE(errors.empty()) << errors.front();
  const nlohmann::json s = read_json(sarif);
  const nlohmann::json& props = s["runs"][0]["results"][0]["properties"];
  EXPECT_EQ(props["program"], "xdp_off_by_one");  // the object's properties sit beside the witness
  EXPECT_EQ(props["witness"]["status"], "confirmed");
}

}  // namespace
}  // namespace bpfcert::testing
