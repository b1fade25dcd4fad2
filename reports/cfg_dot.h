// `bpfcert verify --dot`: a program's control-flow graph in Graphviz's DOT language, as a
// reader wants to see a rejection: each basic block with its instructions (and C lines), the
// blocks holding findings filled (red for errors, amber for warnings) with the findings
// written in them, loops outlined in blue with their proven bounds on the back edges, and one
// path from the entry to each error drawn in red. Render with `dot -Tsvg prog.dot -o prog.svg`.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "reports/from_verifier.h"
#include "reports/verification_report.h"
#include "semantics/program.h"
#include "verifier/cfg.h"

namespace bpfcert::reports {

// One program: its graph and what was found in it.
struct DotProgram {
  const verifier::Cfg* cfg = nullptr;
  std::span<const semantics::Insn> insns;
  const VerificationReport* report = nullptr;
  std::vector<InstructionSource> sources;  // per pc, for the C lines; may be empty
  semantics::Syntax syntax = semantics::Syntax::Conformance;
};

// One digraph; each program a cluster (the programs of an object side by side).
std::string to_dot(const std::string& title, const std::vector<DotProgram>& programs);

}  // namespace bpfcert::reports
