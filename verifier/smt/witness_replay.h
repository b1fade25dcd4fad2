// The replay: a witness's input run on the reference interpreter, and whether the run fails as
// the symbolic executor predicted.
#pragma once

#include <string>
#include <utility>

#include "verifier/smt/witness.h"
#include "verifier/smt/witness_setup.h"

namespace bpfcert::verifier::smt::detail {

// Runs the witness's input on the reference interpreter. Returns the run and, when it does not
// match the expectation, how it differs (empty: confirmed).
std::pair<WitnessReplay, std::string> replay(const WitnessSetup& setup, const WitnessInput& input,
                                             const Expectation& expect);

}  // namespace bpfcert::verifier::smt::detail
