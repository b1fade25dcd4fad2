#include "conformance/target.h"

#include <fmt/format.h>

namespace bpfcert::conformance {

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::Pass: return "pass";
    case Outcome::Fail: return "fail";
    case Outcome::Error: return "error";
    case Outcome::Skip: return "skip";
  }
  return "error";
}

TestRun judge_failure(const TestCase& test, const std::string& message, bool exact_text_known) {
  const std::string actual = "failed: " + message;
  switch (test.expect) {
    case ExpectKind::Result:
      return {Outcome::Fail, fmt::format("expected r0 = {:#x}, the program failed: {}", test.expected_r0, message), actual};
    case ExpectKind::ErrorText:
      // bpf_conformance compares the plugin's message with the expected text exactly.
      if (exact_text_known && message != test.expected_text) {
        return {Outcome::Fail, fmt::format("expected error \"{}\", got \"{}\"", test.expected_text, message), actual};
      }
      return {Outcome::Pass, exact_text_known ? "" : "failed as expected (error texts are implementation-specific)", actual};
    case ExpectKind::Reject:
    case ExpectKind::Trap:
      return {Outcome::Pass, "", actual};
    case ExpectKind::None: break;
  }
  return {Outcome::Skip, "no result or error section", actual};
}

TestRun judge_result(const TestCase& test, uint64_t r0) {
  const std::string actual = fmt::format("{:#x}", r0);
  switch (test.expect) {
    case ExpectKind::Result:
      if (r0 == test.expected_r0) return {Outcome::Pass, "", actual};
      return {Outcome::Fail, fmt::format("expected r0 = {:#x}, got {:#x}", test.expected_r0, r0), actual};
    case ExpectKind::ErrorText:
      return {Outcome::Fail, fmt::format("expected error \"{}\", the program returned {:#x}", test.expected_text, r0), actual};
    case ExpectKind::Reject:
      return {Outcome::Fail,
              fmt::format("the program must be rejected ({}), but it ran and returned {:#x}", test.expected_text, r0), actual};
    case ExpectKind::Trap:
      return {Outcome::Fail, fmt::format("expected a {} trap, the program returned {:#x}", test.expected_text, r0), actual};
    case ExpectKind::None: break;
  }
  return {Outcome::Skip, "no result or error section", actual};
}

}  // namespace bpfcert::conformance
