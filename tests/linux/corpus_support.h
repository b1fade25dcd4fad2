// The program corpus as tests see it: each corpus/programs/*.c with its built object and the
// expectations its comments state (verdict, findings with their C lines, known kernel
// disagreements).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bpfcert::tests {

struct ExpectedFinding {
  std::string check;  // a check id of verifier/analyzer.h's catalog
  int line = 0;       // 1-based line of the .c file
};

struct CorpusProgram {
  std::string name;    // file stem
  std::string source;  // path of the .c file
  std::string object;  // path of the built .o
  bool expect_accept = true;
  std::vector<ExpectedFinding> findings;
  // "bpfcert: kernel accept|reject <why>": what Linux says when it disagrees on purpose.
  std::optional<bool> kernel_accepts;
  std::string kernel_note;
};

// Every corpus program, sorted by name; empty when the objects were not built (no clang-19).
std::vector<CorpusProgram> corpus_programs();
// Why the corpus is unavailable ("" when it is available).
std::string corpus_unavailable_reason();
// tests/linux/known_deviations.txt: (file stem, function) -> observed findings and reason.
struct Deviation {
  std::string observed;  // "check@line ..." sorted, as the corpus test prints them
  std::string reason;
};
std::map<std::pair<std::string, std::string>, Deviation> known_deviations();

// Parses the annotations of one source file (exposed for tests of the parser).
CorpusProgram parse_annotations(const std::string& name, const std::string& text);

}  // namespace bpfcert::tests
