// Reports: written JSON validates against the published schema, survives a round trip and a
// shard merge; the validator catches violations; JUnit has one testcase per test.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "conformance/engine_target.h"
#include "conformance/runner.h"
#include "reports/conformance_report.h"
#include "reports/json_schema.h"
#include "test_util.h"

namespace bpfcert::conformance {
namespace {

using nlohmann::json;

json schema_file() {
  std::ifstream in(BPFCERT_SOURCE_DIR "/reports/schemas/conformance-2.schema.json");
  return json::parse(in);
}

reports::ConformanceReport sample_run(unsigned shard = 1, unsigned shards = 1) {
  testing::ScratchDir dir("bpfcert_report");
  EngineTarget interp(interp::EngineKind::Interpreter);
  RunnerOptions o;
  o.test_paths = {BPFCERT_CORPUS_DIR "/conformance"};
  o.include_regex = "^(alu32/add|negative/opcode|trap/ldxb|packet/)";
  o.shard_index = shard;
  o.shard_count = shards;
  o.tool_version = "test";
  return *run_conformance(interp, o);
}

TEST(ConformanceReport, CompiledInSchemaIsThePublishedFile) {
  ASSERT_NE(reports::published_schema("conformance-1"), nullptr);  // older reports still validate
  ASSERT_NE(reports::published_schema("conformance-2"), nullptr);
  EXPECT_EQ(json::parse(reports::published_schema("conformance-2")), schema_file());
  EXPECT_EQ(reports::published_schema("nope-1"), nullptr);
}

TEST(ConformanceReport, WrittenReportValidatesAgainstTheSchema) {
  const auto r = sample_run();
  ASSERT_GT(r.tests.size(), 10u);
  const json j = reports::to_json(r);
  const auto errors = reports::validate_json(schema_file(), j);
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(j["schema"], "bpfcert/conformance/2");
  EXPECT_EQ(j["summary"]["verdict"], "pass");
}

TEST(ConformanceReport, RoundTripsThroughJson) {
  const auto r = sample_run();
  reports::ConformanceReport back;
  ASSERT_FALSE(reports::from_json(reports::to_json(r), &back).has_value());
  EXPECT_EQ(reports::to_json(back), reports::to_json(r));
}

TEST(ConformanceReport, RejectsOtherSchemas) {
  reports::ConformanceReport r;
  EXPECT_TRUE(reports::from_json(json{{"schema", "bpfcert/verification/1"}}, &r).has_value());
  EXPECT_TRUE(reports::from_json(json::array(), &r).has_value());
}

TEST(ConformanceReport, ShardsMergeIntoTheFullRun) {
  const auto full = sample_run();
  std::vector<reports::ConformanceReport> parts{sample_run(1, 2), sample_run(2, 2)};
  reports::ConformanceReport merged;
  ASSERT_FALSE(reports::merge(parts, &merged).has_value());
  certify(merged);
  ASSERT_EQ(merged.tests.size(), full.tests.size());
  for (size_t i = 0; i < full.tests.size(); ++i) EXPECT_EQ(merged.tests[i].name, full.tests[i].name);
  EXPECT_EQ(reports::to_json(merged)["certification"], reports::to_json(full)["certification"]);
  EXPECT_TRUE(reports::validate_json(schema_file(), reports::to_json(merged)).empty());
}

TEST(ConformanceReport, MergeRefusesIncompleteOrOverlappingShards) {
  reports::ConformanceReport merged;
  EXPECT_TRUE(reports::merge({sample_run(1, 2)}, &merged).has_value());                  // shard 2/2 missing
  EXPECT_TRUE(reports::merge({sample_run(1, 2), sample_run(1, 2)}, &merged).has_value());  // twice
  auto other = sample_run(2, 2);
  other.target_kind = "plugin";
  EXPECT_TRUE(reports::merge({sample_run(1, 2), other}, &merged).has_value());
}

TEST(JsonSchema, CatchesViolations) {
  const json schema = schema_file();
  json j = reports::to_json(sample_run());
  auto invalid = [&](json bad) { return !reports::validate_json(schema, bad).empty(); };
  json a = j;
  a.erase("summary");
  EXPECT_TRUE(invalid(a));
  json b = j;
  b["tests"][0]["outcome"] = "maybe";
  EXPECT_TRUE(invalid(b));
  json c = j;
  c["extra"] = 1;
  EXPECT_TRUE(invalid(c));
  json d = j;
  d["seconds"] = "fast";
  EXPECT_TRUE(invalid(d));
  json e = j;
  e["started_at"] = "yesterday";
  EXPECT_TRUE(invalid(e));
  json f = j;
  f["options"]["jobs"] = 0;
  EXPECT_TRUE(invalid(f));
  json g = j;
  g["certification"]["groups"][0]["group"] = "base128";
  EXPECT_TRUE(invalid(g));
}

TEST(JsonSchema, UnsupportedKeywordsAreReported) {
  const json schema = {{"type", "object"}, {"oneOf", json::array()}};
  EXPECT_FALSE(reports::validate_json(schema, json::object()).empty());
}

TEST(Junit, OneTestcasePerTestWithGroupAsClassname) {
  auto r = sample_run();
  r.tests[0].outcome = "wrong";
  r.tests[0].message = "expected <1> & got \"2\"";
  const std::string xml = reports::to_junit(r);
  size_t cases = 0;
  for (size_t p = xml.find("<testcase "); p != std::string::npos; p = xml.find("<testcase ", p + 1)) ++cases;
  EXPECT_EQ(cases, r.tests.size());
  EXPECT_NE(xml.find("classname=\"base32\""), std::string::npos);
  EXPECT_NE(xml.find("classname=\"packet\""), std::string::npos);
  EXPECT_NE(xml.find("<failure message=\"wrong: expected &lt;1&gt; &amp; got &quot;2&quot;\" type=\"wrong\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<skipped"), std::string::npos);  // packet is not claimed by default
  EXPECT_NE(xml.find("failures=\"1\""), std::string::npos);
}

TEST(TextReport, ListsFailuresAndTheCertificationTable) {
  auto r = sample_run();
  r.tests[0].outcome = "error";
  r.tests[0].message = "boom";
  certify(r);
  const std::string text = reports::to_text(r);
  EXPECT_NE(text.find("NOT JUDGED: 1 test"), std::string::npos) << text;
  EXPECT_NE(text.find("  ERROR     " + r.tests[0].name + ": boom"), std::string::npos) << text;
  // The table's first column is as wide as the longest group name (acquire_release).
  auto row = [&](const std::string& group, const std::string& verdict) {
    std::istringstream lines(text);
    for (std::string l; std::getline(lines, l);) {
      if (l.rfind(group + " ", 0) == 0 && l.find_first_not_of(' ', group.size()) == l.find(verdict)) return true;
    }
    return false;
  };
  EXPECT_TRUE(row("base32", "failed")) << text;
  EXPECT_TRUE(row("packet", "not-claimed")) << text;
  EXPECT_NE(text.find("FAIL"), std::string::npos);
}

}  // namespace
}  // namespace bpfcert::conformance
