// The unchecked JIT runs only under a permit (semantics/unchecked_permit.h). Tests that
// exercise unchecked code on programs no verifier has seen (generated programs, hand-written
// snippets whose accesses are in bounds by construction) take a testing permit here.
#pragma once

#include "interp/jit/jit.h"
#include "semantics/program.h"
#include "semantics/unchecked_permit.h"

namespace bpfcert::test_support {

// `options`, with a testing permit for `program` when they ask for unchecked mode and carry no
// permit of their own.
inline interp::JitOptions with_test_permit(interp::JitOptions options, const semantics::Program& program) {
  if (options.safety == interp::SafetyMode::Unchecked && !options.permit) {
    options.permit = semantics::UncheckedPermit::unverified_for_testing(program);
  }
  return options;
}

}  // namespace bpfcert::test_support
