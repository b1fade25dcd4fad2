// domain/tighten.h, exhaustively at 8 bits: the chosen endpoints are the extreme members of the
// tnum within the bound, and tightening a scalar never changes its concretisation.
#include <gtest/gtest.h>

#include <random>

#include "verifier/domain/tighten.h"

namespace bpfcert::verifier::domain {
namespace {

using W = semantics::UWord<8>;

TEST(Tighten, PicksExtremeMembersExhaustively) {
  for (unsigned mask = 0; mask < 256; ++mask) {
    for (unsigned value = 0; value < 256; ++value) {
      if ((value & mask) != 0) continue;
      const Tnum<W> t{W(value), W(mask)};
      for (unsigned bound = 0; bound < 256; ++bound) {
        int best_below = -1, best_above = -1;
        for (unsigned x = 0; x < 256; ++x) {
          if ((x & ~mask & 0xff) != value) continue;
          if (x <= bound) best_below = static_cast<int>(x);
          if (x >= bound && best_above < 0) best_above = static_cast<int>(x);
        }
        const TnumPick<W> hi = tnum_max_at_most(t, W(bound), 8);
        const TnumPick<W> lo = tnum_min_at_least(t, W(bound), 8);
        ASSERT_EQ(hi.found, best_below >= 0) << value << "/" << mask << " <= " << bound;
        if (hi.found) {
          ASSERT_EQ(hi.value.v, static_cast<unsigned>(best_below)) << value << "/" << mask << " <= " << bound;
        }
        ASSERT_EQ(lo.found, best_above >= 0) << value << "/" << mask << " >= " << bound;
        if (lo.found) {
          ASSERT_EQ(lo.value.v, static_cast<unsigned>(best_above)) << value << "/" << mask << " >= " << bound;
        }
      }
    }
  }
}

TEST(Tighten, KeepsGamma) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    Scalar<W> s = scalar_const(W(rng() % 256));
    for (int k = 0; k < 3; ++k) s = scalar_join(s, scalar_const(W(rng() % 256)));
    // Shrink a range endpoint to a non-member, as a branch refinement would.
    s.umax = W(std::max<unsigned>(s.umin.v, static_cast<unsigned>(s.umax.v) - rng() % 4));
    s = scalar_sync(s);
    const Tightened<W> t = scalar_tighten(s);
    for (unsigned x = 0; x < 256; ++x) {
      ASSERT_EQ(scalar_contains(s, W(x)), t.nonempty && scalar_contains(t.s, W(x))) << x;
    }
  }
}

}  // namespace
}  // namespace bpfcert::verifier::domain
