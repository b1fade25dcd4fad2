// Verifier cost (issue 4): straight-line programs of 1k / 10k / 100k instructions (target:
// 10k in under 100 ms, about linear growth), branchy programs (one diamond per 3 instructions),
// programs of short tails after joins (one per 10 instructions), and loop-heavy programs. Each
// benchmark also measures, in the same run, the cost of semantics::validate() on the same
// program (a linear pass over it) and reports the ratio, so figures compare across machines.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "semantics/assembly.h"
#include "verifier/analyzer.h"
#include "verifier/conformance_platform.h"

namespace {

using namespace bpfcert;

std::vector<semantics::Insn> assemble(const std::string& text) {
  auto r = semantics::assemble(text, semantics::Syntax::Conformance);
  if (!r.ok()) std::abort();  // benchmark inputs are generated here: a failure is a bug in this file
  return r.value();
}

// ALU, spills, fills and masked memory loads, no branches.
std::string straight_line(size_t n) {
  static const char* ops[] = {"add %r0, %r3",         "xor %r3, 7",           "stxdw [%r10-8], %r0",
                              "ldxdw %r4, [%r10-8]",   "add %r3, 3",           "and %r4, 15",
                              "mov %r5, %r1",          "add %r5, %r4",         "ldxb %r6, [%r5+0]",
                              "add %r0, %r6",          "lsh %r3, 1",           "rsh %r3, 1"};
  std::string s = "mov %r0, 0\nmov %r3, 1\n";
  for (size_t i = 2; i + 1 < n; ++i) s += std::string(ops[i % 12]) + "\n";
  return s + "exit\n";
}

// if (x > k) r0 += 1; r0 += x;  repeated: a chain of diamonds.
std::string branchy(size_t n) {
  std::string s = "mov %r0, 0\nldxb %r3, [%r1+0]\n";
  for (size_t i = 0; s.size() < n * 16 && 3 * i + 3 < n; ++i) {
    s += "jgt %r3, " + std::to_string(i % 200) + ", l" + std::to_string(i) + "\nadd %r0, 1\nl" + std::to_string(i) +
         ":\nadd %r0, %r3\n";
  }
  return s + "exit\n";
}

// switch (x) { case i: r0 = y > k ? 2 : 1; r0 += y; spill, fill; return r0; ... }: a case per
// 10 instructions, each joining into a short tail that ends in exit, so every case's tail is
// duplicated (Cfg::duplicate_tails) and its cost per duplication shows.
std::string short_tails(size_t n) {
  std::string s = "mov %r0, 0\nldxb %r3, [%r1+0]\nldxb %r4, [%r1+1]\n";
  for (size_t i = 0; 10 * i + 16 < n; ++i) {
    const std::string k = std::to_string(i);
    s += "jne %r3, " + std::to_string(i % 256) + ", n" + k + "\njgt %r4, " + std::to_string(i % 100) + ", x" + k +
         "\nmov %r0, 1\nja j" + k + "\nx" + k + ":\nmov %r0, 2\nj" + k +
         ":\nadd %r0, %r4\nstxdw [%r10-8], %r0\nldxdw %r0, [%r10-8]\nexit\nn" + k + ":\n";
  }
  return s + "mov %r0, 0\nexit\n";
}

// `loops` sequential counted loops of 16 iterations, each with a nested loop of 8.
std::string loop_heavy(size_t loops) {
  std::string s = "mov %r0, 0\n";
  for (size_t i = 0; i < loops; ++i) {
    const std::string o = "o" + std::to_string(i), in = "i" + std::to_string(i);
    s += "mov %r3, 0\n" + o + ":\nmov %r4, 0\n" + in + ":\nadd %r0, %r4\nmov %r5, %r1\nmov %r6, %r4\nand %r6, 15\n" +
         "add %r5, %r6\nldxb %r7, [%r5+0]\nadd %r0, %r7\nadd %r4, 1\njlt %r4, 8, " + in + "\nadd %r3, 1\njlt %r3, 16, " +
         o + "\n";
  }
  return s + "exit\n";
}

void run(benchmark::State& state, const std::string& text) {
  const std::vector<semantics::Insn> insns = assemble(text);
  auto prog = semantics::validate(insns);
  if (!prog.ok()) std::abort();
  verifier::VerifierInput in;
  in.program = &prog.value();
  in.platform = &verifier::conformance_platform();
  in.program_type = "conformance";
  in.memory_size = 16;
  // Baseline in the same run: validating the program (one linear pass).
  const auto t0 = std::chrono::steady_clock::now();
  int reps = 0;
  do {
    auto v = semantics::validate(insns);
    benchmark::DoNotOptimize(v);
    ++reps;
  } while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(20));
  const double validate_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / reps;
  bool accepted = false;
  double total_ns = 0;
  uint64_t transfers = 0;
  for (auto _ : state) {
    const auto s = std::chrono::steady_clock::now();
    auto r = verifier::verify(in);
    total_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - s).count();
    accepted = r.ok() && r->accepted;
    transfers = r.ok() ? r->stats.transfers : 0;
    benchmark::DoNotOptimize(r);
  }
  const double per_run = total_ns / static_cast<double>(state.iterations());
  state.counters["insns"] = static_cast<double>(prog->size());
  state.counters["ns_per_insn"] = per_run / static_cast<double>(prog->size());
  state.counters["x_validate"] = per_run / validate_ns;
  state.counters["transfers"] = static_cast<double>(transfers);
  state.counters["accepted"] = accepted ? 1 : 0;
}

void BM_StraightLine(benchmark::State& state) { run(state, straight_line(static_cast<size_t>(state.range(0)))); }
void BM_Branchy(benchmark::State& state) { run(state, branchy(static_cast<size_t>(state.range(0)))); }
void BM_ShortTails(benchmark::State& state) { run(state, short_tails(static_cast<size_t>(state.range(0)))); }
void BM_LoopHeavy(benchmark::State& state) { run(state, loop_heavy(static_cast<size_t>(state.range(0)))); }

BENCHMARK(BM_StraightLine)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Branchy)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ShortTails)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoopHeavy)->Arg(1)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
