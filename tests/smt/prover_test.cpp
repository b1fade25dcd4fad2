// The prover is only worth something if it can fail. Each mutant below breaks one operator the
// way such operators have been broken in the field (a tnum add without the carry, an off-by-one
// in a refinement, a missing zero extension, an unguarded signed/unsigned deduction, ...), and
// the prover must refute it; where the counterexample is about a 64-bit instruction, its
// program must replay on the interpreter and show the escaping value. The shipped operators
// are proven at 8 bits here (the quick subset in quick_subset_test.cpp proves them all).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "reports/json_schema.h"
#include "reports/proof_report.h"
#include "verifier/smt/counterexample.h"
#include "verifier/smt/prover.h"

namespace bpfcert::verifier::smt {
namespace {

using semantics::AluOp;
using semantics::JmpOp;
using semantics::Width;

const Operator& op_named(const char* name) {
  const Operator* op = find_operator(name);
  EXPECT_NE(op, nullptr) << name;
  return *op;
}

std::vector<Obligation> obligations_named(const char* op, const std::string& lemma = "") {
  std::vector<Obligation> out;
  for (const Obligation& ob : obligations_of(op_named(op))) {
    if (lemma.empty() || ob.lemma == lemma) out.push_back(ob);
  }
  return out;
}

// Proves the obligations at one width; returns the refuted ones.
std::vector<ObligationResult> refuted(const std::vector<Obligation>& obs, unsigned width, const DomainUnderProof& d) {
  ProverOptions o;
  o.widths = {width};
  o.stop_at_first_failure = false;
  o.timeout_seconds = 120;
  o.jobs = 2;
  std::vector<ObligationResult> out;
  for (const ObligationResult& r : prove_all(obs, o, d)) {
    if (r.refutation() != nullptr) out.push_back(r);
  }
  return out;
}

bool refutes_component(const std::vector<ObligationResult>& rs, Component c) {
  for (const ObligationResult& r : rs) {
    if (r.obligation.component == c) return true;
  }
  return false;
}

// The first refutation of a value component must replay on the interpreter: the program
// assembles, runs, returns the concrete value the model names, and that value escapes.
void expect_replays(const std::vector<ObligationResult>& rs) {
  bool replayed = false;
  for (const ObligationResult& r : rs) {
    const Attempt* a = r.refutation();
    ASSERT_TRUE(a->counterexample.has_value());
    const std::optional<ReplayProgram> p = counterexample_program(r.obligation, *a->counterexample);
    if (!p) continue;
    const ReplayResult res = replay(*p, r.obligation, *a->counterexample);
    EXPECT_TRUE(res.reproduced) << r.obligation.name() << ": " << res.note << "\n" << p->assembly;
    EXPECT_EQ(res.r0, p->expected_r0) << r.obligation.name();
    replayed = true;
  }
  EXPECT_TRUE(replayed) << "no counterexample became a program";
}

// ---- the mutants -------------------------------------------------------------------------------

TEST(ProverMutants, TnumAddWithoutCarryPropagation) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.alu;
  d.alu = [real](AluOp op, Width w, const SymScalar& a, const SymScalar& b, unsigned ext) {
    SymScalar r = real(op, w, a, b, ext);
    if (op == AluOp::Add && w == Width::W64) r.t = {(a.t.value + b.t.value) & ~(a.t.mask | b.t.mask), a.t.mask | b.t.mask};
    return r;
  };
  const auto rs = refuted(obligations_named("add"), 64, d);
  EXPECT_TRUE(refutes_component(rs, Component::Tnum));
  expect_replays(rs);
}

TEST(ProverMutants, JleTakenRefinedAsJlt) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.refine;
  d.refine = [real](JmpOp op, Width w, bool taken, const SymScalar& a, const SymScalar& b) {
    return real(op == JmpOp::Jle && taken ? JmpOp::Jlt : op, w, taken, a, b);
  };
  const auto rs = refuted(obligations_named("jle", "taken"), 64, d);
  EXPECT_TRUE(refutes_component(rs, Component::U64));
  expect_replays(rs);
  EXPECT_TRUE(refuted(obligations_named("jle", "not_taken"), 64, d).empty());  // the other way is intact
}

TEST(ProverMutants, Alu32WithoutZeroExtension) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.alu;
  d.alu = [real](AluOp op, Width w, const SymScalar& a, const SymScalar& b, unsigned ext) {
    if (w != Width::W32) return real(op, w, a, b, ext);
    // The 32-bit result's 64-bit view taken from the 64-bit operation, as if nothing cleared
    // the upper half.
    const SymScalar wide = real(op, Width::W64, a, b, ext), narrow = real(op, w, a, b, ext);
    return domain::from_views(domain::view64(wide), domain::view32(narrow));
  };
  const auto rs = refuted(obligations_named("add32"), 64, d);
  EXPECT_TRUE(refutes_component(rs, Component::U64));
  expect_replays(rs);
}

TEST(ProverMutants, DeductionWithoutTheSignBoundaryCheck) {
  DomainUnderProof d = shipped_domain();
  for (auto& [name, step] : d.sync_steps) {
    if (name != "deduce") continue;
    step = [](const SymScalar& s) {
      // Unsigned bounds read as signed ones even when the range crosses 2^63.
      SymScalar r = s;
      r.smin = domain::smax_of(s.smin, s.umin);
      r.smax = domain::smin_of(s.smax, s.umax);
      return r;
    };
  }
  const auto rs = refuted(obligations_named("sync", "step2.deduce"), 64, d);
  EXPECT_TRUE(refutes_component(rs, Component::S64));
}

TEST(ProverMutants, LeftShiftBoundsWithoutTheOverflowCheck) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.alu;
  d.alu = [real](AluOp op, Width w, const SymScalar& a, const SymScalar& b, unsigned ext) {
    SymScalar r = real(op, w, a, b, ext);
    if (op == AluOp::Lsh && w == Width::W64) {
      r.umin = shl(a.umin, b.umin);
      r.umax = shl(a.umax, b.umax);
    }
    return r;
  };
  const auto rs = refuted(obligations_named("lsh"), 64, d);
  EXPECT_TRUE(refutes_component(rs, Component::U64));
  expect_replays(rs);
}

TEST(ProverMutants, MovsxThatZeroExtends) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.alu;
  d.alu = [real](AluOp op, Width w, const SymScalar& a, const SymScalar& b, unsigned ext) {
    SymScalar r = real(op, w, a, b, ext);
    if (op == AluOp::Movsx && w == Width::W64) {
      r.t = domain::tnum_cast(b.t, semantics::scaled_bits(bit_width(b.umin), ext));
    }
    return r;
  };
  const auto rs = refuted(obligations_named("movsx864"), 64, d);
  EXPECT_TRUE(refutes_component(rs, Component::Tnum));
  expect_replays(rs);
}

TEST(ProverMutants, SignExtendingLoadThatZeroExtends) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.load_result;
  d.load_result = [real](const SymScalar& s, unsigned size, bool) { return real(s, size, false); };
  const auto rs = refuted(obligations_named("ldxsb", "known_value"), 64, d);
  EXPECT_FALSE(rs.empty());
  expect_replays(rs);
}

TEST(ProverMutants, JoinThatKeepsTheFirstTnum) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.join;
  d.join = [real](const SymScalar& a, const SymScalar& b) {
    SymScalar r = real(a, b);
    r.t = a.t;
    return r;
  };
  EXPECT_TRUE(refutes_component(refuted(obligations_named("join"), 64, d), Component::Tnum));
}

TEST(ProverMutants, WideningThatKeepsAGrowingBound) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.widen;
  d.widen = [real](const SymScalar& older, const SymScalar& newer) {
    SymScalar r = real(older, newer);
    r.umax = older.umax;
    return r;
  };
  EXPECT_TRUE(refutes_component(refuted(obligations_named("widen"), 64, d), Component::U64));
}

TEST(ProverMutants, ModuloBoundOffByOne) {
  // Expensive operators are refuted at the widths they are proven at.
  DomainUnderProof d = shipped_domain();
  const auto real = d.alu;
  d.alu = [real](AluOp op, Width w, const SymScalar& a, const SymScalar& b, unsigned ext) {
    SymScalar r = real(op, w, a, b, ext);
    if (op == AluOp::Mod && w == Width::W64) {
      const Z3Word one = lit(a.umin, 1);
      r.umax = ite(ule(b.umin, one), r.umax, domain::umin_of(a.umax, b.umax - one - one));
    }
    return r;
  };
  EXPECT_TRUE(refutes_component(refuted(obligations_named("mod"), 8, d), Component::U64));
}

TEST(ProverMutants, JsetRefinementThatSetsEveryBitOfTheMask) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.refine;
  d.refine = [real](JmpOp op, Width w, bool taken, const SymScalar& a, const SymScalar& b) {
    domain::Refined<Z3Word> r = real(op, w, taken, a, b);
    // "dst & src != 0" read as "every bit of src is set in dst".
    if (op == JmpOp::Jset && taken) r.dst.t = {r.dst.t.value | b.t.value, r.dst.t.mask & ~b.t.value};
    return r;
  };
  const auto rs = refuted(obligations_named("jset", "taken"), 64, d);
  EXPECT_TRUE(refutes_component(rs, Component::Tnum));
  expect_replays(rs);
}

// tnum_mul is proven by induction (prover.h): its step is a lemma of its own at 64 bits. A step
// that, where a's low bit is unknown, adds the tnum {0, b.value} instead of {0, b.value | b.mask}
// forgets that b's unknown bits may be set in the product (the concrete y' may have them).
domain::TnumMulState<Z3Word> step_forgetting_the_mask(const domain::TnumMulState<Z3Word>& s, unsigned n) {
  domain::TnumMulState<Z3Word> r = domain::tnum_mul_step(s, n);
  const Z3Word zero = lit(s.a.value, 0), one = lit(s.a.value, 1);
  const Z3Bool unknown = eq(s.a.value & one, zero) && !eq(s.a.mask & one, zero);
  r.acc_m = domain::tnum_ite(unknown, domain::tnum_add(s.acc_m, domain::Tnum<Z3Word>{zero, s.b.value}, n), r.acc_m);
  return r;
}

TEST(ProverMutants, TnumMulStepThatForgetsTheMaskOfAnUnknownBit) {
  DomainUnderProof d = shipped_domain();
  d.tnum_mul_step = step_forgetting_the_mask;
  for (const char* op : {"mul", "mul32"}) {
    for (unsigned width : {8u, 64u}) {
      const std::vector<ObligationResult> rs = refuted(obligations_named(op, "tnum_mul.step"), width, d);
      EXPECT_TRUE(refutes_component(rs, Component::Tnum)) << op << " at " << width;
      for (const ObligationResult& r : rs) {
        EXPECT_FALSE(counterexample_program(r.obligation, *r.refutation()->counterexample).has_value());
      }
    }
  }
}

// The lemmas are tied to the code the verifier runs: with the broken step above proven in place
// of the shipped one, the statement that the transfer function's tnum is tnum_mul composed of
// the lemmas' pieces is refuted (the verifier still runs the shipped step).
TEST(ProverMutants, TnumMulLemmasOfAStepTheVerifierDoesNotRun) {
  DomainUnderProof d = shipped_domain();
  d.tnum_mul_step = step_forgetting_the_mask;
  EXPECT_TRUE(refutes_component(refuted(obligations_named("mul32", "tnum_mul.transfer"), 8, d), Component::Tnum));
}

// A finish that drops the exact product's known part.
TEST(ProverMutants, TnumMulFinishWithoutTheExactProduct) {
  DomainUnderProof d = shipped_domain();
  d.tnum_mul_finish = [](const Z3Word&, const domain::Tnum<Z3Word>& acc_m, unsigned n) {
    return domain::tnum_cast(acc_m, n);
  };
  EXPECT_TRUE(refutes_component(refuted(obligations_named("mul", "tnum_mul.finish"), 64, d), Component::Tnum));
}

// ---- the shipped operators -------------------------------------------------------------------

TEST(Prover, ShippedOperatorsAreProvenAtEightBits) {
  for (const char* name : {"add", "sub32", "and", "arsh32", "jsgt", "jset32", "ldxsh", "movsx1632", "be16", "join", "widen",
                           "tighten", "sync"}) {
    EXPECT_TRUE(refuted(obligations_of(op_named(name)), 8, shipped_domain()).empty()) << name;
  }
}

TEST(Prover, EveryOperatorHasObligationsForEveryComponent) {
  for (const Operator& op : operators()) {
    const std::vector<Obligation> obs = obligations_of(op);
    ASSERT_FALSE(obs.empty()) << op.name;
    if (op.kind == OperatorKind::Sync) continue;
    for (Component c : {Component::Tnum, Component::U64, Component::S64, Component::U32, Component::S32,
                        Component::WellFormed}) {
      EXPECT_TRUE(std::any_of(obs.begin(), obs.end(), [&](const Obligation& o) { return o.component == c; }))
          << op.name << " " << to_string(c);
    }
  }
  // The reduction: every step of the very list scalar_sync folds over.
  size_t steps = 0;
  for (const Obligation& ob : obligations_of(op_named("sync"))) steps += ob.component == Component::U64;
  EXPECT_EQ(steps, std::size(domain::kSyncSteps<uint64_t>));
  EXPECT_EQ(shipped_domain().sync_steps.size(), std::size(domain::kSyncSteps<uint64_t>));
}

// The symbolic instantiation of the shipped domain computes what the verifier's uint64_t one
// computes, on concrete states: Z3's evaluation of the formulas equals the C++ result.
TEST(Prover, SymbolicDomainAgreesWithTheVerifiersOnConstants) {
  z3::context ctx;
  auto sym = [&](const domain::Scalar<uint64_t>& s) {
    auto w = [&](uint64_t v) { return word_val(ctx, v, 64); };
    return SymScalar{{w(s.t.value), w(s.t.mask)}, w(s.umin),   w(s.umax),   w(s.smin),
                     w(s.smax),                   w(s.u32min), w(s.u32max), w(s.s32min), w(s.s32max)};
  };
  auto num = [](const Z3Word& w) {
    uint64_t v = 0;
    EXPECT_TRUE(w.e.simplify().is_numeral_u64(v));
    return v;
  };
  auto same = [&](const SymScalar& s, const domain::Scalar<uint64_t>& c) {
    return num(s.t.value) == c.t.value && num(s.t.mask) == c.t.mask && num(s.umin) == c.umin && num(s.umax) == c.umax &&
           num(s.smin) == c.smin && num(s.smax) == c.smax && num(s.u32min) == c.u32min && num(s.u32max) == c.u32max &&
           num(s.s32min) == c.s32min && num(s.s32max) == c.s32max;
  };
  const domain::Scalar<uint64_t> a = domain::scalar_join<uint64_t>(domain::scalar_const<uint64_t>(5),
                                                                  domain::scalar_const<uint64_t>(0xfffffffffffffff0ULL));
  const domain::Scalar<uint64_t> b = domain::scalar_join<uint64_t>(domain::scalar_const<uint64_t>(3),
                                                                  domain::scalar_const<uint64_t>(0x80000007ULL));
  const DomainUnderProof d = shipped_domain();
  for (const Operator& op : operators()) {
    if (op.kind == OperatorKind::Alu) {
      EXPECT_TRUE(same(d.alu(op.alu_op, op.width, sym(a), sym(b), op.ext_bits),
                       domain::scalar_alu_unreduced<uint64_t>(op.alu_op, op.width, a, b, op.ext_bits)))
          << op.name;
    } else if (op.kind == OperatorKind::Branch) {
      for (bool taken : {false, true}) {
        const auto s = d.refine(op.jmp_op, op.width, taken, sym(a), sym(b));
        const auto c = domain::scalar_refine_unreduced<uint64_t>(op.jmp_op, op.width, taken, a, b);
        EXPECT_TRUE(same(s.dst, c.dst) && same(s.src, c.src)) << op.name;
      }
    } else if (op.kind == OperatorKind::Load) {
      EXPECT_TRUE(same(d.load_result(sym(a), op.size, op.sign_extend),
                       domain::scalar_load_result_unreduced<uint64_t>(a, op.size, op.sign_extend)))
          << op.name;
    }
  }
  size_t i = 0;
  for (const auto& [name, step] : d.sync_steps) {
    EXPECT_TRUE(same(step(sym(a)), domain::kSyncSteps<uint64_t>[i].step(a))) << name;
    EXPECT_EQ(name, domain::kSyncSteps<uint64_t>[i++].name);
  }
  EXPECT_TRUE(same(d.join(sym(a), sym(b)), domain::scalar_join_unreduced<uint64_t>(a, b)));
  EXPECT_TRUE(same(d.widen(sym(a), sym(b)), domain::scalar_widen<uint64_t>(a, b)));
  EXPECT_TRUE(same(d.tighten(sym(a)).s, domain::scalar_tighten_unreduced<uint64_t>(a).s));
}

// The induction of prover.h: every lemma of tnum_mul, for mul and mul32, is proven at 64 bits.
TEST(Prover, TnumMulIsProvenByInductionAtSixtyFourBits) {
  for (const char* op : {"mul", "mul32"}) {
    size_t lemmas = 0;
    for (const Obligation& ob : obligations_of(op_named(op))) {
      if (!is_tnum_mul_lemma(ob)) continue;
      ++lemmas;
      const Attempt a = prove_at(ob, 64, 120);
      EXPECT_EQ(a.verdict, Verdict::Proven) << ob.name() << " " << a.detail;
    }
    EXPECT_EQ(lemmas, 8u) << op;
  }
}

TEST(Prover, TimeoutsAreReportedAsSuch) {
  // A 64-bit unsigned division bound does not finish in 10 ms: the attempt says timeout, and it
  // is neither a proof nor a counterexample.
  for (const Obligation& ob : obligations_named("div")) {
    if (ob.component != Component::U64) continue;
    const Attempt a = prove_at(ob, 64, 0.01);
    EXPECT_EQ(a.verdict, Verdict::Timeout);
    EXPECT_FALSE(a.counterexample.has_value());
  }
}

}  // namespace
}  // namespace bpfcert::verifier::smt
