// Access to the running kernel's bpf(): creating maps, loading programs with the verifier's
// log, running them (BPF_PROG_TEST_RUN). One layer for every caller: the kernel differential
// (`bpfcert verify --compare-kernel`, which loads a program of an object with its maps as
// libbpf would) and the conformance corpus' kernel target (which loads hand-built programs).
// Where the process may not load programs (no CAP_BPF, sysctl, seccomp), results say why.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "loader/object.h"
#include "semantics/diagnostic.h"

namespace bpfcert::loader::kernel {

// A file descriptor the holder closes.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

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

// Whether this process may create maps and load programs; `why` says what failed if not.
bool loading_available(std::string* why);

// BPF_MAP_CREATE; map names are cut to what the kernel accepts. `inner_map_fd` for map-in-map.
semantics::Result<Fd> create_map(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
                                 uint32_t flags, const std::string& name, int inner_map_fd = -1);
// BPF_MAP_UPDATE_ELEM / BPF_MAP_LOOKUP_ELEM / BPF_MAP_FREEZE; false with errno set on failure.
bool update_element(int map_fd, const void* key, const void* value);
bool lookup_element(int map_fd, const void* key, void* value);
bool freeze_map(int map_fd);

// One BPF_PROG_LOAD as a loader would issue it.
struct ProgramLoad {
  uint32_t prog_type = 0;
  std::optional<uint32_t> expected_attach_type;
  uint32_t attach_btf_id = 0;  // in vmlinux's BTF (fentry, tp_btf, lsm, iter)
  uint32_t prog_flags = 0;     // BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS
  uint32_t kern_version = 0;
  std::string name = "bpfcert";
  std::string license = "GPL";
  std::vector<bpf_insn> insns;
  std::vector<int> fd_array;  // for LDDW src 5 / 6 (map by index)
  int btf_fd = -1;
  std::vector<bpf_func_info> func_info;
  std::vector<bpf_line_info> line_info;
  size_t log_size = 1 << 22;
  // On rejection, load again with the instruction trace (log level 1) even when the
  // statistics-level log already names the complaint (a second verification).
  bool full_log_on_rejection = false;
};

struct LoadedProgram {
  Fd fd;  // valid when accepted
  KernelVerdict verdict;
};

// Loads with the statistics log (BPF_LOG_STATS); on rejection the verdict carries the
// verifier's complaint, the C position it names and its log.
LoadedProgram load_program(const ProgramLoad& load);

// BPF_PROG_TEST_RUN once on `data`: the program's return value, or nullopt with errno set.
std::optional<uint32_t> test_run(int prog_fd, std::span<const uint8_t> data);

// The verifier's complaint in a log: the last line before the statistics (and before the C
// line Linux prints after it).
std::string verifier_complaint(const std::string& log);
// The last `n` lines of a log that are not statistics, joined by " | ".
std::string log_tail(const std::string& log, size_t n);

struct KernelLoadOptions {
  std::optional<uint32_t> prog_type;  // overrides the program's (libbpf's bpf_program__set_type)
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

// Creates the object's maps as libbpf would, loads `program` (its type, attach type and
// target, flags as the loader decided) and closes everything again.
KernelVerdict load_object_program(const Object& object, const ProgramInfo& program, const KernelLoadOptions& options);

}  // namespace bpfcert::loader::kernel
