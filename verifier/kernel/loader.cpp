#include "verifier/kernel/loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstring>
#include <regex>
#include <vector>

namespace bpfcert::verifier::kernel {

const char* to_string(KernelStatus s) {
  switch (s) {
    case KernelStatus::Accepted: return "accepted";
    case KernelStatus::Rejected: return "rejected";
    case KernelStatus::Unavailable: return "unavailable";
  }
  return "?";
}

namespace {

// Closes the descriptors it owns.
class Fds {
 public:
  ~Fds() {
    for (int fd : fds_) {
      if (fd >= 0) close(fd);
    }
  }
  void add(int fd) { fds_.push_back(fd); }
  int operator[](size_t i) const { return fds_[i]; }

 private:
  std::vector<int> fds_;
};

// Kernel map names: at most 15 characters of [A-Za-z0-9_.].
std::string kernel_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (out.size() == BPF_OBJ_NAME_LEN - 1) break;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  return out;
}

std::string last_message(const std::string& log) {
  // The verifier's complaint is the last non-empty line before the statistics.
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    std::string line = log.substr(start, end - start);
    // Some messages lack their newline and run into the statistics line.
    for (const char* stat : {"processed ", "verification time"}) {
      if (const size_t at = line.find(stat); at != std::string::npos && at > 0) line.resize(at);
    }
    // Statistics (BPF_LOG_STATS) follow the complaint: skip them.
    if (!line.empty() && !line.starts_with("processed ") && !line.starts_with("verification time") &&
        !line.starts_with("stack depth")) {
      lines.push_back(std::move(line));
    }
    start = end + 1;
  }
  // With line info Linux follows its complaint with the C line ("; <text> @ file.c:7"): the
  // complaint is the last other line.
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (!it->starts_with("; ")) return *it;
  }
  return {};
}

// The C position Linux names after its complaint ("file.c:7"), if any.
std::string last_location(const std::string& log) {
  std::string where;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    const std::string_view line(log.data() + start, end - start);
    if (line.starts_with("; ")) {
      if (const size_t at = line.rfind(" @ "); at != std::string_view::npos) where = std::string(line.substr(at + 3));
    }
    start = end + 1;
  }
  return where;
}

std::optional<uint64_t> processed(const std::string& log) {
  static const std::regex re("processed ([0-9]+) insns");
  std::smatch m;
  if (std::regex_search(log, m, re)) return std::stoull(m[1].str());
  return std::nullopt;
}

}  // namespace

bool kernel_loading_available(std::string* why) {
  const int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bpfcert_probe", 4, 4, 1, nullptr);
  if (fd < 0) {
    const int err = errno;
    if (why != nullptr) {
      *why = fmt::format("bpf(BPF_MAP_CREATE) failed: {} ({}){}", std::strerror(err), err,
                         err == EPERM ? "; loading needs CAP_BPF (and CAP_PERFMON / CAP_NET_ADMIN by type), "
                                        "see also /proc/sys/kernel/unprivileged_bpf_disabled"
                                      : "");
    }
    return false;
  }
  close(fd);
  return true;
}

namespace {

KernelVerdict load_here(const elf::Object& object, const elf::ProgramInfo& program, const KernelLoadOptions& options) {
  KernelVerdict v;
  std::string why;
  if (!kernel_loading_available(&why)) {
    v.status = KernelStatus::Unavailable;
    v.error = errno;
    v.reason = why;
    return v;
  }
  Fds fds;
  for (const elf::MapDefinition& m : object.maps) {
    uint32_t key = m.key_size, value = m.value_size, entries = m.max_entries;
    // libbpf's defaults, so objects load as they would with libbpf.
    if (m.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
      if (key == 0) key = 4;
      if (value == 0) value = 4;
      if (entries == 0) entries = static_cast<uint32_t>(std::max(libbpf_num_possible_cpus(), 1));
    }
    LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = m.flags);
    const int fd = bpf_map_create(static_cast<bpf_map_type>(m.type), kernel_name(m.name).c_str(), key, value, entries,
                                  &mopts);
    if (fd < 0) {
      v.status = KernelStatus::Rejected;
      v.error = errno;
      v.reason = fmt::format("creating map '{}' failed: {}", m.name, std::strerror(errno));
      return v;
    }
    fds.add(fd);
    if (m.origin == elf::MapOrigin::GlobalData) {
      const uint32_t zero = 0;
      if (bpf_map_update_elem(fd, &zero, m.initial_value.data(), BPF_ANY) != 0 ||
          (m.read_only && bpf_map_freeze(fd) != 0)) {
        v.status = KernelStatus::Unavailable;
        v.error = errno;
        v.reason = fmt::format("initialising global data '{}' failed: {}", m.name, std::strerror(errno));
        return v;
      }
    }
  }
  std::vector<bpf_insn> insns(program.insns.size());
  for (size_t pc = 0; pc < program.insns.size(); ++pc) {
    const semantics::Insn& in = program.insns[pc];
    bpf_insn& out = insns[pc];
    out.code = in.opcode;
    out.dst_reg = in.dst & 0xf;
    out.src_reg = in.src & 0xf;
    out.off = in.off;
    out.imm = in.imm;
    const bool map_ref = in.opcode == (BPF_LD | BPF_IMM | BPF_DW) &&
                         (in.src == BPF_PSEUDO_MAP_FD || in.src == BPF_PSEUDO_MAP_VALUE);
    if (map_ref && in.imm >= 0 && static_cast<size_t>(in.imm) < object.maps.size()) {
      out.imm = fds[static_cast<size_t>(in.imm)];
    }
  }
  // The object's BTF, and the program's func_info / line_info against it.
  int btf_fd = -1;
  std::vector<bpf_func_info> func_info;
  std::vector<bpf_line_info> line_info;
  std::string log(options.log_size, '\0');
  if (options.with_btf && !object.btf.empty()) {
    LIBBPF_OPTS(bpf_btf_load_opts, bopts);
    bopts.log_buf = log.data();
    bopts.log_size = static_cast<uint32_t>(log.size());
    bopts.log_level = 1;
    btf_fd = bpf_btf_load(object.btf.data(), object.btf.size(), &bopts);
    if (btf_fd < 0) {
      v.note = fmt::format("Linux refused the object's BTF ({}): loaded without it", last_message(log.c_str()));
    } else {
      fds.add(btf_fd);
      bool every_function = true;
      for (const elf::FunctionRange& f : program.functions) {
        every_function = every_function && f.btf_type_id != 0;
        func_info.push_back({static_cast<uint32_t>(f.start_pc), f.btf_type_id});
      }
      if (!every_function) func_info.clear();
      for (const elf::LineRecord& l : program.lines) {
        line_info.push_back({static_cast<uint32_t>(l.pc), l.btf_file_name_off, l.btf_line_off, l.btf_line_col});
      }
    }
  }
  auto attempt = [&](uint32_t level) {
    LIBBPF_OPTS(bpf_prog_load_opts, popts);
    if (btf_fd >= 0) {
      popts.prog_btf_fd = static_cast<uint32_t>(btf_fd);
      if (!func_info.empty()) {
        popts.func_info = func_info.data();
        popts.func_info_cnt = static_cast<uint32_t>(func_info.size());
        popts.func_info_rec_size = sizeof(bpf_func_info);
      }
      if (!line_info.empty()) {
        popts.line_info = line_info.data();
        popts.line_info_cnt = static_cast<uint32_t>(line_info.size());
        popts.line_info_rec_size = sizeof(bpf_line_info);
      }
    }
    popts.log_buf = log.data();
    popts.log_size = static_cast<uint32_t>(log.size());
    popts.log_level = level;
    if (options.expected_attach_type) popts.expected_attach_type = static_cast<bpf_attach_type>(*options.expected_attach_type);
    std::fill(log.begin(), log.end(), '\0');
    const auto t0 = std::chrono::steady_clock::now();
    const int fd = bpf_prog_load(static_cast<bpf_prog_type>(options.prog_type), kernel_name(program.name).c_str(),
                                 object.license.c_str(), insns.data(), insns.size(), &popts);
    const int err = errno;
    v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (fd >= 0) close(fd);
    errno = err;
    return fd;
  };
  // Statistics only (BPF_LOG_STATS); on rejection, again with the full log (level 1).
  if (attempt(4) >= 0) {
    v.status = KernelStatus::Accepted;
    v.log = log.c_str();
    v.processed_insns = processed(v.log);
    return v;
  }
  v.error = errno;
  if (v.error == EPERM || v.error == EACCES) {
    // EACCES is the verifier's "permission denied"; EPERM without a log means no capability.
    if (v.error == EPERM && std::strlen(log.c_str()) == 0) {
      v.status = KernelStatus::Unavailable;
      v.reason = "bpf(BPF_PROG_LOAD) not permitted for this program type (needs CAP_PERFMON / CAP_NET_ADMIN?)";
      return v;
    }
  }
  // The verifier's complaint is logged at the statistics level too; only when it is missing
  // load again with the instruction trace (level 1), which costs a second verification.
  if (last_message(log.c_str()).empty()) {
    const double first = v.seconds;
    attempt(1);
    v.seconds = first;
  }
  v.status = KernelStatus::Rejected;
  v.log = log.c_str();
  v.processed_insns = processed(v.log);
  v.reason = last_message(v.log);
  v.location = last_location(v.log);
  if (v.reason.empty()) v.reason = std::strerror(v.error);
  return v;
}

// Unprivileged mode: a child process keeps only CAP_BPF and CAP_NET_ADMIN, so the kernel runs
// the checks it runs for loaders without CAP_PERFMON (no pointer leaks, no uninitialised stack
// reads, Spectre v1/v4 mitigations). The verdict comes back through a pipe.
bool drop_to_bpf_and_net_admin() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  const auto keep = [&](int cap) {
    data[cap / 32].effective |= 1u << (cap % 32);
    data[cap / 32].permitted |= 1u << (cap % 32);
  };
  keep(CAP_BPF);
  keep(CAP_NET_ADMIN);
  return syscall(SYS_capset, &hdr, data) == 0;
}

void write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = write(fd, s.data() + done, s.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

KernelVerdict load_unprivileged(const elf::Object& object, const elf::ProgramInfo& program,
                                const KernelLoadOptions& options) {
  KernelVerdict v;
  int pipefd[2];
  if (pipe(pipefd) != 0) {
    v.reason = fmt::format("pipe: {}", std::strerror(errno));
    return v;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(pipefd[0]);
    close(pipefd[1]);
    v.reason = fmt::format("fork: {}", std::strerror(errno));
    return v;
  }
  if (pid == 0) {
    close(pipefd[0]);
    KernelVerdict c;
    if (!drop_to_bpf_and_net_admin()) {
      c.reason = fmt::format("capset: {}", std::strerror(errno));
    } else {
      c = load_here(object, program, options);
      if (c.status == KernelStatus::Unavailable && c.reason.find("not permitted") != std::string::npos) {
        c.reason += " (unprivileged mode keeps CAP_BPF and CAP_NET_ADMIN only: tracing types need CAP_PERFMON)";
      }
    }
    // status, errno, processed (or -1), seconds, then reason and log separated by NUL.
    write_all(pipefd[1], fmt::format("{} {} {} {}\n", static_cast<int>(c.status), c.error,
                                     c.processed_insns ? static_cast<int64_t>(*c.processed_insns) : -1, c.seconds) +
                             c.reason + std::string(1, '\0') + c.location + std::string(1, '\0') + c.log);
    close(pipefd[1]);
    _exit(0);
  }
  close(pipefd[1]);
  std::string buf;
  char chunk[4096];
  for (ssize_t n; (n = read(pipefd[0], chunk, sizeof chunk)) > 0;) buf.append(chunk, static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  const size_t eol = buf.find('\n');
  int st = 2, err = 0;
  long long processed = -1;
  double seconds = 0;
  if (eol == std::string::npos || std::sscanf(buf.c_str(), "%d %d %lld %lf", &st, &err, &processed, &seconds) != 4) {
    v.reason = "the unprivileged loader process died";
    return v;
  }
  v.status = static_cast<KernelStatus>(st);
  v.error = err;
  if (processed >= 0) v.processed_insns = static_cast<uint64_t>(processed);
  v.seconds = seconds;
  const std::string rest = buf.substr(eol + 1);
  const size_t nul = rest.find('\0');
  v.reason = rest.substr(0, nul);
  if (nul != std::string::npos) {
    const size_t nul2 = rest.find('\0', nul + 1);
    v.location = rest.substr(nul + 1, nul2 == std::string::npos ? std::string::npos : nul2 - nul - 1);
    if (nul2 != std::string::npos) v.log = rest.substr(nul2 + 1);
  }
  return v;
}

}  // namespace

KernelVerdict load_into_kernel(const elf::Object& object, const elf::ProgramInfo& program,
                               const KernelLoadOptions& options) {
  return options.unprivileged ? load_unprivileged(object, program, options) : load_here(object, program, options);
}

}  // namespace bpfcert::verifier::kernel
