// The Word primitives: UWord<64> agrees with the uint64_t instantiation on random and edge
// inputs, and UWord<8> agrees exhaustively with hand-written definitions of the SMT-LIB
// signed operations (bvsdiv, bvsrem, bvashr), computed with plain int arithmetic.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "semantics/word.h"

namespace bpfcert::semantics {
namespace {

using W64 = UWord<64>;
using W8 = UWord<8>;

std::vector<uint64_t> sample_inputs() {
  std::vector<uint64_t> v = {0, 1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 127, 128, 255, 0x7fffffff, 0x80000000,
                             0xffffffff, 0x100000000, INT64_MAX, uint64_t{1} << 63, ~uint64_t{0},
                             ~uint64_t{0} - 1, static_cast<uint64_t>(-10), static_cast<uint64_t>(-13)};
  std::mt19937_64 rng(20260601);
  for (int i = 0; i < 400; ++i) {
    const uint64_t x = rng();
    v.push_back(x);
    v.push_back(x >> (x & 63));  // small magnitudes too, so divisions and shifts vary
  }
  return v;
}

TEST(Word, UWord64AgreesWithUint64OnEveryPrimitive) {
  const auto in = sample_inputs();
  size_t pairs = 0;
  for (uint64_t a : in) {
    for (uint64_t b : in) {
      const W64 wa(a), wb(b);
      ASSERT_EQ((wa + wb).v, a + b);
      ASSERT_EQ((wa - wb).v, a - b);
      ASSERT_EQ((wa * wb).v, a * b);
      ASSERT_EQ((wa & wb).v, a & b);
      ASSERT_EQ((wa | wb).v, a | b);
      ASSERT_EQ((wa ^ wb).v, a ^ b);
      ASSERT_EQ((~wa).v, ~a);
      ASSERT_EQ(shl(wa, wb).v, shl(a, b)) << a << " << " << b;
      ASSERT_EQ(lshr(wa, wb).v, lshr(a, b)) << a << " >> " << b;
      ASSERT_EQ(ashr(wa, wb).v, ashr(a, b)) << a << " s>> " << b;
      ASSERT_EQ(udiv(wa, wb).v, udiv(a, b)) << a << " / " << b;
      ASSERT_EQ(urem(wa, wb).v, urem(a, b)) << a << " % " << b;
      ASSERT_EQ(sdiv(wa, wb).v, sdiv(a, b)) << a << " s/ " << b;
      ASSERT_EQ(srem(wa, wb).v, srem(a, b)) << a << " s% " << b;
      ASSERT_EQ(eq(wa, wb), eq(a, b));
      ASSERT_EQ(ult(wa, wb), ult(a, b));
      ASSERT_EQ(ule(wa, wb), ule(a, b));
      ASSERT_EQ(slt(wa, wb), slt(a, b));
      ASSERT_EQ(sle(wa, wb), sle(a, b));
      ASSERT_EQ(ite(ult(a, b), wa, wb).v, ite(ult(a, b), a, b));
      ++pairs;
    }
  }
  EXPECT_EQ(bit_width(W64(0)), bit_width(uint64_t{0}));
  EXPECT_EQ(lit(W64(0), 0x1234).v, lit(uint64_t{0}, 0x1234));
  EXPECT_GT(pairs, 100000u);
}

TEST(Word, Uint64PrimitivesAtTheirCorners) {
  // SMT-LIB: bvudiv x 0 = ~0, bvurem x 0 = x, bvsdiv INT_MIN -1 = INT_MIN, bvsrem INT_MIN -1 = 0.
  const uint64_t kMin = uint64_t{1} << 63, kAll = ~uint64_t{0};
  EXPECT_EQ(udiv(uint64_t{5}, uint64_t{0}), kAll);
  EXPECT_EQ(urem(uint64_t{5}, uint64_t{0}), 5u);
  EXPECT_EQ(sdiv(kMin, kAll), kMin);
  EXPECT_EQ(srem(kMin, kAll), 0u);
  EXPECT_EQ(sdiv(uint64_t{5}, uint64_t{0}), kAll);  // non-negative dividend: -1
  EXPECT_EQ(sdiv(static_cast<uint64_t>(-5), uint64_t{0}), 1u);  // negative dividend: 1
  EXPECT_EQ(srem(static_cast<uint64_t>(-5), uint64_t{0}), static_cast<uint64_t>(-5));
  EXPECT_EQ(sdiv(static_cast<uint64_t>(-13), uint64_t{3}), static_cast<uint64_t>(-4));
  EXPECT_EQ(srem(static_cast<uint64_t>(-13), uint64_t{3}), static_cast<uint64_t>(-1));
  EXPECT_EQ(srem(uint64_t{13}, static_cast<uint64_t>(-3)), 1u);
  EXPECT_EQ(shl(uint64_t{1}, uint64_t{64}), 0u);
  EXPECT_EQ(lshr(kAll, uint64_t{64}), 0u);
  EXPECT_EQ(ashr(kMin, uint64_t{1000}), kAll);
  EXPECT_EQ(ashr(uint64_t{1} << 62, uint64_t{1000}), 0u);
}

// Hand-written SMT-LIB definitions at 8 bits, in int arithmetic (no word.h involved).
int s8(unsigned x) { return x >= 128 ? static_cast<int>(x) - 256 : static_cast<int>(x); }
unsigned u8(int x) { return static_cast<unsigned>(x) & 0xff; }

unsigned ref_sdiv(unsigned a, unsigned b) {
  const int sa = s8(a), sb = s8(b);
  if (sb == 0) return sa < 0 ? 1u : 0xffu;  // bvsdiv by 0: -(~0) or ~0
  return u8(sa / sb);                       // truncating; -128 / -1 = 128 wraps to -128
}
unsigned ref_srem(unsigned a, unsigned b) {
  const int sa = s8(a), sb = s8(b);
  if (sb == 0) return a;
  return u8(sa % sb);  // sign of the dividend
}
unsigned ref_ashr(unsigned a, unsigned b) {
  const int sa = s8(a);
  if (b >= 8) return sa < 0 ? 0xffu : 0u;
  return u8(sa >> b);  // arithmetic in C++20
}

TEST(Word, UWord8SignedOpsExhaustively) {
  for (unsigned a = 0; a < 256; ++a) {
    for (unsigned b = 0; b < 256; ++b) {
      ASSERT_EQ(sdiv(W8(a), W8(b)).v, ref_sdiv(a, b)) << a << " s/ " << b;
      ASSERT_EQ(srem(W8(a), W8(b)).v, ref_srem(a, b)) << a << " s% " << b;
      ASSERT_EQ(ashr(W8(a), W8(b)).v, ref_ashr(a, b)) << a << " s>> " << b;
      ASSERT_EQ(slt(W8(a), W8(b)), s8(a) < s8(b));
      ASSERT_EQ(sle(W8(a), W8(b)), s8(a) <= s8(b));
      ASSERT_EQ(udiv(W8(a), W8(b)).v, b == 0 ? 0xffu : a / b);
      ASSERT_EQ(urem(W8(a), W8(b)).v, b == 0 ? a : a % b);
      ASSERT_EQ(shl(W8(a), W8(b)).v, b >= 8 ? 0u : (a << b) & 0xff);
      ASSERT_EQ(lshr(W8(a), W8(b)).v, b >= 8 ? 0u : a >> b);
    }
  }
}

}  // namespace
}  // namespace bpfcert::semantics
