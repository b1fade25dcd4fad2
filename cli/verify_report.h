// The verification report of one analysed program, shared by `bpfcert verify` on bytecode,
// assembler and .data inputs and on ELF objects (which add source locations per finding).
#pragma once

#include <vector>

#include "reports/verification_report.h"
#include "semantics/program.h"
#include "verifier/analyzer.h"

namespace bpfcert::cli {

// Findings, invariants (when requested), exit r0, loops, statistics and the check catalogue;
// `lines` gives each pc's source line (0: none). The caller fills input, platform and type.
reports::VerificationReport make_verification_report(const verifier::VerificationResult& r,
                                                     const std::vector<semantics::Insn>& insns,
                                                     const std::vector<int>& lines, bool with_invariants);

}  // namespace bpfcert::cli
