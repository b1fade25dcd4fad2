#include "conformance/target.h"

#include <fmt/format.h>

#include "reports/conformance_report.h"

namespace bpfcert::conformance {

namespace {

// The report owns the spelling; Outcome's order follows it.
static_assert(reports::kOutcomes.size() == kOutcomeCount && reports::kOutcomes[kOutcomeCount - 1] == "skipped");

// The test wanted the program not to complete: the check it exercises, in words.
std::string failure_wanted(const TestCase& test) {
  switch (test.expect) {
    case ExpectKind::Reject: return fmt::format("must be rejected ({})", test.expected_text);
    case ExpectKind::Trap: return fmt::format("must stop with a {} trap", test.expected_text);
    case ExpectKind::ErrorText:
      return test.reference_rejection.empty() ? fmt::format("must fail (\"{}\")", test.expected_text)
                                              : fmt::format("must be rejected ({})", test.reference_rejection);
    case ExpectKind::Result:
    case ExpectKind::None: break;
  }
  return "must fail";
}

// A "-- error" text is the VM's message in bpf_conformance's suite, compared exactly.
std::optional<TestRun> error_text_mismatch(const TestCase& test, const std::string& message, const std::string& actual,
                                           bool exact_text) {
  if (test.expect != ExpectKind::ErrorText || !exact_text || message == test.expected_text) return std::nullopt;
  return TestRun{Outcome::Wrong, fmt::format("expected error \"{}\", got \"{}\"", test.expected_text, message), actual};
}

}  // namespace

std::string_view to_string(Outcome o) { return reports::kOutcomes[static_cast<size_t>(o)]; }

std::optional<Outcome> outcome_from_string(std::string_view s) {
  for (size_t i = 0; i < reports::kOutcomes.size(); ++i) {
    if (reports::kOutcomes[i] == s) return static_cast<Outcome>(i);
  }
  return std::nullopt;
}

TestRun judge_result(const TestCase& test, uint64_t r0) {
  const std::string actual = fmt::format("{:#x}", r0);
  switch (test.expect) {
    case ExpectKind::Result:
      if (r0 == test.expected_r0) return {Outcome::Passed, "", actual};
      return {Outcome::Wrong, fmt::format("expected r0 = {:#x}, got {:#x}", test.expected_r0, r0), actual};
    case ExpectKind::Reject:
      return {Outcome::AcceptedInvalid,
              fmt::format("the program must be rejected ({}), but it ran and returned {:#x}", test.expected_text, r0), actual};
    case ExpectKind::ErrorText:
      if (!test.reference_rejection.empty()) {
        return {Outcome::AcceptedInvalid,
                fmt::format("the program must be rejected ({}), but it ran and returned {:#x}", test.reference_rejection, r0),
                actual};
      }
      return {Outcome::Wrong, fmt::format("expected error \"{}\", the program returned {:#x}", test.expected_text, r0), actual};
    case ExpectKind::Trap:
      return {Outcome::Wrong, fmt::format("expected a {} trap, the program returned {:#x}", test.expected_text, r0), actual};
    case ExpectKind::None: break;
  }
  return {Outcome::Skipped, "no result or error section", actual};
}

TestRun judge_refusal(const TestCase& test, const std::string& message, const std::string& code, bool exact_text) {
  const std::string actual = "refused: " + message;
  switch (test.expect) {
    case ExpectKind::Result:
      return {Outcome::Refused, message, actual};
    case ExpectKind::Reject:
      if (!code.empty() && code != test.expected_text) {
        return {Outcome::Wrong, fmt::format("rejected with {}, expected {}: {}", code, test.expected_text, message), actual};
      }
      return {Outcome::Passed, "", actual};
    case ExpectKind::ErrorText:
      if (auto wrong = error_text_mismatch(test, message, actual, exact_text)) return *wrong;
      return {Outcome::Passed, exact_text ? "" : "rejected as expected (error texts are implementation-specific)", actual};
    case ExpectKind::Trap:
      // Refusing at load a program that would trap is a static check doing a run-time check's job.
      return {Outcome::Passed, "refused at load time", actual};
    case ExpectKind::None: break;
  }
  return {Outcome::Skipped, "no result or error section", actual};
}

TestRun judge_trap(const TestCase& test, const std::string& message, const std::string& kind, bool exact_text) {
  const std::string actual = kind.empty() ? "stopped: " + message : message;
  switch (test.expect) {
    case ExpectKind::Result:
      return {Outcome::Wrong, fmt::format("expected r0 = {:#x}, the program stopped: {}", test.expected_r0, message), actual};
    case ExpectKind::Reject:
      return {Outcome::AcceptedInvalid,
              fmt::format("the program {}, but it was accepted and then stopped: {}", failure_wanted(test), message), actual};
    case ExpectKind::ErrorText:
      if (!test.reference_rejection.empty()) {
        return {Outcome::AcceptedInvalid,
                fmt::format("the program {}, but it was accepted and then stopped: {}", failure_wanted(test), message),
                actual};
      }
      if (auto wrong = error_text_mismatch(test, message, actual, exact_text)) return *wrong;
      return {Outcome::Passed, exact_text ? "" : "stopped as expected (error texts are implementation-specific)", actual};
    case ExpectKind::Trap:
      if (!kind.empty() && kind != test.expected_text) {
        return {Outcome::Wrong, fmt::format("expected a {} trap, got {}", test.expected_text, message), actual};
      }
      return {Outcome::Passed, "", actual};
    case ExpectKind::None: break;
  }
  return {Outcome::Skipped, "no result or error section", actual};
}

TestRun judge_failure(const TestCase& test, const std::string& message, bool exact_text) {
  if (test.expect == ExpectKind::Result) {
    return {Outcome::Refused, message, "failed: " + message};
  }
  TestRun r = judge_refusal(test, message, "", exact_text);
  r.actual = "failed: " + message;
  return r;
}

}  // namespace bpfcert::conformance
