// The differential campaign: thousands of generated programs, each run on the interpreter and
// on the JIT; every observable (r0, trap kind and pc, steps, memory, maps, variables, helper
// state) must agree.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <set>

#include "semantics/assembly.h"
#include "tests/support/differential.h"
#include "tests/support/program_generator.h"

namespace bpfcert::test_support {
namespace {

struct Campaign {
  size_t programs = 0, valid = 0, trapped = 0, steps = 0, insns = 0;
  std::map<interp::TrapKind, size_t> trap_kinds;
  std::set<size_t> rows;
  void print(const char* name) const {
    std::cout << name << ": " << programs << " programs, " << insns / std::max<size_t>(programs, 1)
              << " slots and " << steps / std::max<size_t>(programs, 1) << " steps on average, " << trapped
              << " trapped (";
    for (const auto& [kind, n] : trap_kinds) std::cout << interp::to_string(kind) << " " << n << ", ";
    std::cout << rows.size() << " encodings)\n";
  }
};

// BPFCERT_DIFF_PROGRAMS scales the campaign (e.g. 1000000 for a long soak run).
size_t campaign_size(size_t fallback) {
  const char* v = std::getenv("BPFCERT_DIFF_PROGRAMS");
  return v != nullptr ? static_cast<size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}

void run_campaign(uint64_t first_seed, size_t count, const interp::JitOptions& jit, bool traps, Campaign& c) {
  for (uint64_t seed = first_seed; seed < first_seed + count; ++seed) {
    GeneratorOptions o;
    o.seed = seed;
    o.traps = traps;
    o.snippets = 8 + seed % 40;
    o.subprograms = static_cast<int>(seed % 4);
    const GeneratedProgram p = generate(o);
    const DifferentialOutcome out = run_differential(p, jit);
    ++c.programs;
    ASSERT_TRUE(out.valid) << "the generator made an invalid program:\n" << p.listing();
    ++c.valid;
    if (out.reference.trapped) {
      ++c.trapped;
      ++c.trap_kinds[out.reference.trap.kind];
    }
    c.steps += out.reference.steps;
    c.insns += p.insns.size();
    c.rows.insert(p.rows_used.begin(), p.rows_used.end());
    ASSERT_FALSE(out.diff.has_value()) << *out.diff << localize_divergence(p, jit) << "\n" << p.listing();
  }
}

TEST(Differential, CheckedModeAgreesOnGeneratedPrograms) {
  Campaign c;
  run_campaign(1, campaign_size(4000), {}, true, c);
  c.print("checked");
  // The campaign must have exercised the whole table and every planted trap kind.
  for (const semantics::Encoding& e : semantics::encodings()) {
    // may_goto: the JIT refuses it at compile time (no per-frame budget), so no campaign
    // program holds it; the interpreter's corpus tests cover it.
    if (e.kind == semantics::Kind::WideSlot || e.kind == semantics::Kind::MayGoto) continue;
    EXPECT_TRUE(c.rows.count(semantics::encoding_index(e))) << "encoding never generated: " << e.id;
  }
  for (auto kind : {interp::TrapKind::OutOfBounds, interp::TrapKind::WriteToReadOnly,
                    interp::TrapKind::UnknownHelper, interp::TrapKind::UnknownKfunc,
                    interp::TrapKind::CallDepthExceeded, interp::TrapKind::StepBudgetExhausted,
                    interp::TrapKind::BadCallTarget, interp::TrapKind::HelperFault}) {
    EXPECT_TRUE(c.trap_kinds.count(kind) != 0) << "no program trapped with " << interp::to_string(kind);
  }
  EXPECT_GT(c.trapped, c.programs / 20);
}

TEST(Differential, UncheckedModeAgreesOnProgramsWithoutMemoryTraps) {
  interp::JitOptions jit;
  jit.safety = interp::SafetyMode::Unchecked;
  Campaign c;
  run_campaign(100000'000'000, campaign_size(1500), jit, false, c);
  c.print("unchecked");
  EXPECT_EQ(c.valid, c.programs);
  EXPECT_EQ(c.trapped, 0u) << "generated programs only trap when asked to";
}

TEST(Differential, LoopHeaderCountingAgreesExceptOnSteps) {
  interp::JitOptions jit;
  jit.counting = interp::StepCounting::LoopHeaders;
  Campaign c;
  run_campaign(300000, campaign_size(1500), jit, true, c);
  jit.safety = interp::SafetyMode::Unchecked;
  run_campaign(400000, campaign_size(1500), jit, false, c);
  c.print("loop-header counting");
}

// No counting at all (how a verified program runs): loops are bounded by construction, so every
// run ends, with the interpreter's results.
TEST(Differential, UncountedUncheckedModeAgreesExceptOnSteps) {
  interp::JitOptions jit;
  jit.safety = interp::SafetyMode::Unchecked;
  jit.counting = interp::StepCounting::Off;
  Campaign c;
  run_campaign(700000, campaign_size(1500), jit, false, c);
  c.print("unchecked, uncounted");
  EXPECT_EQ(c.valid, c.programs);
  EXPECT_EQ(c.trapped, 0u);
}

// Both engines run on the same stack (RunOptions::stack), so a program that computes with r10's
// bits gets the same values on both, and the address-independence check, which moves the stack
// too, recognises it. Before, each engine's stack was a buffer of its own: the fuzzer found
// such programs diverging in its sanitizer build, where the two buffers' alignments differ
// (fuzz/corpus/jit_differential/regression-r10-*).
TEST(Differential, ProgramsComputingWithR10CompareAndAreAddressDependent) {
  for (const char* text : {"mov %r0, %r10\nand %r0, 0xfff0\nexit",
                           "mov %r0, 0x10000\narsh32 %r0, %r10\nexit",
                           "stxw [%r1+0], %r10\nmov %r0, 0\nexit"}) {
    auto insns = semantics::assemble_any(text);
    ASSERT_TRUE(insns.ok()) << text;
    const GeneratedProgram p = make_scenario(std::move(insns.value()), std::vector<uint8_t>(8, 0), 1000);
    const DifferentialOutcome same = run_differential(p);
    ASSERT_TRUE(same.valid) << text;
    EXPECT_FALSE(same.diff.has_value()) << text << ": " << *same.diff;
    DifferentialOptions check;
    check.check_address_independence = true;
    EXPECT_TRUE(run_differential(p, check).address_dependent) << text;
  }
}

// The generator's promise: no pointer reaches a result, so runs do not depend on addresses.
TEST(Differential, GeneratedProgramsAreAddressIndependent) {
  DifferentialOptions options;
  options.check_address_independence = true;
  for (uint64_t seed = 500000; seed < 500000 + campaign_size(500); ++seed) {
    GeneratorOptions o;
    o.seed = seed;
    const GeneratedProgram p = generate(o);
    const DifferentialOutcome out = run_differential(p, options);
    ASSERT_TRUE(out.valid) << p.listing();
    ASSERT_FALSE(out.address_dependent) << p.listing();
    ASSERT_FALSE(out.diff.has_value()) << *out.diff << p.listing();
  }
}

// Budgets that run out anywhere, in particular in the middle of a straight-line run that
// stores to memory: the JIT must have done exactly the interpreter's stores and trap at its pc.
TEST(Differential, BudgetExhaustionAnywhere) {
  size_t budget_traps = 0;
  for (uint64_t seed = 600000; seed < 600000 + campaign_size(1500); ++seed) {
    GeneratorOptions o;
    o.seed = seed;
    o.traps = false;
    GeneratedProgram p = generate(o);
    const DifferentialOutcome full = run_differential(p);
    ASSERT_TRUE(full.valid);
    if (full.reference.steps < 2) continue;
    p.max_steps = seed % full.reference.steps;
    for (auto safety : {interp::SafetyMode::Checked, interp::SafetyMode::Unchecked}) {
      interp::JitOptions jit;
      jit.safety = safety;
      const DifferentialOutcome out = run_differential(p, jit);
      ASSERT_TRUE(out.valid);
      budget_traps += out.reference.trapped && out.reference.trap.kind == interp::TrapKind::StepBudgetExhausted;
      ASSERT_FALSE(out.diff.has_value()) << *out.diff << p.listing();
    }
  }
  EXPECT_GT(budget_traps, campaign_size(1500));
}

TEST(Differential, ClShiftFallbackAgrees) {
  interp::JitOptions jit;
  jit.allow_bmi2 = getenv("BMI") == nullptr ? false : true;
  Campaign c;
  GeneratorOptions o;
  for (uint64_t seed = 200000; seed < 201000; ++seed) {
    o.seed = seed;
    o.allow = [](const semantics::Encoding& e) {
      return e.kind != semantics::Kind::Alu ||
             (e.alu_op() == semantics::AluOp::Lsh || e.alu_op() == semantics::AluOp::Rsh ||
              e.alu_op() == semantics::AluOp::Arsh || e.alu_op() == semantics::AluOp::Mov);
    };
    const GeneratedProgram p = generate(o);
    const DifferentialOutcome out = run_differential(p, jit);
    ASSERT_TRUE(out.valid) << p.listing();
    ASSERT_FALSE(out.diff.has_value()) << *out.diff << localize_divergence(p, jit) << "\n" << p.listing();
  }
}

}  // namespace
}  // namespace bpfcert::test_support
