// bpfcert precision as a user runs it: the table, the JSON report against its schema, exit codes.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "reports/json_schema.h"
#include "tests/cli/cli_fixture.h"

namespace {

using bpfcert::cli::test_support::Cli;
using bpfcert::cli::test_support::Output;
using bpfcert::cli::test_support::slurp;

using PrecisionCommand = Cli;

TEST_F(PrecisionCommand, SmallRunPrintsTheTableAndWritesAReportThatFollowsTheSchema) {
  const std::string json = (dir_ / "p.json").string();
  const Output o =
      run("precision --op add,jlt32 --op widen --width 4 --interval-width 2 --samples 50 --jobs 2 --json " + json);
  EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("optimal%"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("every compared result sound"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("not-applicable"), std::string::npos) << o.out;  // widen says why it is not measured
  EXPECT_NE(o.err.find("precision: jlt32 measured"), std::string::npos) << o.err;
  const nlohmann::json j = nlohmann::json::parse(slurp(json));
  const auto errors =
      bpfcert::reports::validate_json(nlohmann::json::parse(bpfcert::reports::published_schema("precision-1")), j);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors.front());
  const std::string command = j["command"].get<std::string>();
  EXPECT_EQ(command.rfind("bpfcert precision --width 4 --interval-width 2", 0), 0u) << command;
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

TEST_F(PrecisionCommand, UsageErrorsExitTwo) {
  const Output unknown = run("precision --op add,frobnicate");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown operator \"frobnicate\""), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("valid names: add32 add"), std::string::npos) << unknown.err;
  EXPECT_EQ(run("precision --width 5").exit_code, 2);
  EXPECT_EQ(run("precision --jobs 0").exit_code, 2);
  const Output help = run("precision --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--interval-width"), std::string::npos) << help.out;
}

}  // namespace
