// What the runner certifies: a target runs one test and says how it went. Targets are
// stateless between tests and safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "conformance/test_case.h"

namespace bpfcert::conformance {

enum class Outcome { Pass, Fail, Error, Skip };
std::string_view to_string(Outcome o);  // "pass", "fail", "error", "skip"

struct TestRun {
  Outcome outcome = Outcome::Error;
  std::string message;  // why it failed, errored or was skipped; a note for some passes
  std::string actual;   // what the target did: "0x2a", "trap out-of-bounds at pc 3", "rejected: ..."
};

struct RunSettings {
  bool allow_extensions = false;  // encodings outside RFC 9669 (callx) when the run claims them
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

// The outcome of a test on a target that only reports "it did not complete" for a program
// that must fail (plugins, the kernel): compares against the test's expectation.
TestRun judge_failure(const TestCase& test, const std::string& message, bool exact_text_known);
TestRun judge_result(const TestCase& test, uint64_t r0);

}  // namespace bpfcert::conformance
