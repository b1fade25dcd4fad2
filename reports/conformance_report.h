// The conformance report: what `bpfcert conform` found, as plain data (no dependency on the
// ISA types, so any tool can read and write it). JSON form: schema "bpfcert/conformance/2",
// described by reports/schemas/conformance-2.schema.json; reports of schema 1 are still read
// (and upgraded) by from_json, so older shards merge and show.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bpfcert::reports {

inline constexpr const char* kConformanceSchema = "bpfcert/conformance/2";
inline constexpr const char* kConformanceSchemaV1 = "bpfcert/conformance/1";

// How a test ended (conformance::Outcome spells itself with this list, in this order):
// passed; wrong (a bug: another result or trap); refused (the VM did not accept a valid
// program); accepted-invalid; abi-difference (depends on an ABI difference the target
// declared: not counted); crashed; timed-out; unreadable (the test file cannot be read);
// error (the test could not be run); skipped (not claimed, or not applicable to the target).
inline constexpr std::array<std::string_view, 10> kOutcomes = {
    "passed", "wrong", "refused", "accepted-invalid", "abi-difference", "crashed", "timed-out",
    "unreadable", "error", "skipped"};
// Whether an outcome keeps a claim from being certified (all but passed, abi-difference, skipped).
bool is_failing_outcome(std::string_view outcome);

struct OutcomeCounts {
  std::array<size_t, kOutcomes.size()> n{};  // in kOutcomes' order
  void add(std::string_view outcome, size_t k = 1);  // an outcome outside kOutcomes counts nowhere
  size_t operator[](std::string_view outcome) const;
  size_t failing() const;  // every outcome that keeps a claim from being certified
  size_t total() const;
};

struct ConformanceTest {
  std::string name;      // path below the corpus root without ".data": "alu32/add32_imm_one_plus_one"
  std::string path;      // the file as given to the runner
  std::string family;    // first folder of the name ("alu32"), empty for a top-level file
  std::vector<std::string> groups;       // conformance groups of the encodings the test uses
  // The groups whose verdict the test counts toward: its most specific groups (a divmul64 test
  // that sets up values with lddw certifies divmul64, not base64). Empty for a test of a check,
  // which counts toward its check. The first is its JUnit class.
  std::vector<std::string> certifies;
  std::string isa_version;               // highest ISA version of those encodings ("v1".."v4")
  std::vector<std::string> encodings;    // opcode table ids
  std::string expect_kind;               // "result", "error", "reject", "trap", or "" (not a test)
  std::string expected;                  // r0 in hex, the error text, the error code or the trap kind
  std::string check;                     // "trap:<kind>", "reject:<code>", "trap", or "" (expects a result)
  std::vector<std::string> abi;          // declared ABI differences the test depends on
  // For a wrong result: the single-fault mutants of the reference that give the same r0
  // (bpfcert mutate's ids, "size:le16>le64"), which name the likely fault.
  std::vector<std::string> like_mutants;
  std::string outcome;                   // one of kOutcomes
  std::string message;                   // why it did not pass, or was skipped
  std::string actual;                    // what the target did: r0 in hex, a trap, a refusal, ...
  double seconds = 0;
};

struct Verdict {
  std::string name;     // group ("base32"), ISA version ("v3") or check ("trap:out-of-bounds")
  std::string verdict;  // "certified", "failed", "not-claimed", "not-tested"
  OutcomeCounts counts;
  std::vector<std::string> failures;  // tests with a failing outcome
};

// What one run says a VM supports, so that its author can claim exactly that.
struct ProfileEntry {
  std::string name;    // group, ISA version or check
  // "supported" (every test passed), "wrong" (a test found a bug), "refused" (every test that
  // ran was refused), "partial" (some passed, some refused), "failing" (other failures: crashes,
  // timeouts, unreadable tests), "untested" (claimed, nothing ran), "not-claimed".
  std::string status;
  OutcomeCounts counts;
};

struct EncodingProfile {
  std::string id;      // opcode table id
  // "suspect": the encoding a single-fault mutant giving a wrong result changes or, when no
  // mutant gives it, of the encodings of the test, the one the fewest passing tests use; else
  // "supported": a test using it passed; "refused": tests using it were refused and none
  // passed; "untested".
  std::string status;
  size_t passed = 0, refused = 0, wrong = 0;
};

struct Finding {
  std::string test;
  std::string outcome;  // wrong, accepted-invalid, crashed, timed-out
  std::vector<std::string> encodings;
  std::string expected, actual, message;
  std::vector<std::string> like_mutants;  // ConformanceTest::like_mutants
};

struct RefusalGroup {
  // "unsupported": the tests use an encoding no test of the run got accepted (the VM does not
  // have the instruction); "policy": every encoding they use was accepted elsewhere, so the VM
  // refused the program for what it does (constant division by zero, a loop, ...).
  std::string kind;
  std::string reason;  // the unsupported encodings, or the VM's message
  std::vector<std::string> tests;
};

struct Claim {
  std::string cpu_version;
  std::vector<std::string> groups;
  std::vector<std::string> checks;  // "none" when no check holds
  std::string arguments;            // the bpfcert conform arguments that make this claim
};

struct Profile {
  std::vector<ProfileEntry> groups, versions, checks;
  std::vector<EncodingProfile> encodings;
  std::vector<Finding> bugs;           // wrong and accepted-invalid: the VM is wrong
  std::vector<Finding> failures;       // crashed, timed-out, error, unreadable: the run could not judge
  std::vector<RefusalGroup> refusals;
  // The claims this run certifies: for each ISA version the most groups that hold, leaving out
  // claims another covers; the one with the most groups first. Empty when none holds, with the
  // reason.
  std::vector<Claim> claims;
  std::string no_claim_reason;
};

struct ConformanceReport {
  std::string schema = kConformanceSchema;
  std::string tool_version;
  // The implementation under test.
  std::string target_kind;         // "interp", "jit", "plugin", "kernel"
  std::string target_description;  // plugin path and options, kernel release, ...
  bool target_available = true;
  std::string target_unavailable_reason;
  std::vector<std::string> abi;    // ABI differences the target declared ("no-r2", ...)
  // What the run claimed and selected.
  std::string cpu_version = "v4";
  std::vector<std::string> groups;  // claimed groups (implications applied)
  std::vector<std::string> checks;  // claimed checks: "traps", "rejects" or single check ids
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
  std::vector<Verdict> check_verdicts;
  Profile profile;
  // Free-form notes the target attaches (e.g. the kernel's loader policies met).
  std::vector<std::string> notes;

  struct Summary {
    OutcomeCounts counts;
    // Exit status semantics: at least one test passed and none has a failing outcome.
    bool ok() const { return counts["passed"] > 0 && counts.failing() == 0; }
  };
  Summary summary() const;
};

nlohmann::json to_json(const ConformanceReport& report);
// Reads a report written by to_json (schema 2, or schema 1, upgraded: its outcomes become
// passed / wrong / error / skipped and its profile is empty until certified again); returns an
// error message on anything else.
std::optional<std::string> from_json(const nlohmann::json& j, ConformanceReport* report);

// Merges shard reports of one run: same target and claims, disjoint tests. Verdicts and the
// profile are left empty: the caller recomputes the certification. Returns an error message on
// mismatch.
std::optional<std::string> merge(const std::vector<ConformanceReport>& parts, ConformanceReport* merged);

// Human-readable form, bugs first: what the VM got wrong, what could not be judged, what it
// refused (grouped), then the certification table and the profile with the claim it supports.
// `verbose` also lists every refused and skipped test.
std::string to_text(const ConformanceReport& report, bool verbose = false);

// JUnit XML: one testcase per test, classname = the test's primary group or its check; wrong
// and accepted-invalid are failures, crashes, timeouts, unreadable tests and errors are errors,
// refusals are failures of type "refused", ABI differences and skips are skipped.
std::string to_junit(const ConformanceReport& report);

}  // namespace bpfcert::reports
