#include "tests/linux/kernel_support.h"

#include <fmt/format.h>
#include <linux/bpf.h>

#include <regex>

#include "loader/kernel.h"

namespace bpfcert::tests {

// (libbpf_probe_bpf_helper does not recognise this refusal's message, so the probe is written
// here, with the kernel access layer.)
std::string helper_missing_from_this_kernel(const std::string& reason, uint32_t prog_type,
                                            std::optional<uint32_t> attach_type) {
  static const std::regex kHelper("cannot use helper ([a-z_0-9]+)#([0-9]+)");
  std::smatch m;
  if (!std::regex_search(reason, m, kHelper)) return {};
  loader::kernel::ProgramLoad probe;
  probe.prog_type = prog_type;
  probe.expected_attach_type = attach_type;
  probe.insns = {
      {BPF_JMP | BPF_CALL, 0, 0, 0, std::stoi(m[2].str())},
      {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  probe.log_size = 1 << 16;
  probe.full_log_on_rejection = true;
  const auto loaded = loader::kernel::load_program(probe);
  if (loaded.verdict.status != loader::kernel::KernelStatus::Rejected) return {};
  if (loaded.verdict.log.find("cannot use helper") == std::string::npos) return {};
  return fmt::format("this kernel does not offer {} to the program type (a one-call probe is refused too)", m[1].str());
}

}  // namespace bpfcert::tests
