// Encoding coverage: which tests exercise each row of the opcode table. A test covers the
// encodings of a program it expects to run (a result or a trap); negative tests do not.
#pragma once

#include <string>
#include <vector>

#include "conformance/test_case.h"

namespace bpfcert::conformance {

struct CoverageRow {
  const semantics::Encoding* encoding;
  std::vector<std::string> tests;  // names, sorted
};

// One row per encoding of the table, in table order (the LDDW second slot excluded: it is part
// of every LDDW, not an instruction of its own).
std::vector<CoverageRow> encoding_coverage(const std::vector<TestCase>& tests);

// The encoding x test matrix as text: one line per encoding with its opcode, group, ISA
// version, test count and test names; uncovered encodings are marked. `max_names` limits the
// names printed per line (0: all).
std::string coverage_text(const std::vector<CoverageRow>& rows, size_t max_names);

}  // namespace bpfcert::conformance
