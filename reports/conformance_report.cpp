#include "reports/conformance_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "reports/junit.h"

namespace bpfcert::reports {

using nlohmann::json;

namespace {

size_t outcome_index(std::string_view outcome) {
  const auto it = std::find(kOutcomes.begin(), kOutcomes.end(), outcome);
  return it == kOutcomes.end() ? kOutcomes.size() : static_cast<size_t>(it - kOutcomes.begin());
}

}  // namespace

bool is_failing_outcome(std::string_view outcome) {
  return outcome != "passed" && outcome != "abi-difference" && outcome != "skipped";
}

void OutcomeCounts::add(std::string_view outcome, size_t k) {
  const size_t i = outcome_index(outcome);
  if (i < n.size()) n[i] += k;
}

size_t OutcomeCounts::operator[](std::string_view outcome) const {
  const size_t i = outcome_index(outcome);
  return i < n.size() ? n[i] : 0;
}

size_t OutcomeCounts::failing() const {
  size_t f = 0;
  for (size_t i = 0; i < n.size(); ++i) {
    if (is_failing_outcome(kOutcomes[i])) f += n[i];
  }
  return f;
}

size_t OutcomeCounts::total() const {
  size_t t = 0;
  for (size_t v : n) t += v;
  return t;
}

ConformanceReport::Summary ConformanceReport::summary() const {
  Summary s;
  for (const ConformanceTest& t : tests) s.counts.add(t.outcome);
  return s;
}

namespace {

json counts_json(const OutcomeCounts& c) {
  json j = json::object();
  for (std::string_view o : kOutcomes) j[std::string(o)] = c[o];
  return j;
}

json verdict_json(const Verdict& v, const char* key) {
  return json{{key, v.name}, {"verdict", v.verdict}, {"counts", counts_json(v.counts)}, {"failures", v.failures}};
}

json entry_json(const ProfileEntry& e, const char* key) {
  return json{{key, e.name}, {"status", e.status}, {"counts", counts_json(e.counts)}};
}

json finding_json(const Finding& f) {
  return json{{"test", f.test},         {"outcome", f.outcome}, {"encodings", f.encodings},
              {"expected", f.expected}, {"actual", f.actual},   {"message", f.message},
              {"like_mutants", f.like_mutants}};
}

json profile_json(const Profile& p) {
  json groups = json::array(), versions = json::array(), checks = json::array(), encodings = json::array();
  for (const auto& e : p.groups) groups.push_back(entry_json(e, "group"));
  for (const auto& e : p.versions) versions.push_back(entry_json(e, "version"));
  for (const auto& e : p.checks) checks.push_back(entry_json(e, "check"));
  for (const auto& e : p.encodings) {
    encodings.push_back(
        json{{"encoding", e.id}, {"status", e.status}, {"passed", e.passed}, {"refused", e.refused}, {"wrong", e.wrong}});
  }
  json bugs = json::array(), failures = json::array(), refusals = json::array();
  for (const auto& f : p.bugs) bugs.push_back(finding_json(f));
  for (const auto& f : p.failures) failures.push_back(finding_json(f));
  for (const auto& r : p.refusals) refusals.push_back(json{{"kind", r.kind}, {"reason", r.reason}, {"tests", r.tests}});
  json claims = json::array();
  for (const Claim& c : p.claims) {
    claims.push_back(
        json{{"cpu_version", c.cpu_version}, {"groups", c.groups}, {"checks", c.checks}, {"arguments", c.arguments}});
  }
  return json{{"groups", groups},     {"versions", versions}, {"checks", checks},     {"encodings", encodings},
              {"bugs", bugs},         {"failures", failures}, {"refusals", refusals}, {"claims", claims},
              {"no_claim_reason", p.no_claim_reason}};
}

// ---- reading ----------------------------------------------------------------------------

struct Reader {
  std::string error;

  template <class T>
  bool get(const json& j, const char* key, T* out) {
    const auto it = j.find(key);
    if (it == j.end()) {
      error = fmt::format("missing \"{}\"", key);
      return false;
    }
    try {
      *out = it->template get<T>();
    } catch (const json::exception& e) {
      error = fmt::format("\"{}\": {}", key, e.what());
      return false;
    }
    return true;
  }

  bool outcome(const json& j, const char* key, std::string* out) {
    if (!get(j, key, out)) return false;
    if (outcome_index(*out) == kOutcomes.size()) {
      error = fmt::format("\"{}\": \"{}\" is not an outcome", key, *out);
      return false;
    }
    return true;
  }

  bool counts(const json& j, OutcomeCounts* c) {
    const auto it = j.find("counts");
    if (it == j.end() || !it->is_object()) {
      error = "missing \"counts\"";
      return false;
    }
    for (size_t i = 0; i < kOutcomes.size(); ++i) {
      if (!get(*it, std::string(kOutcomes[i]).c_str(), &c->n[i])) return false;
    }
    return true;
  }

  bool verdict(const json& j, const char* key, Verdict* v) {
    return get(j, key, &v->name) && get(j, "verdict", &v->verdict) && counts(j, &v->counts) &&
           get(j, "failures", &v->failures);
  }

  bool entry(const json& j, const char* key, ProfileEntry* e) {
    return get(j, key, &e->name) && get(j, "status", &e->status) && counts(j, &e->counts);
  }

  bool finding(const json& j, Finding* f) {
    return get(j, "test", &f->test) && get(j, "outcome", &f->outcome) && get(j, "encodings", &f->encodings) &&
           get(j, "expected", &f->expected) && get(j, "actual", &f->actual) && get(j, "message", &f->message) &&
           get(j, "like_mutants", &f->like_mutants);
  }

  bool profile(const json& j, Profile* p) {
    for (const json& e : j.at("groups")) {
      if (!entry(e, "group", &p->groups.emplace_back())) return false;
    }
    for (const json& e : j.at("versions")) {
      if (!entry(e, "version", &p->versions.emplace_back())) return false;
    }
    for (const json& e : j.at("checks")) {
      if (!entry(e, "check", &p->checks.emplace_back())) return false;
    }
    for (const json& e : j.at("encodings")) {
      EncodingProfile& out = p->encodings.emplace_back();
      if (!get(e, "encoding", &out.id) || !get(e, "status", &out.status) || !get(e, "passed", &out.passed) ||
          !get(e, "refused", &out.refused) || !get(e, "wrong", &out.wrong)) {
        return false;
      }
    }
    for (const json& f : j.at("bugs")) {
      if (!finding(f, &p->bugs.emplace_back())) return false;
    }
    for (const json& f : j.at("failures")) {
      if (!finding(f, &p->failures.emplace_back())) return false;
    }
    for (const json& r : j.at("refusals")) {
      RefusalGroup& out = p->refusals.emplace_back();
      if (!get(r, "kind", &out.kind) || !get(r, "reason", &out.reason) || !get(r, "tests", &out.tests)) return false;
    }
    for (const json& claim : j.at("claims")) {
      Claim& c = p->claims.emplace_back();
      if (!get(claim, "cpu_version", &c.cpu_version) || !get(claim, "groups", &c.groups) ||
          !get(claim, "checks", &c.checks) || !get(claim, "arguments", &c.arguments)) {
        return false;
      }
    }
    return get(j, "no_claim_reason", &p->no_claim_reason);
  }
};

// Schema 1 spelled outcomes pass / fail / error / skip and knew no checks, profile or ABI.
std::string upgraded_outcome(const std::string& v1) {
  if (v1 == "pass") return "passed";
  if (v1 == "fail") return "wrong";
  if (v1 == "skip") return "skipped";
  return "error";
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
                         {"check", t.check},
                         {"abi", t.abi},
                         {"like_mutants", t.like_mutants},
                         {"outcome", t.outcome},
                         {"message", t.message},
                         {"actual", t.actual},
                         {"seconds", t.seconds}});
  }
  json shards = json::array();
  for (const auto& [k, n] : r.shards) shards.push_back(json{{"index", k}, {"count", n}});
  json groups = json::array(), versions = json::array(), checks = json::array();
  for (const Verdict& v : r.group_verdicts) groups.push_back(verdict_json(v, "group"));
  for (const Verdict& v : r.version_verdicts) versions.push_back(verdict_json(v, "version"));
  for (const Verdict& v : r.check_verdicts) checks.push_back(verdict_json(v, "check"));
  json summary = counts_json(s.counts);
  summary["total"] = r.tests.size();
  summary["verdict"] = s.ok() ? "pass" : "fail";
  return json{
      {"schema", r.schema},
      {"tool", json{{"name", "bpfcert"}, {"version", r.tool_version}}},
      {"target", json{{"kind", r.target_kind},
                      {"description", r.target_description},
                      {"available", r.target_available},
                      {"unavailable_reason", r.target_unavailable_reason},
                      {"abi", r.abi}}},
      {"options", json{{"cpu_version", r.cpu_version},
                       {"groups", r.groups},
                       {"checks", r.checks},
                       {"tests", r.test_paths},
                       {"include_regex", r.include_regex},
                       {"exclude_regex", r.exclude_regex},
                       {"jobs", r.jobs},
                       {"timeout_seconds", r.timeout_seconds}}},
      {"shards", shards},
      {"started_at", r.started_at},
      {"seconds", r.seconds},
      {"summary", summary},
      {"certification", json{{"groups", groups}, {"versions", versions}, {"checks", checks}}},
      {"profile", profile_json(r.profile)},
      {"notes", r.notes},
      {"tests", tests},
  };
}

std::optional<std::string> from_json(const json& j, ConformanceReport* r) {
  Reader rd;
  auto fail = [&](const std::string& where) -> std::optional<std::string> {
    return where.empty() ? rd.error : where + ": " + rd.error;
  };
  if (!j.is_object()) return "not a JSON object";
  std::string schema;
  if (!rd.get(j, "schema", &schema)) return fail("");
  const bool v1 = schema == kConformanceSchemaV1;
  if (schema != kConformanceSchema && !v1) {
    return fmt::format("schema is \"{}\", expected \"{}\" (or \"{}\")", schema, kConformanceSchema, kConformanceSchemaV1);
  }
  *r = ConformanceReport{};
  try {
    const json& tool = j.at("tool");
    const json& target = j.at("target");
    const json& options = j.at("options");
    if (!rd.get(tool, "version", &r->tool_version)) return fail("tool");
    if (!rd.get(target, "kind", &r->target_kind) || !rd.get(target, "description", &r->target_description) ||
        !rd.get(target, "available", &r->target_available) ||
        !rd.get(target, "unavailable_reason", &r->target_unavailable_reason) ||
        (!v1 && !rd.get(target, "abi", &r->abi))) {
      return fail("target");
    }
    if (!rd.get(options, "cpu_version", &r->cpu_version) || !rd.get(options, "groups", &r->groups) ||
        (!v1 && !rd.get(options, "checks", &r->checks)) || !rd.get(options, "tests", &r->test_paths) ||
        !rd.get(options, "include_regex", &r->include_regex) || !rd.get(options, "exclude_regex", &r->exclude_regex) ||
        !rd.get(options, "jobs", &r->jobs) || !rd.get(options, "timeout_seconds", &r->timeout_seconds)) {
      return fail("options");
    }
    if (v1) r->checks = {"traps", "rejects"};  // schema 1 ran every check with the groups
    for (const json& s : j.at("shards")) r->shards.emplace_back(s.at("index").get<unsigned>(), s.at("count").get<unsigned>());
    if (!rd.get(j, "started_at", &r->started_at) || !rd.get(j, "seconds", &r->seconds) || !rd.get(j, "notes", &r->notes)) {
      return fail("");
    }
    if (!v1) {
      const json& cert = j.at("certification");
      for (const json& v : cert.at("groups")) {
        if (!rd.verdict(v, "group", &r->group_verdicts.emplace_back())) return fail("certification.groups");
      }
      for (const json& v : cert.at("versions")) {
        if (!rd.verdict(v, "version", &r->version_verdicts.emplace_back())) return fail("certification.versions");
      }
      for (const json& v : cert.at("checks")) {
        if (!rd.verdict(v, "check", &r->check_verdicts.emplace_back())) return fail("certification.checks");
      }
      if (!rd.profile(j.at("profile"), &r->profile)) return fail("profile");
    }
    for (const json& t : j.at("tests")) {
      ConformanceTest out;
      const bool common = rd.get(t, "name", &out.name) && rd.get(t, "path", &out.path) &&
                          rd.get(t, "family", &out.family) && rd.get(t, "groups", &out.groups) &&
                          rd.get(t, "certifies", &out.certifies) && rd.get(t, "isa_version", &out.isa_version) &&
                          rd.get(t, "encodings", &out.encodings) && rd.get(t.at("expect"), "kind", &out.expect_kind) &&
                          rd.get(t.at("expect"), "value", &out.expected) && rd.get(t, "message", &out.message) &&
                          rd.get(t, "actual", &out.actual) && rd.get(t, "seconds", &out.seconds);
      bool rest = false;
      if (common && v1) {
        rest = rd.get(t, "outcome", &out.outcome);
        out.outcome = upgraded_outcome(out.outcome);
      } else if (common) {
        rest = rd.get(t, "check", &out.check) && rd.get(t, "abi", &out.abi) &&
               rd.get(t, "like_mutants", &out.like_mutants) && rd.outcome(t, "outcome", &out.outcome);
      }
      if (!rest) return fail(fmt::format("tests[{}]", r->tests.size()));
      r->tests.push_back(std::move(out));
    }
  } catch (const json::exception& e) {
    return std::string(e.what());
  }
  r->schema = kConformanceSchema;
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
  merged->check_verdicts.clear();
  merged->profile = Profile{};
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
    if (p.abi != first.abi) return differs("declared ABI differences");
    if (p.cpu_version != first.cpu_version) return differs("cpu version");
    if (p.groups != first.groups) return differs("claimed groups");
    if (p.checks != first.checks) return differs("claimed checks");
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

std::string to_junit(const ConformanceReport& r) {
  JunitSuite suite;
  suite.name = fmt::format("bpfcert conformance ({})", r.target_kind);
  suite.timestamp = r.started_at;
  suite.properties = {{"target", r.target_kind}, {"target.description", r.target_description},
                      {"cpu_version", r.cpu_version}};
  if (!r.abi.empty()) suite.properties.emplace_back("target.abi", fmt::format("{}", fmt::join(r.abi, ",")));
  for (const ConformanceTest& t : r.tests) {
    JunitCase c;
    c.classname = !t.check.empty() ? t.check : t.certifies.empty() ? "conformance" : t.certifies.front();
    c.name = t.name;
    c.seconds = t.seconds;
    c.message = t.outcome == "passed" ? t.message : fmt::format("{}: {}", t.outcome, t.message);
    c.type = t.outcome;
    if (t.outcome == "passed") {
      c.status = JunitCase::Status::Passed;
    } else if (t.outcome == "wrong" || t.outcome == "accepted-invalid" || t.outcome == "refused") {
      c.status = JunitCase::Status::Failed;
    } else if (t.outcome == "abi-difference" || t.outcome == "skipped") {
      c.status = JunitCase::Status::Skipped;
    } else {
      c.status = JunitCase::Status::Error;
    }
    if (c.status == JunitCase::Status::Failed || c.status == JunitCase::Status::Error) {
      c.details = fmt::format("{}\nfile: {}\nexpected ({}): {}\nactual: {}\ngroups: {}\nisa: {}{}", t.message, t.path,
                              t.expect_kind, t.expected, t.actual, fmt::join(t.groups, ","), t.isa_version,
                              t.check.empty() ? "" : "\ncheck: " + t.check);
    }
    suite.cases.push_back(std::move(c));
  }
  return to_junit_xml("bpfcert conformance", {suite});
}

}  // namespace bpfcert::reports
