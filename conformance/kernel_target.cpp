#include "conformance/kernel_target.h"

namespace bpfcert::conformance {

KernelTarget::KernelTarget() { unavailable_ = "not implemented yet"; }

TestRun KernelTarget::run(const TestCase&, const RunSettings&) const { return {Outcome::Skip, "not implemented", ""}; }

std::vector<std::string> KernelTarget::notes() const { return {}; }

}  // namespace bpfcert::conformance
