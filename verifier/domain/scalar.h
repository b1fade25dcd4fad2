// The scalar domain: a tnum and four ranges (u64, s64, u32, s32), the reduction between them,
// ALU transfer functions, branch refinement, join and widening. Written once over a Word
// (see tnum.h): the verifier instantiates it with uint64_t, the SMT checker proves each
// operator sound against semantics::alu() / jump_taken() at full and reduced widths.
//
// On a word of N bits, "64" means N and "32" means N/2. Half-width bounds are stored in the
// full word: u32 bounds zero-extended, s32 bounds sign-extended, so full-width ult / slt order
// them correctly.
//
// Soundness first: where an operator has no precise rule yet, it returns the top of the
// affected component and lets the reduction recover what the tnum and the other ranges know.
#pragma once

#include "semantics/opcode_table.h"
#include "verifier/domain/tnum.h"

namespace bpfcert::verifier::domain {

using semantics::AluOp;
using semantics::JmpOp;
using semantics::Width;

// One view of a scalar at n bits: the tnum and the unsigned and signed ranges of the low n
// bits (unsigned zero-extended, signed sign-extended from bit n-1).
template <Word W>
struct Bounds {
  Tnum<W> t;
  W umin, umax, smin, smax;
};

template <Word W>
struct Scalar {
  Tnum<W> t;          // all N bits
  W umin, umax;       // u64
  W smin, smax;       // s64
  W u32min, u32max;   // low half, unsigned
  W s32min, s32max;   // low half, signed (sign-extended)
};

// ---- limits at n bits ----------------------------------------------------------------------

template <Word W>
W sign_bit(W like, unsigned n) {
  return shl(lit(like, 1), lit(like, n - 1));
}
template <Word W>
W smax_limit(W like, unsigned n) {  // 2^(n-1) - 1
  return sign_bit(like, n) - lit(like, 1);
}
template <Word W>
W smin_limit(W like, unsigned n) {  // -2^(n-1), sign-extended
  return semantics::sext(sign_bit(like, n), n);
}

template <Word W>
Bounds<W> bounds_top(W like, unsigned n) {
  return {tnum_unknown(like, n), lit(like, 0), ones(like, n), smin_limit(like, n), smax_limit(like, n)};
}

template <Word W>
Bounds<W> bounds_const(W v, unsigned n) {
  const W u = semantics::zext(v, n), s = semantics::sext(v, n);
  return {tnum_const(u), u, u, s, s};
}

template <Word W>
unsigned full_bits(W like) {
  return bit_width(like);
}
template <Word W>
unsigned half_bits(W like) {
  return bit_width(like) / 2;
}

// ---- views and assembly ----------------------------------------------------------------------

template <Word W>
Bounds<W> view64(const Scalar<W>& s) {
  return {s.t, s.umin, s.umax, s.smin, s.smax};
}
template <Word W>
Bounds<W> view32(const Scalar<W>& s) {
  return {tnum_cast(s.t, half_bits(s.umin)), s.u32min, s.u32max, s.s32min, s.s32max};
}

template <Word W>
Scalar<W> from_views(const Bounds<W>& b64, const Bounds<W>& b32) {
  const unsigned h = half_bits(b64.umin);
  // The low half of the tnum also learns what the 32-bit view's tnum knows.
  const W low = ones(b64.umin, h);
  const Tnum<W> low_t = tnum_intersect(tnum_cast(b64.t, h), b32.t);
  const Tnum<W> t{(b64.t.value & ~low) | low_t.value, (b64.t.mask & ~low) | low_t.mask};
  return {t, b64.umin, b64.umax, b64.smin, b64.smax, b32.umin, b32.umax, b32.smin, b32.smax};
}

// A 32-bit result zero-extended into the register (every ALU32 op).
template <Word W>
Scalar<W> zext_from32(const Bounds<W>& b32) {
  // u32 range is non-negative as a 64-bit value, so it is also the s64 range.
  return {b32.t, b32.umin, b32.umax, b32.umin, b32.umax, b32.umin, b32.umax, b32.smin, b32.smax};
}

template <Word W>
Scalar<W> scalar_top(W like) {
  const unsigned n = full_bits(like), h = half_bits(like);
  return from_views(bounds_top(like, n), bounds_top(like, h));
}

template <Word W>
Scalar<W> scalar_const(W v) {
  return from_views(bounds_const(v, full_bits(v)), bounds_const(v, half_bits(v)));
}

// ---- concretisation -------------------------------------------------------------------------

template <Word W>
BoolOf<W> bounds_contains(const Bounds<W>& b, W x, unsigned n) {
  const W u = semantics::zext(x, n), s = semantics::sext(x, n);
  return tnum_contains(b.t, u) && ule(b.umin, u) && ule(u, b.umax) && sle(b.smin, s) && sle(s, b.smax);
}

// x is in gamma(s): in the tnum and every range.
template <Word W>
BoolOf<W> scalar_contains(const Scalar<W>& s, W x) {
  return bounds_contains(view64(s), x, full_bits(x)) && bounds_contains(view32(s), x, half_bits(x));
}

template <Word W>
BoolOf<W> bounds_well_formed(const Bounds<W>& b, unsigned n) {
  // Ranges inside the n-bit limits: unsigned ones zero-extended, signed ones sign-extended.
  return tnum_well_formed(b.t, n) && ule(b.umin, b.umax) && sle(b.smin, b.smax) &&
         eq(semantics::zext(b.umax, n), b.umax) && eq(semantics::sext(b.smin, n), b.smin) &&
         eq(semantics::sext(b.smax, n), b.smax);
}

template <Word W>
BoolOf<W> scalar_well_formed(const Scalar<W>& s) {
  return bounds_well_formed(view64(s), full_bits(s.umin)) && bounds_well_formed(view32(s), half_bits(s.umin));
}

// Some value may be in gamma: each range non-empty and the tnum meets the unsigned range.
// (Sound as an emptiness test in one direction only: false means surely empty.)
template <Word W>
BoolOf<W> scalar_maybe_nonempty(const Scalar<W>& s) {
  return ule(s.umin, s.umax) && sle(s.smin, s.smax) && ule(s.u32min, s.u32max) && sle(s.s32min, s.s32max) &&
         ule(s.umin, s.t.value | s.t.mask) && ule(s.t.value, s.umax);
}

// ---- the reduction (Linux reg_bounds_sync) ------------------------------------------------

// Ranges learn from the tnum.
template <Word W>
Bounds<W> bounds_from_tnum(Bounds<W> b, unsigned n) {
  const W sign = sign_bit(b.umin, n);
  b.umin = umax_of(b.umin, b.t.value);
  b.umax = umin_of(b.umax, b.t.value | b.t.mask);
  b.smin = smax_of(b.smin, semantics::sext(b.t.value | (b.t.mask & sign), n));
  b.smax = smin_of(b.smax, semantics::sext(b.t.value | (b.t.mask & ~sign & ones(b.umin, n)), n));
  return b;
}

// Unsigned and signed ranges of one width learn from each other where a range does not
// cross the sign boundary.
template <Word W>
Bounds<W> bounds_deduce(Bounds<W> b, unsigned n) {
  // The unsigned range, read as signed, is a range when it does not cross 2^(n-1).
  const W us_lo = semantics::sext(b.umin, n), us_hi = semantics::sext(b.umax, n);
  const BoolOf<W> u_flat = sle(us_lo, us_hi);
  b.smin = ite(u_flat, smax_of(b.smin, us_lo), b.smin);
  b.smax = ite(u_flat, smin_of(b.smax, us_hi), b.smax);
  // The signed range, read as unsigned, is a range when it does not cross 0.
  const W su_lo = semantics::zext(b.smin, n), su_hi = semantics::zext(b.smax, n);
  const BoolOf<W> s_flat = ule(su_lo, su_hi);
  b.umin = ite(s_flat, umax_of(b.umin, su_lo), b.umin);
  b.umax = ite(s_flat, umin_of(b.umax, su_hi), b.umax);
  return b;
}

// The tnum learns from the unsigned range.
template <Word W>
Bounds<W> bounds_tnum_from_range(Bounds<W> b) {
  b.t = tnum_intersect(b.t, tnum_range(b.umin, b.umax));
  return b;
}

// The reduction is a fixed sequence of steps, each of which keeps gamma unchanged (each is
// proven so on its own by the SMT checker: verifier/smt/prover.cpp proves the steps of this
// very list, and gamma-preserving steps compose). Every operator below is an unreduced
// transfer function followed by scalar_sync.

// 1 and 6. Both views' ranges learn from the tnum.
template <Word W>
Scalar<W> sync_ranges_from_tnum(const Scalar<W>& s) {
  return from_views(bounds_from_tnum(view64(s), full_bits(s.umin)), bounds_from_tnum(view32(s), half_bits(s.umin)));
}

// 2 and 4. Within each width, the unsigned and signed ranges learn from each other.
template <Word W>
Scalar<W> sync_deduce(const Scalar<W>& s) {
  const Bounds<W> b32 = bounds_deduce(view32(s), half_bits(s.umin));
  const Bounds<W> b64 = bounds_deduce(view64(s), full_bits(s.umin));
  return from_views(b64, b32);
}

// 3. Between widths. Splicing the 32-bit bounds under the 64-bit bounds' upper halves is sound
// whatever those halves are: x >= umin and low(x) >= u32min give x >= hi(umin):u32min.
template <Word W>
Scalar<W> sync_between_widths(const Scalar<W>& s) {
  const unsigned h = half_bits(s.umin);
  Bounds<W> b64 = view64(s), b32 = view32(s);
  const W high = ~ones(s.umin, h);
  b64.umin = umax_of(b64.umin, (b64.umin & high) | b32.umin);
  b64.umax = umin_of(b64.umax, (b64.umax & high) | b32.umax);
  b64.smin = smax_of(b64.smin, (b64.smin & high) | semantics::zext(b32.umin, h));
  b64.smax = smin_of(b64.smax, (b64.smax & high) | semantics::zext(b32.umax, h));
  // When the 64-bit range stays within one upper half, its low halves bound the 32-bit view.
  const BoolOf<W> same_upper_u = eq(b64.umin & high, b64.umax & high);
  const W lo_u = semantics::zext(b64.umin, h), hi_u = semantics::zext(b64.umax, h);
  b32.umin = ite(same_upper_u, umax_of(b32.umin, lo_u), b32.umin);
  b32.umax = ite(same_upper_u, umin_of(b32.umax, hi_u), b32.umax);
  const BoolOf<W> same_upper_s = eq(b64.smin & high, b64.smax & high);
  const W lo_s = semantics::zext(b64.smin, h), hi_s = semantics::zext(b64.smax, h);
  b32.umin = ite(same_upper_s, umax_of(b32.umin, lo_s), b32.umin);
  b32.umax = ite(same_upper_s, umin_of(b32.umax, hi_s), b32.umax);
  return from_views(b64, b32);
}

// 5. The tnum learns from the unsigned ranges of both views.
template <Word W>
Scalar<W> sync_tnum_from_ranges(const Scalar<W>& s) {
  return from_views(bounds_tnum_from_range(view64(s)), bounds_tnum_from_range(view32(s)));
}

template <Word W>
using SyncStep = Scalar<W> (*)(const Scalar<W>&);

template <Word W>
struct NamedSyncStep {
  const char* name;
  SyncStep<W> step;
};

// The reduction, in order (Linux reg_bounds_sync, plus the splicing between widths).
template <Word W>
constexpr NamedSyncStep<W> kSyncSteps[] = {
    {"ranges_from_tnum", &sync_ranges_from_tnum<W>}, {"deduce", &sync_deduce<W>},
    {"between_widths", &sync_between_widths<W>},     {"deduce", &sync_deduce<W>},
    {"tnum_from_ranges", &sync_tnum_from_ranges<W>}, {"ranges_from_tnum", &sync_ranges_from_tnum<W>},
};

template <Word W>
Scalar<W> scalar_sync(const Scalar<W>& in) {
  Scalar<W> s = in;
  for (const NamedSyncStep<W>& step : kSyncSteps<W>) s = step.step(s);
  return s;
}

// ---- transfer functions at n bits ------------------------------------------------------------

namespace detail {

// Unsigned [a.umin + b.umin, a.umax + b.umax] survives when both ends wrap or neither does.
template <Word W>
void add_ranges(const Bounds<W>& a, const Bounds<W>& b, unsigned n, Bounds<W>& r) {
  const Bounds<W> top = bounds_top(a.umin, n);
  const W lo = semantics::zext(a.umin + b.umin, n), hi = semantics::zext(a.umax + b.umax, n);
  const BoolOf<W> wrap_lo = ult(lo, a.umin), wrap_hi = ult(hi, a.umax);
  const BoolOf<W> u_ok = wrap_lo == wrap_hi;
  r.umin = ite(u_ok, lo, top.umin);
  r.umax = ite(u_ok, hi, top.umax);
  // Signed: no end may overflow. s = wrapped sum; it overflowed iff (s < a) != (b < 0).
  const W zero = lit(a.umin, 0);
  const W slo = semantics::sext(a.smin + b.smin, n), shi = semantics::sext(a.smax + b.smax, n);
  const BoolOf<W> ov_lo = slt(slo, a.smin) != slt(b.smin, zero);
  const BoolOf<W> ov_hi = slt(shi, a.smax) != slt(b.smax, zero);
  const BoolOf<W> s_ok = !(ov_lo || ov_hi);
  r.smin = ite(s_ok, slo, top.smin);
  r.smax = ite(s_ok, shi, top.smax);
}

template <Word W>
void sub_ranges(const Bounds<W>& a, const Bounds<W>& b, unsigned n, Bounds<W>& r) {
  const Bounds<W> top = bounds_top(a.umin, n);
  const W lo = semantics::zext(a.umin - b.umax, n), hi = semantics::zext(a.umax - b.umin, n);
  const BoolOf<W> borrow_lo = ult(a.umin, b.umax), borrow_hi = ult(a.umax, b.umin);
  const BoolOf<W> u_ok = borrow_lo == borrow_hi;
  r.umin = ite(u_ok, lo, top.umin);
  r.umax = ite(u_ok, hi, top.umax);
  // s = a - b wrapped; it overflowed iff (s < a) != (b > 0).
  const W zero = lit(a.umin, 0);
  const W slo = semantics::sext(a.smin - b.smax, n), shi = semantics::sext(a.smax - b.smin, n);
  const BoolOf<W> ov_lo = slt(slo, a.smin) != slt(zero, b.smax);
  const BoolOf<W> ov_hi = slt(shi, a.smax) != slt(zero, b.smin);
  const BoolOf<W> s_ok = !(ov_lo || ov_hi);
  r.smin = ite(s_ok, slo, top.smin);
  r.smax = ite(s_ok, shi, top.smax);
}

// Unsigned product range when the largest product does not wrap at n bits.
template <Word W>
void mul_ranges(const Bounds<W>& a, const Bounds<W>& b, unsigned n, Bounds<W>& r) {
  const Bounds<W> top = bounds_top(a.umin, n);
  const W zero = lit(a.umin, 0);
  const W limit = ones(a.umin, n);
  // a.umax * b.umax <= limit  <=>  b.umax == 0 || a.umax <= limit / b.umax
  const BoolOf<W> fits = eq(b.umax, zero) || ule(a.umax, udiv(limit, b.umax));
  r.umin = ite(fits, a.umin * b.umin, top.umin);
  r.umax = ite(fits, a.umax * b.umax, top.umax);
  r.smin = top.smin;  // the reduction derives the signed range when the product is small
  r.smax = top.smax;
}

// Amount range of a shift by b at n bits: the ISA masks the amount with n - 1.
template <Word W>
struct AmountRange {
  W lo, hi;
};
template <Word W>
AmountRange<W> shift_amounts(const Bounds<W>& b, unsigned n) {
  const W max_amount = lit(b.umin, n - 1);
  const BoolOf<W> in_range = ule(b.umax, max_amount);
  return {ite(in_range, b.umin, lit(b.umin, 0)), ite(in_range, b.umax, max_amount)};
}

}  // namespace detail

// Result of `a op b` at n bits, for the binary ALU ops (operands' bounds at n bits).
template <Word W>
Bounds<W> bounds_binary(AluOp op, const Bounds<W>& a, const Bounds<W>& b, unsigned n) {
  const W like = a.umin;
  const W zero = lit(like, 0);
  Bounds<W> r = bounds_top(like, n);
  switch (op) {
    case AluOp::Add:
      r.t = tnum_add(a.t, b.t, n);
      detail::add_ranges(a, b, n, r);
      break;
    case AluOp::Sub:
      r.t = tnum_sub(a.t, b.t, n);
      detail::sub_ranges(a, b, n, r);
      break;
    case AluOp::Mul:
      r.t = tnum_mul(a.t, b.t, n);
      detail::mul_ranges(a, b, n, r);
      break;
    case AluOp::And:
      r.t = tnum_and(a.t, b.t);
      r.umin = r.t.value;  // every result bit known 1 is set
      r.umax = umin_of(a.umax, b.umax);
      break;
    case AluOp::Or:
      r.t = tnum_or(a.t, b.t);
      r.umin = umax_of(a.umin, b.umin);
      r.umax = r.t.value | r.t.mask;
      break;
    case AluOp::Xor:
      r.t = tnum_xor(a.t, b.t);
      r.umin = r.t.value;
      r.umax = r.t.value | r.t.mask;
      break;
    case AluOp::Lsh: {
      const auto [lo, hi] = detail::shift_amounts(b, n);
      // tnum: exact when the amount is known.
      r.t = tnum_ite(tnum_is_const(b.t), tnum_lshift(a.t, b.t.value & lit(like, n - 1), n), tnum_unknown(like, n));
      // unsigned: monotone when the largest value shifted by the largest amount does not wrap.
      const BoolOf<W> fits = ule(a.umax, lshr(ones(like, n), hi));
      r.umin = ite(fits, shl(a.umin, lo), zero);
      r.umax = ite(fits, shl(a.umax, hi), ones(like, n));
      break;
    }
    case AluOp::Rsh: {
      const auto [lo, hi] = detail::shift_amounts(b, n);
      r.t = tnum_ite(tnum_is_const(b.t), tnum_rshift(a.t, b.t.value & lit(like, n - 1)), tnum_unknown(like, n));
      r.umin = lshr(a.umin, hi);
      r.umax = lshr(a.umax, lo);
      break;
    }
    case AluOp::Arsh: {
      const auto [lo, hi] = detail::shift_amounts(b, n);
      r.t = tnum_ite(tnum_is_const(b.t), tnum_arshift(a.t, b.t.value & lit(like, n - 1), n),
                     tnum_unknown(like, n));
      // x >> k moves toward 0 (x >= 0) or -1 (x < 0) as k grows.
      r.smin = ite(slt(a.smin, zero), ashr(a.smin, lo), ashr(a.smin, hi));
      r.smax = ite(slt(a.smax, zero), ashr(a.smax, hi), ashr(a.smax, lo));
      break;
    }
    case AluOp::Div: {
      // x / 0 = 0 and x / y <= x.
      const BoolOf<W> may_be_zero = eq(b.umin, zero);
      r.umin = ite(may_be_zero, zero, udiv(a.umin, b.umax));
      r.umax = ite(may_be_zero, a.umax, udiv(a.umax, b.umin));
      break;
    }
    case AluOp::Mod: {
      // x % 0 = x; x % y < y and x % y <= x; x % y = x when x < y.
      const BoolOf<W> may_be_zero = eq(b.umin, zero);
      const BoolOf<W> identity = ult(a.umax, b.umin);
      r.umin = ite(identity, a.umin, zero);
      r.umax = ite(identity || may_be_zero, a.umax, umin_of(a.umax, b.umax - lit(like, 1)));
      break;
    }
    case AluOp::Sdiv:
    case AluOp::Smod:
      break;  // top; the signed division rules are future precision work
    case AluOp::Mov:
      r = b;
      break;
    case AluOp::Neg:
    case AluOp::Movsx:
    case AluOp::ToLe:
    case AluOp::ToBe:
    case AluOp::Bswap:
      break;  // unary: see scalar_alu
  }
  return r;
}

// Whether the low n/2 bits of the n-bit result are the n/2-bit op on the low halves; then
// the 32-bit view of a 64-bit op is computed exactly instead of recovered by the reduction.
inline bool low_half_is_op_on_halves(AluOp op) {
  return op == AluOp::Add || op == AluOp::Sub || op == AluOp::Mul || op == AluOp::And || op == AluOp::Or ||
         op == AluOp::Xor || op == AluOp::Mov;
}

// The signed ranges of a value sign-extended from k bits: [-2^(k-1), 2^(k-1) - 1].
template <Word W>
void set_signed_limits(Scalar<W>& r, unsigned k) {
  const W like = r.umin;
  r.smin = smax_of(r.smin, smin_limit(like, k));
  r.smax = smin_of(r.smax, smax_limit(like, k));
  if (k <= half_bits(like)) {
    r.s32min = smax_of(r.s32min, smin_limit(like, k));
    r.s32max = smin_of(r.s32max, smax_limit(like, k));
  }
}

template <Word W>
Scalar<W> scalar_ite(BoolOf<W> c, const Scalar<W>& a, const Scalar<W>& b) {
  return {tnum_ite(c, a.t, b.t),        ite(c, a.umin, b.umin),     ite(c, a.umax, b.umax),
          ite(c, a.smin, b.smin),       ite(c, a.smax, b.smax),     ite(c, a.u32min, b.u32min),
          ite(c, a.u32max, b.u32max),   ite(c, a.s32min, b.s32min), ite(c, a.s32max, b.s32max)};
}

// The low k bits of s (k < N), zero- or sign-extended to the whole word: loads of a known
// value, MOVSX, truncating END. A value that already fits k bits is unchanged; the low half
// keeps its 32-bit view, and its 64-bit view is that view extended.
template <Word W>
Scalar<W> scalar_extend_low_unreduced(const Scalar<W>& s, unsigned k, bool sign_extend) {
  const W like = s.umin;
  const unsigned n = full_bits(like), h = half_bits(like);
  Scalar<W> r = scalar_top(like);
  r.t = sign_extend ? tnum_sext(s.t, k, n) : tnum_cast(s.t, k);
  if (sign_extend) set_signed_limits(r, k);
  if (k == h) {
    r.u32min = s.u32min;
    r.u32max = s.u32max;
    r.s32min = s.s32min;
    r.s32max = s.s32max;
    if (sign_extend) {
      r.smin = s.s32min;  // stored sign-extended: the 64-bit values of the extension
      r.smax = s.s32max;
    } else {
      r.umin = r.smin = s.u32min;  // zero-extended, so also non-negative
      r.umax = r.smax = s.u32max;
    }
  }
  if (!sign_extend) {  // the low bits of x are at most x, in both views
    r.umax = umin_of(r.umax, s.umax);
    if (k < h) r.u32max = umin_of(r.u32max, s.u32max);
  }
  const BoolOf<W> fits = sign_extend ? sle(smin_limit(like, k), s.smin) && sle(s.smax, smax_limit(like, k))
                                     : ule(s.umax, ones(like, k));
  return scalar_ite(fits, s, r);
}

// The abstract counterpart of semantics::alu(op, width, dst, src, ext_bits), before the
// reduction (scalar_alu reduces it).
template <Word W>
Scalar<W> scalar_alu_unreduced(AluOp op, Width width, const Scalar<W>& dst, const Scalar<W>& src,
                               unsigned ext_bits = 0) {
  const W like = dst.umin;
  const unsigned n = full_bits(like), h = half_bits(like);
  const unsigned k = semantics::scaled_bits(n, ext_bits);
  switch (op) {
    case AluOp::Neg:
      return scalar_alu_unreduced(AluOp::Sub, width, scalar_const(lit(like, 0)), dst);
    case AluOp::ToLe:  // truncation to k bits (le64: the identity)
      return k >= n ? dst : scalar_extend_low_unreduced(dst, k, false);
    case AluOp::ToBe:
    case AluOp::Bswap: {
      Scalar<W> r = scalar_top(like);
      r.t = tnum_byteswap(dst.t, k);
      return r;
    }
    case AluOp::Movsx: {
      if (width == Width::W64) return scalar_extend_low_unreduced(src, k, true);
      Bounds<W> b32 = bounds_top(like, h);
      b32.t = tnum_sext(src.t, k, h);
      b32.smin = smin_limit(like, k);
      b32.smax = smax_limit(like, k);
      return zext_from32(b32);
    }
    default: break;
  }
  if (width == Width::W64) {
    const Bounds<W> r64 = bounds_binary(op, view64(dst), view64(src), n);
    const Bounds<W> r32 = low_half_is_op_on_halves(op) ? bounds_binary(op, view32(dst), view32(src), h)
                                                        : bounds_top(like, h);
    return from_views(r64, r32);
  }
  return zext_from32(bounds_binary(op, view32(dst), view32(src), h));
}

template <Word W>
Scalar<W> scalar_alu(AluOp op, Width width, const Scalar<W>& dst, const Scalar<W>& src, unsigned ext_bits = 0) {
  return scalar_sync(scalar_alu_unreduced(op, width, dst, src, ext_bits));
}

// A value loaded from memory that the verifier knows nothing about: `size` bytes, zero- or
// sign-extended (the abstract counterpart of semantics::load_result on an unknown input).
template <Word W>
Scalar<W> scalar_unknown_load_unreduced(W like, unsigned size, bool sign_extend) {
  const unsigned n = full_bits(like);
  const unsigned k = semantics::scaled_bits(n, size * 8);
  Scalar<W> r = scalar_top(like);
  r.t = sign_extend ? tnum_sext(tnum_unknown(like, k), k, n) : tnum_unknown(like, k);
  if (sign_extend) set_signed_limits(r, k);
  return r;
}

template <Word W>
Scalar<W> scalar_unknown_load(W like, unsigned size, bool sign_extend) {
  return scalar_sync(scalar_unknown_load_unreduced(like, size, sign_extend));
}

// Abstract load_result(): the register after loading `size` bytes whose value is s. A load of
// the whole word is the identity (and s is not reduced again).
template <Word W>
bool load_is_identity(W like, unsigned size) {
  return semantics::scaled_bits(full_bits(like), size * 8) >= full_bits(like);
}

template <Word W>
Scalar<W> scalar_load_result_unreduced(const Scalar<W>& s, unsigned size, bool sign_extend) {
  const W like = s.umin;
  const unsigned n = full_bits(like);
  const unsigned k = semantics::scaled_bits(n, size * 8);
  if (k >= n) return s;
  return scalar_extend_low_unreduced(s, k, sign_extend);
}

template <Word W>
Scalar<W> scalar_load_result(const Scalar<W>& s, unsigned size, bool sign_extend) {
  if (load_is_identity(s.umin, size)) return s;
  return scalar_sync(scalar_load_result_unreduced(s, size, sign_extend));
}

// ---- join and widening --------------------------------------------------------------------------

template <Word W>
Scalar<W> scalar_join_unreduced(const Scalar<W>& a, const Scalar<W>& b) {
  Scalar<W> r = a;  // every field is overwritten (a symbolic W has no default value)
  r.t = tnum_union(a.t, b.t);
  r.umin = umin_of(a.umin, b.umin);
  r.umax = umax_of(a.umax, b.umax);
  r.smin = smin_of(a.smin, b.smin);
  r.smax = smax_of(a.smax, b.smax);
  r.u32min = umin_of(a.u32min, b.u32min);
  r.u32max = umax_of(a.u32max, b.u32max);
  r.s32min = smin_of(a.s32min, b.s32min);
  r.s32max = smax_of(a.s32max, b.s32max);
  return r;
}

template <Word W>
Scalar<W> scalar_join(const Scalar<W>& a, const Scalar<W>& b) {
  return scalar_sync(scalar_join_unreduced(a, b));
}

// Standard interval widening per range (a bound that moved goes to its limit). The tnum joins,
// and then every bit from the lowest newly unknown one upward becomes unknown: a plain join has
// height N (a value doubling every iteration gains one unknown bit per iteration), this one
// stabilises in one step, and known low bits (alignment) survive.
template <Word W>
Scalar<W> scalar_widen(const Scalar<W>& older, const Scalar<W>& newer) {
  const W like = older.umin;
  const unsigned n = full_bits(like), h = half_bits(like);
  const Bounds<W> top64 = bounds_top(like, n), top32 = bounds_top(like, h);
  Scalar<W> r = older;  // every field is overwritten
  r.t = tnum_union(older.t, newer.t);
  r.umin = ite(ult(newer.umin, older.umin), top64.umin, older.umin);
  r.umax = ite(ult(older.umax, newer.umax), top64.umax, older.umax);
  r.smin = ite(slt(newer.smin, older.smin), top64.smin, older.smin);
  r.smax = ite(slt(older.smax, newer.smax), top64.smax, older.smax);
  r.u32min = ite(ult(newer.u32min, older.u32min), top32.umin, older.u32min);
  r.u32max = ite(ult(older.u32max, newer.u32max), top32.umax, older.u32max);
  r.s32min = ite(slt(newer.s32min, older.s32min), top32.smin, older.s32min);
  r.s32max = ite(slt(older.s32max, newer.s32max), top32.smax, older.s32max);
  // Branch-free: with nothing grown, lowest is 0 and upward is 0.
  const W grown = r.t.mask & ~older.t.mask;
  const W lowest = grown & (lit(like, 0) - grown);
  const W upward = ~(lowest - lit(like, 1));
  r.t.mask = r.t.mask | upward;
  r.t.value = r.t.value & ~r.t.mask;
  // No reduction here: tightening a widened bound again could keep the iteration from
  // stabilising. The next transfer function reduces.
  return r;
}

// a is contained in b (every component).
template <Word W>
BoolOf<W> scalar_leq(const Scalar<W>& a, const Scalar<W>& b) {
  return tnum_subset(a.t, b.t) && ule(b.umin, a.umin) && ule(a.umax, b.umax) && sle(b.smin, a.smin) &&
         sle(a.smax, b.smax) && ule(b.u32min, a.u32min) && ule(a.u32max, b.u32max) && sle(b.s32min, a.s32min) &&
         sle(a.s32max, b.s32max);
}

// ---- branch refinement -------------------------------------------------------------------------

template <Word W>
struct Refined {
  Scalar<W> dst, src;
  BoolOf<W> feasible;  // false: no concrete pair takes this direction
};

namespace detail {

template <Word W>
Bounds<W> bounds_meet(const Bounds<W>& a, const Bounds<W>& b) {
  return {tnum_intersect(a.t, b.t), umax_of(a.umin, b.umin), umin_of(a.umax, b.umax), smax_of(a.smin, b.smin),
          smin_of(a.smax, b.smax)};
}

template <Word W>
BoolOf<W> bounds_nonempty(const Bounds<W>& b) {
  return ule(b.umin, b.umax) && sle(b.smin, b.smax);
}

// a < b (strict) or a <= b, unsigned or signed, refined in place. Returns feasibility.
template <Word W>
BoolOf<W> refine_less(Bounds<W>& a, Bounds<W>& b, bool is_signed, bool strict) {
  const W one = lit(a.umin, 1);
  if (!is_signed) {
    const BoolOf<W> feasible = strict ? ult(a.umin, b.umax) : ule(a.umin, b.umax);
    a.umax = umin_of(a.umax, strict ? b.umax - one : b.umax);  // guarded by feasibility
    b.umin = umax_of(b.umin, strict ? a.umin + one : a.umin);
    return feasible;
  }
  const BoolOf<W> feasible = strict ? slt(a.smin, b.smax) : sle(a.smin, b.smax);
  a.smax = smin_of(a.smax, strict ? b.smax - one : b.smax);
  b.smin = smax_of(b.smin, strict ? a.smin + one : a.smin);
  return feasible;
}

// a != b: trims an endpoint of a that equals constant b (and of b when a is constant).
template <Word W>
BoolOf<W> refine_not_equal(Bounds<W>& a, Bounds<W>& b, unsigned n) {
  const W one = lit(a.umin, 1);
  const BoolOf<W> a_const = tnum_is_const(a.t), b_const = tnum_is_const(b.t);
  const BoolOf<W> feasible = !(a_const && b_const && eq(a.t.value, b.t.value));
  const W bv = b.t.value, av = a.t.value;
  a.umin = ite(b_const && eq(a.umin, bv), a.umin + one, a.umin);
  a.umax = ite(b_const && eq(a.umax, bv), a.umax - one, a.umax);
  b.umin = ite(a_const && eq(b.umin, av), b.umin + one, b.umin);
  b.umax = ite(a_const && eq(b.umax, av), b.umax - one, b.umax);
  // Signed endpoints compare with the constant read as signed at this width. (Not with the
  // constant's smin: that equals the constant only once the reduction has run, and an operator
  // must be sound on its own; the SMT checker found this on unreduced inputs.)
  const W bs = semantics::sext(bv, n), as = semantics::sext(av, n);
  a.smin = ite(b_const && eq(a.smin, bs), a.smin + one, a.smin);
  a.smax = ite(b_const && eq(a.smax, bs), a.smax - one, a.smax);
  b.smin = ite(a_const && eq(b.smin, as), b.smin + one, b.smin);
  b.smax = ite(a_const && eq(b.smax, as), b.smax - one, b.smax);
  return feasible;
}

template <Word W>
BoolOf<W> refine_n(JmpOp op, bool taken, Bounds<W>& a, Bounds<W>& b, unsigned n) {
  const W zero = lit(a.umin, 0);
  // Not taken is the negated condition.
  switch (op) {
    case JmpOp::Jeq:
    case JmpOp::Jne: {
      const bool equal = (op == JmpOp::Jeq) == taken;
      if (equal) {
        const BoolOf<W> compatible = tnum_compatible(a.t, b.t);
        const Bounds<W> m = bounds_meet(a, b);
        a = m;
        b = m;
        return compatible && bounds_nonempty(m);
      }
      return refine_not_equal(a, b, n);
    }
    case JmpOp::Jgt: return taken ? refine_less(b, a, false, true) : refine_less(a, b, false, false);
    case JmpOp::Jge: return taken ? refine_less(b, a, false, false) : refine_less(a, b, false, true);
    case JmpOp::Jlt: return taken ? refine_less(a, b, false, true) : refine_less(b, a, false, false);
    case JmpOp::Jle: return taken ? refine_less(a, b, false, false) : refine_less(b, a, false, true);
    case JmpOp::Jsgt: return taken ? refine_less(b, a, true, true) : refine_less(a, b, true, false);
    case JmpOp::Jsge: return taken ? refine_less(b, a, true, false) : refine_less(a, b, true, true);
    case JmpOp::Jslt: return taken ? refine_less(a, b, true, true) : refine_less(b, a, true, false);
    case JmpOp::Jsle: return taken ? refine_less(a, b, true, false) : refine_less(b, a, true, true);
    case JmpOp::Jset: {
      const W known_common = a.t.value & b.t.value;
      const W possible_common = (a.t.value | a.t.mask) & (b.t.value | b.t.mask);
      if (taken) {
        // With a single-bit constant b, that bit of a is set.
        const BoolOf<W> single = tnum_is_const(b.t) && !eq(b.t.value, zero) &&
                                 eq(b.t.value & (b.t.value - lit(zero, 1)), zero);
        const Tnum<W> with_bit{a.t.value | b.t.value, a.t.mask & ~b.t.value};
        a.t = tnum_ite(single, with_bit, a.t);
        return !eq(possible_common, zero);
      }
      // (a & b) == 0: with constant b, a's bits set in b are 0.
      const Tnum<W> cleared{a.t.value & ~b.t.value, a.t.mask & ~b.t.value};
      a.t = tnum_ite(tnum_is_const(b.t), cleared, a.t);
      return eq(known_common, zero);
    }
    case JmpOp::Ja: break;
  }
  return eq(zero, zero);
}

}  // namespace detail

// States of dst and src after the jump `if dst op src` goes the `taken` way, before the
// reduction, and whether the refinement itself finds that way possible. JMP compares all N
// bits, JMP32 the low halves.
template <Word W>
Refined<W> scalar_refine_unreduced(JmpOp op, Width width, bool taken, const Scalar<W>& dst, const Scalar<W>& src) {
  if (width == Width::W64) {
    Bounds<W> a = view64(dst), b = view64(src);
    const BoolOf<W> feasible = detail::refine_n(op, taken, a, b, bit_width(dst.umin));
    // Equal registers have equal low halves: both 32-bit views become their meet.
    if ((op == JmpOp::Jeq) == taken && (op == JmpOp::Jeq || op == JmpOp::Jne)) {
      const Bounds<W> low = detail::bounds_meet(view32(dst), view32(src));
      return {from_views(a, low), from_views(b, low), feasible};
    }
    return {from_views(a, view32(dst)), from_views(b, view32(src)), feasible};
  }
  Bounds<W> a = view32(dst), b = view32(src);
  const BoolOf<W> feasible = detail::refine_n(op, taken, a, b, bit_width(dst.umin) / 2);
  return {from_views(view64(dst), a), from_views(view64(src), b), feasible};
}

// The refined states, reduced; `feasible` is false when no concrete pair takes this way.
template <Word W>
Refined<W> scalar_refine(JmpOp op, Width width, bool taken, const Scalar<W>& dst, const Scalar<W>& src) {
  const Refined<W> u = scalar_refine_unreduced(op, width, taken, dst, src);
  const Scalar<W> rd = scalar_sync(u.dst), rs = scalar_sync(u.src);
  return {rd, rs, u.feasible && scalar_maybe_nonempty(rd) && scalar_maybe_nonempty(rs)};
}

}  // namespace bpfcert::verifier::domain
