#include "loader/target.h"

#include "loader/core_rules.h"

#include <sys/utsname.h>
#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace bpfcert::loader {

namespace {

constexpr const char* kVmlinuxBtf = "/sys/kernel/btf/vmlinux";

std::string running_release() {
  utsname u{};
  return ::uname(&u) == 0 ? std::string(u.release) : std::string();
}

}  // namespace

std::optional<uint32_t> kernel_version_of_release(std::string_view release) {
  uint32_t parts[3] = {0, 0, 0};
  size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    const char* begin = release.data() + pos;
    const char* end = release.data() + release.size();
    uint32_t v = 0;
    const auto [next, ec] = std::from_chars(begin, end, v);
    if (ec != std::errc()) {
      if (i < 2) return std::nullopt;  // "6" alone, or no number at all
      break;
    }
    parts[i] = v;
    pos = static_cast<size_t>(next - release.data());
    if (pos >= release.size() || release[pos] != '.') break;
    ++pos;
  }
  return (parts[0] << 16) + (parts[1] << 8) + std::min<uint32_t>(parts[2], 255);
}

Target::Target(TargetOptions options) : options_(std::move(options)) {}

const core::CandidateIndex& Target::core_candidates() const {
  std::call_once(index_once_, [this] { index_ = std::make_unique<core::CandidateIndex>(btf()); });
  return *index_;
}

Target::~Target() {
  if (btf_ != nullptr) btf__free(btf_);
}

void Target::load_btf() const {
  std::call_once(btf_once_, [this] {
    if (options_.no_btf) {
      btf_problem_ = "no target BTF (--btf none)";
      return;
    }
    const std::string path = btf_path();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      btf_problem_ = options_.btf_path.empty()
                         ? std::string(kVmlinuxBtf) + " does not exist (a kernel built without CONFIG_DEBUG_INFO_BTF); "
                                                      "give the target kernel's BTF with --btf"
                         : "the BTF file " + path + " does not exist";
      return;
    }
    struct btf* b = btf__parse(path.c_str(), nullptr);
    if (b == nullptr) {
      btf_problem_ = "libbpf cannot read the BTF of " + path + ": " + std::strerror(errno);
      return;
    }
    btf_ = b;
  });
}

const struct btf* Target::btf() const {
  load_btf();
  return btf_;
}

std::string Target::btf_path() const { return options_.btf_path.empty() ? kVmlinuxBtf : options_.btf_path; }

std::string Target::btf_problem() const {
  load_btf();
  return btf_problem_;
}

void Target::load_kconfig() const {
  std::call_once(kconfig_once_, [this] {
    if (!is_running_kernel()) return;  // another kernel: only what --kconfig says
    // libbpf's order (bpf_object__read_kconfig_file): /boot/config-$(uname -r), then
    // /proc/config.gz; gzopen reads plain files too.
    const std::string boot = "/boot/config-" + running_release();
    for (const std::string& path : {boot, std::string("/proc/config.gz")}) {
      gzFile f = gzopen(path.c_str(), "re");
      if (f == nullptr) continue;
      char buf[4096];
      while (gzgets(f, buf, sizeof buf) != nullptr) {
        std::string_view line(buf);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        if (!line.starts_with("CONFIG_")) continue;
        const size_t eq = line.find('=');
        if (eq == std::string_view::npos || eq + 1 == line.size()) continue;
        config_.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
      }
      gzclose(f);
      config_source_ = path;
      return;
    }
  });
}

std::optional<std::string> Target::kconfig(std::string_view key) const {
  if (const auto it = options_.kconfig.find(std::string(key)); it != options_.kconfig.end()) return it->second;
  load_kconfig();
  if (const auto it = config_.find(key); it != config_.end()) return it->second;
  return std::nullopt;
}

bool Target::kconfig_available() const {
  load_kconfig();
  return !config_source_.empty();
}

std::string Target::kconfig_source() const {
  load_kconfig();
  return config_source_;
}

std::optional<uint32_t> Target::kernel_version() const {
  if (const auto it = options_.kconfig.find("LINUX_KERNEL_VERSION"); it != options_.kconfig.end()) {
    const std::string& s = it->second;
    if (s.find('.') != std::string::npos) return kernel_version_of_release(s);
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(s.c_str(), &end, 0);
    if (errno != 0 || end == s.c_str() || *end != '\0' || v > UINT32_MAX) return std::nullopt;
    return static_cast<uint32_t>(v);
  }
  if (!is_running_kernel()) return std::nullopt;
  return kernel_version_of_release(running_release());
}

std::string Target::kernel_release() const { return is_running_kernel() ? running_release() : std::string(); }

void Target::load_kallsyms() const {
  std::call_once(kallsyms_once_, [this] {
    if (!is_running_kernel()) return;
    std::ifstream in("/proc/kallsyms");
    std::string line;
    while (std::getline(in, line)) {
      // "ffffffff81000000 T _text" or "... t name [module]"
      const size_t sp1 = line.find(' ');
      if (sp1 == std::string::npos || sp1 + 3 > line.size()) continue;
      const size_t name_begin = sp1 + 3;
      size_t name_end = line.find_first_of(" \t", name_begin);
      if (name_end == std::string::npos) name_end = line.size();
      uint64_t addr = 0;
      std::from_chars(line.data(), line.data() + sp1, addr, 16);
      kallsyms_.emplace(line.substr(name_begin, name_end - name_begin), addr);
    }
  });
}

std::optional<uint64_t> Target::kallsyms(std::string_view name) const {
  load_kallsyms();
  const auto it = kallsyms_.find(name);
  if (it == kallsyms_.end()) return std::nullopt;
  return it->second;
}

}  // namespace bpfcert::loader
