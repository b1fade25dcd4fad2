// Proof and precision reports built from verifier/smt's results: which obligations were
// proven at which width, and the rules that turn them into a verdict per operator (an operator
// is proven at the narrowest width all its statements are; composed with the reduction's; a
// refuted statement refutes its operator).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "reports/precision_report.h"
#include "reports/proof_report.h"
#include "verifier/smt/precision.h"
#include "verifier/smt/prover.h"

namespace bpfcert::reports {

// What a proof run was asked, beside its results.
struct ProofRun {
  std::vector<const verifier::smt::Operator*> operators;
  // The widths each obligation was to be attempted at.
  std::function<std::vector<unsigned>(const verifier::smt::Obligation&)> widths_for;
  std::vector<unsigned> widths;  // as the report lists them
  bool stop_at_first_failure = false;
  double timeout_seconds = 0;
  int jobs = 1;
  std::string tool_version, z3_version, date, command;
  double seconds = 0;
  // Where each counterexample's replay program is written as a .data regression test (empty:
  // nowhere). Write failures are appended to *write_errors.
  std::string counterexamples_dir;
  std::vector<std::string>* write_errors = nullptr;
};

ProofReport make_proof_report(const ProofRun& run, const std::vector<verifier::smt::ObligationResult>& results);

PrecisionResult precision_result(const verifier::smt::precision::PrecisionRow& row);

}  // namespace bpfcert::reports
