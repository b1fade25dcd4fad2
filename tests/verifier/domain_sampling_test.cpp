// Exhaustive-at-8-bits soundness sampling of the scalar domain: abstract inputs are joins of
// random concrete values; every concrete result of every operator must lie in the abstract
// result. The SMT checker (verifier/smt) proves the same statements symbolically; this test
// is the fast, dependency-free guard that runs with every build.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "semantics/operations.h"
#include "verifier/domain/scalar.h"

namespace bpfcert::verifier::domain {
namespace {

using W = semantics::UWord<8>;
using semantics::AluOp;
using semantics::JmpOp;
using semantics::Width;

struct Sampled {
  Scalar<W> abstract;
  std::vector<unsigned> gamma;  // every 8-bit value in the concretisation
};

Sampled sample(std::mt19937_64& rng) {
  const unsigned base = rng() % 256;
  Scalar<W> s = scalar_const(W(base));
  const int k = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < k; ++i) {
    const unsigned v = rng() % 3 == 0 ? rng() % 256 : (base + rng() % 8) % 256;
    s = scalar_join(s, scalar_const(W(v)));
  }
  Sampled out{s, {}};
  for (unsigned v = 0; v < 256; ++v) {
    if (scalar_contains(s, W(v))) out.gamma.push_back(v);
  }
  return out;
}

constexpr AluOp kBinary[] = {AluOp::Add, AluOp::Sub,  AluOp::Mul, AluOp::Div, AluOp::Sdiv, AluOp::Or,  AluOp::And,
                             AluOp::Lsh, AluOp::Rsh,  AluOp::Neg, AluOp::Mod, AluOp::Smod, AluOp::Xor, AluOp::Mov,
                             AluOp::Arsh};
constexpr JmpOp kConditions[] = {JmpOp::Jeq, JmpOp::Jne,  JmpOp::Jgt,  JmpOp::Jge,  JmpOp::Jlt, JmpOp::Jle,
                                 JmpOp::Jset, JmpOp::Jsgt, JmpOp::Jsge, JmpOp::Jslt, JmpOp::Jsle};

TEST(ScalarDomainSampling, JoinContainsItsInputs) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const Sampled a = sample(rng), b = sample(rng);
    const Scalar<W> j = scalar_join(a.abstract, b.abstract);
    for (unsigned x : a.gamma) ASSERT_TRUE(scalar_contains(j, W(x))) << x;
    for (unsigned x : b.gamma) ASSERT_TRUE(scalar_contains(j, W(x))) << x;
    const Scalar<W> w = scalar_widen(a.abstract, b.abstract);
    for (unsigned x : b.gamma) ASSERT_TRUE(scalar_contains(w, W(x))) << x;
    for (unsigned x : a.gamma) ASSERT_TRUE(scalar_contains(w, W(x))) << x;
  }
}

TEST(ScalarDomainSampling, AluOperatorsAreSound) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 1500; ++i) {
    const Sampled a = sample(rng), b = sample(rng);
    for (AluOp op : kBinary) {
      for (Width w : {Width::W64, Width::W32}) {
        const Scalar<W> r = scalar_alu(op, w, a.abstract, b.abstract);
        for (unsigned x : a.gamma) {
          for (unsigned y : b.gamma) {
            const W c = semantics::alu(op, w, W(x), W(y));
            ASSERT_TRUE(scalar_contains(r, c)) << "op " << int(op) << " w" << int(w) << " x=" << x << " y=" << y;
          }
        }
      }
    }
  }
}

TEST(ScalarDomainSampling, UnaryOperatorsAndLoadsAreSound) {
  std::mt19937_64 rng(13);
  for (int i = 0; i < 1500; ++i) {
    const Sampled a = sample(rng);
    for (unsigned bits : {8u, 16u, 32u}) {
      for (Width w : {Width::W64, Width::W32}) {
        if (w == Width::W32 && bits == 32) continue;
        const Scalar<W> r = scalar_alu(AluOp::Movsx, w, a.abstract, a.abstract, bits);
        for (unsigned x : a.gamma) ASSERT_TRUE(scalar_contains(r, semantics::alu(AluOp::Movsx, w, W(0), W(x), bits)));
      }
    }
    for (AluOp op : {AluOp::ToLe, AluOp::ToBe, AluOp::Bswap}) {
      for (unsigned bits : {16u, 32u, 64u}) {
        const Scalar<W> r = scalar_alu(op, Width::W64, a.abstract, a.abstract, bits);
        for (unsigned x : a.gamma) ASSERT_TRUE(scalar_contains(r, semantics::alu(op, Width::W64, W(x), W(0), bits)));
      }
    }
    for (unsigned size : {1u, 2u, 4u, 8u}) {
      for (bool sx : {false, true}) {
        const Scalar<W> known = scalar_load_result(a.abstract, size, sx);
        for (unsigned x : a.gamma) ASSERT_TRUE(scalar_contains(known, semantics::load_result(W(x), size, sx)));
        const Scalar<W> unknown = scalar_unknown_load(W(0), size, sx);
        for (unsigned x = 0; x < 256; ++x) ASSERT_TRUE(scalar_contains(unknown, semantics::load_result(W(x), size, sx)));
      }
    }
  }
}

TEST(ScalarDomainSampling, BranchRefinementKeepsEveryPairThatTakesTheBranch) {
  std::mt19937_64 rng(17);
  for (int i = 0; i < 1500; ++i) {
    const Sampled a = sample(rng), b = sample(rng);
    for (JmpOp op : kConditions) {
      for (Width w : {Width::W64, Width::W32}) {
        for (bool taken : {true, false}) {
          const Refined<W> r = scalar_refine(op, w, taken, a.abstract, b.abstract);
          for (unsigned x : a.gamma) {
            for (unsigned y : b.gamma) {
              if (semantics::jump_taken(op, w, W(x), W(y)) != taken) continue;
              ASSERT_TRUE(r.feasible) << "op " << int(op) << " x=" << x << " y=" << y;
              ASSERT_TRUE(scalar_contains(r.dst, W(x)));
              ASSERT_TRUE(scalar_contains(r.src, W(y)));
            }
          }
        }
      }
    }
  }
}

TEST(ScalarDomainSampling, PreciseOnSimpleCases) {
  // Precision the analyzer relies on (bounds checks after a comparison, masks).
  const Scalar<uint64_t> loaded = scalar_unknown_load(uint64_t{0}, 4, false);
  EXPECT_EQ(loaded.umax, 0xffffffffu);
  const auto below = scalar_refine(JmpOp::Jgt, Width::W64, false, loaded, scalar_const(uint64_t{100}));
  EXPECT_TRUE(below.feasible);
  EXPECT_EQ(below.dst.umax, 100u);
  EXPECT_EQ(below.dst.smax, 100);
  const auto masked = scalar_alu(AluOp::And, Width::W64, loaded, scalar_const(uint64_t{0xff}));
  EXPECT_EQ(masked.umax, 0xffu);
  const auto sum = scalar_alu(AluOp::Add, Width::W64, below.dst, scalar_const(uint64_t{14}));
  EXPECT_EQ(sum.umin, 14u);
  EXPECT_EQ(sum.umax, 114u);
  const auto sx = scalar_unknown_load(uint64_t{0}, 1, true);
  EXPECT_EQ(static_cast<int64_t>(sx.smin), -128);
  EXPECT_EQ(static_cast<int64_t>(sx.smax), 127);
  const auto never = scalar_refine(JmpOp::Jgt, Width::W64, true, below.dst, scalar_const(uint64_t{100}));
  EXPECT_FALSE(never.feasible);
}

}  // namespace
}  // namespace bpfcert::verifier::domain
