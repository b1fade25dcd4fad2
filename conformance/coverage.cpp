#include "conformance/coverage.h"

#include <fmt/format.h>

#include <algorithm>

namespace bpfcert::conformance {

std::vector<CoverageRow> encoding_coverage(const std::vector<TestCase>& tests) {
  const auto table = semantics::encodings();
  std::vector<CoverageRow> rows;
  for (const semantics::Encoding& e : table) {
    if (e.kind != semantics::Kind::WideSlot) rows.push_back({&e, {}});
  }
  for (const TestCase& t : tests) {
    if (t.expect != ExpectKind::Result && t.expect != ExpectKind::Trap) continue;
    for (const semantics::Encoding* e : t.encodings) {
      for (CoverageRow& r : rows) {
        if (r.encoding == e) r.tests.push_back(t.name);
      }
    }
  }
  for (CoverageRow& r : rows) std::sort(r.tests.begin(), r.tests.end());
  return rows;
}

std::string coverage_text(const std::vector<CoverageRow>& rows, size_t max_names) {
  std::string out = fmt::format("{:<22} {:<6} {:<9} {:<3} {:>5}  tests\n", "encoding", "opcode", "group", "isa", "count");
  size_t uncovered = 0;
  for (const CoverageRow& r : rows) {
    const semantics::Encoding& e = *r.encoding;
    std::string names;
    const size_t shown = max_names == 0 ? r.tests.size() : std::min(max_names, r.tests.size());
    for (size_t i = 0; i < shown; ++i) names += (i ? " " : "") + r.tests[i];
    if (shown < r.tests.size()) names += fmt::format(" ... (+{})", r.tests.size() - shown);
    if (r.tests.empty()) {
      names = "UNCOVERED";
      ++uncovered;
    }
    out += fmt::format("{:<22} 0x{:02x}   {:<9} {:<3} {:>5}  {}\n", e.id, e.opcode, semantics::to_string(e.group),
                       semantics::to_string(e.since), r.tests.size(), names);
  }
  out += fmt::format("{} encodings, {} covered, {} uncovered\n", rows.size(), rows.size() - uncovered, uncovered);
  return out;
}

}  // namespace bpfcert::conformance
