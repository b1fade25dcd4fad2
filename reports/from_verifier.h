// Verification reports built from the verifier's results: the finding, invariant and register
// models of reports/verification_report.h filled from verifier::VerificationResult, and the
// witness search's results attached to their findings. The one place where the verifier's
// types meet the report's, for every caller (the command, tests, other tools).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "reports/verification_report.h"
#include "semantics/assembly.h"
#include "semantics/program.h"
#include "verifier/analyzer.h"
#include "verifier/smt/witness.h"

namespace bpfcert::reports {

// Where an instruction came from.
struct InstructionSource {
  std::string file;  // empty: the input itself
  int line = 0;      // 0: unknown
  int column = 0;    // 0: unknown
  std::string text;  // the source line
  std::string function;
};

// What the report says about its input, beside the verifier's result.
struct ReportContext {
  std::string tool_version;
  std::string input;       // the path as given
  std::string input_kind;  // "bytecode", "assembly", "data", "elf"
  std::optional<std::string> program_name, section;
  std::string platform, program_type;
  std::optional<uint64_t> memory_size;
  // How instructions are printed: LLVM syntax for objects clang wrote, as llvm-objdump and
  // `bpfcert list` print them; the conformance syntax for assembler and bytecode inputs.
  semantics::Syntax syntax = semantics::Syntax::Conformance;
  std::vector<InstructionSource> sources;  // per pc; may be empty or shorter than the program
  bool with_invariants = false;
};

VerificationReport make_verification_report(const verifier::VerificationResult& result,
                                             std::span<const semantics::Insn> insns, const ReportContext& context);

// The source of each slot of assembler text: its line, the column where the instruction starts
// and the line's text, from the lines the assembler reports (semantics::Assembly::lines).
std::vector<InstructionSource> assembler_sources(const std::string& file, std::string_view text,
                                                 const std::vector<int>& lines);

FindingWitness witness_report(const verifier::smt::Witness& witness);
// Attaches witnesses[i] to the report's i-th finding (the report lists the findings in the
// verifier's order) when that finding is an error.
void add_witnesses(VerificationReport& report, const std::vector<verifier::smt::Witness>& witnesses);

}  // namespace bpfcert::reports
