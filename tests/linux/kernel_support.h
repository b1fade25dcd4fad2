// What the kernel tests share: whether this kernel offers a helper to a program type at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace bpfcert::tests {

// Which helpers a program type may call is partly a kernel build choice (a distribution or a
// cloud kernel may leave some out). When the kernel refuses a helper ("cannot use helper
// NAME#ID"), a probe of one call to it confirms that this kernel does not offer it to the type
// at all; the refusal then says nothing about the program. Returns the explanation, or empty.
std::string helper_missing_from_this_kernel(const std::string& reason, uint32_t prog_type,
                                            std::optional<uint32_t> attach_type);

}  // namespace bpfcert::tests
