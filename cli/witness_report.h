// `bpfcert verify --witness`: the witness search's results as the verification report shows
// them (reports/ knows nothing of the verifier's types; this is where they meet).
#pragma once

#include <vector>

#include "reports/verification_report.h"
#include "verifier/smt/witness.h"

namespace bpfcert::cli {

reports::FindingWitness witness_report(const verifier::smt::Witness& w);

// Attaches witnesses[i] to the report's i-th finding (the report lists the findings in the
// verifier's order) when that finding is an error.
void add_witnesses(reports::VerificationReport& report, const std::vector<verifier::smt::Witness>& witnesses);

}  // namespace bpfcert::cli
