// libFuzzer target: a .data test file, as `bpfcert conform` reads it from an untrusted corpus.
// Reading, assembling and deriving groups must return values, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>
#include <vector>

#include "conformance/data_file.h"
#include "conformance/test_case.h"
#include "conformance/test_environment.h"
#include "interp/environment.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = bpfcert::conformance::parse_data_file(text, "fuzz.data");
  if (!file.ok()) return 0;
  auto insns = file->instructions();
  if (insns.ok()) {
    std::set<bpfcert::semantics::Group> groups;
    bpfcert::semantics::IsaVersion version = bpfcert::semantics::IsaVersion::V1;
    std::vector<const bpfcert::semantics::Encoding*> encodings;
    bpfcert::conformance::derive_groups(*insns, groups, version, encodings);
  }
  bpfcert::interp::Environment env;
  (void)bpfcert::conformance::build_test_environment(*file, env);
  return 0;
}
