// The conformance runner: finds the tests, selects them (claimed groups, ISA version, checks,
// regex, shard), runs them on a target in parallel and builds the report with its
// certification and profile.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conformance/abi.h"
#include "conformance/certify.h"
#include "conformance/target.h"
#include "reports/conformance_report.h"
#include "semantics/opcode_table.h"

namespace bpfcert::conformance {

struct RunnerOptions {
  std::vector<std::string> test_paths;
  semantics::IsaVersion cpu_version = semantics::IsaVersion::V4;
  std::set<semantics::Group> groups = default_groups();
  // Claimed checks (see claimed_checks): by default every run-time and load-time check.
  std::vector<std::string> checks = {std::string(kRejectChecks), std::string(kTrapChecks)};
  // ABI differences the target declared: tests that depend on one are reported as such.
  std::set<AbiDifference> abi;
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

// ABI differences from --plugin-abi ("no-r2,packet-mbuf").
semantics::Result<std::set<AbiDifference>> declared_abi(const std::string& list);

// Runs the selected tests and certifies the report (certify.h).
semantics::Result<reports::ConformanceReport> run_conformance(const Target& target, const RunnerOptions& options);

}  // namespace bpfcert::conformance
