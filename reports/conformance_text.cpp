// The conformance report as text, in the order a VM author acts on it: the bugs, what could not
// be judged, what the VM refused (grouped, so that hundreds of refusals of one missing
// instruction are one line), the tables, and the claim the run supports.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

#include "reports/conformance_report.h"

namespace bpfcert::reports {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// "a, b, c and 12 more"
std::string some(const std::vector<std::string>& items, size_t most) {
  if (items.size() <= most) return fmt::format("{}", fmt::join(items, ", "));
  std::vector<std::string> head(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(most));
  return fmt::format("{} and {} more", fmt::join(head, ", "), items.size() - most);
}

std::string plural(size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// Columns of the certification tables: every outcome but skipped is shown; abi-difference and
// accepted-invalid under short headers.
struct Column {
  std::string_view outcome, header;
};
constexpr Column kColumns[] = {{"passed", "passed"},   {"wrong", "wrong"},         {"refused", "refused"},
                               {"accepted-invalid", "invalid"}, {"crashed", "crashed"}, {"timed-out", "timeout"},
                               {"unreadable", "unread"}, {"error", "error"},       {"abi-difference", "abi"},
                               {"skipped", "skipped"}};

std::string table(std::string_view title, const std::vector<Verdict>& rows) {
  size_t name_width = std::max<size_t>(title.size(), 10);
  for (const Verdict& v : rows) name_width = std::max(name_width, v.name.size());
  std::string out = fmt::format("{:<{}} {:<12}", title, name_width, "verdict");
  for (const Column& c : kColumns) out += fmt::format(" {:>7}", c.header);
  out += "\n";
  for (const Verdict& v : rows) {
    out += fmt::format("{:<{}} {:<12}", v.name, name_width, v.verdict);
    for (const Column& c : kColumns) out += fmt::format(" {:>7}", v.counts[c.outcome]);
    out += "\n";
  }
  return out;
}

std::string finding_line(const Finding& f) {
  std::string tag = f.outcome == "accepted-invalid" ? "ACCEPTED" : upper(f.outcome);
  std::string line = fmt::format("  {:<9} {}: {}", tag, f.test, f.message);
  if (!f.encodings.empty()) line += fmt::format(" [{}]", fmt::join(f.encodings, " "));
  if (!f.like_mutants.empty()) line += fmt::format("; the result of {}", fmt::join(f.like_mutants, " or "));
  return line + "\n";
}

std::string profile_text(const ConformanceReport& r) {
  const Profile& p = r.profile;
  std::map<std::string, std::vector<std::string>> by_status;
  for (const ProfileEntry& e : p.groups) by_status[e.status].push_back(e.name);
  std::string out = "\nprofile of this target (from this run):\n";
  for (const char* status : {"supported", "partial", "refused", "wrong", "failing", "untested"}) {
    const auto it = by_status.find(status);
    if (it != by_status.end()) out += fmt::format("  groups {:<10} {}\n", std::string(status) + ":", fmt::join(it->second, ", "));
  }
  std::vector<std::string> versions;
  for (const ProfileEntry& e : p.versions) {
    if (e.status != "not-claimed") versions.push_back(e.name + " " + e.status);
  }
  if (!versions.empty()) out += fmt::format("  isa versions:     {}\n", fmt::join(versions, ", "));
  std::map<std::string, std::vector<std::string>> checks;
  for (const ProfileEntry& e : p.checks) {
    if (e.status != "not-claimed") checks[e.status].push_back(e.name);
  }
  for (const auto& [status, names] : checks) out += fmt::format("  checks {:<10} {}\n", status + ":", fmt::join(names, ", "));
  size_t supported = 0, refused = 0, suspect = 0;
  for (const EncodingProfile& e : p.encodings) {
    supported += e.status == "supported";
    refused += e.status == "refused";
    suspect += e.status == "suspect";
  }
  if (!p.encodings.empty()) {
    out += fmt::format("  encodings:        {} supported, {} refused, {} suspect (in a test that found a bug)\n", supported,
                       refused, suspect);
  }
  for (size_t i = 0; i < p.claims.size(); ++i) {
    out += fmt::format("  {:<17} bpfcert conform {}\n", i == 0 ? "claims that hold:" : "", p.claims[i].arguments);
  }
  if (p.claims.empty() && !p.no_claim_reason.empty()) {
    out += fmt::format("  no claim certifies: {}\n", p.no_claim_reason);
  }
  return out;
}

}  // namespace

std::string to_text(const ConformanceReport& r, bool verbose) {
  std::string out;
  const Profile& p = r.profile;
  if (!p.bugs.empty()) {
    out += fmt::format("BUGS: {} where the VM is wrong\n", plural(p.bugs.size(), "test", "tests"));
    for (const Finding& f : p.bugs) out += finding_line(f);
  }
  if (!p.failures.empty()) {
    out += fmt::format("NOT JUDGED: {} (crashes, timeouts, unreadable tests, errors)\n",
                       plural(p.failures.size(), "test", "tests"));
    for (const Finding& f : p.failures) out += finding_line(f);
  }
  if (!p.refusals.empty()) {
    size_t n = 0;
    for (const RefusalGroup& g : p.refusals) n += g.tests.size();
    out += fmt::format("REFUSED: {} (valid programs the VM did not accept)\n", plural(n, "test", "tests"));
    for (const RefusalGroup& g : p.refusals) {
      if (g.kind == "unsupported") {
        out += fmt::format("  unsupported {} ({})\n", g.reason, plural(g.tests.size(), "test", "tests"));
      } else {
        out += fmt::format("  policy: \"{}\" ({}: {})\n", g.reason, plural(g.tests.size(), "test", "tests"),
                           some(g.tests, verbose ? g.tests.size() : 4));
      }
    }
  }
  std::map<std::string, std::vector<std::string>> abi;
  for (const ConformanceTest& t : r.tests) {
    if (t.outcome != "abi-difference") continue;
    for (const std::string& a : t.abi) abi[a].push_back(t.name);
  }
  if (!abi.empty()) {
    out += "ABI DIFFERENCES declared by the target (not counted):\n";
    for (const auto& [a, names] : abi) {
      out += fmt::format("  {}: {} ({})\n", a, plural(names.size(), "test", "tests"), some(names, verbose ? names.size() : 4));
    }
  }
  if (verbose) {
    for (const ConformanceTest& t : r.tests) {
      if (t.outcome == "refused" || t.outcome == "skipped" || t.outcome == "abi-difference") {
        out += fmt::format("{}: {}: {}\n", upper(t.outcome), t.name, t.message);
      }
    }
  }
  if (!r.target_available) out += fmt::format("target {} unavailable: {}\n", r.target_kind, r.target_unavailable_reason);
  for (const std::string& n : r.notes) out += "note: " + n + "\n";
  out += "\n" + table("group", r.group_verdicts);
  out += table("isa", r.version_verdicts);
  if (!r.check_verdicts.empty()) out += table("check", r.check_verdicts);
  out += profile_text(r);
  const auto s = r.summary();
  const size_t ran = s.counts.total() - s.counts["skipped"];
  out += fmt::format("\ntarget {}{}: {} passed of {} run: {} wrong, {} accepted invalid, {} refused, {} not judged, {} ABI "
                     "differences; {} skipped; {}\n",
                     r.target_kind, r.target_description.empty() ? "" : " (" + r.target_description + ")",
                     s.counts["passed"], ran, s.counts["wrong"], s.counts["accepted-invalid"], s.counts["refused"],
                     s.counts["crashed"] + s.counts["timed-out"] + s.counts["unreadable"] + s.counts["error"],
                     s.counts["abi-difference"], s.counts["skipped"],
                     s.ok() ? "PASS" : s.counts["passed"] == 0 ? "FAIL: no test passed" : "FAIL");
  return out;
}

}  // namespace bpfcert::reports
