// The conformance report: what `bpfcert conform` found, as plain data (no dependency on the
// ISA types, so any tool can read and write it). JSON form: schema "bpfcert/conformance/1",
// described by reports/schemas/conformance-1.schema.json.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bpfcert::reports {

inline constexpr const char* kConformanceSchema = "bpfcert/conformance/1";

struct ConformanceTest {
  std::string name;      // path below the corpus root without ".data": "alu32/add32_imm_one_plus_one"
  std::string path;      // the file as given to the runner
  std::string family;    // first folder of the name ("alu32"), empty for a top-level file
  std::vector<std::string> groups;       // conformance groups of the encodings the test uses
  // The groups whose verdict the test counts toward: its most specific groups (a divmul64 test
  // that sets up values with lddw certifies divmul64, not base64). The first is its JUnit class.
  std::vector<std::string> certifies;
  std::string isa_version;               // highest ISA version of those encodings ("v1".."v4")
  std::vector<std::string> encodings;    // opcode table ids
  std::string expect_kind;               // "result", "error", "reject", "trap", or "" (not a test)
  std::string expected;                  // r0 in hex, the error text, the error code or the trap kind
  std::string outcome;                   // "pass", "fail", "error", "skip"
  std::string message;                   // why it failed, errored or was skipped
  std::string actual;                    // what the target did: r0 in hex, a trap, a rejection, ...
  double seconds = 0;
};

struct Verdict {
  std::string name;     // group ("base32") or ISA version ("v3")
  std::string verdict;  // "certified", "failed", "not-claimed", "not-tested"
  size_t passed = 0, failed = 0, errors = 0, skipped = 0;
  std::vector<std::string> failures;  // names of the failed and errored tests
};

struct ConformanceReport {
  std::string schema = kConformanceSchema;
  std::string tool_version;
  // The implementation under test.
  std::string target_kind;         // "interp", "jit", "plugin", "kernel"
  std::string target_description;  // plugin path and options, kernel release, ...
  bool target_available = true;
  std::string target_unavailable_reason;
  // What the run claimed and selected.
  std::string cpu_version = "v4";
  std::vector<std::string> groups;  // claimed groups (implications applied)
  std::vector<std::string> test_paths;
  std::string include_regex, exclude_regex;
  unsigned jobs = 1;
  double timeout_seconds = 0;
  std::vector<std::pair<unsigned, unsigned>> shards;  // (K, N): one entry per shard this report holds
  std::string started_at;
  double seconds = 0;
  std::vector<ConformanceTest> tests;
  std::vector<Verdict> group_verdicts;
  std::vector<Verdict> version_verdicts;
  // Free-form notes the target attaches (e.g. the kernel's loader policies met).
  std::vector<std::string> notes;

  struct Summary {
    size_t total = 0, passed = 0, failed = 0, errors = 0, skipped = 0;
    // Exit status semantics: at least one test ran and none failed or errored.
    bool ok() const { return passed > 0 && failed == 0 && errors == 0; }
  };
  Summary summary() const;
};

nlohmann::json to_json(const ConformanceReport& report);
// Reads a report written by to_json; returns an error message on anything else.
std::optional<std::string> from_json(const nlohmann::json& j, ConformanceReport* report);

// Merges shard reports of one run: same target and claims, disjoint tests. Verdicts are left
// empty: the caller recomputes the certification. Returns an error message on mismatch.
std::optional<std::string> merge(const std::vector<ConformanceReport>& parts, ConformanceReport* merged);

// Human-readable form: one line per failure or error, then the certification table and totals.
std::string to_text(const ConformanceReport& report, bool list_skips = false);

// JUnit XML: one testcase per test, classname = the test's primary group.
std::string to_junit(const ConformanceReport& report);

}  // namespace bpfcert::reports
