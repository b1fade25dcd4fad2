// Soundness campaign over tests/support's program generator (shared with the JIT's differential
// tests): thousands of valid random programs using every row of the opcode table, helpers,
// kfuncs, maps, local calls, callx, packet loads and bounded loops. Wherever the verifier
// accepts a program: it must not trap in the checked interpreter on random inputs, its r0 must
// lie in the abstract r0, and the registers at every pc the stepper reaches must lie in the
// invariants. A counterexample becomes a regression case in corpus/verifier/.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <random>

#include "interp/interpreter.h"
#include "interp/link.h"
#include "tests/support/program_generator.h"
#include "tests/verifier/verifier_test_support.h"
#include "verifier/conformance_platform.h"

namespace bpfcert::verifier::testing {
namespace {

// The generator's calling convention as platform data: the conformance platform's helpers and
// maps, with r3 = a read-only context of `context_size` bytes and r4 = its size.
Platform generator_platform(size_t context_size) {
  Platform p = conformance_platform();
  p.name = "generator";
  ProgramType t = p.program_types.front();
  t.name = "generated";
  t.entry = ProgramType::Entry::MemoryAndContext;
  t.context.name = "test context";
  t.context.size = static_cast<uint32_t>(context_size);
  if (context_size > 0) {
    t.context.fields = {{"bytes", 0, static_cast<uint32_t>(context_size), true, false, std::nullopt, true}};
  }
  p.program_types = {t};
  // As the interpreter runs them: the stack zeroed once per run, 512 bytes for every frame.
  p.zeroed_stack = true;
  p.combined_stack_size = 0;
  return p;
}

struct Outcome {
  size_t programs = 0, accepted = 0, traced = 0;
  std::map<std::string, size_t> rejected_by;  // first error's check, for programs without planted traps
  std::map<std::string, std::string> example;
};

void campaign(uint64_t first_seed, size_t count, Outcome& out) {
  for (size_t i = 0; i < count; ++i) {
    const uint64_t seed = first_seed + i;
    test_support::GeneratorOptions opt;
    opt.seed = seed;
    opt.traps = seed % 4 == 0;  // planted traps must all be rejected
    opt.snippets = 8 + seed % 24;
    const test_support::GeneratedProgram g = test_support::generate(opt);
    semantics::ValidationOptions vo;
    vo.allow_extensions = true;
    auto prog = semantics::validate(g.insns, vo);
    ASSERT_TRUE(prog.ok()) << "seed " << seed << ": " << prog.error().to_string();
    const Platform platform = generator_platform(g.context.size());
    VerifierInput in;
    in.program = &prog.value();
    in.platform = &platform;
    in.program_type = "generated";
    in.memory_size = g.memory.size();
    for (const test_support::MapSpec& m : g.maps) {
      in.maps.push_back({m.def.name, static_cast<uint32_t>(m.def.type), m.def.key_size, m.def.value_size,
                         m.def.max_entries, m.fd});
    }
    for (const test_support::VariableSpec& v : g.variables) {
      in.variables.push_back({v.id, v.name, static_cast<uint32_t>(v.size)});
    }
    in.options.collect_invariants = true;
    auto r = verify(in);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ++out.programs;
    if (!r->accepted) {
      if (!g.intended_trap) {
        for (const Finding& f : r->findings) {
          if (f.severity != Severity::Error) continue;
          const std::string check = to_string(f.check);
          ++out.rejected_by[check];
          if (out.rejected_by[check] <= 6) out.example[check] += fmt::format("\n      seed {} pc {}: {}", seed, f.pc, f.message.substr(0, 120));
          break;
        }
      }
      continue;
    }
    ++out.accepted;
    std::mt19937_64 rng(seed);
    for (int run = 0; run < 4; ++run) {
      std::vector<uint8_t> mem = g.memory, ctx = g.context;
      if (run > 0) {
        for (uint8_t& b : mem) b = static_cast<uint8_t>(rng() % 3 == 0 ? rng() % 4 : rng());
        for (uint8_t& b : ctx) b = static_cast<uint8_t>(rng());
      }
      std::vector<uint8_t> mem_for_trace = mem, ctx_for_trace = ctx;
      interp::Environment env;
      auto set = g.setup(env);
      ASSERT_TRUE(set.ok()) << set.error().to_string();
      auto linked = interp::link(prog.value(), env);
      ASSERT_TRUE(linked.ok()) << linked.error().to_string();
      interp::Interpreter vm(*linked, env);
      interp::RunOptions ro;
      // The generator's step budget is a run parameter (one planted trap exhausts it); the
      // verifier proves termination, not a step count, so accepted programs get a large budget.
      ro.max_steps = 50'000'000;
      const interp::RunResult res = vm.run(g.invocation(mem, ctx), ro);
      ASSERT_FALSE(res.trapped) << "seed " << seed << ": accepted program trapped: " << res.trap.to_string() << "\n"
                                << g.listing();
      ASSERT_TRUE(r->exit_r0.has_value()) << "seed " << seed;
      ASSERT_TRUE(domain::scalar_contains<uint64_t>(*r->exit_r0, res.r0))
          << "seed " << seed << ": r0 = " << fmt::format("{:#x}", res.r0) << " outside " << describe(*r->exit_r0)
          << "\n"
          << g.listing();
      alignas(8) uint8_t stack[512] = {};
      std::array<uint64_t, 11> regs{};
      regs[1] = reinterpret_cast<uint64_t>(mem_for_trace.data());
      regs[2] = mem_for_trace.size();
      regs[3] = reinterpret_cast<uint64_t>(ctx_for_trace.data());
      regs[4] = ctx_for_trace.size();
      regs[10] = reinterpret_cast<uint64_t>(stack) + sizeof stack;
      const auto trace = trace_against_invariants(
          prog.value(), *r, regs,
          {{PointerKind::Memory, regs[1], mem_for_trace.size(), true},
           {PointerKind::Context, regs[3], ctx_for_trace.size(), false}},
          stack);
      ASSERT_FALSE(trace) << "seed " << seed << ": " << *trace << "\n" << g.listing();
    }
    ++out.traced;
  }
}

TEST(GeneratedCampaign, AcceptedProgramsNeverTrapAndStayInTheirInvariants) {
  const char* count_env = std::getenv("BPFCERT_SOUNDNESS_PROGRAMS");
  const char* seed_env = std::getenv("BPFCERT_SOUNDNESS_SEED");
  const size_t count = count_env != nullptr ? std::strtoull(count_env, nullptr, 0) : 3000;
  const uint64_t seed = seed_env != nullptr ? std::strtoull(seed_env, nullptr, 0) : 1;
  Outcome out;
  campaign(seed, count, out);
  std::cout << fmt::format("[ campaign ] {} generated programs, {} accepted and run 4 times each\n", out.programs,
                           out.accepted);
  if (std::getenv("BPFCERT_CAMPAIGN_STATS") != nullptr) {
    for (const auto& [check, n] : out.rejected_by) std::cout << fmt::format("  {:6} {}  e.g. {}\n", n, check, out.example[check]);
  }
  // A campaign that accepts nothing proves nothing.
  EXPECT_GT(out.accepted, out.programs / 20);
}

}  // namespace
}  // namespace bpfcert::verifier::testing
