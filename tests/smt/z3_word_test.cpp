// The symbolic word must compute what the concrete one computes: every primitive of the Word
// concept, evaluated by Z3 on constants, against uint64_t and UWord<8> on the same operands
// (boundary values included: 0, 1, -1, INT_MIN, INT_MAX, shift counts at and past the width).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "semantics/operations.h"
#include "verifier/smt/z3_word.h"

namespace bpfcert::verifier::smt {
namespace {

using semantics::UWord;

uint64_t value_of(const Z3Word& w) {
  const z3::expr s = w.e.simplify();
  uint64_t v = 0;
  EXPECT_TRUE(s.is_numeral_u64(v)) << s;
  return v;
}
bool truth_of(const Z3Bool& b) {
  const z3::expr s = b.e.simplify();
  EXPECT_TRUE(s.is_true() || s.is_false()) << s;
  return s.is_true();
}

template <class W>
struct Results {
  std::vector<uint64_t> words;
  std::vector<bool> bools;
};

// Every primitive on (a, b), as numbers, for any Word whose values convert to uint64_t.
template <class W, class ToU, class ToB>
Results<W> apply_all(W a, W b, ToU u, ToB t) {
  using namespace semantics;
  Results<W> r;
  r.words = {u(a + b), u(a - b), u(a * b), u(a & b), u(a | b), u(a ^ b), u(~a), u(shl(a, b)), u(lshr(a, b)),
             u(ashr(a, b)), u(udiv(a, b)), u(urem(a, b)), u(sdiv(a, b)), u(srem(a, b)), u(ite(ult(a, b), a, b)),
             u(lit(a, 0x1234567890abcdefULL))};
  r.bools = {t(eq(a, b)), t(ult(a, b)), t(ule(a, b)), t(slt(a, b)), t(sle(a, b)), t(!eq(a, b) && ult(b, a)),
             t(eq(a, b) || slt(a, b)), t(ult(a, b) == slt(a, b))};
  return r;
}

template <unsigned N>
void expect_agreement(const std::vector<uint64_t>& values) {
  z3::context ctx;
  for (uint64_t x : values) {
    for (uint64_t y : values) {
      using C = std::conditional_t<N == 64, uint64_t, UWord<N>>;
      const C cx = C(x), cy = C(y);
      const auto concrete = apply_all(
          cx, cy, [](C v) { if constexpr (N == 64) return v; else return v.v; }, [](bool v) { return v; });
      const auto symbolic = apply_all(word_val(ctx, x & UWord<N>::kMask, N), word_val(ctx, y & UWord<N>::kMask, N),
                                      value_of, truth_of);
      ASSERT_EQ(concrete.words, symbolic.words) << "width " << N << " x=" << x << " y=" << y;
      ASSERT_EQ(concrete.bools, symbolic.bools) << "width " << N << " x=" << x << " y=" << y;
    }
  }
}

const std::vector<uint64_t> kBoundaries = {0,
                                           1,
                                           2,
                                           7,
                                           8,
                                           63,
                                           64,
                                           65,
                                           0x7f,
                                           0x80,
                                           0xff,
                                           0x7fffffff,
                                           0x80000000,
                                           0xffffffff,
                                           0x100000000ULL,
                                           0x7fffffffffffffffULL,
                                           0x8000000000000000ULL,
                                           0xfffffffffffffffeULL,
                                           0xffffffffffffffffULL};

TEST(Z3Word, PrimitivesAgreeWithUint64) { expect_agreement<64>(kBoundaries); }
TEST(Z3Word, PrimitivesAgreeWithUWord8) { expect_agreement<8>(kBoundaries); }

TEST(Z3Word, SemanticsTemplatesAgreeOnEveryAluOp) {
  // The same template, two instantiations: semantics::alu on uint64_t and on Z3Word.
  z3::context ctx;
  using semantics::AluOp;
  using semantics::Width;
  for (int o = 0; o <= static_cast<int>(AluOp::Bswap); ++o) {
    const auto op = static_cast<AluOp>(o);
    for (Width w : {Width::W32, Width::W64}) {
      for (unsigned ext : {16u, 32u, 64u}) {
        if (op == AluOp::Movsx && ext == 64) continue;
        for (uint64_t x : kBoundaries) {
          for (uint64_t y : {uint64_t{0}, uint64_t{1}, uint64_t{31}, uint64_t{32}, ~uint64_t{0}, uint64_t{0x8000000000000000ULL}}) {
            const uint64_t c = semantics::alu(op, w, x, y, ext);
            const uint64_t s = value_of(semantics::alu(op, w, word_val(ctx, x, 64), word_val(ctx, y, 64), ext));
            ASSERT_EQ(c, s) << "op " << o << " x=" << x << " y=" << y << " ext " << ext;
          }
        }
      }
    }
  }
}

TEST(Z3Word, IteFoldsLiteralConditions) {
  z3::context ctx;
  const Z3Word a = fresh_word(ctx, "a", 64), b = fresh_word(ctx, "b", 64);
  EXPECT_TRUE(z3::eq(ite(Z3Bool{ctx.bool_val(true)}, a, b).e, a.e));
  EXPECT_TRUE(z3::eq(ite(Z3Bool{ctx.bool_val(false)}, a, b).e, b.e));
  EXPECT_FALSE(z3::eq(ite(eq(a, b), a, b).e, a.e));
}

}  // namespace
}  // namespace bpfcert::verifier::smt
