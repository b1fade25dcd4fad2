// Runs one generated program on the interpreter and on the JIT, each in its own environment
// and over its own copy of the memory, and says where the two runs differ.
#pragma once

#include <optional>
#include <string>

#include "interp/jit/jit.h"
#include "tests/support/program_generator.h"

namespace bpfcert::test_support {

struct DifferentialOutcome {
  bool valid = false;                // the program passed validation and linking
  std::optional<std::string> diff;   // what differs; nullopt when the runs agree
  interp::RunResult reference;       // the interpreter's result
};

// Compares r0, trap (kind and pc), steps, input and context memory, map contents, variables
// and helper state (trace output, clock, random state).
DifferentialOutcome run_differential(const GeneratedProgram& program, const interp::JitOptions& options = {});

// For a diverging program: the first pc (in execution order of the first visit) before which
// a register r0-r7 differs between the engines, found by cutting the program there and
// returning each register. Empty when no cut shows a difference.
std::string localize_divergence(const GeneratedProgram& program, const interp::JitOptions& options = {});

}  // namespace bpfcert::test_support
