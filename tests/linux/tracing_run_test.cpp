// The reference VM runs every BTF-typed program the verifier accepts: each fentry, fexit,
// tp_btf, lsm and iter program of the libbpf-tools objects (Debian's package, read where it is
// installed) that bpfcert accepts for the running kernel runs to its exit in `bpfcert run`,
// with its pointer arguments on zero-filled kernel objects whose pointer members are null, so
// that loads through those members are probe loads that fault and give 0. Skipped without the
// package or without the running kernel's BTF.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/run_elf.h"
#include "loader/embedded.h"
#include "loader/object.h"
#include "loader/target.h"
#include "verifier/object/verify_object.h"

namespace bpfcert::tests {
namespace {

namespace fs = std::filesystem;

TEST(TracingRun, EveryAcceptedLibbpfToolsTracingProgramRunsToItsExit) {
  if (!fs::exists("/sys/kernel/btf/vmlinux")) GTEST_SKIP() << "no /sys/kernel/btf/vmlinux";
  std::ifstream list("/var/lib/dpkg/info/libbpf-tools.list");
  if (!list) GTEST_SKIP() << "the Debian package libbpf-tools is not installed";
  static loader::Target running_kernel;
  size_t ran = 0, with_probe_loads = 0;
  std::string probing;
  for (std::string path; std::getline(list, path);) {
    if (!path.starts_with("/usr/sbin/") || !fs::is_regular_file(path)) continue;
    auto bytes = loader::read_file_bytes(path);
    if (!bytes.ok()) continue;
    auto embedded = loader::find_embedded_objects(*bytes, path);
    if (!embedded.ok() || embedded->size() != 1) continue;
    loader::LoadOptions options;
    options.target = &running_kernel;
    auto obj = loader::load_object(embedded->front().bytes, path, options);
    if (!obj.ok()) continue;
    for (const loader::ProgramInfo& p : obj->programs) {
      auto v = verifier::verify_object_program(*obj, p, {}, &running_kernel);
      if (!v.ok() || !v->tracing || !v->result.accepted) continue;
      SCOPED_TRACE(path + " " + p.name);
      reports::RunReport report;
      std::ostringstream text;
      cli::RunElfRequest req;
      req.object = path;
      req.program = p.name;
      req.text = &text;
      req.report = &report;
      EXPECT_EQ(cli::run_elf(req), 0) << text.str();
      ASSERT_EQ(report.runs.size(), 1u);
      EXPECT_FALSE(report.runs[0].trapped) << (report.runs[0].trap ? report.runs[0].trap->message : "");
      ++ran;
      if (!v->result.probe_loads.empty()) {
        ++with_probe_loads;
        probing += " " + fs::path(path).filename().string() + "/" + p.name;
      }
    }
  }
  std::cout << ran << " accepted BTF-typed programs ran, " << with_probe_loads << " of them with probe loads:" << probing
            << "\n";
  if (ran == 0) GTEST_SKIP() << "no libbpf-tools program attaches to this kernel by BTF";
  EXPECT_GT(with_probe_loads, 0u);
}

}  // namespace
}  // namespace bpfcert::tests
