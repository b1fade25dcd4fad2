#include "reports/mutation_report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

namespace bpfcert::reports {

using nlohmann::json;

MutationReport::Summary MutationReport::summary() const {
  Summary s;
  for (const MutantResult& m : mutants) {
    ++s.mutants;
    if (!m.equivalent.empty()) {
      ++s.equivalent;
      s.killed_equivalent += !m.killed_by.empty();
    } else if (m.killed_by.empty()) {
      ++s.survivors;
    } else if (m.killed_by.size() < min_kills) {
      ++s.weak;
    } else {
      ++s.strong;
    }
  }
  return s;
}

std::vector<std::string> MutationReport::tests_killing_nothing() const {
  std::set<std::string> killers;
  for (const MutantResult& m : mutants) killers.insert(m.killed_by.begin(), m.killed_by.end());
  std::vector<std::string> out;
  for (const std::string& t : tests) {
    if (!killers.count(t)) out.push_back(t);
  }
  return out;
}

json to_json(const MutationReport& r) {
  const auto s = r.summary();
  json mutants = json::array();
  for (const MutantResult& m : r.mutants) {
    mutants.push_back(json{{"id", m.id},
                           {"family", m.family},
                           {"description", m.description},
                           {"equivalent", m.equivalent},
                           {"tests_run", m.tests_run},
                           {"kills", m.killed_by.size()},
                           {"killed_by", m.killed_by}});
  }
  // Per test, how many mutants it kills: the matrix read by rows.
  std::map<std::string, size_t> kills;
  for (const std::string& t : r.tests) kills[t] = 0;
  for (const MutantResult& m : r.mutants) {
    for (const std::string& t : m.killed_by) ++kills[t];
  }
  json tests = json::array();
  for (const std::string& t : r.tests) tests.push_back(json{{"name", t}, {"kills", kills[t]}});
  return json{
      {"schema", r.schema},
      {"tool", json{{"name", "bpfcert"}, {"version", r.tool_version}}},
      {"options", json{{"tests", r.test_paths},
                       {"include_regex", r.include_regex},
                       {"exclude_regex", r.exclude_regex},
                       {"jobs", r.jobs},
                       {"min_kills", r.min_kills}}},
      {"started_at", r.started_at},
      {"seconds", r.seconds},
      {"runs", r.runs},
      {"summary", json{{"mutants", s.mutants},
                       {"equivalent", s.equivalent},
                       {"strong", s.strong},
                       {"weak", s.weak},
                       {"survivors", s.survivors},
                       {"killed_equivalent", s.killed_equivalent},
                       {"tests", r.tests.size()},
                       {"tests_killing_nothing", r.tests_killing_nothing()},
                       {"verdict", s.ok() ? "pass" : "fail"}}},
      {"not_used", r.not_used},
      {"tests", tests},
      {"mutants", mutants},
  };
}

std::optional<std::string> from_json(const json& j, MutationReport* r) {
  try {
    if (!j.is_object() || j.value("schema", "") != kMutationSchema) {
      return fmt::format("not a mutation report (schema \"{}\")", kMutationSchema);
    }
    *r = MutationReport{};
    r->tool_version = j.at("tool").at("version").get<std::string>();
    const json& o = j.at("options");
    r->test_paths = o.at("tests").get<std::vector<std::string>>();
    r->include_regex = o.at("include_regex").get<std::string>();
    r->exclude_regex = o.at("exclude_regex").get<std::string>();
    r->jobs = o.at("jobs").get<unsigned>();
    r->min_kills = o.at("min_kills").get<unsigned>();
    r->started_at = j.at("started_at").get<std::string>();
    r->seconds = j.at("seconds").get<double>();
    r->runs = j.at("runs").get<size_t>();
    r->not_used = j.at("not_used").get<std::vector<std::string>>();
    for (const json& t : j.at("tests")) r->tests.push_back(t.at("name").get<std::string>());
    for (const json& m : j.at("mutants")) {
      MutantResult out;
      out.id = m.at("id").get<std::string>();
      out.family = m.at("family").get<std::string>();
      out.description = m.at("description").get<std::string>();
      out.equivalent = m.at("equivalent").get<std::string>();
      out.tests_run = m.at("tests_run").get<size_t>();
      out.killed_by = m.at("killed_by").get<std::vector<std::string>>();
      r->mutants.push_back(std::move(out));
    }
  } catch (const json::exception& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

std::string to_text(const MutationReport& r, bool verbose) {
  const auto s = r.summary();
  std::string out;
  auto list = [&](const char* title, auto keep) {
    std::vector<const MutantResult*> ms;
    for (const MutantResult& m : r.mutants) {
      if (keep(m)) ms.push_back(&m);
    }
    if (ms.empty()) return;
    out += fmt::format("{}: {}\n", title, ms.size());
    for (const MutantResult* m : ms) {
      out += fmt::format("  {:<44} {} ({} tests touch it{}{})\n", m->id, m->description, m->tests_run,
                         m->killed_by.empty() ? "" : ", killed by ", fmt::join(m->killed_by, ", "));
    }
  };
  list("SURVIVORS (no test kills them)", [](const MutantResult& m) { return m.equivalent.empty() && m.killed_by.empty(); });
  list(fmt::format("WEAK (killed by fewer than {} tests)", r.min_kills).c_str(), [&](const MutantResult& m) {
    return m.equivalent.empty() && !m.killed_by.empty() && m.killed_by.size() < r.min_kills;
  });
  list("EQUIVALENT BUT KILLED (the equivalence argument is wrong)",
       [](const MutantResult& m) { return !m.equivalent.empty() && !m.killed_by.empty(); });
  std::vector<const MutantResult*> equivalent;
  for (const MutantResult& m : r.mutants) {
    if (!m.equivalent.empty()) equivalent.push_back(&m);
  }
  if (!equivalent.empty()) {
    out += fmt::format("equivalent mutants (no program tells them from the reference): {}\n", equivalent.size());
    for (const MutantResult* m : equivalent) out += fmt::format("  {:<44} {}\n", m->id, m->equivalent);
  }
  if (verbose) {
    out += "every mutant (kills / tests that touch it):\n";
    for (const MutantResult& m : r.mutants) {
      out += fmt::format("  {:<44} {:>4} / {:<4} {}\n", m.id, m.killed_by.size(), m.tests_run, m.description);
    }
  }
  const auto idle = r.tests_killing_nothing();
  if (!idle.empty()) {
    out += fmt::format("tests that kill no mutant: {}{}", idle.size(), verbose ? "\n" : " (--verbose lists them)\n");
    if (verbose) {
      for (const std::string& t : idle) out += "  " + t + "\n";
    }
  }
  if (!r.not_used.empty()) {
    out += fmt::format("tests not used (they do not pass on the reference or cannot run): {}\n", r.not_used.size());
    for (const std::string& t : r.not_used) out += "  " + t + "\n";
  }
  std::map<std::string, std::pair<size_t, size_t>> families;  // family -> (mutants, strong)
  std::vector<size_t> kills;
  for (const MutantResult& m : r.mutants) {
    if (!m.equivalent.empty()) continue;
    auto& f = families[m.family];
    ++f.first;
    f.second += m.killed_by.size() >= r.min_kills;
    kills.push_back(m.killed_by.size());
  }
  out += "\nfamily         mutants  killed by >= " + std::to_string(r.min_kills) + "\n";
  for (const auto& [family, n] : families) out += fmt::format("{:<14} {:>7}  {:>7}\n", family, n.first, n.second);
  std::sort(kills.begin(), kills.end());
  if (!kills.empty()) {
    out += fmt::format("kills per mutant: min {}, median {}, max {}\n", kills.front(), kills[kills.size() / 2], kills.back());
  }
  out += fmt::format(
      "\n{} mutants ({} equivalent) against {} tests: {} killed by >= {} tests, {} weakly, {} survive; {} runs in {:.2f} s; "
      "{}\n",
      s.mutants, s.equivalent, r.tests.size(), s.strong, r.min_kills, s.weak, s.survivors, r.runs, r.seconds,
      s.ok() ? "PASS" : "FAIL");
  return out;
}

}  // namespace bpfcert::reports
