// Verifying a program of a loaded ELF object on the Linux platform: the analyzer's input built
// from the object (maps by index, the section's program type) in one place, for the command
// and the tests alike.
#pragma once

#include "semantics/program.h"
#include "verifier/analyzer.h"
#include "verifier/elf/object.h"

namespace bpfcert::verifier::elf {

struct ObjectProgramVerification {
  semantics::Program program;      // the validated instructions the result's pcs refer to
  const ProgramType* type = nullptr;
  VerificationResult result;
};

// Validates and verifies `program` (one of `object.programs`). Errors: the section selects no
// Linux program type, the instructions do not validate, or the analyzer rejects its input.
// `type` overrides the program type the section selects (libbpf's bpf_program__set_type).
semantics::Result<ObjectProgramVerification> verify_object_program(const Object& object, const ProgramInfo& program,
                                                                   const AnalyzerOptions& options = {},
                                                                   const std::string& type = {});

// The analyzer's view of the object's maps: LDDW src 1 / 2 immediates are map indexes, so each
// map's fd is its index.
std::vector<MapDescriptor> map_descriptors(const Object& object);

}  // namespace bpfcert::verifier::elf
