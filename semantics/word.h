// The Word concept: the value type the semantics and the abstract domains are written over.
// uint64_t instantiates it concretely (interpreter, verifier), UWord<N> at small widths
// (exhaustive checks), and a z3 bit-vector wrapper symbolically (verifier/smt).
//
// Primitives are total and follow SMT-LIB bit-vector semantics exactly (bvudiv by 0 is all
// ones, bvurem by 0 is the dividend, bvsdiv INT_MIN/-1 wraps, shifts by >= width give 0 or
// the sign), so a concrete and a symbolic instantiation of the same template agree by
// construction. BPF's own rules (division by zero gives 0, shift masking) are written on top,
// with ite(), in operations.h.
#pragma once

#include <concepts>
#include <cstdint>
#include <utility>

namespace bpfcert::semantics {

// ---- uint64_t: the interpreter's and the verifier's word -------------------------------

constexpr unsigned bit_width(uint64_t) { return 64; }
constexpr uint64_t lit(uint64_t, uint64_t c) { return c; }
constexpr uint64_t shl(uint64_t a, uint64_t b) { return b < 64 ? a << b : 0; }
constexpr uint64_t lshr(uint64_t a, uint64_t b) { return b < 64 ? a >> b : 0; }
constexpr uint64_t ashr(uint64_t a, uint64_t b) {
  return static_cast<uint64_t>(static_cast<int64_t>(a) >> (b < 64 ? b : 63));
}
constexpr uint64_t udiv(uint64_t a, uint64_t b) { return b == 0 ? ~uint64_t{0} : a / b; }
constexpr uint64_t urem(uint64_t a, uint64_t b) { return b == 0 ? a : a % b; }
// bvsdiv / bvsrem through magnitudes in unsigned arithmetic: no host overflow on INT_MIN / -1.
constexpr uint64_t sdiv(uint64_t a, uint64_t b) {
  const bool na = static_cast<int64_t>(a) < 0, nb = static_cast<int64_t>(b) < 0;
  const uint64_t q = udiv(na ? 0 - a : a, nb ? 0 - b : b);
  return na != nb ? 0 - q : q;
}
constexpr uint64_t srem(uint64_t a, uint64_t b) {
  const bool na = static_cast<int64_t>(a) < 0, nb = static_cast<int64_t>(b) < 0;
  const uint64_t r = urem(na ? 0 - a : a, nb ? 0 - b : b);
  return na ? 0 - r : r;
}
constexpr bool eq(uint64_t a, uint64_t b) { return a == b; }
constexpr bool ult(uint64_t a, uint64_t b) { return a < b; }
constexpr bool ule(uint64_t a, uint64_t b) { return a <= b; }
constexpr bool slt(uint64_t a, uint64_t b) { return static_cast<int64_t>(a) < static_cast<int64_t>(b); }
constexpr bool sle(uint64_t a, uint64_t b) { return static_cast<int64_t>(a) <= static_cast<int64_t>(b); }
constexpr uint64_t ite(bool c, uint64_t a, uint64_t b) { return c ? a : b; }

// Fundamental types have no argument-dependent lookup, so the uint64_t primitives above are
// declared before the concept and the templates that use them.
template <class W>
concept Word = requires(W a, W b, uint64_t c) {
  { a + b } -> std::convertible_to<W>;
  { a - b } -> std::convertible_to<W>;
  { a * b } -> std::convertible_to<W>;
  { a & b } -> std::convertible_to<W>;
  { a | b } -> std::convertible_to<W>;
  { a ^ b } -> std::convertible_to<W>;
  { ~a } -> std::convertible_to<W>;
  { bit_width(a) } -> std::convertible_to<unsigned>;
  { lit(a, c) } -> std::convertible_to<W>;  // a constant of a's width (and context)
  { shl(a, b) } -> std::convertible_to<W>;
  { lshr(a, b) } -> std::convertible_to<W>;
  { ashr(a, b) } -> std::convertible_to<W>;
  { udiv(a, b) } -> std::convertible_to<W>;
  { urem(a, b) } -> std::convertible_to<W>;
  { sdiv(a, b) } -> std::convertible_to<W>;
  { srem(a, b) } -> std::convertible_to<W>;
  eq(a, b);
  ult(a, b);
  ule(a, b);
  slt(a, b);
  sle(a, b);
  { ite(eq(a, b), a, b) } -> std::convertible_to<W>;
};

template <class W>
using BoolOf = decltype(eq(std::declval<W>(), std::declval<W>()));

// ---- UWord<N>: an N-bit concrete word (N <= 64) for exhaustive checks at small widths ---

template <unsigned N>
struct UWord {
  static_assert(N >= 2 && N <= 64);
  static constexpr uint64_t kMask = N == 64 ? ~uint64_t{0} : (uint64_t{1} << N) - 1;
  uint64_t v = 0;
  constexpr UWord() = default;
  constexpr explicit UWord(uint64_t x) : v(x & kMask) {}
  constexpr int64_t as_signed() const {
    return static_cast<int64_t>(v << (64 - N)) >> (64 - N);
  }
  friend constexpr UWord operator+(UWord a, UWord b) { return UWord(a.v + b.v); }
  friend constexpr UWord operator-(UWord a, UWord b) { return UWord(a.v - b.v); }
  friend constexpr UWord operator*(UWord a, UWord b) { return UWord(a.v * b.v); }
  friend constexpr UWord operator&(UWord a, UWord b) { return UWord(a.v & b.v); }
  friend constexpr UWord operator|(UWord a, UWord b) { return UWord(a.v | b.v); }
  friend constexpr UWord operator^(UWord a, UWord b) { return UWord(a.v ^ b.v); }
  friend constexpr UWord operator~(UWord a) { return UWord(~a.v); }
  friend constexpr bool operator==(UWord a, UWord b) = default;

  friend constexpr unsigned bit_width(UWord) { return N; }
  friend constexpr UWord lit(UWord, uint64_t c) { return UWord(c); }
  friend constexpr UWord shl(UWord a, UWord b) { return b.v < N ? UWord(a.v << b.v) : UWord(0); }
  friend constexpr UWord lshr(UWord a, UWord b) { return b.v < N ? UWord(a.v >> b.v) : UWord(0); }
  friend constexpr UWord ashr(UWord a, UWord b) {
    return UWord(static_cast<uint64_t>(a.as_signed() >> (b.v < N ? b.v : N - 1)));
  }
  friend constexpr UWord udiv(UWord a, UWord b) { return b.v == 0 ? UWord(kMask) : UWord(a.v / b.v); }
  friend constexpr UWord urem(UWord a, UWord b) { return b.v == 0 ? a : UWord(a.v % b.v); }
  friend constexpr UWord sdiv(UWord a, UWord b) {
    const bool na = a.as_signed() < 0, nb = b.as_signed() < 0;
    const UWord q = udiv(na ? UWord(0) - a : a, nb ? UWord(0) - b : b);
    return na != nb ? UWord(0) - q : q;
  }
  friend constexpr UWord srem(UWord a, UWord b) {
    const bool na = a.as_signed() < 0, nb = b.as_signed() < 0;
    const UWord r = urem(na ? UWord(0) - a : a, nb ? UWord(0) - b : b);
    return na ? UWord(0) - r : r;
  }
  friend constexpr bool eq(UWord a, UWord b) { return a.v == b.v; }
  friend constexpr bool ult(UWord a, UWord b) { return a.v < b.v; }
  friend constexpr bool ule(UWord a, UWord b) { return a.v <= b.v; }
  friend constexpr bool slt(UWord a, UWord b) { return a.as_signed() < b.as_signed(); }
  friend constexpr bool sle(UWord a, UWord b) { return a.as_signed() <= b.as_signed(); }
  friend constexpr UWord ite(bool c, UWord a, UWord b) { return c ? a : b; }
};

static_assert(Word<uint64_t>);
static_assert(Word<UWord<8>>);

}  // namespace bpfcert::semantics
