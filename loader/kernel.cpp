#include "loader/kernel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <regex>
#include <vector>

namespace bpfcert::loader::kernel {

using semantics::Error;
using semantics::ErrorCode;

const char* to_string(KernelStatus s) {
  switch (s) {
    case KernelStatus::Accepted: return "accepted";
    case KernelStatus::Rejected: return "rejected";
    case KernelStatus::Unavailable: return "unavailable";
  }
  return "?";
}

Fd& Fd::operator=(Fd&& o) noexcept {
  std::swap(fd_, o.fd_);
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

// Kernel object names: at most 15 characters of [A-Za-z0-9_.].
std::string kernel_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (out.size() == BPF_OBJ_NAME_LEN - 1) break;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  return out;
}

std::vector<std::string> log_lines(const std::string& log) {
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
  return lines;
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

std::string verifier_complaint(const std::string& log) {
  // With line info Linux follows its complaint with the C line ("; <text> @ file.c:7"): the
  // complaint is the last other line.
  const std::vector<std::string> lines = log_lines(log);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (!it->starts_with("; ")) return *it;
  }
  return {};
}

std::string log_tail(const std::string& log, size_t n) {
  std::vector<std::string> lines = log_lines(log);
  if (lines.size() > n) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(n));
  std::string out;
  for (const std::string& l : lines) out += (out.empty() ? "" : " | ") + l;
  return out;
}

bool loading_available(std::string* why) {
  const int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bpfcert_probe", 4, 4, 1, nullptr);
  if (fd < 0) {
    const int err = errno;
    if (why != nullptr) {
      *why = fmt::format("bpf(BPF_MAP_CREATE) failed: {} ({}){}", std::strerror(err), err,
                         err == EPERM ? "; loading needs CAP_BPF (and CAP_PERFMON / CAP_NET_ADMIN by type), "
                                        "see also /proc/sys/kernel/unprivileged_bpf_disabled"
                                      : "");
    }
    errno = err;
    return false;
  }
  close(fd);
  return true;
}

semantics::Result<Fd> create_map(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
                                 uint32_t flags, const std::string& name, int inner_map_fd) {
  LIBBPF_OPTS(bpf_map_create_opts, opts);
  opts.map_flags = flags;
  if (inner_map_fd >= 0) opts.inner_map_fd = static_cast<uint32_t>(inner_map_fd);
  const int fd = bpf_map_create(static_cast<bpf_map_type>(type), kernel_name(name).c_str(), key_size, value_size,
                                max_entries, &opts);
  if (fd < 0) {
    const int err = errno;
    Error e{ErrorCode::BadFile, {}, fmt::format("bpf(BPF_MAP_CREATE) of '{}' failed: {}", name, std::strerror(err))};
    errno = err;
    return e;
  }
  return Fd(fd);
}

bool update_element(int map_fd, const void* key, const void* value) {
  return bpf_map_update_elem(map_fd, key, value, BPF_ANY) == 0;
}

bool lookup_element(int map_fd, const void* key, void* value) { return bpf_map_lookup_elem(map_fd, key, value) == 0; }

bool freeze_map(int map_fd) { return bpf_map_freeze(map_fd) == 0; }

std::optional<uint32_t> test_run(int prog_fd, std::span<const uint8_t> data) {
  LIBBPF_OPTS(bpf_test_run_opts, run);
  run.data_in = data.data();
  run.data_size_in = static_cast<uint32_t>(data.size());
  run.repeat = 1;
  if (bpf_prog_test_run_opts(prog_fd, &run) != 0) return std::nullopt;
  return run.retval;
}

LoadedProgram load_program(const ProgramLoad& load) {
  LoadedProgram out;
  KernelVerdict& v = out.verdict;
  std::string log(load.log_size, '\0');
  auto attempt = [&](uint32_t level) {
    LIBBPF_OPTS(bpf_prog_load_opts, popts);
    if (load.btf_fd >= 0) {
      popts.prog_btf_fd = static_cast<uint32_t>(load.btf_fd);
      if (!load.func_info.empty()) {
        popts.func_info = load.func_info.data();
        popts.func_info_cnt = static_cast<uint32_t>(load.func_info.size());
        popts.func_info_rec_size = sizeof(bpf_func_info);
      }
      if (!load.line_info.empty()) {
        popts.line_info = load.line_info.data();
        popts.line_info_cnt = static_cast<uint32_t>(load.line_info.size());
        popts.line_info_rec_size = sizeof(bpf_line_info);
      }
    }
    if (!load.fd_array.empty()) popts.fd_array = load.fd_array.data();
    popts.log_buf = log.data();
    popts.log_size = static_cast<uint32_t>(log.size());
    popts.log_level = level;
    popts.kern_version = load.kern_version;
    popts.prog_flags = load.prog_flags;
    popts.attach_btf_id = load.attach_btf_id;
    if (load.expected_attach_type) popts.expected_attach_type = static_cast<bpf_attach_type>(*load.expected_attach_type);
    std::fill(log.begin(), log.end(), '\0');
    const auto t0 = std::chrono::steady_clock::now();
    const int fd = bpf_prog_load(static_cast<bpf_prog_type>(load.prog_type), kernel_name(load.name).c_str(),
                                 load.license.c_str(), load.insns.data(), load.insns.size(), &popts);
    const int err = errno;
    v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    errno = err;
    return fd;
  };
  // Statistics only (BPF_LOG_STATS); on rejection, again with the full log (level 1).
  if (const int fd = attempt(4); fd >= 0) {
    out.fd = Fd(fd);
    v.status = KernelStatus::Accepted;
    v.log = log.c_str();
    v.processed_insns = processed(v.log);
    return out;
  }
  v.error = errno;
  // EACCES is the verifier's "permission denied"; EPERM without a log means the kernel would not
  // even verify: a capability the type needs, lockdown, or a kernel that cannot attach it.
  if (v.error == EPERM && std::strlen(log.c_str()) == 0) {
    v.status = KernelStatus::Unavailable;
    v.reason = "bpf(BPF_PROG_LOAD) not permitted for this program type here (EPERM before verification: a missing "
               "capability such as CAP_PERFMON, lockdown, or a kernel that cannot attach the type)";
    return out;
  }
  // The complaint is logged at the statistics level too; only when it is missing (or the caller
  // wants the trace) load again with level 1, which costs a second verification.
  if (load.full_log_on_rejection || verifier_complaint(log.c_str()).empty()) {
    const double first = v.seconds;
    Fd again(attempt(1));
    v.seconds = first;
  }
  v.status = KernelStatus::Rejected;
  v.log = log.c_str();
  v.processed_insns = processed(v.log);
  v.reason = verifier_complaint(v.log);
  v.location = last_location(v.log);
  if (v.reason.empty()) v.reason = std::strerror(v.error);
  return out;
}

namespace {

constexpr uint32_t kSleepable = 1U << 4;   // BPF_F_SLEEPABLE
constexpr uint32_t kXdpHasFrags = 1U << 5;  // BPF_F_XDP_HAS_FRAGS

KernelVerdict unavailable(std::string reason) {
  KernelVerdict v;
  v.status = KernelStatus::Unavailable;
  v.reason = std::move(reason);
  return v;
}

// Creates a map as libbpf would: perf event arrays get libbpf's defaults, map-in-map maps
// their inner map first, global data and .kconfig their value (frozen where the loader
// freezes it).
semantics::Result<Fd> create_object_map(const MapDefinition& m) {
  uint32_t key = m.key_size, value = m.value_size, entries = m.max_entries;
  if (m.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
    if (key == 0) key = 4;
    if (value == 0) value = 4;
    if (entries == 0) entries = static_cast<uint32_t>(std::max(libbpf_num_possible_cpus(), 1));
  }
  Fd inner;
  if (!m.inner.empty()) {
    auto in = create_object_map(m.inner.front());
    if (!in.ok()) return in.error();
    inner = std::move(in.value());
  }
  auto fd = create_map(m.type, key, value, entries, m.flags, m.name, inner.get());
  if (!fd.ok()) return fd;
  if (!m.initial_value.empty()) {
    const uint32_t zero = 0;
    if (!update_element(fd->get(), &zero, m.initial_value.data()) || (m.frozen && !freeze_map(fd->get()))) {
      return Error{ErrorCode::BadFile, {}, fmt::format("initialising '{}' failed: {}", m.name, std::strerror(errno))};
    }
  }
  return fd;
}

KernelVerdict load_here(const Object& object, const ProgramInfo& program, const KernelLoadOptions& options) {
  std::string why;
  if (!loading_available(&why)) {
    KernelVerdict v = unavailable(why);
    v.error = errno;
    return v;
  }
  ProgramLoad load;
  load.prog_type = options.prog_type.value_or(program.type.prog_type);
  load.expected_attach_type = options.prog_type ? options.expected_attach_type : program.type.expected_attach_type;
  if (load.prog_type == 0) return unavailable("the program has no program type to load it with");
  if (load.prog_type == 27) return unavailable("struct_ops programs load with their struct_ops map: not compared");
  if (load.prog_type == 28) return unavailable("freplace programs load against the program they replace: not compared");
  if (program.type.attach_btf) {
    if (!program.attach_btf_id) {
      return unavailable(fmt::format("the kernel's BTF has nothing named '{}' to attach to", program.type.attach_target));
    }
    load.attach_btf_id = *program.attach_btf_id;
  }
  if (program.type.sleepable) load.prog_flags |= kSleepable;
  if (program.type.xdp_frags) load.prog_flags |= kXdpHasFrags;
  load.kern_version = object.kernel_version.value_or(0);
  load.name = program.name;
  load.license = object.license;
  load.log_size = options.log_size;
  std::vector<Fd> maps;
  for (const MapDefinition& m : object.maps) {
    auto fd = create_object_map(m);
    if (!fd.ok()) {
      // Not the program's fault: its loader sizes such maps at run time (libbpf-tools set a
      // stack map's value size, for one), or this kernel lacks the map type.
      KernelVerdict v = unavailable(fd.error().message + " (as the object declares it; its loader may size it at run time)");
      v.error = errno;
      return v;
    }
    maps.push_back(std::move(fd.value()));
  }
  load.insns.resize(program.insns.size());
  for (size_t pc = 0; pc < program.insns.size(); ++pc) {
    const semantics::Insn& in = program.insns[pc];
    bpf_insn& out = load.insns[pc];
    out.code = in.opcode;
    out.dst_reg = in.dst & 0xf;
    out.src_reg = in.src & 0xf;
    out.off = in.off;
    out.imm = in.imm;
    const bool map_ref = in.opcode == (BPF_LD | BPF_IMM | BPF_DW) &&
                         (in.src == BPF_PSEUDO_MAP_FD || in.src == BPF_PSEUDO_MAP_VALUE);
    if (map_ref && in.imm >= 0 && static_cast<size_t>(in.imm) < maps.size()) out.imm = maps[static_cast<size_t>(in.imm)].get();
  }
  // The object's BTF, and the program's func_info / line_info against it.
  Fd btf;
  KernelVerdict note;
  if (options.with_btf && !object.btf.empty()) {
    std::string log(1 << 16, '\0');
    LIBBPF_OPTS(bpf_btf_load_opts, bopts);
    bopts.log_buf = log.data();
    bopts.log_size = static_cast<uint32_t>(log.size());
    bopts.log_level = 1;
    btf = Fd(bpf_btf_load(object.btf.data(), object.btf.size(), &bopts));
    if (!btf.valid()) {
      note.note = fmt::format("Linux refused the object's BTF ({}): loaded without it", verifier_complaint(log.c_str()));
    } else {
      load.btf_fd = btf.get();
      bool every_function = true;
      for (const FunctionRange& f : program.functions) {
        every_function = every_function && f.btf_type_id != 0;
        load.func_info.push_back({static_cast<uint32_t>(f.start_pc), f.btf_type_id});
      }
      if (!every_function) load.func_info.clear();
      for (const LineRecord& l : program.lines) {
        load.line_info.push_back({static_cast<uint32_t>(l.pc), l.btf_file_name_off, l.btf_line_off, l.btf_line_col});
      }
    }
  }
  LoadedProgram loaded = load_program(load);
  loaded.verdict.note = note.note;
  return loaded.verdict;
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

KernelVerdict load_unprivileged(const Object& object, const ProgramInfo& program, const KernelLoadOptions& options) {
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
    // status, errno, processed (or -1), seconds, then reason, location and log separated by NUL.
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
  long long processed_count = -1;
  double seconds = 0;
  if (eol == std::string::npos ||
      std::sscanf(buf.c_str(), "%d %d %lld %lf", &st, &err, &processed_count, &seconds) != 4) {
    v.reason = "the unprivileged loader process died";
    return v;
  }
  v.status = static_cast<KernelStatus>(st);
  v.error = err;
  if (processed_count >= 0) v.processed_insns = static_cast<uint64_t>(processed_count);
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

KernelVerdict load_object_program(const Object& object, const ProgramInfo& program, const KernelLoadOptions& options) {
  return options.unprivileged ? load_unprivileged(object, program, options) : load_here(object, program, options);
}

}  // namespace bpfcert::loader::kernel
