// Range endpoints the tnum allows: the largest member of a tnum at or below a bound and the
// smallest at or above one. After a branch refines a range, its endpoints may be values the
// tnum excludes (x even and x <= 19 gives umax 18); moving them inward keeps gamma unchanged and
// lets bounds checks see the real extent. Written once over a Word, branch-free, like tnum.h.
#pragma once

#include "verifier/domain/scalar.h"

namespace bpfcert::verifier::domain {

template <Word W>
struct TnumPick {
  W value;
  BoolOf<W> found;  // false: no member of the tnum on that side of the bound
};

// The largest x <= hi with x in gamma(t), over the low n bits. Candidates: hi itself, or hi with
// bit i cleared (where hi has a 1 the tnum allows to be 0, and the bits above i agree with the
// tnum) followed by the largest bits the tnum allows below i; the lowest such i is the largest.
template <Word W>
TnumPick<W> tnum_max_at_most(Tnum<W> t, W hi, unsigned n) {
  const W zero = lit(hi, 0), one = lit(hi, 1);
  W best = zero;
  BoolOf<W> found = !eq(zero, zero);
  for (unsigned k = n; k-- > 0;) {
    const W bit = shl(one, lit(hi, k));
    const W below = bit - one;
    const W above = ~(below | bit) & ones(hi, n);
    const BoolOf<W> valid = !eq(hi & bit, zero) && eq(t.value & bit, zero) && eq((hi ^ t.value) & ~t.mask & above, zero);
    best = ite(valid, (hi & above) | ((t.value | t.mask) & below), best);
    found = found || valid;
  }
  const BoolOf<W> member = tnum_contains(t, hi);
  return {ite(member, hi, best), found || member};
}

// The smallest x >= lo with x in gamma(t), over the low n bits (the mirror image).
template <Word W>
TnumPick<W> tnum_min_at_least(Tnum<W> t, W lo, unsigned n) {
  const W zero = lit(lo, 0), one = lit(lo, 1);
  W best = zero;
  BoolOf<W> found = !eq(zero, zero);
  for (unsigned k = n; k-- > 0;) {
    const W bit = shl(one, lit(lo, k));
    const W below = bit - one;
    const W above = ~(below | bit) & ones(lo, n);
    const BoolOf<W> valid =
        eq(lo & bit, zero) && !eq((t.value | t.mask) & bit, zero) && eq((lo ^ t.value) & ~t.mask & above, zero);
    best = ite(valid, (lo & above) | bit | (t.value & below), best);
    found = found || valid;
  }
  const BoolOf<W> member = tnum_contains(t, lo);
  return {ite(member, lo, best), found || member};
}

// Moves the unsigned endpoints (both widths) onto members of the tnum, then reduces.
// gamma is unchanged; `nonempty` is false when some view has no member in its range.
template <Word W>
struct Tightened {
  Scalar<W> s;
  BoolOf<W> nonempty;
};

// The endpoints moved, before the reduction (scalar_tighten reduces).
template <Word W>
Tightened<W> scalar_tighten_unreduced(const Scalar<W>& in) {
  const W like = in.umin;
  const unsigned n = full_bits(like), h = half_bits(like);
  Scalar<W> s = in;
  const TnumPick<W> hi = tnum_max_at_most(s.t, s.umax, n);
  const TnumPick<W> lo = tnum_min_at_least(s.t, s.umin, n);
  s.umax = ite(hi.found, hi.value, s.umax);
  s.umin = ite(lo.found, lo.value, s.umin);
  const Tnum<W> t32 = tnum_cast(s.t, h);
  const TnumPick<W> hi32 = tnum_max_at_most(t32, s.u32max, h);
  const TnumPick<W> lo32 = tnum_min_at_least(t32, s.u32min, h);
  s.u32max = ite(hi32.found, hi32.value, s.u32max);
  s.u32min = ite(lo32.found, lo32.value, s.u32min);
  const BoolOf<W> nonempty = hi.found && lo.found && hi32.found && lo32.found && ule(s.umin, s.umax) &&
                             ule(s.u32min, s.u32max);
  return {s, nonempty};
}

template <Word W>
Tightened<W> scalar_tighten(const Scalar<W>& in) {
  const Tightened<W> u = scalar_tighten_unreduced(in);
  return {scalar_sync(u.s), u.nonempty};
}

}  // namespace bpfcert::verifier::domain
