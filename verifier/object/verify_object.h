// Verifying a program of a loaded ELF object on the Linux platform: the analyzer's input built
// from the object (maps by index, the program type its loader decided) in one place, for the
// command and the tests alike. A program whose type nothing selects, or whose type the
// platform does not model yet, is rejected with a `program.type` finding (nothing is proven),
// not refused: the object loads.
#pragma once

#include <string>
#include <vector>

#include "loader/object.h"
#include "loader/target.h"
#include "semantics/program.h"
#include "verifier/analyzer.h"
#include "verifier/object/tracing_args.h"

namespace bpfcert::verifier {

struct ObjectProgramVerification {
  semantics::Program program;      // the validated instructions the result's pcs refer to
  const ProgramType* type = nullptr;  // nullptr when the platform does not model the program's type
  std::string type_name;           // libbpf's name of the program's type ("xdp", "tracing"), "" for none
  // A BTF-typed program's context: its attach target's arguments in the target's BTF.
  std::optional<TracingContext> tracing;
  VerificationResult result;
};

// Validates and verifies `program` (one of `object.programs`). A BTF-typed program (fentry,
// tp_btf, lsm, ...) gets its attach target's arguments from `target`'s BTF, with loads through
// its pointer arguments checked against the kernel's structures; without a target (or BTF)
// its arguments are u64 scalars. Errors: the instructions do not validate, the attach
// target's type cannot be read, or the analyzer rejects its input.
semantics::Result<ObjectProgramVerification> verify_object_program(const loader::Object& object,
                                                                   const loader::ProgramInfo& program,
                                                                   const AnalyzerOptions& options = {},
                                                                   const loader::Target* target = nullptr);

// The analyzer's view of the object's maps: LDDW src 1 / 2 immediates are map indexes, so each
// map's fd is its index.
std::vector<MapDescriptor> map_descriptors(const loader::Object& object);

}  // namespace bpfcert::verifier
