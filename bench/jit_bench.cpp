// Interpreter vs JIT vs native on the same C sources (bench/programs/*.c): each program is
// compiled to BPF by clang-19 (-target bpf -O2 -mcpu=v3) at build time and natively into this
// binary (host compiler, -O2). Every engine runs in the same process and run, and the table
// printed at the end gives per program: time per run, JIT / native, interpreter / JIT, and
// JIT compile time per BPF instruction. Programs whose BPF object is missing (no clang-19)
// are skipped with a message.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conformance/verifier_input.h"
#include "interp/helpers.h"
#include "interp/interpreter.h"
#include "interp/jit/jit.h"
#include "verifier/analyzer.h"
#include "interp/link.h"
#include "semantics/assembly.h"

extern "C" {
uint64_t prime_count(uint8_t* mem, uint64_t len);
uint64_t copy_words(uint8_t* mem, uint64_t len);
uint64_t compare_strings(uint8_t* mem, uint64_t len);
uint64_t dispatch(uint8_t* mem, uint64_t len);
uint64_t crc32(uint8_t* mem, uint64_t len);
uint64_t insertion_sort(uint8_t* mem, uint64_t len);
uint64_t bytecode_vm(uint8_t* mem, uint64_t len);
uint64_t copy_bytes(uint8_t* mem, uint64_t len);
uint64_t map_lookup(uint8_t* mem, uint64_t len);
#ifdef BPFCERT_BENCH_CLANG_NATIVE
uint64_t clang_prime_count(uint8_t* mem, uint64_t len);
uint64_t clang_copy_words(uint8_t* mem, uint64_t len);
uint64_t clang_compare_strings(uint8_t* mem, uint64_t len);
uint64_t clang_dispatch(uint8_t* mem, uint64_t len);
uint64_t clang_crc32(uint8_t* mem, uint64_t len);
uint64_t clang_insertion_sort(uint8_t* mem, uint64_t len);
uint64_t clang_bytecode_vm(uint8_t* mem, uint64_t len);
uint64_t clang_copy_bytes(uint8_t* mem, uint64_t len);
uint64_t clang_map_lookup(uint8_t* mem, uint64_t len);
#define CLANG_NATIVE(name) clang_##name
#else
#define CLANG_NATIVE(name) nullptr
#endif


// The native build's map lookup: the same map implementation the helper uses.
static bpfcert::interp::Map* g_native_map = nullptr;
void* bench_map_lookup_elem(void* map, const void* key) {
  (void)map;
  return g_native_map->lookup(static_cast<const uint8_t*>(key));
}
}

namespace bpfcert::bench {
namespace {

using NativeFn = uint64_t (*)(uint8_t*, uint64_t);

constexpr int32_t kMapFd = 1;

struct ProgramSpec {
  const char* name;
  NativeFn native;        // host compiler (gcc on Debian)
  NativeFn clang_native;  // clang-19 -O2, when available
  size_t memory_size;
  void (*init)(std::vector<uint8_t>&);
  bool memory_loop = false;  // a loop that loads and stores through moving pointers (issue 15's targets)
};

void fill_pattern(std::vector<uint8_t>& m) {
  uint32_t x = 12345;
  for (auto& b : m) {
    x = x * 1103515245u + 12345u;
    b = static_cast<uint8_t>(x >> 16);
  }
}

const ProgramSpec kPrograms[] = {
    {"prime_count", prime_count, CLANG_NATIVE(prime_count), 8,
     [](std::vector<uint8_t>& m) {
       const uint32_t limit = 20000;
       std::memcpy(m.data(), &limit, 4);
     }},
    {"copy_words", copy_words, CLANG_NATIVE(copy_words), 16384, fill_pattern, true},
    {"copy_bytes", copy_bytes, CLANG_NATIVE(copy_bytes), 16384, fill_pattern, true},
    {"compare_strings", compare_strings, CLANG_NATIVE(compare_strings), 16384,
     [](std::vector<uint8_t>& m) {
       for (size_t i = 0; i < m.size() / 2; ++i) m[i] = m[i + m.size() / 2] = static_cast<uint8_t>('a' + i % 26);
       m[m.size() - 2] = 'z';
     }, true},
    {"dispatch", dispatch, CLANG_NATIVE(dispatch), 8192, fill_pattern},
    {"bytecode_vm", bytecode_vm, CLANG_NATIVE(bytecode_vm), 8192, fill_pattern, true},
    {"insertion_sort", insertion_sort, CLANG_NATIVE(insertion_sort), 8192, fill_pattern, true},
    {"crc32", crc32, CLANG_NATIVE(crc32), 4096, fill_pattern},
    {"map_lookup", map_lookup, CLANG_NATIVE(map_lookup), 2048, fill_pattern},
};

// The BPF program of one benchmark: the entry function's instructions from the object's
// section, with LDDW relocations (map references) turned into "LDDW src 1, map fd".
std::optional<std::vector<semantics::Insn>> load_bpf_object(const std::string& path, const char* function,
                                                            std::string& error) {
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    error = "missing " + path + " (clang-19 not found at build time?)";
    return std::nullopt;
  }
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  std::optional<std::vector<semantics::Insn>> result;
  size_t shstrndx = 0;
  elf_getshdrstrndx(elf, &shstrndx);
  Elf_Scn* symtab = nullptr;
  for (Elf_Scn* s = elf_nextscn(elf, nullptr); s != nullptr; s = elf_nextscn(elf, s)) {
    GElf_Shdr h;
    gelf_getshdr(s, &h);
    if (h.sh_type == SHT_SYMTAB) symtab = s;
  }
  GElf_Sym entry{};
  bool found = false;
  if (symtab != nullptr) {
    GElf_Shdr h;
    gelf_getshdr(symtab, &h);
    Elf_Data* d = elf_getdata(symtab, nullptr);
    for (size_t i = 0; i < h.sh_size / h.sh_entsize; ++i) {
      GElf_Sym sym;
      gelf_getsym(d, static_cast<int>(i), &sym);
      const char* n = elf_strptr(elf, h.sh_link, sym.st_name);
      if (n != nullptr && std::strcmp(n, function) == 0 && GELF_ST_TYPE(sym.st_info) == STT_FUNC) {
        entry = sym;
        found = true;
      }
    }
  }
  if (!found) {
    error = fmt::format("{}: no function {}", path, function);
  } else {
    Elf_Scn* code = elf_getscn(elf, entry.st_shndx);
    Elf_Data* d = elf_getdata(code, nullptr);
    const auto* bytes = static_cast<const uint8_t*>(d->d_buf) + entry.st_value;
    auto insns = semantics::decode_bytes(std::span<const uint8_t>(bytes, entry.st_size));
    if (insns.ok()) {
      result = std::move(insns.value());
      for (Elf_Scn* s = elf_nextscn(elf, nullptr); s != nullptr; s = elf_nextscn(elf, s)) {
        GElf_Shdr h;
        gelf_getshdr(s, &h);
        if (h.sh_type != SHT_REL || h.sh_info != entry.st_shndx) continue;
        Elf_Data* rd = elf_getdata(s, nullptr);
        for (size_t i = 0; i < h.sh_size / h.sh_entsize; ++i) {
          GElf_Rel rel;
          gelf_getrel(rd, static_cast<int>(i), &rel);
          const uint64_t at = rel.r_offset - entry.st_value;
          if (rel.r_offset < entry.st_value || at / 8 >= result->size()) continue;
          semantics::Insn& insn = (*result)[at / 8];
          if (insn.opcode == 0x18) {
            insn.src = 1;  // LDDW src 1: the map whose fd is imm
            insn.imm = kMapFd;
          }
        }
      }
    } else {
      error = insns.error().to_string();
    }
  }
  elf_end(elf);
  close(fd);
  return result;
}

// One program, loaded, linked and compiled once; its engines share the environment.
struct Loaded {
  const ProgramSpec* spec = nullptr;
  std::string error;
  semantics::Program program;
  std::unique_ptr<interp::Environment> env;
  interp::LinkedProgram linked;
  std::unique_ptr<interp::Interpreter> interp;
  std::unique_ptr<interp::Jit> jit, jit_unchecked;
  std::vector<uint8_t> memory;
  uint64_t expected = 0;
  // Whether the verifier accepts the program for this memory and map (conformance platform):
  // only then is the unchecked configuration a legitimate way to run it.
  std::string verdict = "-";
};

// The configuration for verifier-accepted programs, as Linux runs them: no memory checks and no
// step counting (the verifier proved the accesses safe and the loops bounded).
interp::JitOptions verified_program_options() {
  interp::JitOptions options;
  options.safety = interp::SafetyMode::Unchecked;
  options.counting = interp::StepCounting::Off;
  return options;
}

// The verifier's verdict on the conformance platform (r1 = `memory_size` bytes, the map at
// kMapFd), and the permit to run unchecked that comes with an acceptance.
struct Verdict {
  std::string text;
  std::optional<semantics::UncheckedPermit> permit;
};
Verdict verify(const semantics::Program& program, size_t memory_size, const interp::MapDef& map) {
  verifier::VerifierInput in = conformance::conformance_platform_input(program, memory_size);
  in.maps.push_back(conformance::map_descriptor(map, kMapFd));
  auto result = verifier::verify(in);
  if (!result.ok()) return {"error", std::nullopt};
  return {result->accepted ? "accepted" : "rejected", result->unchecked_permit};
}

std::map<std::string, std::unique_ptr<Loaded>>& loaded() {
  static std::map<std::string, std::unique_ptr<Loaded>> all;
  return all;
}

Loaded& load(const ProgramSpec& spec) {
  auto& slot = loaded()[spec.name];
  if (slot) return *slot;
  slot = std::make_unique<Loaded>();
  Loaded& l = *slot;
  l.spec = &spec;
  l.memory.resize(spec.memory_size);
  spec.init(l.memory);
  l.env = std::make_unique<interp::Environment>();
  interp::add_standard_helpers(*l.env);
  interp::MapDef def{"lookup_map", interp::MapType::Array, 4, 8, 64, 0};
  auto index = l.env->add_map(def, kMapFd);
  interp::Map& map = l.env->map_at(*index);
  for (uint32_t k = 0; k < 64; ++k) {
    const uint64_t v = k * 3 + 1;
    map.update(reinterpret_cast<const uint8_t*>(&k), reinterpret_cast<const uint8_t*>(&v), interp::kUpdateAny);
  }
  g_native_map = &map;
  std::vector<uint8_t> scratch = l.memory;
  l.expected = spec.native(scratch.data(), scratch.size());

  auto insns = load_bpf_object(fmt::format("{}/{}.bpf.o", BPFCERT_BENCH_BPF_DIR, spec.name), spec.name, l.error);
  if (!insns) return l;
  auto valid = semantics::validate(std::move(*insns));
  if (!valid.ok()) {
    l.error = valid.error().to_string();
    return l;
  }
  l.program = std::move(valid.value());
  Verdict verdict = verify(l.program, spec.memory_size, def);
  l.verdict = verdict.text;
  auto linked = interp::link(l.program, *l.env);
  if (!linked.ok()) {
    l.error = linked.error().to_string();
    return l;
  }
  l.linked = std::move(linked.value());
  l.interp = std::make_unique<interp::Interpreter>(l.linked, *l.env);
  auto jit = interp::Jit::compile(l.linked, *l.env);
  interp::JitOptions unchecked = verified_program_options();
  // The programs read their lengths from their input, so the verifier (rightly) rejects most of
  // them for unchecked mode; the benchmark still measures what unchecked code costs, on the
  // inputs it builds, whose accesses stay inside by construction (the verdict column says which
  // programs the verifier itself accepts).
  unchecked.permit = verdict.permit ? std::move(verdict.permit)
                                    : semantics::UncheckedPermit::unverified_for_testing(l.program);
  auto jit_u = interp::Jit::compile(l.linked, *l.env, unchecked);
  if (!jit.ok() || !jit_u.ok()) {
    l.error = "JIT compilation failed";
    return l;
  }
  l.jit = std::move(jit.value());
  l.jit_unchecked = std::move(jit_u.value());
  return l;
}

enum class Engine { Native, NativeClang, Interpreter, Jit, JitUnchecked, Compile };
const char* engine_name(Engine e) {
  switch (e) {
    case Engine::Native: return "native";
    case Engine::NativeClang: return "native_clang";
    case Engine::Interpreter: return "interp";
    case Engine::Jit: return "jit";
    case Engine::JitUnchecked: return "jit_unchecked";
    case Engine::Compile: return "jit_compile";
  }
  return "";
}

// Compile-and-free loops: one Jit::compile and the Jit's destruction per iteration.
void measure_compile(benchmark::State& state, const interp::LinkedProgram& linked, interp::Environment& env) {
  for (auto _ : state) benchmark::DoNotOptimize(interp::Jit::compile(linked, env));
  state.counters["insns"] = static_cast<double>(linked.program->size());
}

// A program of the benchmarks written here as assembler text, validated; nullopt (and the
// benchmark skipped with the error) when it is not.
std::optional<semantics::Program> assemble_program(benchmark::State& state, const std::string& text) {
  auto assembled = semantics::assemble_any(text);
  auto prog = assembled.ok() ? semantics::validate(std::move(assembled.value())) : assembled.error();
  if (!prog.ok()) {
    state.SkipWithError(prog.error().to_string().c_str());
    return std::nullopt;
  }
  return std::move(prog.value());
}

void run_benchmark(benchmark::State& state, const ProgramSpec* spec, Engine engine) {
  Loaded& l = load(*spec);
  std::vector<uint8_t> mem = l.memory;
  if (engine == Engine::Native || engine == Engine::NativeClang) {
    const NativeFn fn = engine == Engine::Native ? spec->native : spec->clang_native;
    if (fn == nullptr) {
      state.SkipWithError("clang-19 not found at build time");
      return;
    }
    g_native_map = &l.env->map_at(0);
    std::vector<uint8_t> check = l.memory;
    if (fn(check.data(), check.size()) != l.expected) {
      state.SkipWithError("the native builds disagree");
      return;
    }
    for (auto _ : state) {
      benchmark::DoNotOptimize(fn(mem.data(), mem.size()));
      benchmark::ClobberMemory();
    }
    return;
  }
  if (!l.error.empty()) {
    state.SkipWithError(l.error.c_str());
    return;
  }
  if (engine == Engine::Compile) {
    measure_compile(state, l.linked, *l.env);
    return;
  }
  const interp::Engine& vm = engine == Engine::Interpreter ? static_cast<const interp::Engine&>(*l.interp)
                             : engine == Engine::Jit        ? static_cast<const interp::Engine&>(*l.jit)
                                                            : static_cast<const interp::Engine&>(*l.jit_unchecked);
  const interp::Invocation inv = interp::memory_invocation(mem);
  interp::RunOptions options;
  options.max_steps = ~uint64_t{0} - 1;
  const interp::RunResult first = vm.run(inv, options);
  if (first.trapped || first.r0 != l.expected) {
    state.SkipWithError(fmt::format("{} result {:#x} differs from native {:#x} {}", engine_name(engine), first.r0,
                                    l.expected, first.trapped ? first.trap.to_string() : "")
                            .c_str());
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(vm.run(inv, options).r0);
}

// Compile time on a large program (the benchmark programs are small, so fixed costs such
// as mapping pages dominate them): 256 copies of a 16-instruction block of ALU operations,
// stack and memory accesses, divisions and forward branches.
void compile_large(benchmark::State& state) {
  std::vector<semantics::Insn> insns;
  const std::string block = R"(
    mov %r0, 1
    mov %r2, 7
    add %r0, %r2
    stxdw [%r10-8], %r0
    ldxdw %r3, [%r10-8]
    jgt %r3, 100, +2
    mul %r3, 3
    div %r3, %r2
    ldxb %r4, [%r1+0]
    stxb [%r1+1], %r4
    lsh %r4, %r2
    arsh32 %r4, 3
    jeq %r4, %r3, +1
    mod %r4, 5
    xor %r0, %r4
    be32 %r0
  )";
  std::string text;
  for (int i = 0; i < 64 * 4; ++i) text += block;
  text += "exit\n";
  const auto prog = assemble_program(state, text);
  if (!prog) return;
  interp::Environment env;
  auto linked = interp::link(*prog, env);
  measure_compile(state, *linked, env);
}

// Fixed costs: "mov r0, 0; exit" on a 64-byte input, run on the interpreter and the JIT and
// compiled, so per-run setup (stack, regions, frame) and per-compile setup (assembler, code
// pages) show on their own rather than hidden in the programs' times.
void trivial(benchmark::State& state, Engine engine) {
  const auto prog = assemble_program(state, "mov %r0, 0\nexit\n");
  if (!prog) return;
  interp::Environment env;
  interp::add_standard_helpers(env);
  auto linked = interp::link(*prog, env);
  if (engine == Engine::Compile) {
    measure_compile(state, *linked, env);
    return;
  }
  std::unique_ptr<interp::Engine> vm;
  if (engine == Engine::Interpreter) {
    vm = std::make_unique<interp::Interpreter>(*linked, env);
  } else {
    interp::JitOptions options;
    if (engine == Engine::JitUnchecked) {
      options = verified_program_options();
      options.permit = semantics::UncheckedPermit::unverified_for_testing(*prog);  // "mov r0, 0; exit"
    }
    auto jit = interp::Jit::compile(*linked, env, options);
    if (!jit.ok()) {
      state.SkipWithError(jit.error().to_string().c_str());
      return;
    }
    vm = std::move(jit.value());
  }
  std::vector<uint8_t> mem(64);
  const interp::Invocation inv = interp::memory_invocation(mem);
  const interp::RunOptions options;
  for (auto _ : state) benchmark::DoNotOptimize(vm->run(inv, options).r0);
}

// Collects every run's time, then prints the per-program table with the ratios.
class TableReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      // With --benchmark_repetitions the median is the figure (it is reported after the
      // repetitions, so it replaces them); other aggregates are skipped.
      if (r.error_occurred || (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median")) continue;
      const std::string name = r.run_name.str();
      const auto slash = name.find('/');
      if (slash == std::string::npos) continue;
      const std::string prog = name.substr(0, slash), engine = name.substr(slash + 1);
      times_[prog][engine] = r.GetAdjustedCPUTime();  // CPU time: the machine may be shared
      const auto insns = r.counters.find("insns");
      if (insns != r.counters.end()) insns_[prog] = insns->second.value;
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    auto& out = GetOutputStream();
    out << "\nCPU time per run (ns); /gcc = against the host compiler's build (the issue's baseline), /nat = "
           "against the faster of the gcc and clang builds.\njit = checked mode (any program: every access checked, "
           "the interpreter's exact step budget); jit-unchk = unchecked and uncounted (for verifier-accepted "
           "programs, as Linux runs them)\n";
    out << fmt::format("{:<16} {:>9} {:>9} {:>10} {:>9} {:>9} {:>8} {:>8} {:>9} {:>9} {:>10} {:>8}  {}\n", "program",
                       "gcc", "clang", "interp", "jit", "jit-unchk", "jit/gcc", "jit/nat", "unchk/gcc", "unchk/nat",
                       "interp/jit", "ns/insn", "verifier");
    for (const auto& [prog, t] : times_) {
      auto get = [&](const char* e) { return t.count(e) ? t.at(e) : 0.0; };
      const double gcc = get("native"), clang = get("native_clang");
      const double nat = clang > 0 && (gcc == 0 || clang < gcc) ? clang : gcc;
      const double in = get("interp"), jit = get("jit"), jitu = get("jit_unchecked");
      const double compile = get("jit_compile");
      const double per_insn = insns_.count(prog) && insns_[prog] > 0 ? compile / insns_[prog] : 0;
      auto ratio = [](double a, double b) { return b > 0 && a > 0 ? fmt::format("{:.2f}", a / b) : std::string("-"); };
      const auto l = loaded().find(prog);
      const std::string verdict = l == loaded().end() ? "-" : l->second->verdict;
      out << fmt::format("{:<16} {:>9.0f} {:>9.0f} {:>10.0f} {:>9.0f} {:>9.0f} {:>8} {:>8} {:>9} {:>9} {:>10} "
                         "{:>8.0f}  {}\n",
                         prog, gcc, clang, in, jit, jitu, ratio(jit, gcc), ratio(jit, nat), ratio(jitu, gcc),
                         ratio(jitu, nat), ratio(in, jit), per_insn, verdict);
    }
    // The geometric means over the loops that touch memory, where checked mode pays most.
    double log_jit = 0, log_unchecked = 0;
    int count = 0;
    for (const ProgramSpec& spec : kPrograms) {
      const auto t = times_.find(spec.name);
      if (!spec.memory_loop || t == times_.end()) continue;
      const auto get = [&](const char* e) { return t->second.count(e) ? t->second.at(e) : 0.0; };
      if (get("native") <= 0 || get("jit") <= 0 || get("jit_unchecked") <= 0) continue;
      log_jit += std::log(get("jit") / get("native"));
      log_unchecked += std::log(get("jit_unchecked") / get("native"));
      ++count;
    }
    if (count > 0) {
      out << fmt::format("geomean of the {} memory loops: jit/gcc {:.2f}, unchk/gcc {:.2f}\n", count,
                         std::exp(log_jit / count), std::exp(log_unchecked / count));
    }
  }

 private:
  std::map<std::string, std::map<std::string, double>> times_;
  std::map<std::string, double> insns_;
};

}  // namespace
}  // namespace bpfcert::bench

int main(int argc, char** argv) {
  using namespace bpfcert::bench;
  for (const ProgramSpec& spec : kPrograms) {
    for (Engine e : {Engine::Native, Engine::NativeClang, Engine::Interpreter, Engine::Jit, Engine::JitUnchecked,
                     Engine::Compile}) {
      benchmark::RegisterBenchmark(fmt::format("{}/{}", spec.name, engine_name(e)).c_str(), run_benchmark, &spec, e)
          ->Unit(benchmark::kNanosecond);
    }
  }
  for (Engine e : {Engine::Interpreter, Engine::Jit, Engine::JitUnchecked, Engine::Compile}) {
    benchmark::RegisterBenchmark(fmt::format("trivial/{}", engine_name(e)).c_str(), trivial, e)
        ->Unit(benchmark::kNanosecond);
  }
  benchmark::RegisterBenchmark("large_4097_insns/jit_compile", compile_large)->Unit(benchmark::kNanosecond);
  // The same compile-and-free loops on the mprotect fallback (jit.h, CodeInstall), so the two
  // ways of installing code compare within one run on a busy machine.
  benchmark::RegisterBenchmark("trivial/jit_compile_mprotect", [](benchmark::State& state) {
    bpfcert::interp::jit_force_mprotect(true);
    trivial(state, Engine::Compile);
    bpfcert::interp::jit_force_mprotect(false);
  })->Unit(benchmark::kNanosecond);
  benchmark::RegisterBenchmark("large_4097_insns/jit_compile_mprotect", [](benchmark::State& state) {
    bpfcert::interp::jit_force_mprotect(true);
    compile_large(state);
    bpfcert::interp::jit_force_mprotect(false);
  })->Unit(benchmark::kNanosecond);
  benchmark::Initialize(&argc, argv);
  TableReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
