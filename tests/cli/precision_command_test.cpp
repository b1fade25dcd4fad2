// bpfcert precision as a user runs it: the table, the JSON report against its schema, exit codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "conformance/subprocess.h"
#include "reports/json_schema.h"

namespace bpfcert::conformance {
namespace {

namespace fs = std::filesystem;

ProcessResult bpfcert(std::vector<std::string> args) {
  args.insert(args.begin(), BPFCERT_CLI);
  ProcessLimits limits;
  limits.timeout_seconds = 120;
  limits.max_output = 64 << 20;
  return run_process(args, "", limits);
}

TEST(PrecisionCommand, SmallRunPrintsTheTableAndWritesAReportThatFollowsTheSchema) {
  const fs::path json = fs::temp_directory_path() / ("bpfcert_precision_" + std::to_string(::getpid()) + ".json");
  const auto p = bpfcert({"precision", "--op", "add,jlt32", "--op", "widen", "--width", "4", "--interval-width", "2",
                          "--samples", "50", "--jobs", "2", "--json", json.string()});
  EXPECT_EQ(p.exit_code, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("optimal%"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("every compared result sound"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("not-applicable"), std::string::npos) << p.out;  // widen says why it is not measured
  EXPECT_NE(p.err.find("precision: jlt32 measured"), std::string::npos) << p.err;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  fs::remove(json);
  const auto errors = reports::validate_json(nlohmann::json::parse(reports::published_schema("precision-1")), j);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors.front());
  EXPECT_EQ(j["command"].get<std::string>().rfind("bpfcert precision --width 4 --interval-width 2", 0), 0u) << j["command"];
  EXPECT_EQ(j["operators"].size(), 3u);
  bool sampled = false, add_tnum = false;
  for (const auto& r : j["results"]) {
    sampled = sampled || r["mode"] == "sampled";
    if (r["operator"] == "add" && r["component"] == "tnum") {
      add_tnum = true;
      EXPECT_EQ(r["compared"], 81 * 81);
      EXPECT_EQ(r["optimal"], 81 * 81);
    }
  }
  EXPECT_TRUE(sampled);  // u64 / s64 at 4 bits are sampled when exhaustive pairs are at 2 bits
  EXPECT_TRUE(add_tnum);
}

TEST(PrecisionCommand, UsageErrorsExitTwo) {
  const auto unknown = bpfcert({"precision", "--op", "add,frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown operator \"frobnicate\""), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("valid names: add32 add"), std::string::npos) << unknown.err;
  EXPECT_EQ(bpfcert({"precision", "--width", "5"}).exit_code, 2);
  EXPECT_EQ(bpfcert({"precision", "--jobs", "0"}).exit_code, 2);
  const auto help = bpfcert({"precision", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--interval-width"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace bpfcert::conformance
