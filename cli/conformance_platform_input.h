// What the verifier needs to know of a program's world on the conformance platform: the maps
// and variables a .data file (or assembler text's "# @bpfcert" directives) declares. Shared by
// `verify` and by `run --jit --unchecked`, which runs only programs the verifier accepts.
#pragma once

#include "conformance/data_file.h"
#include "semantics/diagnostic.h"
#include "verifier/analyzer.h"

namespace bpfcert::cli {

// Adds the maps (as the test environment builds them: same fds, types and sizes) and the
// variables of `data_file` to `input`. Fails on a malformed declaration.
semantics::Result<bool> add_data_file_declarations(const conformance::DataFile& data_file,
                                                   verifier::VerifierInput& input);

}  // namespace bpfcert::cli
