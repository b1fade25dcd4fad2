// bpfcert verify on a BPF ELF object: every program (or those --section / --program select)
// verified on the Linux platform, findings located at their C source line through BTF line
// info, and with --compare-kernel the running kernel's verdict next to bpfcert's.
#pragma once

#include <cstdint>
#include <string>

namespace bpfcert::cli {

struct VerifyElfRequest {
  std::string object;
  std::string section;
  std::string program;
  std::string program_type;  // overrides the type the section selects
  std::string json;   // "bpfcert/object-verification/1": per program its report (and kernel verdict)
  std::string sarif;  // one SARIF run; results located in the C sources
  std::string source_root;  // SARIF paths are relative to it (empty: the working directory)
  std::string dot;   // the control-flow graphs with their findings (Graphviz DOT)
  std::string html;  // one self-contained page: C source, BPF code, findings, state on click
  bool compare_kernel = false;
  bool kernel_unprivileged = false;  // load with CAP_BPF and CAP_NET_ADMIN only
  bool print_invariants = false;
  bool quiet = false;
  bool verbose = false;  // abstract values in full (tnum bits, packet range ids)
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
