#include "conformance/runner.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "conformance/data_file.h"
#include "conformance/mutate.h"
#include "reports/output.h"

namespace bpfcert::conformance {

using semantics::Error;
using semantics::ErrorCode;
using semantics::Group;
using semantics::IsaVersion;

std::set<Group> RunnerOptions::default_groups() {
  return {Group::Base32, Group::Base64, Group::Atomic32, Group::Atomic64, Group::Divmul32, Group::Divmul64};
}

namespace {

semantics::Result<std::set<Group>> parse_groups(const std::string& list, const char* flag) {
  std::set<Group> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item.empty()) continue;
    if (item == "all") {
      for (int g = 0; g < semantics::kGroupCount; ++g) out.insert(static_cast<Group>(g));
      continue;
    }
    const auto g = semantics::group_from_string(item);
    if (!g) {
      return Error{ErrorCode::UsageError, {},
                   fmt::format("{}: unknown group '{}' (base32 base64 atomic32 atomic64 divmul32 divmul64 packet callx may_goto acquire_release addr_space_cast all)",
                               flag, item)};
    }
    out.insert(*g);
  }
  return out;
}

}  // namespace

semantics::Result<std::set<Group>> claimed_groups(const std::optional<std::string>& include,
                                                  const std::optional<std::string>& exclude) {
  std::set<Group> claimed = RunnerOptions::default_groups();
  if (include) {
    auto g = parse_groups(*include, "--include-groups");
    if (!g.ok()) return g.error();
    claimed = *g;
  }
  // base64 includes base32, ... (RFC 9669 §2.4): a 64-bit claim is also its 32-bit claim.
  for (int o = 0; o < semantics::kGroupCount; ++o) {
    for (int i = 0; i < semantics::kGroupCount; ++i) {
      if (claimed.count(static_cast<Group>(o)) && semantics::group_includes(static_cast<Group>(o), static_cast<Group>(i))) {
        claimed.insert(static_cast<Group>(i));
      }
    }
  }
  if (exclude) {
    auto g = parse_groups(*exclude, "--exclude-groups");
    if (!g.ok()) return g.error();
    for (Group x : *g) {
      for (int o = 0; o < semantics::kGroupCount; ++o) {
        if (semantics::group_includes(static_cast<Group>(o), x)) claimed.erase(static_cast<Group>(o));
      }
    }
  }
  return claimed;
}

semantics::Result<std::set<AbiDifference>> declared_abi(const std::string& list) {
  std::set<AbiDifference> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item.empty()) continue;
    const auto a = abi_difference_from_string(item);
    if (!a) {
      return Error{ErrorCode::UsageError, {}, fmt::format("--plugin-abi: unknown ABI difference '{}' (no-r2, packet-mbuf)", item)};
    }
    out.insert(*a);
  }
  return out;
}

namespace {

// One test, from its file to its outcome on the target.
TestRun run_one(const Target& target, const RunnerOptions& options, const RunSettings& settings,
                const std::optional<std::string>& unavailable, const TestFile& file, reports::ConformanceTest& out) {
  auto test = load_test_case(file.path, file.name);
  if (!test.ok()) {
    // Whatever the file says it expects, if it says so: a test that expects a result cannot be
    // a test of a check, which narrows what it could belong to.
    if (auto df = read_data_file(file.path); df.ok()) out.expect_kind = df->result ? "result" : df->error ? "error" : "";
    return {Outcome::Unreadable, "cannot read the test: " + test.error().to_string(), ""};
  }
  for (Group g : test->groups) out.groups.emplace_back(semantics::to_string(g));
  out.isa_version = std::string(semantics::to_string(test->version));
  for (const semantics::Encoding* e : test->encodings) out.encodings.emplace_back(e->id);
  out.expect_kind = std::string(to_string(test->expect));
  out.expected = test->expected_string();
  out.check = test->check;
  if (out.check.empty()) {
    for (Group g : certified_groups(test->groups)) out.certifies.emplace_back(semantics::to_string(g));
  }
  std::vector<std::string> unclaimed;
  for (Group g : test->groups) {
    if (!options.groups.count(g)) unclaimed.emplace_back(semantics::to_string(g));
  }
  if (!test->unsupported.empty()) return {Outcome::Skipped, test->unsupported, ""};
  if (test->expect == ExpectKind::None) {
    return {Outcome::Skipped, "no result or error section (bpf_conformance skips such files too)", ""};
  }
  if (!unclaimed.empty()) return {Outcome::Skipped, fmt::format("not claimed: uses group {}", fmt::join(unclaimed, ", ")), ""};
  for (Group g : test->valid_with) {
    if (options.groups.count(g)) {
      return {Outcome::Skipped, fmt::format("claims {}, which makes this program valid", semantics::to_string(g)), ""};
    }
  }
  if (test->version > options.cpu_version) {
    return {Outcome::Skipped,
            fmt::format("not claimed: needs ISA {} (cpu version {})", semantics::to_string(test->version),
                        semantics::to_string(options.cpu_version)),
            ""};
  }
  if (!test->check.empty() && !check_claimed(options.checks, test->check)) {
    return {Outcome::Skipped, fmt::format("not claimed: checks {}", test->check), ""};
  }
  if (unavailable) {
    return {target.unavailable_outcome(), fmt::format("target {} unavailable: {}", target.kind(), *unavailable), ""};
  }
  std::vector<std::string> depends;
  for (AbiDifference a : options.abi) {
    if (depends_on(*test, a)) depends.emplace_back(to_string(a));
  }
  out.abi = depends;
  TestRun run = target.run(*test, settings);
  if (run.outcome == Outcome::Wrong && run.actual.starts_with("0x")) {
    // A wrong r0: which single faults of the reference give it too.
    for (const Mutant* m : mutants_giving(*test, std::stoull(run.actual, nullptr, 16))) out.like_mutants.push_back(m->id);
  }
  if (is_failure(run.outcome) && !depends.empty()) {
    // The target said it cannot follow this convention, and the program depends on it.
    std::vector<std::string> why;
    for (AbiDifference a : options.abi) {
      if (std::find(depends.begin(), depends.end(), to_string(a)) != depends.end()) why.emplace_back(describe(a));
    }
    run.message = fmt::format("depends on what the target declared it does not provide ({}); it was {}: {}",
                              fmt::join(why, "; "), to_string(run.outcome), run.message);
    run.outcome = Outcome::Abi;
  }
  return run;
}

}  // namespace

semantics::Result<reports::ConformanceReport> run_conformance(const Target& target, const RunnerOptions& options) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  if (options.shard_count == 0 || options.shard_index == 0 || options.shard_index > options.shard_count) {
    return Error{ErrorCode::UsageError, {}, fmt::format("shard {}/{} does not exist", options.shard_index, options.shard_count)};
  }
  std::optional<std::regex> include, exclude;
  try {
    if (!options.include_regex.empty()) include.emplace(options.include_regex, std::regex::ECMAScript);
    if (!options.exclude_regex.empty()) exclude.emplace(options.exclude_regex, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return Error{ErrorCode::UsageError, {}, fmt::format("bad regular expression: {}", e.what())};
  }
  auto files = find_tests(options.test_paths);
  if (!files.ok()) return files.error();

  std::vector<TestFile> selected;
  for (size_t i = 0; i < files->size(); ++i) {
    const TestFile& f = (*files)[i];
    if (i % options.shard_count != options.shard_index - 1) continue;
    if (include && !std::regex_search(f.name, *include)) continue;
    if (exclude && std::regex_search(f.name, *exclude)) continue;
    selected.push_back(f);
  }

  reports::ConformanceReport report;
  report.tool_version = options.tool_version;
  report.target_kind = std::string(target.kind());
  report.target_description = target.description();
  const std::optional<std::string> unavailable = target.unavailable();
  report.target_available = !unavailable;
  report.target_unavailable_reason = unavailable.value_or("");
  report.cpu_version = std::string(semantics::to_string(options.cpu_version));
  for (Group g : options.groups) report.groups.emplace_back(semantics::to_string(g));
  report.checks = options.checks;
  for (AbiDifference a : options.abi) report.abi.emplace_back(to_string(a));
  report.test_paths = options.test_paths;
  report.include_regex = options.include_regex;
  report.exclude_regex = options.exclude_regex;
  report.jobs = std::max(1u, options.jobs);
  report.timeout_seconds = options.timeout_seconds;
  report.shards = {{options.shard_index, options.shard_count}};
  report.started_at = reports::utc_timestamp();
  report.tests.resize(selected.size());

  RunSettings settings;
  for (Group g : options.groups) {
    if (!semantics::is_rfc_group(g)) settings.extension_groups.push_back(g);
  }
  settings.timeout_seconds = options.timeout_seconds;
  settings.max_steps = options.max_steps;

  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex progress_mutex;
  auto worker = [&] {
    for (size_t i = next++; i < selected.size(); i = next++) {
      const auto start = clock::now();
      reports::ConformanceTest& out = report.tests[i];
      out.name = selected[i].name;
      out.path = selected[i].path;
      const size_t slash = out.name.find('/');
      out.family = slash == std::string::npos ? "" : out.name.substr(0, slash);
      TestRun run = run_one(target, options, settings, unavailable, selected[i], out);
      out.outcome = std::string(to_string(run.outcome));
      out.message = std::move(run.message);
      out.actual = std::move(run.actual);
      out.seconds = std::chrono::duration<double>(clock::now() - start).count();
      const size_t n = ++done;
      if (options.progress) {
        std::lock_guard lock(progress_mutex);
        options.progress(n, selected.size(), out);
      }
    }
  };
  const unsigned jobs = std::max(1u, std::min<unsigned>(options.jobs, static_cast<unsigned>(std::max<size_t>(1, selected.size()))));
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();

  report.notes = target.notes();
  report.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  certify(report);
  return report;
}

}  // namespace bpfcert::conformance
