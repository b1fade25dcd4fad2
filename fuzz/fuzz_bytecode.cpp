// Fuzz target: raw bytecode through decode, disassembly, validation, linking and a run with a
// small step budget. Any bytes must give an error value or a run that ends (r0 or a trap),
// never a crash, a hang or a host access outside the modelled regions (ASan watches those).
// Disassembly of any slots must reassemble to the same bytes. The first byte holds options:
// bit 0 extensions (callx), bit 1 LLVM syntax, bit 2 labels, bit 3 repair (see repair()),
// bit 4 the exact-budget check.
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "interp/environment.h"
#include "interp/helpers.h"
#include "interp/interpreter.h"
#include "interp/link.h"
#include "semantics/assembly.h"
#include "semantics/program.h"

using namespace bpfcert;

// r10 is the host address of the interpreter's stack, which lives in Interpreter::run()'s
// frame; programs may compute with it (jset32 %r10, %r1 decided a loop in one input the
// fuzzer found). ASan's fake stack for use-after-return detection moves that frame from call
// to call, which would make the three runs of the budget check below take different paths.
// With it off, the runs, made from the same frame, see the same r10.
extern "C" const char* __asan_default_options() { return "detect_stack_use_after_return=0"; }

namespace {

// Options bit 3: nudge random slots towards valid programs, so that runs (not only the
// validator's rejections) get explored: registers in range, jump and call targets inside the
// program, and an exit at the end.
void repair(std::vector<semantics::Insn>& insns) {
  insns.push_back(semantics::Insn{0x95, 0, 0, 0, 0});
  const auto n = static_cast<int64_t>(insns.size());
  for (size_t pc = 0; pc < insns.size(); ++pc) {
    semantics::Insn& insn = insns[pc];
    insn.dst %= 11;
    insn.src %= 11;
    const semantics::Encoding* row = semantics::find_encoding(insn.opcode, insn.src, insn.off, insn.imm);
    if (row == nullptr || !semantics::has_branch_target(*row)) continue;
    const bool in_imm = semantics::branch_target_in_imm(*row);
    const int64_t target = ((in_imm ? int64_t{insn.imm} : int64_t{insn.off}) % n + n) % n;
    const int64_t distance = target - static_cast<int64_t>(pc) - 1;
    if (in_imm) {
      insn.imm = static_cast<int32_t>(distance);
    } else if (distance >= INT16_MIN && distance <= INT16_MAX) {
      insn.off = static_cast<int16_t>(distance);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte picks options, the rest is the program.
  const uint8_t options = data[0];
  auto insns = semantics::decode_bytes(std::span(data + 1, size - 1));
  if (!insns.ok()) return 0;
  if (options & 8) repair(*insns);

  const auto bytes = semantics::encode_all(*insns);
  const auto syntax = (options & 2) ? semantics::Syntax::Llvm : semantics::Syntax::Conformance;
  auto again = semantics::assemble(semantics::disassemble(*insns, {syntax, (options & 4) != 0, false}), syntax);
  if (!again.ok() || semantics::encode_all(*again) != bytes) __builtin_trap();

  semantics::ValidationOptions vo;
  vo.allow_extensions = (options & 1) != 0;
  auto prog = semantics::validate(std::move(insns.value()), vo);
  if (!prog.ok()) return 0;

  // Bit 4 asks for the budget check below, which runs the program three times and needs every
  // run to start from the same state at the same addresses (programs may compute with them).
  // The environment is then restored between runs, which a hash map's index does not allow:
  // in that mode there is no hash map.
  const bool check_budget = (options & 16) != 0;
  interp::Environment env;
  interp::add_standard_helpers(env);
  interp::add_test_helpers(env);
  (void)env.add_map({"arr", interp::MapType::Array, 4, 16, 4, 0}, 1);
  if (!check_budget) (void)env.add_map({"hash", interp::MapType::Hash, 4, 8, 4, 0}, 2);
  env.add_variable(1, "var", 16);
  auto linked = interp::link(*prog, env);
  if (!linked.ok()) return 0;

  const std::vector<uint8_t> array0(env.map_at(0).slab().begin(), env.map_at(0).slab().end());
  auto* var = reinterpret_cast<uint8_t*>(*env.variable_address(1));
  const uint64_t clock0 = env.clock_ns, prandom0 = env.prandom_state;
  std::vector<uint8_t> mem(64);
  auto run = [&](uint64_t max_steps) {
    std::copy(array0.begin(), array0.end(), env.map_at(0).slab().begin());
    std::fill(var, var + 16, 0);
    env.clock_ns = clock0;
    env.prandom_state = prandom0;
    env.trace_output.clear();
    for (size_t i = 0; i < mem.size(); ++i) mem[i] = static_cast<uint8_t>(i * 7);
    interp::Interpreter vm(*linked, env);
    interp::RunOptions ro;
    ro.max_steps = max_steps;
    return vm.run(interp::memory_invocation(mem), ro);
  };
  constexpr uint64_t kBudget = 20000;
  const interp::RunResult r = run(kBudget);
  if (r.steps > kBudget || r.steps == 0) __builtin_trap();  // the first instruction always runs
  if (r.trapped && (r.trap.pc >= prog->size() || r.trap.message.empty())) __builtin_trap();
  if (!check_budget || (r.trapped && r.trap.kind == interp::TrapKind::StepBudgetExhausted)) return 0;
  // The budget is exact: a run that ended within it ends the same way with exactly its step
  // count as the budget, and one step less stops it at the instruction it could not pay for.
  const interp::RunResult same = run(r.steps);
  if (same.trapped != r.trapped || same.r0 != r.r0 || same.steps != r.steps ||
      (r.trapped && (same.trap.kind != r.trap.kind || same.trap.pc != r.trap.pc))) {
    __builtin_trap();
  }
  const interp::RunResult short_of_one = run(r.steps - 1);
  if (!short_of_one.trapped || short_of_one.trap.kind != interp::TrapKind::StepBudgetExhausted ||
      short_of_one.steps != r.steps - 1) {
    __builtin_trap();
  }
  return 0;
}
