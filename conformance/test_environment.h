// The conformance platform: what a corpus test runs in. Standard helpers, the test helper and
// kfuncs, and the maps and variables a test declares in "# @bpfcert" comments:
//   # @bpfcert map fd=1 type=hash key=4 value=8 entries=16 [name=counts]
//   # @bpfcert map-init fd=1 key=01000000 value=2a00000000000000
//   # @bpfcert var id=1 size=8 [init=0102030405060708]
#pragma once

#include <string>

#include "conformance/data_file.h"
#include "interp/environment.h"

namespace bpfcert::conformance {

// Adds the helpers and what the file's directives declare to env. Unknown directives are left
// to the caller (the runner uses some itself).
semantics::Result<bool> build_test_environment(const DataFile& file, interp::Environment& env);

}  // namespace bpfcert::conformance
