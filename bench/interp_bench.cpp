// The reference interpreter on loop-heavy programs, against the same algorithms compiled
// natively in the same run. Reports ns per executed instruction (RunResult.steps) and, at the
// end, the interpreter/native time ratio per program.
//
//   build/bench/interp_bench                       # all programs
//   build/bench/interp_bench --benchmark_filter=sieve
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "interp/environment.h"
#include "interp/helpers.h"
#include "interp/interpreter.h"
#include "interp/link.h"
#include "semantics/assembly.h"

namespace {

using namespace bpfcert;

// r0 = sum of 1..1000000 (3 instructions per iteration).
constexpr const char* kCountLoop = R"(
    mov %r0, 0
    mov %r1, 1000000
loop:
    add %r0, %r1
    sub %r1, 1
    jne %r1, 0, loop
    exit
)";
uint64_t native_count_loop(uint64_t n) {
  uint64_t sum = 0;
  for (uint64_t i = n; i != 0; --i) {
    sum += i;
    benchmark::DoNotOptimize(sum);  // keep the loop a loop, as the BPF program is
  }
  return sum;
}

// r0 = number of primes below the memory's length; mem[i] != 0 marks i composite.
constexpr const char* kSieve = R"(
    mov %r0, 0
    mov %r3, 2
outer:
    jge %r3, %r2, done
    mov %r4, %r1
    add %r4, %r3
    ldxb %r5, [%r4+0]
    jne %r5, 0, next
    add %r0, 1
    mov %r6, %r3
    mul %r6, %r3
inner:
    jge %r6, %r2, next
    mov %r7, %r1
    add %r7, %r6
    stb [%r7+0], 1
    add %r6, %r3
    ja inner
next:
    add %r3, 1
    ja outer
done:
    exit
)";
uint64_t native_sieve(uint8_t* mem, uint64_t n) {
  uint64_t count = 0;
  for (uint64_t i = 2; i < n; ++i) {
    if (mem[i] != 0) continue;
    ++count;
    for (uint64_t j = i * i; j < n; j += i) mem[j] = 1;
  }
  return count;
}

// A Fletcher-style checksum over the memory's 64-bit words (6 instructions per word).
constexpr const char* kChecksum = R"(
    mov %r0, 0
    mov %r3, 0
    mov %r4, %r1
    add %r2, %r1
loop:
    jge %r4, %r2, done
    ldxdw %r5, [%r4+0]
    add %r0, %r5
    add %r3, %r0
    add %r4, 8
    ja loop
done:
    xor %r0, %r3
    exit
)";
uint64_t native_checksum(const uint8_t* mem, uint64_t n) {
  uint64_t a = 0, b = 0;
  for (uint64_t off = 0; off < n; off += 8) {
    uint64_t w;
    std::memcpy(&w, mem + off, 8);
    a += w;
    b += a;
  }
  return a ^ b;
}

constexpr size_t kSieveBytes = 65536;
constexpr size_t kChecksumBytes = 1 << 20;

struct Prepared {
  semantics::Program program;
  interp::Environment env;
  std::unique_ptr<interp::LinkedProgram> linked;
  std::unique_ptr<interp::Interpreter> vm;
};

std::unique_ptr<Prepared> prepare(const char* text) {
  auto insns = semantics::assemble(text, semantics::Syntax::Conformance);
  if (!insns.ok()) return nullptr;
  auto prog = semantics::validate(std::move(insns.value()));
  if (!prog.ok()) return nullptr;
  auto p = std::make_unique<Prepared>();
  p->program = std::move(prog.value());
  interp::add_standard_helpers(p->env);
  auto linked = interp::link(p->program, p->env);
  if (!linked.ok()) return nullptr;
  p->linked = std::make_unique<interp::LinkedProgram>(std::move(linked.value()));
  p->vm = std::make_unique<interp::Interpreter>(*p->linked, p->env);
  return p;
}

std::vector<uint8_t> checksum_input() {
  std::vector<uint8_t> mem(kChecksumBytes);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (auto& b : mem) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<uint8_t>(x);
  }
  return mem;
}

// Runs the interpreter; memory is reset (sieve) or shared (checksum) per iteration, like the
// native twin below, so both sides do the same work.
void run_interp(benchmark::State& state, const char* text, size_t mem_size, bool reset, uint64_t expected) {
  auto p = prepare(text);
  if (!p) {
    state.SkipWithError("program did not assemble");
    return;
  }
  std::vector<uint8_t> mem = mem_size == kChecksumBytes ? checksum_input() : std::vector<uint8_t>(mem_size);
  interp::RunOptions options;
  options.max_steps = 1'000'000'000;
  uint64_t steps = 0;
  for (auto _ : state) {
    if (reset) std::memset(mem.data(), 0, mem.size());
    const interp::RunResult r = p->vm->run(interp::memory_invocation(mem), options);
    if (r.trapped || r.r0 != expected) {
      state.SkipWithError(r.trapped ? r.trap.to_string().c_str() : "wrong result");
      return;
    }
    steps = r.steps;
  }
  state.counters["insns"] = static_cast<double>(steps);
  // Seconds per executed instruction, printed with an SI prefix ("2.1n" = 2.1 ns).
  state.counters["s_per_insn"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}

uint64_t expected_count_loop() { return 1000000ull * 1000001ull / 2; }
uint64_t expected_sieve() {
  std::vector<uint8_t> mem(kSieveBytes);
  return native_sieve(mem.data(), mem.size());
}
uint64_t expected_checksum() {
  const auto mem = checksum_input();
  return native_checksum(mem.data(), mem.size());
}

void BM_interp_count_loop(benchmark::State& s) { run_interp(s, kCountLoop, 0, false, expected_count_loop()); }
void BM_interp_sieve(benchmark::State& s) { run_interp(s, kSieve, kSieveBytes, true, expected_sieve()); }
void BM_interp_checksum(benchmark::State& s) { run_interp(s, kChecksum, kChecksumBytes, false, expected_checksum()); }

void BM_native_count_loop(benchmark::State& state) {
  uint64_t n = 1000000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(native_count_loop(n));
  }
}
void BM_native_sieve(benchmark::State& state) {
  std::vector<uint8_t> mem(kSieveBytes);
  for (auto _ : state) {
    std::memset(mem.data(), 0, mem.size());
    benchmark::DoNotOptimize(native_sieve(mem.data(), mem.size()));
  }
}
void BM_native_checksum(benchmark::State& state) {
  const auto mem = checksum_input();
  for (auto _ : state) benchmark::DoNotOptimize(native_checksum(mem.data(), mem.size()));
}

BENCHMARK(BM_interp_count_loop)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_native_count_loop)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_interp_sieve)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_native_sieve)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_interp_checksum)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_native_checksum)->Unit(benchmark::kMillisecond);

// Prints, after the usual table, interpreter time / native time for each program measured.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      // Single runs, or the mean of repetitions (--benchmark_repetitions).
      const bool mean = run.run_type == Run::RT_Aggregate && run.aggregate_name == "mean";
      if (run.error_occurred || (run.run_type != Run::RT_Iteration && !mean)) continue;
      const std::string name = run.run_name.function_name;
      times_[name] = run.GetAdjustedCPUTime();  // CPU time: steadier than wall time on a shared machine
      if (auto it = run.counters.find("s_per_insn"); it != run.counters.end()) ns_per_insn_[name] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\n%-12s %14s %14s %16s\n", "program", "ns/insn", "interp/native", "native cpu ms");
    for (const char* program : {"count_loop", "sieve", "checksum"}) {
      const auto interp = times_.find(std::string("BM_interp_") + program);
      const auto native = times_.find(std::string("BM_native_") + program);
      if (interp == times_.end() || native == times_.end()) continue;
      // The counter was finalized as seconds per instruction.
      const double ns = ns_per_insn_[interp->first] * 1e9;
      std::printf("%-12s %14.2f %14.1f %16.3f\n", program, ns, interp->second / native->second, native->second);
    }
  }

 private:
  std::map<std::string, double> times_;
  std::map<std::string, double> ns_per_insn_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
