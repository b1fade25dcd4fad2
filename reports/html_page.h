// `bpfcert verify --html`: one self-contained page per input (no external resources, so it can
// be attached to a CI run or mailed): for each program, the source (C, or the assembler text)
// beside the BPF code, each finding inline under its instruction and on its source line with
// its witness and how to fix it, and the abstract state before any instruction on click (the
// verifier's invariants, embedded as JSON). `#p0-pc7` in the URL selects pc 7 of the first
// program on load.
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "reports/from_verifier.h"
#include "reports/verification_report.h"
#include "semantics/program.h"

namespace bpfcert::reports {

struct HtmlProgram {
  const VerificationReport* report = nullptr;  // with invariants for the state on click
  std::span<const semantics::Insn> insns;
  std::vector<InstructionSource> sources;      // per pc
  semantics::Syntax syntax = semantics::Syntax::Conformance;
};

struct HtmlPage {
  std::string title;  // the input's path
  std::vector<HtmlProgram> programs;
  // The text of each source file the programs' lines name (path as in InstructionSource::file,
  // or the input's path for assembler text); a file missing here is shown by the lines the
  // object's line info carries.
  std::map<std::string, std::string> files;
};

std::string to_html(const HtmlPage& page);

}  // namespace bpfcert::reports
