#include "tests/support/differential.h"

#include <fmt/format.h>

#include <memory>

#include "interp/link.h"

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

}  // namespace

DifferentialOutcome run_differential(const GeneratedProgram& program, const interp::JitOptions& options) {
  DifferentialOutcome outcome;
  semantics::ValidationOptions vopt;
  vopt.allow_extensions = true;
  auto valid = semantics::validate(program.insns, vopt);
  if (!valid.ok()) return outcome;

  Observed seen[2];
  for (int engine = 0; engine < 2; ++engine) {
    interp::Environment env;
    if (!program.setup(env).ok()) return outcome;
    auto linked = interp::link(*valid, env);
    if (!linked.ok()) return outcome;
    std::unique_ptr<interp::Engine> vm;
    if (engine == 0) {
      vm = std::make_unique<interp::Interpreter>(*linked, env);
    } else {
      auto jit = interp::Jit::compile(*linked, env, options);
      if (!jit.ok()) {
        outcome.valid = true;
        outcome.diff = "the JIT refused the program: " + jit.error().to_string();
        return outcome;
      }
      vm = std::move(jit.value());
    }
    Observed& o = seen[engine];
    o.memory = program.memory;
    o.context = program.context;
    interp::RunOptions ropt;
    ropt.max_steps = program.max_steps;
    o.result = vm->run(program.invocation(o.memory, o.context), ropt);
    for (size_t i = 0; i < env.map_count(); ++i) o.maps.push_back(dump_map(env.map_at(i)));
    for (const VariableSpec& v : program.variables) {
      const auto* p = reinterpret_cast<const uint8_t*>(*env.variable_address(v.id));
      o.variables.emplace_back(p, p + v.size);
    }
    o.trace = env.trace_output;
    o.clock = env.clock_ns;
    o.prandom = env.prandom_state;
  }
  outcome.valid = true;
  outcome.reference = seen[0].result;
  const interp::RunResult &a = seen[0].result, &b = seen[1].result;
  std::string diff;
  const bool same_result = a.trapped == b.trapped && a.steps == b.steps &&
                           (a.trapped ? a.trap.kind == b.trap.kind && a.trap.pc == b.trap.pc : a.r0 == b.r0);
  if (!same_result) diff += fmt::format("result: interp {} / jit {}\n", describe(a), describe(b));
  if (seen[0].memory != seen[1].memory) diff += "input memory differs\n";
  if (seen[0].context != seen[1].context) diff += "context differs\n";
  for (size_t i = 0; i < seen[0].maps.size(); ++i) {
    if (seen[0].maps[i] != seen[1].maps[i]) {
      diff += fmt::format("map {} differs: interp {} / jit {}\n", i, seen[0].maps[i], seen[1].maps[i]);
    }
  }
  if (seen[0].variables != seen[1].variables) diff += "variables differ\n";
  if (seen[0].trace != seen[1].trace) {
    diff += fmt::format("trace differs: interp '{}' / jit '{}'\n", seen[0].trace, seen[1].trace);
  }
  if (seen[0].clock != seen[1].clock || seen[0].prandom != seen[1].prandom) diff += "helper state differs\n";
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
