// What the verifier needs to know of a program's world on the conformance platform: the maps
// and variables a .data file (or assembler text's "# @bpfcert" directives) declares, as the
// test environment builds them. Shared by `verify`, `run --jit --unchecked` (which runs only
// programs the verifier accepts), the verifier's corpus tests and the JIT benchmark. A library
// of its own (bpfcert::conformance_verifier), so the conformance runner does not link the verifier.
#pragma once

#include "conformance/data_file.h"
#include "interp/maps.h"
#include "semantics/diagnostic.h"
#include "verifier/analyzer.h"

namespace bpfcert::conformance {

// The verifier's input for `program` on the conformance platform (its one program type):
// r1 = `memory_size` bytes of memory. No maps or variables yet. The platform is built in.
verifier::VerifierInput conformance_platform_input(const semantics::Program& program, size_t memory_size);

// Adds the maps (as the test environment builds them: same fds, types and sizes) and the
// variables of `data_file` to `input`. "@bpfcert frozen fd=N" makes that map read-only for
// the program and frozen with its value for key 0 (after map-init), as a loader does for
// .rodata, so loads from it read constants. Fails on a malformed declaration.
semantics::Result<bool> add_data_file_declarations(const conformance::DataFile& data_file,
                                                   verifier::VerifierInput& input);

// What the verifier knows of a map the interpreter's environment holds at `fd` (none: referenced by index).
verifier::MapDescriptor map_descriptor(const interp::MapDef& def, std::optional<int32_t> fd);

}  // namespace bpfcert::conformance
