#include "conformance/certify.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>

#include "conformance/mutate.h"
#include "conformance/test_case.h"
#include "interp/trap.h"
#include "semantics/opcode_table.h"

namespace bpfcert::conformance {

using reports::ConformanceReport;
using reports::ConformanceTest;
using reports::OutcomeCounts;
using semantics::Error;
using semantics::ErrorCode;
using semantics::Group;
using semantics::IsaVersion;

namespace {

bool known_check(const std::string& c) {
  if (c == "trap") return true;
  if (c.starts_with("trap:")) {
    for (int i = 0; i <= static_cast<int>(interp::TrapKind::HelperFault); ++i) {
      if (c.substr(5) == interp::to_string(static_cast<interp::TrapKind>(i))) return true;
    }
    return false;
  }
  if (c.starts_with("reject:")) {
    for (int i = 0; i <= static_cast<int>(ErrorCode::UsageError); ++i) {
      if (c.substr(7) == semantics::to_string(static_cast<ErrorCode>(i))) return true;
    }
  }
  return false;
}

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool is_check_test(const ConformanceTest& t) { return !t.check.empty(); }

bool contains(const std::vector<std::string>& v, std::string_view s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string decide(const OutcomeCounts& c, bool claimed) {
  if (!claimed) return "not-claimed";
  if (c.failing() > 0) return "failed";
  if (c["passed"] == 0) return "not-tested";
  return "certified";
}

std::string status_of(const OutcomeCounts& c, bool claimed) {
  if (!claimed) return "not-claimed";
  if (c["wrong"] + c["accepted-invalid"] > 0) return "wrong";
  if (c["crashed"] + c["timed-out"] + c["unreadable"] + c["error"] > 0) return "failing";
  if (c["passed"] == 0) return c["refused"] > 0 ? "refused" : "untested";
  return c["refused"] > 0 ? "partial" : "supported";
}

std::optional<IsaVersion> version_of(const ConformanceTest& t) { return semantics::isa_version_from_string(t.isa_version); }

// Groups a claim must drop with `g`: g and every group that includes it (base64 with base32).
std::set<std::string> with_outer_groups(const std::string& g) {
  std::set<std::string> out{g};
  const auto inner = semantics::group_from_string(g);
  if (!inner) return out;
  for (int o = 0; o < semantics::kGroupCount; ++o) {
    if (semantics::group_includes(static_cast<Group>(o), *inner)) out.insert(std::string(semantics::to_string(static_cast<Group>(o))));
  }
  return out;
}

bool within(const ConformanceTest& t, const std::set<std::string>& groups, IsaVersion v) {
  const auto tv = version_of(t);
  if (!tv || *tv > v) return false;
  return std::all_of(t.groups.begin(), t.groups.end(), [&](const std::string& g) { return groups.count(g) != 0; });
}

bool counted(const ConformanceTest& t) { return t.outcome != "skipped" && t.outcome != "abi-difference"; }

// The claims the run certifies. For each ISA version, the most groups whose tests all pass
// (dropping a failing test's groups, and the groups that include them, until none fails); a
// claim another one covers (a higher or equal version with a superset of groups) is left out.
// Groups come first: the claim with the most groups leads, then the one with the highest version.
void find_claims(ConformanceReport& r) {
  reports::Profile& p = r.profile;
  size_t unreadable = 0;
  for (const ConformanceTest& t : r.tests) unreadable += t.outcome == "unreadable";
  if (unreadable > 0) {
    p.no_claim_reason = fmt::format("{} unreadable test(s) could belong to any group", unreadable);
    return;
  }
  const IsaVersion cpu = semantics::isa_version_from_string(r.cpu_version).value_or(IsaVersion::V4);
  std::vector<std::string> reasons;
  std::vector<std::pair<IsaVersion, std::set<std::string>>> found;
  for (int v = static_cast<int>(cpu); v >= 1; --v) {
    const auto ver = static_cast<IsaVersion>(v);
    std::set<std::string> groups(r.groups.begin(), r.groups.end());
    bool changed = true;
    std::string dropped_for;
    while (changed && !groups.empty()) {
      changed = false;
      for (const ConformanceTest& t : r.tests) {
        if (is_check_test(t) || !counted(t) || !reports::is_failing_outcome(t.outcome) || !within(t, groups, ver)) continue;
        for (const std::string& g : t.certifies) {
          for (const std::string& drop : with_outer_groups(g)) {
            if (groups.erase(drop) != 0) {
              changed = true;
              if (drop == "base32") dropped_for = t.name;
            }
          }
        }
      }
    }
    size_t passed = 0;
    for (const ConformanceTest& t : r.tests) passed += !is_check_test(t) && t.outcome == "passed" && within(t, groups, ver);
    if (!groups.count("base32")) {
      reasons.push_back(fmt::format("{}: base32 fails ({})", semantics::to_string(ver),
                                    dropped_for.empty() ? "not claimed" : dropped_for));
    } else if (passed == 0) {
      reasons.push_back(fmt::format("{}: no test passed", semantics::to_string(ver)));
    } else if (!std::any_of(found.begin(), found.end(), [&](const auto& f) {
                 return std::includes(f.second.begin(), f.second.end(), groups.begin(), groups.end());
               })) {
      found.emplace_back(ver, std::move(groups));  // versions come highest first: earlier ones cover it
    }
  }
  if (found.empty()) {
    p.no_claim_reason = fmt::format("{}", fmt::join(reasons, "; "));
    return;
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  for (const auto& [ver, groups] : found) {
    reports::Claim claim;
    claim.cpu_version = std::string(semantics::to_string(ver));
    for (int g = 0; g < semantics::kGroupCount; ++g) {  // table order, not alphabetical
      const std::string name(semantics::to_string(static_cast<Group>(g)));
      if (groups.count(name)) claim.groups.push_back(name);
    }
    // The checks that held among the tests this claim runs.
    std::map<std::string, OutcomeCounts> checks;
    for (const ConformanceTest& t : r.tests) {
      if (is_check_test(t) && counted(t) && within(t, groups, ver)) checks[t.check].add(t.outcome);
    }
    std::map<std::string_view, std::pair<size_t, size_t>> families;  // family -> (held, total)
    std::vector<std::string> held;
    for (const auto& [check, counts] : checks) {
      const bool ok = counts.failing() == 0 && counts["passed"] > 0;
      auto& f = families[check_family(check)];
      ++f.second;
      if (ok) {
        ++f.first;
        held.push_back(check);
      }
    }
    for (const auto& [family, n] : families) {
      if (n.first == n.second) {
        std::erase_if(held, [&](const std::string& c) { return check_family(c) == family; });
        held.emplace_back(family);
      }
    }
    std::sort(held.begin(), held.end());
    claim.checks = held.empty() ? std::vector<std::string>{"none"} : held;
    claim.arguments = fmt::format("--include-groups {} --cpu-version {} --checks {}", fmt::join(claim.groups, ","),
                                  claim.cpu_version, fmt::join(claim.checks, ","));
    p.claims.push_back(std::move(claim));
  }
}

// The key refusals of one kind group under: the VM's message with its numbers taken out (pcs,
// opcodes and offsets differ between tests that meet the same rule).
std::string message_key(const std::string& message) {
  std::string out;
  for (size_t i = 0; i < message.size();) {
    if (std::isdigit(static_cast<unsigned char>(message[i]))) {
      while (i < message.size() && std::isxdigit(static_cast<unsigned char>(message[i]))) ++i;
      if (i < message.size() && (message[i] == 'x' || message[i] == 'X')) {
        ++i;
        while (i < message.size() && std::isxdigit(static_cast<unsigned char>(message[i]))) ++i;
      }
      out += '#';
    } else {
      out += message[i++];
    }
  }
  return out;
}

reports::Finding finding(const ConformanceTest& t) {
  return {t.name, t.outcome, t.encodings, t.expected, t.actual, t.message, t.like_mutants};
}

void build_profile(ConformanceReport& r) {
  reports::Profile& p = r.profile;
  p = reports::Profile{};
  auto entries = [](const std::vector<reports::Verdict>& verdicts, std::vector<reports::ProfileEntry>& out) {
    for (const reports::Verdict& v : verdicts) out.push_back({v.name, status_of(v.counts, v.verdict != "not-claimed"), v.counts});
  };
  entries(r.group_verdicts, p.groups);
  entries(r.version_verdicts, p.versions);
  entries(r.check_verdicts, p.checks);

  // Encodings: counted over the tests of instructions (not of checks) that ran.
  std::map<std::string, reports::EncodingProfile> enc;
  for (const ConformanceTest& t : r.tests) {
    if (is_check_test(t) || !counted(t)) continue;
    for (const std::string& e : t.encodings) {
      auto& ep = enc[e];
      ep.id = e;
      ep.passed += t.outcome == "passed";
      ep.refused += t.outcome == "refused";
      ep.wrong += t.outcome == "wrong";
    }
  }
  // A bug is blamed on the encodings the single faults that give its result change; without
  // one, on the encodings of its test that the fewest passing tests use: the le16 of a test of
  // le16, not the lddw and exit that hundreds of passing tests use too.
  std::set<std::string> suspects;
  for (const ConformanceTest& t : r.tests) {
    if (t.outcome != "wrong" || is_check_test(t) || t.encodings.empty()) continue;
    bool explained = false;
    for (const std::string& id : t.like_mutants) {
      for (const Mutant& m : mutants()) {
        if (m.id == id && m.fault.from != nullptr) {
          suspects.insert(std::string(m.fault.from->id));
          explained = true;
        }
      }
    }
    if (explained) continue;
    size_t fewest = SIZE_MAX;
    for (const std::string& e : t.encodings) fewest = std::min(fewest, enc[e].passed);
    for (const std::string& e : t.encodings) {
      if (enc[e].passed == fewest) suspects.insert(e);
    }
  }
  for (const semantics::Encoding& row : semantics::encodings()) {  // table order
    const auto it = enc.find(std::string(row.id));
    if (it == enc.end()) continue;
    reports::EncodingProfile ep = it->second;
    ep.status = suspects.count(ep.id) ? "suspect" : ep.passed > 0 ? "supported" : ep.refused > 0 ? "refused" : "untested";
    p.encodings.push_back(std::move(ep));
  }

  std::set<std::string> supported;
  for (const auto& [id, ep] : enc) {
    if (ep.passed > 0) supported.insert(id);
  }
  std::map<std::string, size_t> group_index;
  for (const ConformanceTest& t : r.tests) {
    if (t.outcome == "wrong" || t.outcome == "accepted-invalid") p.bugs.push_back(finding(t));
    if (t.outcome == "crashed" || t.outcome == "timed-out" || t.outcome == "unreadable" || t.outcome == "error") {
      p.failures.push_back(finding(t));
    }
    if (t.outcome != "refused") continue;
    std::vector<std::string> missing;
    for (const std::string& e : t.encodings) {
      if (!supported.count(e)) missing.push_back(e);
    }
    const bool unsupported = !missing.empty();
    const std::string key = unsupported ? "unsupported " + fmt::format("{}", fmt::join(missing, ", ")) : "policy " + message_key(t.message);
    auto [it, fresh] = group_index.emplace(key, p.refusals.size());
    if (fresh) {
      p.refusals.push_back({unsupported ? "unsupported" : "policy",
                            unsupported ? fmt::format("{}", fmt::join(missing, ", ")) : t.message, {}});
    }
    p.refusals[it->second].tests.push_back(t.name);
  }
  // Most tests first: the refusal that matters most leads.
  std::stable_sort(p.refusals.begin(), p.refusals.end(), [](const reports::RefusalGroup& a, const reports::RefusalGroup& b) {
    if (a.kind != b.kind) return a.kind == "unsupported";
    return a.tests.size() > b.tests.size();
  });
  find_claims(r);
}

}  // namespace

semantics::Result<std::vector<std::string>> claimed_checks(const std::optional<std::string>& list) {
  if (!list) return std::vector<std::string>{std::string(kRejectChecks), std::string(kTrapChecks)};
  std::vector<std::string> out;
  for (const std::string& item : split_list(*list)) {
    if (item == "all") {
      out.insert(out.end(), {std::string(kTrapChecks), std::string(kRejectChecks)});
    } else if (item == "none") {
      continue;
    } else if (item == kTrapChecks || item == kRejectChecks || known_check(item)) {
      out.push_back(item);
    } else {
      return Error{ErrorCode::UsageError, {},
                   fmt::format("--checks: unknown check '{}' (all, none, traps, rejects, trap:<trap kind>, "
                               "reject:<error code>)",
                               item)};
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool check_claimed(const std::vector<std::string>& claims, const std::string& check) {
  return contains(claims, check) || contains(claims, check_family(check));
}

void certify(ConformanceReport& report) {
  report.group_verdicts.clear();
  report.version_verdicts.clear();
  report.check_verdicts.clear();
  auto tally = [](reports::Verdict& v, const ConformanceTest& t) {
    v.counts.add(t.outcome);
    if (reports::is_failing_outcome(t.outcome)) v.failures.push_back(t.name);
  };
  const auto unreadable = [](const ConformanceTest& t) { return t.outcome == "unreadable"; };
  for (int i = 0; i < semantics::kGroupCount; ++i) {
    reports::Verdict v;
    v.name = std::string(semantics::to_string(static_cast<Group>(i)));
    for (const ConformanceTest& t : report.tests) {
      if (unreadable(t) || (!is_check_test(t) && contains(t.certifies, v.name))) tally(v, t);
    }
    v.verdict = decide(v.counts, contains(report.groups, v.name));
    report.group_verdicts.push_back(std::move(v));
  }
  const auto cpu = semantics::isa_version_from_string(report.cpu_version).value_or(IsaVersion::V4);
  for (const IsaVersion ver : {IsaVersion::V1, IsaVersion::V2, IsaVersion::V3, IsaVersion::V4}) {
    reports::Verdict v;
    v.name = std::string(semantics::to_string(ver));
    // An ISA version is the cumulative instruction set up to it: a v3 claim covers v1-v3.
    for (const ConformanceTest& t : report.tests) {
      const auto tv = version_of(t);
      if (unreadable(t) || (!is_check_test(t) && tv && *tv <= ver)) tally(v, t);
    }
    v.verdict = decide(v.counts, ver <= cpu);
    report.version_verdicts.push_back(std::move(v));
  }
  // One row per check the tests exercise, run-time checks first.
  std::set<std::string> checks;
  for (const ConformanceTest& t : report.tests) {
    if (is_check_test(t)) checks.insert(t.check);
  }
  std::vector<std::string> ordered(checks.begin(), checks.end());
  std::stable_sort(ordered.begin(), ordered.end(), [](const std::string& a, const std::string& b) {
    return check_family(a) == kTrapChecks && check_family(b) != kTrapChecks;
  });
  for (const std::string& c : ordered) {
    reports::Verdict v;
    v.name = c;
    for (const ConformanceTest& t : report.tests) {
      if ((unreadable(t) && t.expect_kind != "result") || t.check == c) tally(v, t);
    }
    v.verdict = decide(v.counts, check_claimed(report.checks, c));
    report.check_verdicts.push_back(std::move(v));
  }
  build_profile(report);
}

}  // namespace bpfcert::conformance
