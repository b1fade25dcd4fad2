// Conformance runner throughput. Targets (issue 3): the whole corpus through the in-process
// interpreter in under a second; through a plugin, --jobs 2 at least 1.8x the throughput of
// --jobs 1. Ratios are measured within one benchmark run, against a baseline taken in it:
// reading and assembling the corpus without running it, and the plugin at --jobs 1.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "conformance/engine_target.h"
#include "conformance/mutate.h"
#include "conformance/plugin_target.h"
#include "conformance/runner.h"
#include "conformance/subprocess.h"

namespace bpfcert::conformance {
namespace {

const std::string kCorpus = BPFCERT_CORPUS_DIR "/conformance";

double seconds_of(const Target& target, unsigned jobs, const std::string& regex = "") {
  RunnerOptions o;
  o.test_paths = {kCorpus};
  o.groups = *claimed_groups(std::string("all"), std::nullopt);
  o.jobs = jobs;
  o.include_regex = regex;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run_conformance(target, o);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!r.ok() || !r->summary().ok()) std::abort();  // a benchmark of a failing run measures nothing
  return s;
}

// Baseline: find, read and assemble every test, run nothing.
void BM_CorpusLoadOnly(benchmark::State& state) {
  size_t n = 0;
  for (auto _ : state) {
    auto files = find_tests({kCorpus});
    n = files->size();
    for (const TestFile& f : *files) benchmark::DoNotOptimize(load_test_case(f.path, f.name));
  }
  state.counters["tests"] = static_cast<double>(n);
  state.counters["tests_per_s"] = benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()),
                                                     benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CorpusLoadOnly)->Unit(benchmark::kMillisecond);

// The whole corpus on the reference interpreter, as `bpfcert conform --jobs N` runs it.
void BM_CorpusInterpreter(benchmark::State& state) {
  const EngineTarget interp(interp::EngineKind::Interpreter);
  const auto jobs = static_cast<unsigned>(state.range(0));
  double total = 0;
  for (auto _ : state) total += seconds_of(interp, jobs);
  state.counters["corpus_s"] = total / static_cast<double>(state.iterations());
  state.counters["under_1s"] = total / static_cast<double>(state.iterations()) < 1.0;
}
BENCHMARK(BM_CorpusInterpreter)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The whole kill matrix of `bpfcert mutate` (every test on the reference, then on each mutant
// it touches), against the corpus run on the reference in the same iteration: the ratio says
// what measuring the corpus costs over certifying with it.
void BM_MutationMatrix(benchmark::State& state) {
  const EngineTarget interp(interp::EngineKind::Interpreter);
  const auto jobs = static_cast<unsigned>(state.range(0));
  double matrix = 0, corpus = 0;
  size_t runs = 0;
  for (auto _ : state) {
    MutationOptions o;
    o.test_paths = {kCorpus};
    o.jobs = jobs;
    const auto t0 = std::chrono::steady_clock::now();
    auto r = measure_corpus(o);
    matrix += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!r.ok() || !r->summary().ok()) std::abort();
    runs = r->runs;
    corpus += seconds_of(interp, jobs);
  }
  const double it = static_cast<double>(state.iterations());
  state.counters["matrix_s"] = matrix / it;
  state.counters["corpus_s"] = corpus / it;
  state.counters["ratio"] = matrix / corpus;
  state.counters["mutant_runs"] = static_cast<double>(runs);
}
BENCHMARK(BM_MutationMatrix)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// Plugin scaling: the same tests through bpfcert-plugin at --jobs 1 and --jobs 2, both in each
// iteration, so the ratio compares like with like on a shared machine.
void BM_PluginJobsScaling(benchmark::State& state) {
  const PluginTarget plugin(BPFCERT_PLUGIN, {});
  const std::string regex = state.range(0) == 0 ? "" : "^(alu64|jmp32|negative)/";
  double one = 0, two = 0;
  for (auto _ : state) {
    one += seconds_of(plugin, 1, regex);
    two += seconds_of(plugin, 2, regex);
  }
  const double it = static_cast<double>(state.iterations());
  state.counters["jobs1_s"] = one / it;
  state.counters["jobs2_s"] = two / it;
  state.counters["speedup"] = one / two;
}
// The machine's ceiling for the plugin figure: starting a trivial program (/bin/true, fed a
// line on stdin) the same number of times from 1 and from 2 threads, through the runner's own
// run_process. A plugin run is mostly process creation, so --jobs 2 cannot scale better than
// this does; on a VM whose process creation serialises (page-table work in the hypervisor),
// both figures fall together.
double spawn_seconds(unsigned threads, unsigned total) {
  std::atomic<unsigned> next{0};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      while (next.fetch_add(1) < total) {
        const ProcessResult r = run_process({"/bin/true"}, "b7 00 00 00 01 00 00 00\n", ProcessLimits{});
        if (!r.started) std::abort();
      }
    });
  }
  for (std::thread& t : pool) t.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void BM_SpawnScaling(benchmark::State& state) {
  constexpr unsigned kSpawns = 1000;
  double one = 0, two = 0;
  for (auto _ : state) {
    one += spawn_seconds(1, kSpawns);
    two += spawn_seconds(2, kSpawns);
  }
  const double it = static_cast<double>(state.iterations());
  state.counters["spawn_us_1"] = one / it / kSpawns * 1e6;
  state.counters["spawn_us_2"] = two / it / kSpawns * 1e6;
  state.counters["speedup"] = one / two;
}
BENCHMARK(BM_SpawnScaling)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

BENCHMARK(BM_PluginJobsScaling)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

}  // namespace
}  // namespace bpfcert::conformance

BENCHMARK_MAIN();
