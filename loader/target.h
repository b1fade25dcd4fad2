// The kernel a verdict is for: its BTF (CO-RE relocations, typed ksyms, kfuncs, attach
// targets), its configuration and version (kconfig externs) and its symbols (untyped ksyms).
// By default the running kernel (/sys/kernel/btf/vmlinux, /boot/config-$(uname -r) or
// /proc/config.gz, uname, /proc/kallsyms), as libbpf reads them; another kernel is named by
// its BTF file, and any config value can be given. Each source is read on first use.
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bpfcert::loader {

namespace core {
class CandidateIndex;
}

struct TargetOptions {
  // The target kernel's BTF. Empty: the running kernel's /sys/kernel/btf/vmlinux. Giving
  // another file names another kernel: this machine's config, version and symbols are then
  // not used (give them with `kconfig`).
  std::string btf_path;
  // Do not use any BTF (CO-RE relocations, typed ksyms and kfuncs stay unresolved).
  bool no_btf = false;
  // KEY=VALUE settings that take precedence over the config read: CONFIG_* as the config
  // file spells them ("y", "m", "42", "\"text\""), LINUX_KERNEL_VERSION as "6.1.0" or a number.
  std::map<std::string, std::string> kconfig;
};

class Target {
 public:
  explicit Target(TargetOptions options = {});
  Target(const Target&) = delete;
  Target& operator=(const Target&) = delete;
  ~Target();

  // Whether this describes the kernel this process runs on (so --compare-kernel compares
  // with the same kernel the relocations were made for).
  bool is_running_kernel() const { return options_.btf_path.empty() && !options_.no_btf; }

  // The target's BTF, or nullptr (btf_problem() says why).
  const struct btf* btf() const;
  std::string btf_path() const;
  std::string btf_problem() const;

  // A kconfig value as the config spells it: an override, else the config file's line. nullopt
  // when the key is absent; then kconfig_available() tells whether absent means "not set".
  std::optional<std::string> kconfig(std::string_view key) const;
  bool kconfig_available() const;
  std::string kconfig_source() const;  // "/proc/config.gz", "--kconfig", ...

  // KERNEL_VERSION(a, b, c) of the target (libbpf's LINUX_KERNEL_VERSION), when known.
  std::optional<uint32_t> kernel_version() const;
  std::string kernel_release() const;  // uname -r of the running kernel ("" for another)

  // The target's types by essential name, for CO-RE candidate search (built on first use).
  const core::CandidateIndex& core_candidates() const;

  // The address of a kernel symbol (/proc/kallsyms; 0 when the kernel hides addresses).
  std::optional<uint64_t> kallsyms(std::string_view name) const;

 private:
  void load_btf() const;
  void load_kconfig() const;
  void load_kallsyms() const;

  TargetOptions options_;
  mutable std::once_flag btf_once_, kconfig_once_, kallsyms_once_, index_once_;
  mutable std::unique_ptr<core::CandidateIndex> index_;
  mutable struct btf* btf_ = nullptr;
  mutable std::string btf_problem_;
  mutable std::map<std::string, std::string, std::less<>> config_;
  mutable std::string config_source_;
  mutable std::map<std::string, uint64_t, std::less<>> kallsyms_;
};

// KERNEL_VERSION(a, b, c) of a release string ("6.1.0-18-amd64"), c clamped to 255 as libbpf
// and the kernel's own macro do.
std::optional<uint32_t> kernel_version_of_release(std::string_view release);

}  // namespace bpfcert::loader
