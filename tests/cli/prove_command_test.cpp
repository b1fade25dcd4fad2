// bpfcert prove as a user runs it: exit 0 only when everything asked for is proven, 1 when a
// statement is refuted or unresolved (a timeout is not a proof), 2 on usage errors; the JSON
// report validates against its published schema.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/json_schema.h"
#include "tests/cli/cli_fixture.h"

namespace {

using bpfcert::cli::test_support::Cli;
using bpfcert::cli::test_support::Output;
using bpfcert::cli::test_support::slurp;

class ProveCommand : public Cli {
 protected:
  nlohmann::json report(const std::string& name) {
    const nlohmann::json j = nlohmann::json::parse(slurp(dir_ / name));
    const auto errors = bpfcert::reports::validate_json(nlohmann::json::parse(bpfcert::reports::published_schema("proof-1")), j);
    std::string all;
    for (const std::string& e : errors) all += "\n  " + e;
    EXPECT_TRUE(errors.empty()) << all;
    return j;
  }
};

TEST_F(ProveCommand, ProvesAnOperatorAndTheReductionItRestsOn) {
  const Output o = run("prove --op add --width 8 --jobs 2 --json " + (dir_ / "r.json").string());
  EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
  const nlohmann::json j = report("r.json");
  EXPECT_EQ(j["schema"], "bpfcert/proof/1");
  EXPECT_TRUE(j["summary"]["complete"].get<bool>());
  std::set<std::string> names;
  for (const auto& op : j["operators"]) {
    names.insert(op["name"].get<std::string>());
    EXPECT_EQ(op["status"], "proven");
    EXPECT_EQ(op["proven_width"], 8);
  }
  EXPECT_EQ(names, (std::set<std::string>{"add", "sync"}));
  EXPECT_NE(o.out.find("everything asked for is proven"), std::string::npos) << o.out;
  EXPECT_FALSE(j["z3_version"].get<std::string>().empty());
}

TEST_F(ProveCommand, ATimeoutIsNotAProof) {
  const Output o = run("prove --op div --width 64 --timeout 0.01 --json " + (dir_ / "r.json").string());
  EXPECT_EQ(o.exit_code, 1) << o.out << o.err;
  const nlohmann::json j = report("r.json");
  EXPECT_FALSE(j["summary"]["complete"].get<bool>());
  EXPECT_GT(j["summary"]["unresolved"].get<int>(), 0);
  for (const auto& op : j["operators"]) {
    if (op["name"] == "div") {
      EXPECT_EQ(op["status"], "incomplete");
    }
  }
}

// The tnum of mul32 is proven at 64 bits by induction (tnum_mul.* lemmas) even though its
// monolithic statements do not finish there: the report says so, and still does not call the
// operator proven.
TEST_F(ProveCommand, ReportsTheTnumOfMultiplicationProvenByInduction) {
  const Output o = run("prove --op mul32 --width 64 --timeout 2 --jobs 2 --json " + (dir_ / "r.json").string());
  EXPECT_EQ(o.exit_code, 1) << o.out << o.err;
  const nlohmann::json j = report("r.json");
  bool seen = false;
  for (const auto& op : j["operators"]) {
    if (op["name"] != "mul32") continue;
    seen = true;
    EXPECT_EQ(op["tnum_by_induction_width"], 64);
    EXPECT_EQ(op["status"], "incomplete");
  }
  EXPECT_TRUE(seen);
  size_t lemmas = 0;
  for (const auto& ob : j["obligations"]) {
    if (ob["lemma"].get<std::string>().rfind("tnum_mul.", 0) != 0) continue;
    ++lemmas;
    EXPECT_EQ(ob["proven_width"], 64) << ob["lemma"] << " " << ob["component"];
  }
  EXPECT_EQ(lemmas, 8u);
  EXPECT_NE(o.out.find("mul32: tnum proven at 64 bits by induction"), std::string::npos) << o.out;
}

TEST_F(ProveCommand, UsageErrors) {
  Output o = run("prove --op nosuch");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("unknown operator 'nosuch'"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("add32"), std::string::npos) << o.err;  // lists the valid names
  o = run("prove --width 12");
  EXPECT_EQ(o.exit_code, 2);
  o = run("prove --quick --width 8");
  EXPECT_EQ(o.exit_code, 2);
  o = run("prove --help");
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_NE(o.out.find("--counterexamples"), std::string::npos);
}

}  // namespace
