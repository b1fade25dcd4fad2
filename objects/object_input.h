// BPF ELF objects as the commands and the tests take them: the objects a path names (an object file, the objects
// a libbpf skeleton embeds in an executable, every such file under a folder), the target
// kernel options (--btf, --kconfig), choosing programs by --section / --program, and building
// the reference VM's maps from an object's map definitions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "interp/environment.h"
#include "loader/object.h"
#include "loader/target.h"
#include "semantics/diagnostic.h"
#include "verifier/platform.h"

namespace bpfcert::objects {

// One BPF object to load: a file, or an object embedded in one.
struct ObjectSource {
  std::string name;  // for messages and reports: the path, or "PATH(.rodata+0x...)"
  std::string path;  // the file it comes from
  std::optional<uint64_t> offset;  // file offset when embedded
  std::vector<uint8_t> bytes;
};

// The objects the inputs name, in order: a BPF object file is itself; another ELF file is the
// objects it embeds (an error if it embeds none); a folder is every such file under it, sorted
// by path (files without BPF objects are skipped there).
semantics::Result<std::vector<ObjectSource>> expand_object_inputs(const std::vector<std::string>& inputs);

// Whether the inputs name objects rather than one program (raw bytecode, assembler, .data):
// a folder, or a file that is ELF.
bool names_objects(const std::vector<std::string>& inputs);

// The target kernel of --btf FILE (default: the running kernel's) and --kconfig KEY=VALUE.
semantics::Result<std::unique_ptr<loader::Target>> make_target(const std::string& btf,
                                                               const std::vector<std::string>& kconfig);

// The programs of `object` that --section / --program select (every program when both are
// empty); an error names the object's programs when nothing matches, or is the link error of
// the one program --program names when that program did not load.
semantics::Result<std::vector<const loader::ProgramInfo*>> select_programs(const loader::Object& object,
                                                                          const std::string& section,
                                                                          const std::string& program);
// The programs that did not load among those --section / --program select.
std::vector<const loader::ProgramError*> selected_failures(const loader::Object& object, const std::string& section,
                                                            const std::string& program);

struct ObjectProgram {
  loader::Object object;
  const loader::ProgramInfo* program = nullptr;  // into object.programs
  const verifier::ProgramType* type = nullptr;   // the Linux platform's model of its type
  const loader::Target* target = nullptr;        // the kernel it was loaded for (the running one)
};

// Loads `path` (an object, or an executable embedding exactly one) for the running kernel and
// selects exactly one program of a type the platform models (an error lists the candidates
// otherwise).
semantics::Result<ObjectProgram> load_object_program(const std::string& path, const std::string& section,
                                                     const std::string& program);

// Adds the object's maps to `env` in order (LDDW src 1 / 2 imm = index = fd), with global data
// initialised; fails on map types the reference VM does not model.
std::optional<semantics::Error> add_object_maps(const loader::Object& object, interp::Environment& env);
// Every helper of `platform` that `env` does not implement becomes a helper of the outside
// world (interp/world_helpers.h) with the buffers its prototype names, so whatever the verifier
// lets a program call, the reference VM runs.
void add_world_helpers(const verifier::Platform& platform, interp::Environment& env);

}  // namespace bpfcert::objects
