// Tristate numbers (Linux kernel/bpf/tnum.c, CGO'22), written once over a Word so the
// verifier runs them on uint64_t and the SMT checker proves the same code on bit-vectors.
// Every operation takes the width n it works at (64 or 32 on the ISA's 64-bit word; scaled on
// narrower words) and returns a tnum whose bits at and above n are zero. Branch-free: choices
// on values use ite(), so the symbolic instantiation needs no case splits.
#pragma once

#include "semantics/operations.h"
#include "semantics/word.h"

namespace bpfcert::verifier::domain {

using semantics::BoolOf;
using semantics::Word;
// uint64_t has no associated namespace for argument-dependent lookup: make its primitives
// visible here (UWord and the z3 word find theirs by ADL).
using semantics::ashr;
using semantics::bit_width;
using semantics::eq;
using semantics::ite;
using semantics::lit;
using semantics::lshr;
using semantics::sdiv;
using semantics::shl;
using semantics::sle;
using semantics::slt;
using semantics::srem;
using semantics::udiv;
using semantics::ule;
using semantics::ult;
using semantics::urem;

// x is in the tnum iff (x & ~mask) == value; well formed iff value & mask == 0.
template <Word W>
struct Tnum {
  W value;
  W mask;
};

template <Word W>
W ones(W like, unsigned n) {
  return semantics::low_bits_mask(like, n);
}

template <Word W>
W umin_of(W a, W b) {
  return ite(ult(a, b), a, b);
}
template <Word W>
W umax_of(W a, W b) {
  return ite(ult(a, b), b, a);
}
template <Word W>
W smin_of(W a, W b) {
  return ite(slt(a, b), a, b);
}
template <Word W>
W smax_of(W a, W b) {
  return ite(slt(a, b), b, a);
}

template <Word W>
Tnum<W> tnum_ite(BoolOf<W> c, Tnum<W> a, Tnum<W> b) {
  return {ite(c, a.value, b.value), ite(c, a.mask, b.mask)};
}

template <Word W>
Tnum<W> tnum_const(W v) {
  return {v, lit(v, 0)};
}

template <Word W>
Tnum<W> tnum_unknown(W like, unsigned n) {
  return {lit(like, 0), ones(like, n)};
}

template <Word W>
Tnum<W> tnum_cast(Tnum<W> t, unsigned n) {
  return {semantics::zext(t.value, n), semantics::zext(t.mask, n)};
}

template <Word W>
BoolOf<W> tnum_contains(Tnum<W> t, W x) {
  return eq(x & ~t.mask, t.value);
}

template <Word W>
BoolOf<W> tnum_well_formed(Tnum<W> t, unsigned n) {
  const W high = ~ones(t.value, n);
  return eq(t.value & t.mask, lit(t.value, 0)) && eq((t.value | t.mask) & high, lit(t.value, 0));
}

template <Word W>
BoolOf<W> tnum_is_const(Tnum<W> t) {
  return eq(t.mask, lit(t.mask, 0));
}

// Every bit below the highest set bit of x, set: (1 << bit_length(x)) - 1.
template <Word W>
W smear_right(W x) {
  for (unsigned s = 1; s < bit_width(x); s *= 2) x = x | lshr(x, lit(x, s));
  return x;
}

// The smallest tnum holding [lo, hi] (unsigned, lo <= hi).
template <Word W>
Tnum<W> tnum_range(W lo, W hi) {
  const W d = smear_right(lo ^ hi);
  return {lo & ~d, d};
}

template <Word W>
Tnum<W> tnum_add(Tnum<W> a, Tnum<W> b, unsigned n) {
  const W sv = a.value + b.value;
  const W sm = a.mask + b.mask;
  const W sigma = sv + sm;
  const W chi = sigma ^ sv;
  const W mu = chi | a.mask | b.mask;
  return tnum_cast(Tnum<W>{sv & ~mu, mu}, n);
}

template <Word W>
Tnum<W> tnum_sub(Tnum<W> a, Tnum<W> b, unsigned n) {
  const W dv = a.value - b.value;
  const W alpha = dv + a.mask;
  const W beta = dv - b.mask;
  const W chi = alpha ^ beta;
  const W mu = chi | a.mask | b.mask;
  return tnum_cast(Tnum<W>{dv & ~mu, mu}, n);
}

template <Word W>
Tnum<W> tnum_and(Tnum<W> a, Tnum<W> b) {
  const W alpha = a.value | a.mask;
  const W beta = b.value | b.mask;
  const W v = a.value & b.value;
  return {v, alpha & beta & ~v};
}

template <Word W>
Tnum<W> tnum_or(Tnum<W> a, Tnum<W> b) {
  const W v = a.value | b.value;
  const W mu = a.mask | b.mask;
  return {v, mu & ~v};
}

template <Word W>
Tnum<W> tnum_xor(Tnum<W> a, Tnum<W> b) {
  const W v = a.value ^ b.value;
  const W mu = a.mask | b.mask;
  return {v & ~mu, mu};
}

// Shifts by an amount k < n (callers mask the amount as the ISA does).
template <Word W>
Tnum<W> tnum_lshift(Tnum<W> a, W k, unsigned n) {
  return tnum_cast(Tnum<W>{shl(a.value, k), shl(a.mask, k)}, n);
}

template <Word W>
Tnum<W> tnum_rshift(Tnum<W> a, W k) {
  return {lshr(a.value, k), lshr(a.mask, k)};
}

// Arithmetic shift at width n: both fields sign-extended from bit n-1 (an unknown sign bit
// makes every shifted-in bit unknown), shifted, cut back to n bits.
template <Word W>
Tnum<W> tnum_arshift(Tnum<W> a, W k, unsigned n) {
  return tnum_cast(Tnum<W>{ashr(semantics::sext(a.value, n), k), ashr(semantics::sext(a.mask, n), k)}, n);
}

// Multiplication by long multiplication (Linux's 2021 tnum_mul): the exact product of the
// known parts, plus the uncertainty each bit of a contributes. Written as an initial state, a
// step (one bit of a) applied n times and a final combination, so that the prover can prove
// each on its own at any width and conclude by induction (verifier/smt/prover.h, "tnum_mul by
// induction"): the whole loop bit-blasts a multiplier and n tnum additions, which Z3 does not
// finish at 16 bits.
template <Word W>
struct TnumMulState {
  Tnum<W> a;      // the multiplier, shifted right once per step: its low bit is the current one
  Tnum<W> b;      // the multiplicand, shifted left once per step (cut to n bits)
  Tnum<W> acc_m;  // the uncertainty accumulated so far
};

template <Word W>
TnumMulState<W> tnum_mul_init(Tnum<W> a, Tnum<W> b) {
  return {a, b, tnum_const(lit(a.value, 0))};
}

// One bit of a: known 1 adds b's uncertainty (the known part b.value is in the exact product);
// unknown adds 0 or the whole of b, i.e. a tnum holding both, {0, b.value | b.mask}.
template <Word W>
TnumMulState<W> tnum_mul_step(TnumMulState<W> s, unsigned n) {
  const W zero = lit(s.a.value, 0);
  const W one = lit(s.a.value, 1);
  const BoolOf<W> bit_known_one = !eq(s.a.value & one, zero);
  const BoolOf<W> bit_unknown = !eq(s.a.mask & one, zero);
  const Tnum<W> if_one = tnum_add(s.acc_m, Tnum<W>{zero, s.b.mask}, n);
  const Tnum<W> if_unknown = tnum_add(s.acc_m, Tnum<W>{zero, s.b.value | s.b.mask}, n);
  return {tnum_rshift(s.a, one), tnum_lshift(s.b, one, n),
          tnum_ite(bit_known_one, if_one, tnum_ite(bit_unknown, if_unknown, s.acc_m))};
}

// The exact product of the known parts plus the accumulated uncertainty.
template <Word W>
Tnum<W> tnum_mul_finish(W acc_v, Tnum<W> acc_m, unsigned n) {
  return tnum_add(tnum_const(acc_v), acc_m, n);
}

template <Word W>
Tnum<W> tnum_mul(Tnum<W> a, Tnum<W> b, unsigned n) {
  const W acc_v = a.value * b.value;
  TnumMulState<W> s = tnum_mul_init(a, b);
  for (unsigned i = 0; i < n; ++i) s = tnum_mul_step(s, n);
  return tnum_mul_finish(acc_v, s.acc_m, n);
}

// Join: every value of either.
template <Word W>
Tnum<W> tnum_union(Tnum<W> a, Tnum<W> b) {
  const W mu = (a.value ^ b.value) | a.mask | b.mask;
  return {a.value & b.value & ~mu, mu};
}

// Meet: the values of both (meaningful when they are compatible, see tnum_compatible).
template <Word W>
Tnum<W> tnum_intersect(Tnum<W> a, Tnum<W> b) {
  const W v = a.value | b.value;
  const W mu = a.mask & b.mask;
  return {v & ~mu, mu};
}

// Whether some value is in both (no bit known 0 in one and known 1 in the other).
template <Word W>
BoolOf<W> tnum_compatible(Tnum<W> a, Tnum<W> b) {
  return eq((a.value ^ b.value) & ~a.mask & ~b.mask, lit(a.value, 0));
}

// Subset: every value of a is in b.
template <Word W>
BoolOf<W> tnum_subset(Tnum<W> a, Tnum<W> b) {
  return eq(a.mask & ~b.mask, lit(a.mask, 0)) && eq(a.value & ~b.mask, b.value);
}

// A bit permutation (END / BSWAP) maps known bits to known bits: apply it to both fields.
template <Word W>
Tnum<W> tnum_byteswap(Tnum<W> a, unsigned n) {
  return {semantics::byteswap(a.value, n), semantics::byteswap(a.mask, n)};
}

// Sign extension of the low k bits to n bits.
template <Word W>
Tnum<W> tnum_sext(Tnum<W> a, unsigned k, unsigned n) {
  return tnum_cast(Tnum<W>{semantics::sext(a.value, k), semantics::sext(a.mask, k)}, n);
}

}  // namespace bpfcert::verifier::domain
