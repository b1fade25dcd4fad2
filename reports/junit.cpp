#include "reports/junit.h"

#include <fmt/format.h>

#include "reports/output.h"

namespace bpfcert::reports {

std::string to_junit_xml(const std::string& name, const std::vector<JunitSuite>& suites) {
  struct Counts {
    size_t tests = 0, failures = 0, errors = 0, skipped = 0;
    double seconds = 0;
  };
  auto count = [](const JunitSuite& s) {
    Counts c;
    for (const JunitCase& k : s.cases) {
      ++c.tests;
      c.seconds += k.seconds;
      if (k.status == JunitCase::Status::Failed) ++c.failures;
      if (k.status == JunitCase::Status::Error) ++c.errors;
      if (k.status == JunitCase::Status::Skipped) ++c.skipped;
    }
    return c;
  };
  Counts all;
  for (const JunitSuite& s : suites) {
    const Counts c = count(s);
    all.tests += c.tests;
    all.failures += c.failures;
    all.errors += c.errors;
    all.skipped += c.skipped;
    all.seconds += c.seconds;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.6f}\">\n",
                     xml_escape(name), all.tests, all.failures, all.errors, all.skipped, all.seconds);
  for (const JunitSuite& s : suites) {
    const Counts c = count(s);
    out += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.6f}\"{}>\n",
        xml_escape(s.name), c.tests, c.failures, c.errors, c.skipped, c.seconds,
        s.timestamp.empty() ? std::string() : fmt::format(" timestamp=\"{}\"", xml_escape(s.timestamp)));
    if (!s.properties.empty()) {
      out += "    <properties>\n";
      for (const auto& [k, v] : s.properties) {
        out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", xml_escape(k), xml_escape(v));
      }
      out += "    </properties>\n";
    }
    for (const JunitCase& k : s.cases) {
      out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.6f}\"", xml_escape(k.classname),
                         xml_escape(k.name), k.seconds);
      switch (k.status) {
        case JunitCase::Status::Passed:
          out += "/>\n";
          break;
        case JunitCase::Status::Skipped:
          out += fmt::format(">\n      <skipped message=\"{}\"/>\n    </testcase>\n", xml_escape(k.message));
          break;
        case JunitCase::Status::Failed:
        case JunitCase::Status::Error: {
          const char* tag = k.status == JunitCase::Status::Failed ? "failure" : "error";
          out += fmt::format(">\n      <{} message=\"{}\" type=\"{}\">{}</{}>\n    </testcase>\n", tag,
                             xml_escape(k.message),
                             xml_escape(!k.type.empty() ? k.type : k.status == JunitCase::Status::Failed ? "FAIL" : "ERROR"),
                             xml_escape(k.details.empty() ? k.message : k.details), tag);
          break;
        }
      }
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace bpfcert::reports
