// The platforms the verifier knows, by name ("conformance", "linux", ...). A platform is data
// (platform.h); adding one is one line in platforms.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "verifier/platform.h"

namespace bpfcert::verifier {

const Platform* find_platform(std::string_view name);
std::vector<std::string> platform_names();

}  // namespace bpfcert::verifier
