// The mutation report: how strong a conformance corpus is, as the kill matrix of single-fault
// mutants of the reference interpreter (`bpfcert mutate`). JSON form: schema
// "bpfcert/mutation/1", described by reports/schemas/mutation-1.schema.json.
#pragma once

#include <nlohmann/json_fwd.hpp>  // the writers return JSON; only their callers need the whole library

#include <optional>
#include <string>
#include <vector>

namespace bpfcert::reports {

inline constexpr const char* kMutationSchema = "bpfcert/mutation/1";

struct MutantResult {
  std::string id;           // "width:add32_imm>add_imm"
  std::string family;       // width, signedness, off-by-one, operand-swap, size, byte-order, fetch, extension, restore
  std::string description;
  std::string equivalent;   // why no program can kill it; empty when it can be killed
  size_t tests_run = 0;     // tests that touch it (execute its row, or make local calls)
  std::vector<std::string> killed_by;  // tests that pass on the reference and not on the mutant
};

struct MutationReport {
  std::string schema = kMutationSchema;
  std::string tool_version;
  std::vector<std::string> test_paths;
  std::string include_regex, exclude_regex;
  unsigned jobs = 1;
  unsigned min_kills = 3;
  std::string started_at;
  double seconds = 0;      // the whole matrix, reference runs included
  size_t runs = 0;         // mutant runs
  std::vector<std::string> tests;  // the tests that pass on the reference: the matrix's rows
  std::vector<std::string> not_used;  // tests that do not pass on the reference, or cannot run, with why
  std::vector<MutantResult> mutants;

  struct Summary {
    size_t mutants = 0, equivalent = 0;
    size_t strong = 0;     // killed by at least min_kills tests
    size_t weak = 0;       // killed by 1 .. min_kills - 1 tests
    size_t survivors = 0;  // killable, killed by none
    // Equivalent mutants a test killed: the equivalence argument is wrong.
    size_t killed_equivalent = 0;
    bool ok() const { return weak == 0 && survivors == 0 && killed_equivalent == 0; }
  };
  Summary summary() const;
  // Tests that kill no mutant (they may still check what no mutant models).
  std::vector<std::string> tests_killing_nothing() const;
};

nlohmann::json to_json(const MutationReport& report);
std::optional<std::string> from_json(const nlohmann::json& j, MutationReport* report);

// Survivors and weakly killed mutants first, then the summary, the kills per mutant and the time.
// `verbose` also lists every mutant with its killers' count and the tests that kill nothing.
std::string to_text(const MutationReport& report, bool verbose = false);

}  // namespace bpfcert::reports
