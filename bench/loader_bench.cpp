// Loading cost (issue 16): bpfcert's loader on real objects against libbpf's own open of the
// same bytes (bpf_object__open_mem: ELF, BTF, maps and programs, no kernel), measured in the
// same run. The objects: one a libbpf-tools executable embeds (CO-RE relocations applied
// against the running kernel's BTF, whose reading is measured apart) and a corpus program.
// Without them (libbpf-tools not installed, the corpus not built) the benchmarks skip.
#include <benchmark/benchmark.h>
#include <bpf/libbpf.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "loader/embedded.h"
#include "loader/object.h"
#include "loader/target.h"

namespace {

using bpfcert::loader::LoadOptions;
using bpfcert::loader::Target;

std::vector<uint8_t> object_bytes(const std::string& which) {
  if (which == "execsnoop") {
    auto host = bpfcert::loader::read_file_bytes("/usr/sbin/execsnoop");
    if (!host.ok()) return {};
    auto found = bpfcert::loader::find_embedded_objects(*host, "execsnoop");
    if (!found.ok() || found->empty()) return {};
    return {found->front().bytes.begin(), found->front().bytes.end()};
  }
  auto bytes = bpfcert::loader::read_file_bytes(std::string(BPFCERT_BENCH_PROGRAMS_OUT) + "/" + which + ".o");
  return bytes.ok() ? std::move(bytes.value()) : std::vector<uint8_t>{};
}

int quiet(enum libbpf_print_level, const char*, va_list) { return 0; }

void BM_LibbpfOpen(benchmark::State& state, const char* which) {
  const auto bytes = object_bytes(which);
  if (bytes.empty()) return state.SkipWithError("object not available");
  libbpf_set_print(quiet);
  for (auto _ : state) {
    bpf_object* obj = bpf_object__open_mem(bytes.data(), bytes.size(), nullptr);
    benchmark::DoNotOptimize(obj);
    bpf_object__close(obj);
  }
}

// The target's BTF and CO-RE candidate index are read once per process; the per-object cost
// below excludes them (BM_TargetBtf measures them).
void BM_BpfcertLoad(benchmark::State& state, const char* which) {
  const auto bytes = object_bytes(which);
  if (bytes.empty()) return state.SkipWithError("object not available");
  Target target;
  target.core_candidates();
  LoadOptions options;
  options.target = &target;
  for (auto _ : state) {
    auto obj = bpfcert::loader::load_object(bytes, which, options);
    if (!obj.ok()) return state.SkipWithError(obj.error().to_string().c_str());
    benchmark::DoNotOptimize(obj);
  }
}

void BM_TargetBtf(benchmark::State& state) {
  if (!std::filesystem::exists("/sys/kernel/btf/vmlinux")) return state.SkipWithError("no /sys/kernel/btf/vmlinux");
  for (auto _ : state) {
    Target target;
    benchmark::DoNotOptimize(target.btf());
    benchmark::DoNotOptimize(&target.core_candidates());
  }
}

void BM_FindEmbedded(benchmark::State& state) {
  auto host = bpfcert::loader::read_file_bytes("/usr/sbin/execsnoop");
  if (!host.ok()) return state.SkipWithError("libbpf-tools not installed");
  for (auto _ : state) benchmark::DoNotOptimize(bpfcert::loader::find_embedded_objects(*host, "execsnoop"));
}

BENCHMARK_CAPTURE(BM_LibbpfOpen, execsnoop, "execsnoop")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_BpfcertLoad, execsnoop, "execsnoop")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_LibbpfOpen, xdp_conntrack, "xdp_conntrack")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_BpfcertLoad, xdp_conntrack, "xdp_conntrack")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TargetBtf)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FindEmbedded)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
