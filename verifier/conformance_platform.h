// The conformance platform as data: r1 = memory of a size given at verification time, r2 = its
// length; the helpers and kfuncs of interp/helpers.h with their prototypes; the map types the
// reference interpreter implements.
#pragma once

#include "verifier/platform.h"

namespace bpfcert::verifier {

inline constexpr const char* kConformanceProgramType = "conformance";

const Platform& conformance_platform();

}  // namespace bpfcert::verifier
