#include "reports/conformance_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "reports/junit.h"

namespace bpfcert::reports {

using nlohmann::json;

ConformanceReport::Summary ConformanceReport::summary() const {
  Summary s;
  for (const ConformanceTest& t : tests) {
    ++s.total;
    if (t.outcome == "pass") ++s.passed;
    if (t.outcome == "fail") ++s.failed;
    if (t.outcome == "error") ++s.errors;
    if (t.outcome == "skip") ++s.skipped;
  }
  return s;
}

namespace {

json verdict_json(const Verdict& v, const char* key) {
  return json{{key, v.name},       {"verdict", v.verdict}, {"passed", v.passed},    {"failed", v.failed},
              {"errors", v.errors}, {"skipped", v.skipped}, {"failures", v.failures}};
}

template <class T>
bool get(const json& j, const char* key, T* out, std::string* error) {
  const auto it = j.find(key);
  if (it == j.end()) {
    *error = fmt::format("missing \"{}\"", key);
    return false;
  }
  try {
    *out = it->template get<T>();
  } catch (const json::exception& e) {
    *error = fmt::format("\"{}\": {}", key, e.what());
    return false;
  }
  return true;
}

bool verdict_from_json(const json& j, const char* key, Verdict* v, std::string* error) {
  return get(j, key, &v->name, error) && get(j, "verdict", &v->verdict, error) && get(j, "passed", &v->passed, error) &&
         get(j, "failed", &v->failed, error) && get(j, "errors", &v->errors, error) &&
         get(j, "skipped", &v->skipped, error) && get(j, "failures", &v->failures, error);
}

}  // namespace

json to_json(const ConformanceReport& r) {
  const auto s = r.summary();
  json tests = json::array();
  for (const ConformanceTest& t : r.tests) {
    tests.push_back(json{{"name", t.name},
                         {"path", t.path},
                         {"family", t.family},
                         {"groups", t.groups},
                         {"certifies", t.certifies},
                         {"isa_version", t.isa_version},
                         {"encodings", t.encodings},
                         {"expect", json{{"kind", t.expect_kind}, {"value", t.expected}}},
                         {"outcome", t.outcome},
                         {"message", t.message},
                         {"actual", t.actual},
                         {"seconds", t.seconds}});
  }
  json shards = json::array();
  for (const auto& [k, n] : r.shards) shards.push_back(json{{"index", k}, {"count", n}});
  json groups = json::array(), versions = json::array();
  for (const Verdict& v : r.group_verdicts) groups.push_back(verdict_json(v, "group"));
  for (const Verdict& v : r.version_verdicts) versions.push_back(verdict_json(v, "version"));
  return json{
      {"schema", r.schema},
      {"tool", json{{"name", "bpfcert"}, {"version", r.tool_version}}},
      {"target", json{{"kind", r.target_kind},
                      {"description", r.target_description},
                      {"available", r.target_available},
                      {"unavailable_reason", r.target_unavailable_reason}}},
      {"options", json{{"cpu_version", r.cpu_version},
                       {"groups", r.groups},
                       {"tests", r.test_paths},
                       {"include_regex", r.include_regex},
                       {"exclude_regex", r.exclude_regex},
                       {"jobs", r.jobs},
                       {"timeout_seconds", r.timeout_seconds}}},
      {"shards", shards},
      {"started_at", r.started_at},
      {"seconds", r.seconds},
      {"summary", json{{"total", s.total},
                       {"passed", s.passed},
                       {"failed", s.failed},
                       {"errors", s.errors},
                       {"skipped", s.skipped},
                       {"verdict", s.ok() ? "pass" : "fail"}}},
      {"certification", json{{"groups", groups}, {"versions", versions}}},
      {"notes", r.notes},
      {"tests", tests},
  };
}

std::optional<std::string> from_json(const json& j, ConformanceReport* r) {
  std::string error;
  auto fail = [&](const std::string& where) -> std::optional<std::string> {
    return where.empty() ? error : where + ": " + error;
  };
  if (!j.is_object()) return "not a JSON object";
  if (!get(j, "schema", &r->schema, &error)) return fail("");
  if (r->schema != kConformanceSchema) {
    return fmt::format("schema is \"{}\", expected \"{}\"", r->schema, kConformanceSchema);
  }
  try {
    const json& tool = j.at("tool");
    const json& target = j.at("target");
    const json& options = j.at("options");
    if (!get(tool, "version", &r->tool_version, &error)) return fail("tool");
    if (!get(target, "kind", &r->target_kind, &error) || !get(target, "description", &r->target_description, &error) ||
        !get(target, "available", &r->target_available, &error) ||
        !get(target, "unavailable_reason", &r->target_unavailable_reason, &error)) {
      return fail("target");
    }
    if (!get(options, "cpu_version", &r->cpu_version, &error) || !get(options, "groups", &r->groups, &error) ||
        !get(options, "tests", &r->test_paths, &error) || !get(options, "include_regex", &r->include_regex, &error) ||
        !get(options, "exclude_regex", &r->exclude_regex, &error) || !get(options, "jobs", &r->jobs, &error) ||
        !get(options, "timeout_seconds", &r->timeout_seconds, &error)) {
      return fail("options");
    }
    r->shards.clear();
    for (const json& s : j.at("shards")) r->shards.emplace_back(s.at("index").get<unsigned>(), s.at("count").get<unsigned>());
    if (!get(j, "started_at", &r->started_at, &error) || !get(j, "seconds", &r->seconds, &error) ||
        !get(j, "notes", &r->notes, &error)) {
      return fail("");
    }
    r->group_verdicts.clear();
    r->version_verdicts.clear();
    for (const json& v : j.at("certification").at("groups")) {
      Verdict out;
      if (!verdict_from_json(v, "group", &out, &error)) return fail("certification.groups");
      r->group_verdicts.push_back(std::move(out));
    }
    for (const json& v : j.at("certification").at("versions")) {
      Verdict out;
      if (!verdict_from_json(v, "version", &out, &error)) return fail("certification.versions");
      r->version_verdicts.push_back(std::move(out));
    }
    r->tests.clear();
    for (const json& t : j.at("tests")) {
      ConformanceTest out;
      if (!get(t, "name", &out.name, &error) || !get(t, "path", &out.path, &error) ||
          !get(t, "family", &out.family, &error) || !get(t, "groups", &out.groups, &error) ||
          !get(t, "certifies", &out.certifies, &error) || !get(t, "isa_version", &out.isa_version, &error) ||
          !get(t, "encodings", &out.encodings, &error) || !get(t.at("expect"), "kind", &out.expect_kind, &error) ||
          !get(t.at("expect"), "value", &out.expected, &error) || !get(t, "outcome", &out.outcome, &error) ||
          !get(t, "message", &out.message, &error) || !get(t, "actual", &out.actual, &error) ||
          !get(t, "seconds", &out.seconds, &error)) {
        return fail(fmt::format("tests[{}]", r->tests.size()));
      }
      r->tests.push_back(std::move(out));
    }
  } catch (const json::exception& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

std::optional<std::string> merge(const std::vector<ConformanceReport>& parts, ConformanceReport* merged) {
  if (parts.empty()) return "no reports to merge";
  const ConformanceReport& first = parts.front();
  *merged = first;
  merged->tests.clear();
  merged->shards.clear();
  merged->notes.clear();
  merged->group_verdicts.clear();
  merged->version_verdicts.clear();
  merged->seconds = 0;
  std::set<std::string> names;
  std::set<std::pair<unsigned, unsigned>> shards;
  std::set<std::string> notes;
  unsigned count = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const ConformanceReport& p = parts[i];
    auto differs = [&](const char* what) {
      return fmt::format("report {} differs from report 1 in {}: shards of one run must agree", i + 1, what);
    };
    if (p.target_kind != first.target_kind || p.target_description != first.target_description) return differs("target");
    if (p.cpu_version != first.cpu_version) return differs("cpu version");
    if (p.groups != first.groups) return differs("claimed groups");
    if (p.include_regex != first.include_regex || p.exclude_regex != first.exclude_regex) return differs("regex filters");
    if (p.test_paths != first.test_paths) return differs("test paths");
    for (const auto& s : p.shards) {
      if (count == 0) count = s.second;
      if (s.second != count) return fmt::format("report {} is shard {}/{}, others are of {}", i + 1, s.first, s.second, count);
      if (!shards.insert(s).second) return fmt::format("shard {}/{} appears twice", s.first, s.second);
    }
    for (const ConformanceTest& t : p.tests) {
      if (!names.insert(t.name).second) return fmt::format("test '{}' appears in two reports", t.name);
      merged->tests.push_back(t);
    }
    for (const std::string& n : p.notes) {
      if (notes.insert(n).second) merged->notes.push_back(n);
    }
    merged->target_available = merged->target_available && p.target_available;
    if (!p.target_available && merged->target_unavailable_reason.empty()) {
      merged->target_unavailable_reason = p.target_unavailable_reason;
    }
    merged->seconds = std::max(merged->seconds, p.seconds);  // shards run in parallel
    if (p.started_at < merged->started_at) merged->started_at = p.started_at;
  }
  merged->shards.assign(shards.begin(), shards.end());
  if (count != 0 && shards.size() != count) {
    return fmt::format("{} of {} shards given; a merged report must hold every shard", shards.size(), count);
  }
  std::sort(merged->tests.begin(), merged->tests.end(),
            [](const ConformanceTest& a, const ConformanceTest& b) { return a.name < b.name; });
  return std::nullopt;
}

std::string to_text(const ConformanceReport& r, bool list_skips) {
  std::string out;
  for (const ConformanceTest& t : r.tests) {
    if (t.outcome == "fail" || t.outcome == "error" || (list_skips && t.outcome == "skip")) {
      std::string tag = t.outcome;
      std::transform(tag.begin(), tag.end(), tag.begin(), [](char c) { return static_cast<char>(std::toupper(c)); });
      out += fmt::format("{}: {}: {}\n", tag, t.name, t.message);
    }
  }
  if (!r.target_available) {
    out += fmt::format("target {} unavailable: {}\n", r.target_kind, r.target_unavailable_reason);
  }
  for (const std::string& n : r.notes) out += "note: " + n + "\n";
  out += fmt::format("\n{:<10} {:<12} {:>6} {:>6} {:>6} {:>7}\n", "group", "verdict", "passed", "failed", "errors", "skipped");
  for (const Verdict& v : r.group_verdicts) {
    out += fmt::format("{:<10} {:<12} {:>6} {:>6} {:>6} {:>7}\n", v.name, v.verdict, v.passed, v.failed, v.errors, v.skipped);
  }
  out += fmt::format("{:<10} {:<12} {:>6} {:>6} {:>6} {:>7}\n", "isa", "verdict", "passed", "failed", "errors", "skipped");
  for (const Verdict& v : r.version_verdicts) {
    out += fmt::format("{:<10} {:<12} {:>6} {:>6} {:>6} {:>7}\n", v.name, v.verdict, v.passed, v.failed, v.errors, v.skipped);
  }
  const auto s = r.summary();
  const size_t ran = s.passed + s.failed + s.errors;
  out += fmt::format("\ntarget {}{}: passed {} out of {} tests run ({} failed, {} errors, {} skipped); {}\n", r.target_kind,
                     r.target_description.empty() ? "" : " (" + r.target_description + ")", s.passed, ran, s.failed,
                     s.errors, s.skipped,
                     s.ok() ? "PASS" : ran == 0 ? "FAIL: no test ran" : "FAIL");
  return out;
}

std::string to_junit(const ConformanceReport& r) {
  JunitSuite suite;
  suite.name = fmt::format("bpfcert conformance ({})", r.target_kind);
  suite.timestamp = r.started_at;
  suite.properties = {{"target", r.target_kind}, {"target.description", r.target_description},
                      {"cpu_version", r.cpu_version}};
  for (const ConformanceTest& t : r.tests) {
    JunitCase c;
    c.classname = t.certifies.empty() ? "conformance" : t.certifies.front();
    c.name = t.name;
    c.seconds = t.seconds;
    c.message = t.message;
    if (t.outcome == "pass") c.status = JunitCase::Status::Passed;
    if (t.outcome == "fail") c.status = JunitCase::Status::Failed;
    if (t.outcome == "error") c.status = JunitCase::Status::Error;
    if (t.outcome == "skip") c.status = JunitCase::Status::Skipped;
    if (c.status == JunitCase::Status::Failed || c.status == JunitCase::Status::Error) {
      c.details = fmt::format("{}\nfile: {}\nexpected ({}): {}\nactual: {}\ngroups: {}\nisa: {}", t.message, t.path,
                              t.expect_kind, t.expected, t.actual, fmt::join(t.groups, ","), t.isa_version);
    }
    suite.cases.push_back(std::move(c));
  }
  return to_junit_xml("bpfcert conformance", {suite});
}

}  // namespace bpfcert::reports
