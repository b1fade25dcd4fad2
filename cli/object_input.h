// BPF ELF objects on the command line: loading one, choosing its programs by --section /
// --program, and building the reference VM's maps from its map definitions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "interp/environment.h"
#include "semantics/diagnostic.h"
#include "verifier/elf/object.h"
#include "verifier/platform.h"

namespace bpfcert::cli {

struct ObjectProgram {
  verifier::elf::Object object;
  const verifier::elf::ProgramInfo* program = nullptr;  // into object.programs
  const verifier::ProgramType* type = nullptr;           // the Linux platform's type for its section
};

// The programs of `object` that --section / --program select (every program when both are
// empty); an error names the object's programs when nothing matches, or when a program's
// section selects no Linux program type (unless the caller gives the type itself).
semantics::Result<std::vector<const verifier::elf::ProgramInfo*>> select_programs(const verifier::elf::Object& object,
                                                                                  const std::string& section,
                                                                                  const std::string& program,
                                                                                  bool type_given = false);

// Loads `path` and selects exactly one program (an error lists the candidates otherwise).
semantics::Result<ObjectProgram> load_object_program(const std::string& path, const std::string& section,
                                                     const std::string& program);

// Adds the object's maps to `env` in order (LDDW src 1 / 2 imm = index = fd), with global data
// initialised; fails on map types the reference VM does not model.
std::optional<semantics::Error> add_object_maps(const verifier::elf::Object& object, interp::Environment& env);
// Every helper of `platform` that `env` does not implement becomes a helper of the outside
// world (interp/world_helpers.h) with the buffers its prototype names, so whatever the verifier
// lets a program call, the reference VM runs.
void add_world_helpers(const verifier::Platform& platform, interp::Environment& env);

}  // namespace bpfcert::cli
