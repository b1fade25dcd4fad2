// bpfcert verify on BPF ELF objects: every program (or those --section / --program select)
// verified on the Linux platform for a target kernel (CO-RE relocations and externs resolved
// against it), findings located at their C source line through BTF line info, and with
// --compare-kernel the running kernel's verdict next to bpfcert's. One object gets its full
// report; several (files, folders, executables embedding objects) one summary table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bpfcert::cli {

struct VerifyElfRequest {
  std::vector<std::string> inputs;  // object files, executables embedding objects, folders
  std::string section;
  std::string program;
  std::string program_type;  // libbpf's name of the type every program gets (--program-type)
  std::string btf;           // the target kernel's BTF ("" the running kernel's, "none")
  std::vector<std::string> kconfig;  // KEY=VALUE
  // "bpfcert/object-verification/1" for one object: per program its report (and kernel
  // verdict); "bpfcert/verification-summary/1" for several (or with `summary`).
  std::string json;
  std::string sarif;  // one SARIF run; results located in the C sources
  std::string source_root;  // SARIF paths are relative to it (empty: the working directory)
  bool summary = false;  // the summary table even for one object
  bool compare_kernel = false;
  bool kernel_unprivileged = false;  // load with CAP_BPF and CAP_NET_ADMIN only
  bool print_invariants = false;
  bool quiet = false;
  uint64_t max_loop_iterations = 1'000'000;
  // --witness: search each rejected program's error findings for inputs the reference
  // interpreter fails on (verifier/smt/witness.h).
  bool witness = false;
  unsigned witness_depth = 8;
  double witness_timeout = 10;
};

// Exit code: 0 when every verified program is accepted, 1 when one is rejected, 2 on errors.
int verify_elf(const VerifyElfRequest& request);

}  // namespace bpfcert::cli
