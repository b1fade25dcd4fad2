// Shared by the verifier's tests: loading corpus cases (.data or .asm with "# @bpfcert"
// directives), building the verifier's input and the interpreter's environment from them,
// a test-only platform with packets (XDP-like), and the concrete soundness check.
#pragma once

#include <array>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "conformance/data_file.h"
#include "interp/environment.h"
#include "interp/interpreter.h"
#include "semantics/program.h"
#include "verifier/analyzer.h"

namespace bpfcert::verifier::testing {

struct Expected {
  std::string check;
  int64_t pc = -1;
};

struct Case {
  std::string path;
  conformance::DataFile file;
  semantics::Program program;
  std::string platform = "conformance";
  std::string program_type;
  std::optional<uint64_t> mem_size;
  bool expect_accept = false;
  std::string accept_check;       // the check an accepted case exercises
  std::vector<Expected> rejects;  // expected error findings
};

// Reads and validates a case; on failure returns the reason.
std::optional<std::string> load_case(const std::string& path, Case& out);

// An XDP-like platform for packet tests: context {u32 data @0, u32 data_end @4, u32
// data_meta @8, u32 ingress_ifindex @12 (read-only)}, return range [0, 4].
const Platform& packet_test_platform();
const Platform* find_test_platform(const std::string& name);

// The verifier input for a case (maps and variables from its directives).
std::optional<std::string> make_input(const Case& c, VerifierInput& in);

// Runs the program on the reference interpreter `runs` times (the case's memory first, then
// random contents of the same size); returns a failure description when a run traps or
// returns an r0 outside `exit_r0`.
std::optional<std::string> check_concrete(const Case& c, const VerificationResult& r, int runs, uint64_t seed);

// A memory region the stepper may access, and the pointer kind whose offsets are relative to it.
struct TraceRegion {
  PointerKind kind;
  uint64_t base;
  uint64_t size;
  bool writable;
};

// Steps the program from `regs` with the semantics templates (ALU, jumps, loads, stores, LDDW
// immediates, exit; it stops quietly at anything else, such as calls) and checks, before every
// instruction, that each register lies in the verifier's invariant at that pc: scalars by
// value, pointers by offset from their region (`stack` is the 512-byte frame, r10 its top).
std::optional<std::string> trace_against_invariants(const semantics::Program& p, const VerificationResult& r,
                                                    std::array<uint64_t, 11> regs, const std::vector<TraceRegion>& regions,
                                                    uint8_t (&stack)[512]);

}  // namespace bpfcert::verifier::testing
