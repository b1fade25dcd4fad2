// Counterexamples as programs: a refuted statement about a 64-bit operator becomes a small BPF
// program (set-up that keeps the input inside the abstract input, the operator's instruction,
// exit) and the memory holding the concrete operands; the reference interpreter runs it to show
// the concrete value that escapes the abstract one, and it can be kept as a regression test.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "verifier/smt/prover.h"

namespace bpfcert::verifier::smt {

struct ReplayProgram {
  std::string assembly;         // bpf_conformance syntax
  std::vector<uint8_t> memory;  // r1 points here: the concrete operands, little-endian
  uint64_t expected_r0 = 0;     // what the semantics say the program returns
  std::string memory_hex() const;
};

struct ReplayResult {
  std::optional<uint64_t> r0;  // the interpreter's result (none: it trapped or failed to build)
  bool reproduced = false;     // r0 is the expected concrete value, and that value escapes the abstract one
  std::string note;
};

// A program for a counterexample of a 64-bit ALU, branch or load statement about a value
// component (tnum, u64, s64, u32, s32) or a branch's feasibility; none otherwise (the
// reduction, join, widening and well-formedness have no instruction of their own).
std::optional<ReplayProgram> counterexample_program(const Obligation& ob, const Counterexample& cex);

// Assembles, links and runs the program on the reference interpreter, then checks with the
// uint64_t instantiation of the domain that the interpreter's value escapes the abstract
// output the counterexample names.
ReplayResult replay(const ReplayProgram& program, const Obligation& ob, const Counterexample& cex);

// The program as a bpf_conformance .data test (the result the interpreter computed), with the
// counterexample in comments.
std::string regression_data_file(const Obligation& ob, const Counterexample& cex, const ReplayProgram& program,
                                 const ReplayResult& replay);

}  // namespace bpfcert::verifier::smt
