// Corpus strength: single-fault mutants of the reference interpreter, derived from the opcode
// table and run against a corpus in-process. A mutant is the reference with one deliberate fault
// (interp::Fault): an instruction executed as a neighbouring row of the table that a VM could
// confuse it with (the other width, the other signedness, a comparison off by one or with its
// operands swapped, another access size, the other byte order, a fetch dropped), a 64-bit
// immediate not sign-extended, or a register not restored when a local call returns. The same
// semantics runs for every mutant; only the row an instruction is decoded as changes. A test
// kills a mutant when it passes on the reference and not on the mutant.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "conformance/test_case.h"
#include "interp/interpreter.h"
#include "reports/mutation_report.h"
#include "semantics/diagnostic.h"

namespace bpfcert::conformance {

struct Mutant {
  std::string id;           // "width:add32_imm>add_imm", "imm:and_imm", "restore:r6"
  std::string family;       // width, signedness, off-by-one, operand-swap, size, byte-order, fetch, extension, restore
  std::string description;  // what a VM with this fault does wrong
  interp::Fault fault;
  // Why no program can tell the mutant from the reference, when that is so; empty otherwise.
  std::string equivalent;
  // Whether running this test can tell the mutant apart (it executes the faulty row, or makes a
  // local call for a restore fault); a test that cannot is not run against it.
  bool touches(const TestCase& test) const;
};

// Every mutant of the table, in table order, then the restore faults.
const std::vector<Mutant>& mutants();

// The mutants that, run on this test, complete with this r0: the single faults that explain a
// VM's wrong result ("le16 executed as le64": it does not truncate). Empty when none does.
std::vector<const Mutant*> mutants_giving(const TestCase& test, uint64_t r0);

struct MutationOptions {
  std::vector<std::string> test_paths;
  std::string include_regex, exclude_regex;  // on test names, as bpfcert conform
  unsigned jobs = 1;
  unsigned min_kills = 3;  // a mutant is strongly killed by at least this many tests
  std::string tool_version;
  // Called after each test from the worker threads, one call at a time.
  std::function<void(size_t done, size_t total)> progress;
};

// Runs every test on the reference and, for each mutant the test touches, on the mutant.
semantics::Result<reports::MutationReport> measure_corpus(const MutationOptions& options);

}  // namespace bpfcert::conformance
