// Runs one program on the interpreter and on the JIT, each in its own environment and over its
// own copy of the memory, and says where the two runs differ.
#pragma once

#include <optional>
#include <string>

#include "interp/jit/jit.h"
#include "tests/support/program_generator.h"

namespace bpfcert::test_support {

struct DifferentialOptions {
  interp::JitOptions jit;
  // Run the interpreter a second time with every buffer (stack, memory, maps) at another
  // address first; a program whose result depends on addresses (it leaks a pointer into r0,
  // memory or a format string) cannot be compared across engines and is reported as such.
  // Generated programs never do this; fuzzer-made ones often do.
  bool check_address_independence = false;
};

struct DifferentialOutcome {
  bool valid = false;              // the program passed validation and linking
  bool address_dependent = false;  // skipped: its result depends on where buffers live
  std::optional<std::string> diff; // what differs; nullopt when the runs agree
  interp::RunResult reference;     // the interpreter's result
};

// Compares r0, trap (kind and pc), steps, input and context memory, map contents, variables
// and helper state (trace output, clock, random state).
DifferentialOutcome run_differential(const GeneratedProgram& program, const DifferentialOptions& options);
inline DifferentialOutcome run_differential(const GeneratedProgram& program, const interp::JitOptions& jit = {}) {
  return run_differential(program, DifferentialOptions{jit, false});
}

// For a diverging program: the first pc (in program order) such that returning register
// r0-r7 there instead of executing pc shows a difference. A debugging aid for reports.
std::string localize_divergence(const GeneratedProgram& program, const interp::JitOptions& options = {});

}  // namespace bpfcert::test_support
