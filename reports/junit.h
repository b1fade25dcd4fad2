// JUnit XML, the format GitHub Actions (test-reporter actions), GitLab (artifacts:reports:junit)
// and Jenkins (junit step) render. A generic model; each report kind maps itself onto it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bpfcert::reports {

struct JunitCase {
  std::string classname;  // shown as the group / package by the CI renderers
  std::string name;
  double seconds = 0;
  enum class Status { Passed, Failed, Error, Skipped } status = Status::Passed;
  std::string message;  // one line: the failure / error / skip reason
  std::string details;  // body of <failure> / <error>, or system-out for passed tests
  std::string type;     // the type attribute of <failure> / <error>; empty: "FAIL" / "ERROR"
};

struct JunitSuite {
  std::string name;
  std::string timestamp;
  std::vector<std::pair<std::string, std::string>> properties;
  std::vector<JunitCase> cases;
};

std::string to_junit_xml(const std::string& name, const std::vector<JunitSuite>& suites);

}  // namespace bpfcert::reports
