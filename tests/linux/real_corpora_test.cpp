// Real objects, read where Debian installs them (never copied into the repository): the BPF
// objects libbpf skeletons embed in the libbpf-tools executables, the ELF test objects of
// golang-github-cilium-ebpf-dev, and corpus/programs built a second time with GCC's BPF
// backend (gcc-bpf). Every object must load (or fail to load for a listed reason); every
// program is verified for the running kernel (CO-RE applied against its BTF) and, where this
// process may load programs, its verdict compared with the kernel's. A disagreement fails the
// test unless real_corpora_deviations.txt lists it with its reason (or the kernel lacks a
// helper the program calls), and a listed deviation that no longer happens fails it too. The
// figures per corpus are printed.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "loader/embedded.h"
#include "loader/kernel.h"
#include "loader/object.h"
#include "loader/target.h"
#include "tests/linux/corpus_support.h"
#include "tests/linux/kernel_support.h"
#include "verifier/object/verify_object.h"

namespace bpfcert::tests {
namespace {

namespace fs = std::filesystem;
using loader::kernel::KernelStatus;

struct Source {
  std::string object;  // short name: the tool, the file name
  std::vector<uint8_t> bytes;
  std::string stem;    // gcc corpus: the corpus program it was built from
};

// The BPF objects of a file: itself, or those an executable embeds.
void add_file(const std::string& path, const std::string& name, std::vector<Source>& out) {
  auto bytes = loader::read_file_bytes(path);
  if (!bytes.ok()) return;
  if (loader::elf_file_kind(*bytes) == loader::ElfFileKind::BpfObject) {
    out.push_back(Source{name, std::move(bytes.value()), fs::path(path).stem().string()});
    return;
  }
  auto embedded = loader::find_embedded_objects(*bytes, path);
  if (!embedded.ok()) return;
  for (const auto& e : *embedded) out.push_back(Source{name, {e.bytes.begin(), e.bytes.end()}, name});
}

std::vector<Source> libbpf_tools(std::string* why) {
  std::vector<Source> out;
  std::ifstream list("/var/lib/dpkg/info/libbpf-tools.list");
  if (!list) {
    *why = "the Debian package libbpf-tools is not installed";
    return out;
  }
  for (std::string line; std::getline(list, line);) {
    if (line.starts_with("/usr/sbin/") && fs::is_regular_file(line)) add_file(line, fs::path(line).filename(), out);
  }
  if (out.empty()) *why = "libbpf-tools installs no executable embedding a BPF object";
  return out;
}

std::vector<Source> cilium(std::string* why) {
  std::vector<Source> out;
  const fs::path root = "/usr/share/gocode/src/github.com/cilium/ebpf";
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    *why = "the Debian package golang-github-cilium-ebpf-dev is not installed";
    return out;
  }
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    // Little-endian objects only: bpfcert reads bpfel (its big-endian twins are refused by design).
    if (it->path().string().ends_with("-el.elf")) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  // lexically: loader-el.elf is a link to loader-clang-14-el.elf, and keeps its own name.
  for (const fs::path& f : files) add_file(f.string(), f.lexically_relative(root).string(), out);
  if (out.empty()) *why = "no *-el.elf object under " + root.string();
  return out;
}

std::vector<Source> gcc_corpus(std::string* why) {
  std::vector<Source> out;
  if (!fs::is_directory(BPFCERT_GCC_PROGRAMS_OUT)) {
    *why = "corpus/programs was not built with GCC's BPF backend (gcc-bpf missing when CMake ran)";
    return out;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(BPFCERT_GCC_PROGRAMS_OUT)) {
    if (e.path().extension() == ".o") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) add_file(f.string(), f.filename().string(), out);
  return out;
}

// real_corpora_deviations.txt: "<corpus> <object> <program> [type=<t>] -- <reason>" lists a
// disagreement with the kernel, "<corpus> <object> <program> load-error -- <reason>" an object
// (program "*") or a program that does not load; object and program may be "*".
struct Deviation {
  std::string corpus, object, program, type, reason;
  bool load_error = false;
  int uses = 0;
  bool matches(const std::string& c, const std::string& o, const std::string& p, const std::string& t) const {
    return corpus == c && (object == "*" || object == o) && (program == "*" || program == p) &&
           (type.empty() || type == t);
  }
};

std::vector<Deviation> deviations() {
  std::vector<Deviation> out;
  std::ifstream in(std::string(BPFCERT_SOURCE_DIR) + "/tests/linux/real_corpora_deviations.txt");
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t sep = line.find(" -- ");
    std::istringstream words(line.substr(0, sep));
    Deviation d;
    words >> d.corpus >> d.object >> d.program;
    std::string extra;
    if (words >> extra) {
      if (extra.starts_with("type=")) d.type = extra.substr(5);
      d.load_error = extra == "load-error";
    }
    d.reason = sep == std::string::npos ? "" : line.substr(sep + 4);
    out.push_back(std::move(d));
  }
  return out;
}

struct Figures {
  size_t objects = 0, loaded = 0, expected_load_errors = 0, programs = 0, accepted = 0, rejected = 0, not_loaded = 0;
  size_t compared = 0, agree = 0, unavailable = 0;
  double load_seconds = 0, verify_seconds = 0;
  std::map<std::string, size_t> first_findings;  // rejected programs by their first error's check
  std::map<std::string, size_t> findings;        // every error finding by check
};

void run_corpus(const std::string& corpus, const std::vector<Source>& sources, bool every_object_loads) {
  static loader::Target running_kernel;  // CO-RE, kconfig and ksyms of this machine
  std::vector<Deviation> known = deviations();
  std::map<std::string, CorpusProgram> annotations;
  if (corpus == "gcc") {
    for (CorpusProgram& p : corpus_programs()) annotations[p.name] = p;
  }
  std::string why_not_kernel;
  const bool kernel = loader::kernel::loading_available(&why_not_kernel);
  Figures f;
  std::ostringstream disagreements;
  for (const Source& s : sources) {
    SCOPED_TRACE(s.object);
    ++f.objects;
    loader::LoadOptions options;
    options.target = &running_kernel;
    const auto t0 = std::chrono::steady_clock::now();
    auto obj = loader::load_object(s.bytes, s.object, options);
    f.load_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto listed_load_error = [&](const std::string& program) {
      for (Deviation& d : known) {
        if (d.load_error && d.matches(corpus, s.object, program, "")) {
          ++d.uses;
          return true;
        }
      }
      return false;
    };
    if (!obj.ok()) {
      EXPECT_TRUE(listed_load_error("*") && !every_object_loads) << "does not load: " << obj.error().to_string();
      ++f.expected_load_errors;
      continue;
    }
    ++f.loaded;
    for (const loader::ProgramError& e : obj->failed_programs) {
      ++f.not_loaded;

      EXPECT_TRUE(listed_load_error(e.name) && !every_object_loads)
          << "program " << e.name << " does not load: " << e.error.to_string();
    }
    for (const loader::ProgramInfo& p : obj->programs) {
      SCOPED_TRACE(p.name);
      auto v = verifier::verify_object_program(*obj, p, {}, &running_kernel);
      ASSERT_TRUE(v.ok()) << v.error().to_string();
      ++f.programs;
      f.verify_seconds += v->result.stats.seconds;
      const bool accepted = v->result.accepted;
      ++(accepted ? f.accepted : f.rejected);
      bool first = true;
      for (const verifier::Finding& finding : v->result.findings) {
        if (finding.severity != verifier::Severity::Error) continue;
        ++f.findings[verifier::to_string(finding.check)];
        if (first) ++f.first_findings[verifier::to_string(finding.check)];
        first = false;
      }
      if (!kernel) continue;
      const auto k = loader::kernel::load_object_program(*obj, p, {});
      if (k.status == KernelStatus::Unavailable) {
        ++f.unavailable;
        continue;
      }
      ++f.compared;
      const bool kernel_accepts = k.status == KernelStatus::Accepted;
      if (kernel_accepts == accepted) {
        ++f.agree;
        continue;
      }
      std::string explanation;
      const std::string type(p.type.name());
      for (Deviation& d : known) {
        if (!d.load_error && d.matches(corpus, s.object, p.name, type)) {
          explanation = d.reason;
          ++d.uses;
          break;
        }
      }
      if (const auto a = annotations.find(s.stem); explanation.empty() && a != annotations.end() &&
                                                  a->second.kernel_accepts == kernel_accepts) {
        explanation = "Linux: " + a->second.kernel_note;
      }
      if (explanation.empty() && !kernel_accepts) {
        const std::string missing = helper_missing_from_this_kernel(k.reason, p.type.prog_type, p.type.expected_attach_type);
        if (!missing.empty()) explanation = "Linux: " + missing;
      }
      const std::string first_error =
          v->result.findings.empty()
              ? ""
              : std::string(verifier::to_string(v->result.findings.front().check)) + ": " + v->result.findings.front().message;
      EXPECT_FALSE(explanation.empty()) << "unexplained disagreement: bpfcert " << (accepted ? "accepts" : "rejects")
                                        << (first_error.empty() ? "" : " (" + first_error + ")") << ", kernel "
                                        << (kernel_accepts ? "accepts" : "rejects: " + k.reason);
      disagreements << fmt::format("  {}/{} ({}): bpfcert {}, kernel {}\n      {}\n", s.object, p.name, type,
                                   accepted ? "accepts" : "rejects", kernel_accepts ? "accepts" : "rejects (" + k.reason + ")",
                                   explanation.empty() ? "UNEXPLAINED" : explanation);
    }
  }
  // A listed deviation that no longer happens (or names nothing) must be deleted.
  for (const Deviation& d : known) {
    if (d.corpus != corpus) continue;
    const bool needs_kernel = !d.load_error;
    if (needs_kernel && !kernel) continue;
    EXPECT_GT(d.uses, 0) << "stale line in real_corpora_deviations.txt: " << d.corpus << " " << d.object << " "
                         << d.program << (d.type.empty() ? "" : " type=" + d.type);
  }
  std::string by_check;
  for (const auto& [check, n] : f.first_findings) by_check += fmt::format(" {}={}", check, n);
  std::string all_checks;
  for (const auto& [check, n] : f.findings) all_checks += fmt::format(" {}={}", check, n);
  std::cout << fmt::format(
                   "{}: {} objects, {} loaded ({} listed load errors), load {:.1f} ms; {} programs: {} accepted, {} "
                   "rejected ({} more did not load), verification {:.1f} ms\n  rejections by first error:{}\n  error "
                   "findings by check:{}\n",
                   corpus, f.objects, f.loaded, f.expected_load_errors, f.load_seconds * 1e3, f.programs, f.accepted,
                   f.rejected, f.not_loaded, f.verify_seconds * 1e3, by_check, all_checks);
  if (kernel) {
    std::cout << fmt::format("  kernel: compared {} ({} could not be loaded here), agree {} ({:.1f}%), disagree {}:\n{}",
                             f.compared, f.unavailable, f.agree, f.compared == 0 ? 0.0 : 100.0 * f.agree / f.compared,
                             f.compared - f.agree, disagreements.str());
  } else {
    std::cout << "  kernel: not compared: " << why_not_kernel << "\n";
  }
}

TEST(RealCorpora, LibbpfToolsEveryObjectLoadsAndVerdictsMatchTheKernel) {
  std::string why;
  const auto sources = libbpf_tools(&why);
  if (sources.empty()) GTEST_SKIP() << why;
  EXPECT_GE(sources.size(), 50u);
  run_corpus("libbpf-tools", sources, true);
}

TEST(RealCorpora, CiliumEbpfTestObjects) {
  std::string why;
  const auto sources = cilium(&why);
  if (sources.empty()) GTEST_SKIP() << why;
  run_corpus("cilium", sources, false);
}

TEST(RealCorpora, CorpusProgramsBuiltWithGcc) {
  std::string why;
  const auto sources = gcc_corpus(&why);
  if (sources.empty()) GTEST_SKIP() << why;
  if (const std::string c = corpus_unavailable_reason(); !c.empty()) GTEST_SKIP() << c;
  EXPECT_GE(sources.size(), corpus_programs().size() * 9 / 10) << "GCC built too few of the corpus programs";
  run_corpus("gcc", sources, false);
}

}  // namespace
}  // namespace bpfcert::tests
