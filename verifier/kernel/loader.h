// The kernel differential: loads a program bpfcert loaded from an ELF object into the running
// Linux kernel (maps created for real, the same relocated instructions) and reports the
// kernel verifier's verdict and log, or why loading is not possible here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "verifier/elf/object.h"

namespace bpfcert::verifier::kernel {

enum class KernelStatus : uint8_t {
  Accepted,
  Rejected,     // the kernel verifier refused the program (log says why)
  Unavailable,  // the process may not load programs (no CAP_BPF, sysctl, seccomp) or setup failed
};
const char* to_string(KernelStatus s);

struct KernelVerdict {
  KernelStatus status = KernelStatus::Unavailable;
  int error = 0;        // errno of the failing bpf() call
  std::string reason;   // Unavailable: why; Rejected: the verifier's last message line
  std::string location;  // Rejected with line info: the C position Linux names ("prog.c:7")
  std::string log;      // the verifier log (its tail when long)
  std::optional<uint64_t> processed_insns;  // "processed N insns" from the log's statistics
  std::string note;     // what the load left out (the object's BTF when Linux refused it)
  double seconds = 0;   // time of the accepting (or rejecting) BPF_PROG_LOAD
};

struct KernelLoadOptions {
  uint32_t prog_type = 0;                      // uapi bpf_prog_type
  std::optional<uint32_t> expected_attach_type;
  size_t log_size = 1 << 22;                   // bytes of verifier log kept
  // Load from a process that keeps only CAP_BPF and CAP_NET_ADMIN: Linux then applies the
  // checks of loaders without CAP_PERFMON (pointer leaks, uninitialised stack, Spectre
  // mitigations), the rules bpfcert's Linux platform models. Tracing types need CAP_PERFMON
  // and are unavailable in this mode.
  bool unprivileged = false;
  // Pass the object's BTF with the program's func_info and line_info, as libbpf does (global
  // functions are then verified on their own, callbacks allowed, the log shows C lines).
  bool with_btf = true;
};

// Whether this process may create maps and load programs; `why` says what failed if not.
bool kernel_loading_available(std::string* why);

// Creates the object's maps, loads `program` and closes everything again.
KernelVerdict load_into_kernel(const elf::Object& object, const elf::ProgramInfo& program,
                               const KernelLoadOptions& options);

}  // namespace bpfcert::verifier::kernel
