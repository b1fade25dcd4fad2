// The conformance runner: finds the tests, selects them (claimed groups, ISA version, regex,
// shard), runs them on a target in parallel and builds the report with its certification.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conformance/target.h"
#include "reports/conformance_report.h"
#include "semantics/opcode_table.h"

namespace bpfcert::conformance {

struct RunnerOptions {
  std::vector<std::string> test_paths;
  semantics::IsaVersion cpu_version = semantics::IsaVersion::V4;
  std::set<semantics::Group> groups = default_groups();
  std::string include_regex, exclude_regex;  // ECMAScript, searched in the test name
  unsigned jobs = 1;
  double timeout_seconds = 10;
  unsigned shard_index = 1, shard_count = 1;  // this run takes every test i with i % count == index - 1
  uint64_t max_steps = 0;
  std::string tool_version;
  // Called after each test, from the worker threads, one call at a time.
  std::function<void(size_t done, size_t total, const reports::ConformanceTest&)> progress;

  // bpf_conformance's default claim: every RFC group but the historical packet group; callx is
  // not in the RFC.
  static std::set<semantics::Group> default_groups();
};

// Claimed groups from --include-groups / --exclude-groups lists ("a,b" or "all"). Naming a
// 64-bit group implies its 32-bit group; excluding a 32-bit group excludes its 64-bit one.
semantics::Result<std::set<semantics::Group>> claimed_groups(const std::optional<std::string>& include,
                                                             const std::optional<std::string>& exclude);

semantics::Result<reports::ConformanceReport> run_conformance(const Target& target, const RunnerOptions& options);

// Fills the report's per-group and per-version verdicts from its tests and claims. Used after
// a run and after merging shard reports.
void certify(reports::ConformanceReport& report);

}  // namespace bpfcert::conformance
