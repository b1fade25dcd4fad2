#include "tests/support/differential.h"

#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <memory>
#include <span>

#include "interp/link.h"
#include "tests/support/test_permit.h"

namespace bpfcert::test_support {
namespace {

struct Observed {
  interp::RunResult result;
  std::vector<uint8_t> memory, context;
  std::vector<std::string> maps;  // per map: its entries, printed
  std::vector<std::vector<uint8_t>> variables;
  std::string trace;
  uint64_t clock = 0, prandom = 0;
};

std::string dump_map(const interp::Map& map) {
  std::string out;
  for (const auto& [key, value] : map.entries()) {
    for (uint8_t b : key) out += fmt::format("{:02x}", b);
    out += '=';
    for (uint32_t i = 0; i < map.def().value_size; ++i) out += fmt::format("{:02x}", value[i]);
    out += ' ';
  }
  return out;
}

std::string describe(const interp::RunResult& r) {
  if (r.trapped) return fmt::format("{} (steps {})", r.trap.to_string(), r.steps);
  return fmt::format("r0 = {:#x} (steps {})", r.r0, r.steps);
}

enum class Engine { Interpreter, Jit };

// Where a run's input memory and context live. Layout 0 (the interpreter's and the JIT's runs)
// puts them at the same fixed addresses in both, so programs that compute with r1 or r3 (any
// program may) see identical values; layouts 1 and 2 move them, with other distances and page
// offsets, for the address-independence check.
constexpr uint64_t kArenaHint[3] = {0x6f1000000000ull, 0x5a5a5a5a5000ull, 0x2c3d4e5f6000ull};
// The BPF stack likewise (RunOptions::stack): r10 is the same in both engines' runs, so
// programs that compute with its bits compare as programs that compute with r1 do, and the
// other layouts move it, high bits and low ones (kStackTopOffset: where in its mapping the
// stack's top lies), for the address-independence check.
constexpr uint64_t kStackHint[3] = {0x6e2000000000ull, 0x4b4b4b4b4000ull, 0x3d1e2f3a7000ull};
constexpr size_t kStackTopOffset[3] = {0x2000, 0x27f0, 0x3350};

struct Arena {
  Arena(size_t bytes, uint64_t hint) : size(bytes) {
    void* p = mmap(reinterpret_cast<void*>(hint), bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED) p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    base = p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
  }
  ~Arena() {
    if (base != nullptr) munmap(base, size);
  }
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  uint8_t* base = nullptr;
  size_t size;
};

}  // namespace

namespace {

// One run in a fresh environment, with its buffers placed by `layout`.
std::optional<Observed> observe(Engine engine, int layout, const GeneratedProgram& program,
                                const semantics::Program& valid, const interp::JitOptions& jit_options,
                                std::string& error) {
  // Other layouts also move heap objects relative to each other (map slabs, variables), so a
  // program whose pointer arithmetic wanders from one region into another behaves differently
  // and is recognised as address-dependent.
  std::vector<std::unique_ptr<uint8_t[]>> perturb;
  for (int i = 0; i < layout; ++i) {
    for (size_t size : {24, 40, 56, 72, 96, 136, 200, 1000, 5000, 40, 24}) perturb.push_back(std::make_unique<uint8_t[]>(size));
  }
  interp::Environment env;
  if (!program.setup(env).ok()) return std::nullopt;
  auto linked = interp::link(valid, env);
  if (!linked.ok()) return std::nullopt;
  std::unique_ptr<interp::Engine> vm;
  if (engine == Engine::Jit) {
    auto jit = interp::Jit::compile(*linked, env, with_test_permit(jit_options, valid));
    if (!jit.ok()) {
      error = "the JIT refused the program: " + jit.error().to_string();
      return std::nullopt;
    }
    vm = std::move(jit.value());
  } else {
    vm = std::make_unique<interp::Interpreter>(*linked, env);
  }
  Observed o;
  // Memory and context live in their own mapping, far apart and away from the heap, so an
  // access that strays past one of them does not land in another region by chance.
  const size_t pad = layout == 0 ? 0 : 136 * static_cast<size_t>(layout);
  const size_t page = 4096, span_bytes = std::max(program.memory.size(), program.context.size()) + pad;
  const size_t gap = (span_bytes / page + 4) * page;  // more than a page between the two
  const size_t l = static_cast<size_t>(layout);
  Arena arena((layout == 0 ? 3 : 12) * gap, kArenaHint[layout]);
  if (arena.base == nullptr) return std::nullopt;
  uint8_t* mem_at = arena.base + (layout == 0 ? gap : 2 * gap + l * page) + pad;
  uint8_t* ctx_at = arena.base + (layout == 0 ? 2 * gap : (7 + l) * gap) + pad;
  std::copy(program.memory.begin(), program.memory.end(), mem_at);
  std::copy(program.context.begin(), program.context.end(), ctx_at);
  std::span<uint8_t> mem(mem_at, program.memory.size());
  std::span<uint8_t> ctx(ctx_at, program.context.size());
  interp::Invocation inv = program.invocation(mem, ctx);
  Arena stack_arena(kStackTopOffset[layout] + 4096, kStackHint[layout]);
  if (stack_arena.base == nullptr) return std::nullopt;
  interp::RunOptions ropt;
  ropt.max_steps = program.max_steps;
  ropt.stack = std::span<uint8_t>(stack_arena.base, kStackTopOffset[layout]);
  o.result = vm->run(inv, ropt);
  o.memory.assign(mem.begin(), mem.end());
  o.context.assign(ctx.begin(), ctx.end());
  for (size_t i = 0; i < env.map_count(); ++i) o.maps.push_back(dump_map(env.map_at(i)));
  for (const VariableSpec& v : program.variables) {
    const auto* p = reinterpret_cast<const uint8_t*>(*env.variable_address(v.id));
    o.variables.emplace_back(p, p + v.size);
  }
  o.trace = env.trace_output;
  o.clock = env.clock_ns;
  o.prandom = env.prandom_state;
  return o;
}

std::string compare(const Observed& x, const Observed& y, bool exact_steps) {
  const interp::RunResult &a = x.result, &b = y.result;
  std::string diff;
  const bool same_result = a.trapped == b.trapped && (!exact_steps || a.steps == b.steps) &&
                           (a.trapped ? a.trap.kind == b.trap.kind && a.trap.pc == b.trap.pc : a.r0 == b.r0);
  if (!same_result) diff += fmt::format("result: interp {} / jit {}\n", describe(a), describe(b));
  // Messages name addresses, which differ between runs; compare them with the digits masked.
  auto shape = [](std::string m) {
    for (char& c : m) {
      if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) c = '#';
    }
    return m;
  };
  if (same_result && a.trapped && shape(a.trap.message) != shape(b.trap.message)) {
    diff += fmt::format("trap message: interp '{}' / jit '{}'\n", a.trap.message, b.trap.message);
  }
  if (x.memory != y.memory) diff += "input memory differs\n";
  if (x.context != y.context) diff += "context differs\n";
  for (size_t i = 0; i < x.maps.size() && i < y.maps.size(); ++i) {
    if (x.maps[i] != y.maps[i]) diff += fmt::format("map {} differs: interp {} / jit {}\n", i, x.maps[i], y.maps[i]);
  }
  if (x.variables != y.variables) diff += "variables differ\n";
  if (x.trace != y.trace) diff += fmt::format("trace differs: interp '{}' / jit '{}'\n", x.trace, y.trace);
  if (x.clock != y.clock || x.prandom != y.prandom) diff += "helper state differs\n";
  return diff;
}

}  // namespace

DifferentialOutcome run_differential(const GeneratedProgram& program, const DifferentialOptions& options) {
  DifferentialOutcome outcome;
  semantics::ValidationOptions vopt;
  vopt.allow_extensions = true;
  auto valid = semantics::validate(program.insns, vopt);
  if (!valid.ok()) return outcome;
  std::string error;
  const auto reference = observe(Engine::Interpreter, 0, program, *valid, options.jit, error);
  if (!reference) return outcome;
  outcome.valid = true;
  outcome.reference = reference->result;
  if (options.check_address_independence) {
    for (int layout = 1; layout <= 2; ++layout) {
      const auto shifted = observe(Engine::Interpreter, layout, program, *valid, options.jit, error);
      if (!shifted || !compare(*reference, *shifted, true).empty()) {
        outcome.address_dependent = true;
        return outcome;
      }
    }
  }
  const auto jit = observe(Engine::Jit, 0, program, *valid, options.jit, error);
  if (!jit) {
    outcome.diff = error.empty() ? std::string("the JIT run failed") : error;
    return outcome;
  }
  // With loop-header counting the JIT charges at most what the interpreter counts: a run the
  // interpreter finishes must finish alike (steps aside); where the interpreter ran out of
  // budget, the JIT may have run further, so there is nothing to compare.
  const bool exact = options.jit.counting == interp::StepCounting::Exact;
  if (!exact && reference->result.trapped && reference->result.trap.kind == interp::TrapKind::StepBudgetExhausted) {
    return outcome;
  }
  std::string diff = compare(*reference, *jit, exact);
  if (!diff.empty()) outcome.diff = diff;
  return outcome;
}

std::string localize_divergence(const GeneratedProgram& program, const interp::JitOptions& options) {
  const size_t n = program.insns.size();
  for (size_t cut = 0; cut < n; ++cut) {
    if (program.insns[cut].opcode == 0) continue;  // second LDDW slot
    if (cut > 0 && program.insns[cut - 1].opcode == 0x18) continue;
    for (uint8_t reg = 0; reg < 8; ++reg) {
      GeneratedProgram probe = program;
      // pc cut: ja tail; tail: mov r0, reg; exit
      const int32_t delta = static_cast<int32_t>(n) - static_cast<int32_t>(cut) - 1;
      probe.insns[cut] = semantics::Insn{0x06, 0, 0, 0, delta};  // ja32 (gotol): imm offset
      probe.insns.push_back(semantics::Insn{0xbf, 0, reg, 0, 0});
      probe.insns.push_back(semantics::Insn{0x95, 0, 0, 0, 0});
      const DifferentialOutcome out = run_differential(probe, options);
      // Pointers differ between runs by design; a user-space address is no evidence.
      const uint64_t v = out.reference.r0;
      if (!out.reference.trapped && v >= 0x10000000000ull && v < 0x800000000000ull) continue;
      if (out.valid && out.diff) return fmt::format("before pc {}: r{}: {}", cut, reg, *out.diff);
    }
  }
  return {};
}

}  // namespace bpfcert::test_support
