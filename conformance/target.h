// What the runner certifies: a target runs one test and says how it went. Targets are
// stateless between tests and safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "conformance/test_case.h"

namespace bpfcert::conformance {

// How a test ended, at the grain a VM author acts on. Only Passed counts for a claim; Abi and
// Skipped count for nothing; every other outcome keeps the claim from being certified.
enum class Outcome {
  Passed,
  Wrong,            // a bug: another r0 or trap, no trap where one is due, a trap where none is
  Refused,          // the VM did not accept a valid program (unsupported, or a loader policy)
  AcceptedInvalid,  // the VM ran a program that a conforming loader must reject
  Abi,              // depends on an ABI difference the target declared (r2 not set, ...)
  Crashed,          // the VM died from a signal
  TimedOut,         // the VM did not finish within the deadline
  Unreadable,       // the test file cannot be read: its groups are unknown
  Error,            // the test could not be run: a plugin broke the protocol, the environment failed
  Skipped,          // not claimed, or needs what the target cannot be given
};
inline constexpr int kOutcomeCount = 10;
// "passed", "wrong", "refused", "accepted-invalid", "abi-difference", "crashed", "timed-out",
// "unreadable", "error", "skipped": the report's spelling.
std::string_view to_string(Outcome o);
std::optional<Outcome> outcome_from_string(std::string_view s);
// Whether an outcome keeps a claim from being certified.
constexpr bool is_failure(Outcome o) { return o != Outcome::Passed && o != Outcome::Abi && o != Outcome::Skipped; }

struct TestRun {
  Outcome outcome = Outcome::Error;
  std::string message;  // why it did not pass, or was skipped; a note for some passes
  std::string actual;   // what the target did: "0x2a", "trap out-of-bounds at pc 3", "refused: ..."
};

struct RunSettings {
  bool allow_extensions = false;                  // every encoding outside RFC 9669
  std::vector<semantics::Group> extension_groups;  // or those of the extension groups the run claims
  double timeout_seconds = 10;
  uint64_t max_steps = 0;         // 0: the engine's default; a test's max-steps wins
};

class Target {
 public:
  virtual ~Target() = default;
  virtual std::string_view kind() const = 0;  // "interp", "jit", "plugin", "kernel"
  virtual std::string description() const { return {}; }
  // Empty when the target can run tests here; else why not (the summary says so).
  virtual std::optional<std::string> unavailable() const { return std::nullopt; }
  // How tests come out when the target is unavailable: ERROR for engines bpfcert should have
  // (the JIT), SKIP for environments the machine may lack (the kernel).
  virtual Outcome unavailable_outcome() const { return Outcome::Error; }
  virtual TestRun run(const TestCase& test, const RunSettings& settings) const = 0;
  // Notes for the report, gathered over the run (e.g. the loader policies a kernel applied).
  virtual std::vector<std::string> notes() const { return {}; }
};

// Judging what a target saw against what the test expects. Each says what the VM did:
//   judge_result: the program ran to its end with this r0;
//   judge_refusal: the VM did not accept the program at load time (`code`: the validation error
//     code when the target knows it, compared with an "expect reject=" code);
//   judge_trap: the program started and was stopped at run time (`kind`: the trap kind when
//     known, compared with an "expect trap=" kind);
//   judge_failure: the program did not complete and the target cannot say at which stage (a
//     plugin that does not mark its messages); a valid program counts as refused.
// `exact_text`: the message is the VM's own and is compared with a "-- error" text exactly, as
// bpf_conformance does; in-process engines pass false (their texts are bpfcert's).
TestRun judge_result(const TestCase& test, uint64_t r0);
TestRun judge_refusal(const TestCase& test, const std::string& message, const std::string& code, bool exact_text);
TestRun judge_trap(const TestCase& test, const std::string& message, const std::string& kind, bool exact_text);
TestRun judge_failure(const TestCase& test, const std::string& message, bool exact_text);

}  // namespace bpfcert::conformance
