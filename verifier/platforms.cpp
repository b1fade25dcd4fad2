#include "verifier/platforms.h"

#include "verifier/conformance_platform.h"
#include "verifier/platform/linux.h"

namespace bpfcert::verifier {

namespace {

struct Entry {
  const char* name;
  const Platform& (*get)();
};

// One line per platform.
const Entry kPlatforms[] = {
    {"conformance", conformance_platform},
    {"linux", platform::linux_platform},
};

}  // namespace

const Platform* find_platform(std::string_view name) {
  for (const Entry& e : kPlatforms) {
    if (name == e.name) return &e.get();
  }
  return nullptr;
}

std::vector<std::string> platform_names() {
  std::vector<std::string> out;
  for (const Entry& e : kPlatforms) out.emplace_back(e.name);
  return out;
}

}  // namespace bpfcert::verifier
