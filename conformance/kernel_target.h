// The kernel target: loads each test into the running Linux kernel through the bpf() syscall
// (libbpf) and runs it with BPF_PROG_TEST_RUN. Where the process may not (no CAP_BPF /
// CAP_SYS_ADMIN, no bpf() syscall), every test is SKIP with the reason.
//
// How a test becomes a kernel program (XDP, or SCHED_CLS for the legacy packet loads):
// - a prologue gives the program the plugin convention: r1 = the memory (the packet data, made
//   readable by one bounds check the verifier can follow), r2 = its length;
// - every EXIT of the main function jumps to an epilogue that stores the full 64-bit r0 in a
//   one-element array map (BPF_PROG_TEST_RUN returns only 32 bits);
// - map declarations become kernel maps and LDDW src 1/2/5/6 their fds / indices.
// The kernel's verifier rejects much that the ISA defines (constant division by zero,
// out-of-range immediate shifts, unchecked memory access, unreachable code ...): those tests
// are refused with the verifier's reason, and notes() lists them by policy.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "conformance/target.h"

namespace bpfcert::conformance {

class KernelTarget final : public Target {
 public:
  KernelTarget();
  std::string_view kind() const override { return "kernel"; }
  std::string description() const override { return description_; }
  std::optional<std::string> unavailable() const override { return unavailable_; }
  Outcome unavailable_outcome() const override { return Outcome::Skipped; }
  TestRun run(const TestCase& test, const RunSettings& settings) const override;
  std::vector<std::string> notes() const override;

 private:
  std::string description_;
  std::optional<std::string> unavailable_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::vector<std::string>> policies_;  // policy -> tests
};

}  // namespace bpfcert::conformance
