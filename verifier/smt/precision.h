// Precision of the scalar domain's abstract operators: each operator of the catalogue, run on
// UWord<N> words, compared per output component with the best abstraction (smallest tnum or
// interval) of the set of its concrete results, over every abstract input of a family
// (exhaustive) or over a seeded random sample of them (sampled).
//
// The engine is a set of templates over the width N (<= 8 bits, so a value is a byte and a
// concrete operator is a 2^N x 2^N table) so that tests can measure operators of their own
// (a deliberately broken one, say) with the same code; precision.cpp runs the catalogue.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "semantics/operations.h"
#include "semantics/word.h"
#include "verifier/domain/scalar.h"
#include "verifier/domain/tighten.h"
#include "verifier/smt/operators.h"

// Everything here lives in smt::precision: the prover (prover.h) has a Component of its own.
namespace bpfcert::verifier::smt::precision {

// An output component of a scalar: its tnum or one of its four ranges.
enum class Component : uint8_t { Tnum, U64, S64, U32, S32 };

// Which abstract inputs an operator is measured on. Each of the first five is one view
// constrained and the others top, reduced by scalar_sync (what the analyzer feeds operators);
// the reduction itself is measured on unreduced inputs (SingleView: each view alone, Mixed:
// every view constrained independently).
enum class InputFamily : uint8_t {
  Tnum,           // every well-formed tnum of the word
  U64Interval,    // every unsigned interval [lo, hi] of the word
  S64Interval,    // every signed interval of the word
  U32Interval,    // every unsigned interval of the low half (high half unknown)
  S32Interval,    // every signed interval of the low half (high half unknown)
  SingleView,     // unreduced: each of the five families above with no reduction
  Mixed,          // unreduced: random values, every component loosened independently
  UnknownMemory,  // a load from memory the verifier knows nothing about (one input)
  None,           // not applicable
};

enum class Mode : uint8_t { Exhaustive, Sampled, NotApplicable };
enum class Operand : uint8_t { Result, Dst, Src };
enum class Direction : uint8_t { None, Taken, NotTaken };

std::string_view to_string(Component c);
std::string_view to_string(InputFamily f);
std::string_view to_string(Mode m);
std::string_view to_string(Operand o);
std::string_view to_string(Direction d);

// Unary operators, loads and the reduction take one input, so 8 bits (the smallest width where
// byte lanes exist: le/be/bswap, movsx, loads) is cheap to enumerate whatever the binary width.
inline constexpr unsigned kSingleInputWidth = 8;

// Shifts are measured at the largest power-of-two width not above the one given (see
// faithful_width in precision.cpp); their rows say so in their note.
struct PrecisionOptions {
  unsigned width = 8;           // binary operators: tnum component, u32/s32, sampled u64/s64
  unsigned interval_width = 6;  // binary operators: exhaustive u64/s64 interval pairs
  uint64_t samples = 20000;     // sampled pairs (u64/s64 at `width`) and mixed reduction inputs
  uint64_t seed = 1;
  unsigned jobs = 1;
  // Called after each operator with its name and seconds (progress on long runs).
  std::function<void(const std::string&, double)> progress;
};

// One line of the report: one operator, output (branch direction and operand), component,
// input family, width and mode.
struct PrecisionRow {
  std::string op;
  OperatorKind kind = OperatorKind::Alu;
  Direction direction = Direction::None;
  Operand operand = Operand::Result;
  Component component = Component::Tnum;
  InputFamily inputs = InputFamily::None;
  unsigned width = 0;
  Mode mode = Mode::NotApplicable;
  uint64_t compared = 0;  // abstract inputs (or pairs) compared
  uint64_t optimal = 0;   // result's concretisation in this component equals the best one
  uint64_t unsound = 0;   // the best abstraction is not contained in the result: a bug
  // Branch directions that no concrete pair takes (best = bottom): detected when the operator
  // says infeasible (counted optimal), missed otherwise (sound, not optimal, no imprecision).
  uint64_t empty = 0, empty_detected = 0;
  // log2(|gamma(result)| / |gamma(best)|) in this component, over sound non-empty inputs.
  double imprecision_sum = 0, imprecision_max = 0;
  uint64_t imprecision_count = 0;
  std::string violation;  // the first unsound input (inputs, result, best), when any
  std::string note;       // why not applicable, or why measured at another width than asked

  double optimal_share() const { return compared == 0 ? 0 : static_cast<double>(optimal) / compared; }
  double sound_share() const { return compared == 0 ? 1 : static_cast<double>(compared - unsound) / compared; }
  double mean_imprecision() const { return imprecision_count == 0 ? 0 : imprecision_sum / imprecision_count; }
};

bool all_sound(const std::vector<PrecisionRow>& rows);

// Measures one operator of the catalogue; rows in a fixed order, independent of jobs. Widths
// are 2, 4, 6 or 8 (even: "32-bit" operations work on half the word); others throw
// std::invalid_argument.
std::vector<PrecisionRow> measure_operator(const Operator& op, const PrecisionOptions& options);

struct OperatorTiming {
  std::string op;
  double seconds = 0;
};

struct PrecisionResults {
  std::vector<PrecisionRow> rows;
  std::vector<OperatorTiming> timings;  // one per operator, in order
};

// Measures every operator given (in order), reporting progress after each. Input families
// (and the seeded samples) are built once and shared, so every operator sees the same inputs.
PrecisionResults measure_operators(const std::vector<const Operator*>& ops, const PrecisionOptions& options);

// ==== The engine ===============================================================================

template <unsigned N>
using W = semantics::UWord<N>;
template <unsigned N>
using S = domain::Scalar<W<N>>;

// Abstract inputs and their concretisations (computed with scalar_contains, so they are the
// inputs' real gamma, whatever the reduction did).
template <unsigned N>
struct InputSet {
  static_assert(N >= 2 && N <= 8, "values are bytes");
  InputFamily family = InputFamily::None;
  Mode mode = Mode::Exhaustive;
  std::vector<S<N>> inputs;
  std::vector<uint32_t> first{0};  // members of input i: members[first[i] .. first[i + 1])
  std::vector<uint8_t> members;

  size_t size() const { return inputs.size(); }
  const uint8_t* begin_of(size_t i) const { return members.data() + first[i]; }
  const uint8_t* end_of(size_t i) const { return members.data() + first[i + 1]; }
  void add(const S<N>& s) {
    inputs.push_back(s);
    for (unsigned x = 0; x < (1u << N); ++x) {
      if (domain::scalar_contains(s, W<N>(x))) members.push_back(static_cast<uint8_t>(x));
    }
    first.push_back(static_cast<uint32_t>(members.size()));
  }
};

// ---- components ---------------------------------------------------------------------------------

// Bits of the view a component looks at on an N-bit word.
constexpr unsigned component_bits(Component c, unsigned n) {
  return c == Component::U32 || c == Component::S32 ? n / 2 : n;
}
constexpr bool is_signed(Component c) { return c == Component::S64 || c == Component::S32; }

// A concrete value as the component sees it, as an unsigned byte whose order is the view's
// order (signed views biased by 2^(k-1)), so that best intervals are byte min / max and the best
// tnum is (AND, OR ^ AND) of the raw values.
constexpr uint8_t key_of(Component c, unsigned n, uint64_t v) {
  if (c == Component::Tnum || c == Component::U64) return static_cast<uint8_t>(v);
  const unsigned k = component_bits(c, n);
  const uint64_t low = v & ((uint64_t{1} << k) - 1);
  return static_cast<uint8_t>(is_signed(c) ? low ^ (uint64_t{1} << (k - 1)) : low);
}

// The view value (a number on the view's line) of a key.
constexpr int64_t value_of_key(Component c, unsigned n, uint8_t key) {
  const unsigned k = component_bits(c, n);
  return is_signed(c) ? static_cast<int64_t>(key) - (int64_t{1} << (k - 1)) : key;
}

constexpr int64_t view_min(Component c, unsigned n) {
  return is_signed(c) ? -(int64_t{1} << (component_bits(c, n) - 1)) : 0;
}
constexpr int64_t view_max(Component c, unsigned n) {
  const unsigned k = component_bits(c, n);
  return is_signed(c) ? (int64_t{1} << (k - 1)) - 1 : (int64_t{1} << k) - 1;
}

// Folding keys: AND / OR for the tnum, min / max for a range. Neutral elements: 0xff and 0, so
// an empty set shows as lo & ~hi != 0 (tnum) or lo > hi (range).
inline constexpr uint8_t kNeutralLo = 0xff, kNeutralHi = 0;

inline void fold_keys(bool tnum, uint8_t& lo, uint8_t& hi, uint8_t klo, uint8_t khi) {
  if (tnum) {
    lo &= klo;
    hi |= khi;
  } else {
    lo = std::min(lo, klo);
    hi = std::max(hi, khi);
  }
}

// Element-wise fold of n keys: the inner loop of the exhaustive runs, plain byte loops.
inline void fold_rows(bool tnum, uint8_t* lo, uint8_t* hi, const uint8_t* rlo, const uint8_t* rhi, size_t n) {
  if (tnum) {
    for (size_t j = 0; j < n; ++j) lo[j] &= rlo[j];
    for (size_t j = 0; j < n; ++j) hi[j] |= rhi[j];
  } else {
    for (size_t j = 0; j < n; ++j) lo[j] = rlo[j] < lo[j] ? rlo[j] : lo[j];
    for (size_t j = 0; j < n; ++j) hi[j] = rhi[j] > hi[j] ? rhi[j] : hi[j];
  }
}

template <unsigned N>
std::string describe(const S<N>& s) {
  auto hex = [](uint64_t v) {
    static const char* digits = "0123456789abcdef";
    std::string out = "0x";
    for (int shift = (N > 4 ? 4 : 0); shift >= 0; shift -= 4) out += digits[(v >> shift) & 0xf];
    return out;
  };
  return "{tnum=(" + hex(s.t.value.v) + "," + hex(s.t.mask.v) + ") u64=[" + std::to_string(s.umin.v) + "," +
         std::to_string(s.umax.v) + "] s64=[" + std::to_string(s.smin.as_signed()) + "," +
         std::to_string(s.smax.as_signed()) + "] u32=[" + std::to_string(s.u32min.v) + "," +
         std::to_string(s.u32max.v) + "] s32=[" + std::to_string(s.s32min.as_signed()) + "," +
         std::to_string(s.s32max.as_signed()) + "]}";
}

// Per-row counters, merged in input order so that the figures do not depend on --jobs.
struct Tally {
  uint64_t compared = 0, optimal = 0, unsound = 0, empty = 0, empty_detected = 0;
  double imprecision_sum = 0, imprecision_max = 0;
  uint64_t imprecision_count = 0;
  std::string violation;

  void merge(const Tally& o) {
    compared += o.compared;
    optimal += o.optimal;
    unsound += o.unsound;
    empty += o.empty;
    empty_detected += o.empty_detected;
    imprecision_sum += o.imprecision_sum;
    imprecision_max = std::max(imprecision_max, o.imprecision_max);
    imprecision_count += o.imprecision_count;
    if (violation.empty()) violation = o.violation;
  }
};

// Compares component c of result r (feasible: whether the operator says some concrete input
// reaches it) with the best abstraction folded into keys (lo, hi). `context` describes the
// inputs, for the first violation.
template <unsigned N, class Context>
void compare(Tally& t, Component c, const S<N>& r, bool feasible, uint8_t lo, uint8_t hi, const Context& context) {
  ++t.compared;
  const bool tnum = c == Component::Tnum;
  const bool empty = tnum ? (lo & ~hi) != 0 : lo > hi;
  if (empty) {
    ++t.empty;
    if (!feasible) {
      ++t.empty_detected;
      ++t.optimal;
    }
    return;
  }
  auto violation = [&](const std::string& best) {
    ++t.unsound;
    if (t.violation.empty()) {
      t.violation = context() + " gives " + describe<N>(r) + ", best " + std::string(to_string(c)) + " " + best;
    }
  };
  if (!feasible) {
    violation("non-empty, but the operator says infeasible");
    return;
  }
  if (tnum) {
    const uint64_t bv = lo, bm = static_cast<uint64_t>(hi ^ lo);
    const uint64_t rv = r.t.value.v, rm = r.t.mask.v;
    const bool contained = (bm & ~rm) == 0 && (bv & ~rm) == rv;
    if (!contained) {
      violation("tnum (" + std::to_string(bv) + "," + std::to_string(bm) + ")");
      return;
    }
    const double bits = std::popcount(rm) - std::popcount(bm);
    if (bits == 0) ++t.optimal;
    t.imprecision_sum += bits;
    t.imprecision_max = std::max(t.imprecision_max, bits);
    ++t.imprecision_count;
    return;
  }
  int64_t rmin = 0, rmax = 0;
  switch (c) {
    case Component::U64: rmin = static_cast<int64_t>(r.umin.v), rmax = static_cast<int64_t>(r.umax.v); break;
    case Component::S64: rmin = r.smin.as_signed(), rmax = r.smax.as_signed(); break;
    case Component::U32: rmin = static_cast<int64_t>(r.u32min.v), rmax = static_cast<int64_t>(r.u32max.v); break;
    case Component::S32: rmin = r.s32min.as_signed(), rmax = r.s32max.as_signed(); break;
    case Component::Tnum: break;
  }
  // The range's concretisation in its view: bounds beyond the view's limits say nothing more.
  rmin = std::max(rmin, view_min(c, N));
  rmax = std::min(rmax, view_max(c, N));
  const int64_t bmin = value_of_key(c, N, lo), bmax = value_of_key(c, N, hi);
  if (rmin > bmin || rmax < bmax) {
    violation("[" + std::to_string(bmin) + "," + std::to_string(bmax) + "]");
    return;
  }
  const double bits = std::log2(static_cast<double>(rmax - rmin + 1) / static_cast<double>(bmax - bmin + 1));
  if (rmin == bmin && rmax == bmax) ++t.optimal;
  t.imprecision_sum += bits;
  t.imprecision_max = std::max(t.imprecision_max, bits);
  ++t.imprecision_count;
}

template <unsigned N>
PrecisionRow make_row(const Tally& t, Component c, const InputSet<N>& set, Direction d = Direction::None,
                      Operand o = Operand::Result) {
  PrecisionRow r;
  r.direction = d;
  r.operand = o;
  r.component = c;
  r.inputs = set.family;
  r.width = N;
  r.mode = set.mode;
  r.compared = t.compared;
  r.optimal = t.optimal;
  r.unsound = t.unsound;
  r.empty = t.empty;
  r.empty_detected = t.empty_detected;
  r.imprecision_sum = t.imprecision_sum;
  r.imprecision_max = t.imprecision_max;
  r.imprecision_count = t.imprecision_count;
  r.violation = t.violation;
  return r;
}

// Runs f(i) for i in [0, count) on `jobs` threads.
template <class F>
void parallel_for(size_t count, unsigned jobs, F&& f) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) f(i);
  };
  std::vector<std::thread> threads;
  for (unsigned k = 1; k < jobs && k < count; ++k) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
}

// ---- input families -------------------------------------------------------------------------------

// The scalar with every view top except what `set` fills in, reduced or not.
template <unsigned N, class Set>
S<N> scalar_with(Set set, bool reduce) {
  S<N> s = domain::scalar_top(W<N>(0));
  set(s);
  return reduce ? domain::scalar_sync(s) : s;
}

// Every well-formed tnum, with the ranges scalar_sync derives from it.
template <unsigned N>
InputSet<N> tnum_inputs(bool reduce = true) {
  InputSet<N> set;
  set.family = reduce ? InputFamily::Tnum : InputFamily::SingleView;
  for (unsigned m = 0; m < (1u << N); ++m) {
    for (unsigned v = 0; v < (1u << N); ++v) {
      if ((v & m) != 0) continue;
      set.add(scalar_with<N>([&](S<N>& s) { s.t = {W<N>(v), W<N>(m)}; }, reduce));
    }
  }
  return set;
}

// The scalar whose component c (a range) is [lo, hi] (view values) and every other view top.
template <unsigned N>
S<N> interval_input(Component c, int64_t lo, int64_t hi, bool reduce) {
  return scalar_with<N>(
      [&](S<N>& s) {
        // UWord keeps the low N bits: a negative view value becomes its sign-extended N-bit form,
        // which is how the domain stores s64 and s32 bounds.
        const W<N> a(static_cast<uint64_t>(lo)), b(static_cast<uint64_t>(hi));
        switch (c) {
          case Component::U64: s.umin = a, s.umax = b; break;
          case Component::S64: s.smin = a, s.smax = b; break;
          case Component::U32: s.u32min = a, s.u32max = b; break;
          case Component::S32: s.s32min = a, s.s32max = b; break;
          case Component::Tnum: break;
        }
      },
      reduce);
}

constexpr InputFamily interval_family(Component c) {
  switch (c) {
    case Component::U64: return InputFamily::U64Interval;
    case Component::S64: return InputFamily::S64Interval;
    case Component::U32: return InputFamily::U32Interval;
    case Component::S32: return InputFamily::S32Interval;
    case Component::Tnum: return InputFamily::Tnum;
  }
  return InputFamily::None;
}

// Every interval of component c's view.
template <unsigned N>
InputSet<N> interval_inputs(Component c, bool reduce = true) {
  InputSet<N> set;
  set.family = reduce ? interval_family(c) : InputFamily::SingleView;
  for (int64_t lo = view_min(c, N); lo <= view_max(c, N); ++lo) {
    for (int64_t hi = lo; hi <= view_max(c, N); ++hi) set.add(interval_input<N>(c, lo, hi, reduce));
  }
  return set;
}

// `count` random intervals of component c's view: two uniform view values, ordered.
template <unsigned N>
InputSet<N> sampled_interval_inputs(Component c, uint64_t count, std::mt19937_64& rng) {
  InputSet<N> set;
  set.family = interval_family(c);
  set.mode = Mode::Sampled;
  const uint64_t span = static_cast<uint64_t>(view_max(c, N) - view_min(c, N) + 1);
  for (uint64_t k = 0; k < count; ++k) {
    int64_t a = view_min(c, N) + static_cast<int64_t>(rng() % span);
    int64_t b = view_min(c, N) + static_cast<int64_t>(rng() % span);
    if (a > b) std::swap(a, b);
    set.add(interval_input<N>(c, a, b, true));
  }
  return set;
}

// The reduction's inputs: each view alone, unreduced (every tnum, every interval of each view).
template <unsigned N>
InputSet<N> single_view_inputs() {
  InputSet<N> set = tnum_inputs<N>(false);
  for (Component c : {Component::U64, Component::S64, Component::U32, Component::S32}) {
    const InputSet<N> more = interval_inputs<N>(c, false);
    for (const S<N>& s : more.inputs) set.add(s);
  }
  set.family = InputFamily::SingleView;
  return set;
}

// `count` unreduced scalars that hold a random set of 1-4 values (clustered, as values in
// programs are) and whose components are each, independently, that set's best abstraction,
// loosened at random, or top: views that disagree, which the reduction must reconcile.
template <unsigned N>
InputSet<N> mixed_inputs(uint64_t count, std::mt19937_64& rng) {
  InputSet<N> set;
  set.family = InputFamily::Mixed;
  set.mode = Mode::Sampled;
  const uint64_t mask = (uint64_t{1} << N) - 1;
  for (uint64_t k = 0; k < count; ++k) {
    const uint64_t base = rng() & mask;
    std::vector<uint64_t> values{base};
    for (uint64_t i = rng() % 4; i > 0; --i) {
      values.push_back(rng() % 3 == 0 ? rng() & mask : (base + rng() % 8) & mask);
    }
    S<N> best = domain::scalar_const(W<N>(values[0]));
    for (uint64_t v : values) best = domain::scalar_join(best, domain::scalar_const(W<N>(v)));
    const S<N> top = domain::scalar_top(W<N>(0));
    S<N> s = best;
    auto pick = [&] { return rng() % 4; };  // 0: best, 1-2: loosened, 3: top
    if (const auto p = pick(); p == 3) {
      s.t = top.t;
    } else if (p != 0) {
      const uint64_t extra = rng() & rng() & mask;
      s.t.mask = W<N>(s.t.mask.v | extra);
      s.t.value = W<N>(s.t.value.v & ~extra);
    }
    auto loosen = [&](W<N>& lo, W<N>& hi, W<N> top_lo, W<N> top_hi, bool sgn) {
      const auto p = pick();
      if (p == 3) {
        lo = top_lo, hi = top_hi;
      } else if (p != 0) {
        // Move each end outward by a random amount, stopping at the view's limits.
        const int64_t l = sgn ? lo.as_signed() : static_cast<int64_t>(lo.v);
        const int64_t h = sgn ? hi.as_signed() : static_cast<int64_t>(hi.v);
        const int64_t tl = sgn ? top_lo.as_signed() : static_cast<int64_t>(top_lo.v);
        const int64_t th = sgn ? top_hi.as_signed() : static_cast<int64_t>(top_hi.v);
        const int64_t nl = std::max(tl, l - static_cast<int64_t>(rng() % (mask + 1)));
        const int64_t nh = std::min(th, h + static_cast<int64_t>(rng() % (mask + 1)));
        lo = W<N>(static_cast<uint64_t>(nl));
        hi = W<N>(static_cast<uint64_t>(nh));
      }
    };
    loosen(s.umin, s.umax, top.umin, top.umax, false);
    loosen(s.smin, s.smax, top.smin, top.smax, true);
    loosen(s.u32min, s.u32max, top.u32min, top.u32max, false);
    loosen(s.s32min, s.s32max, top.s32min, top.s32max, true);
    set.add(s);
  }
  return set;
}

// ---- binary operators ----------------------------------------------------------------------------

inline constexpr size_t kMaxOutputs = 4;

// What a binary operator computes, concretely and abstractly, for each of its outputs: one
// (ALU ops: the result) or four (branches: dst and src, taken and not taken).
template <unsigned N>
struct BinarySpec {
  struct Output {
    Direction direction = Direction::None;
    Operand operand = Operand::Result;
  };
  struct Concrete {
    std::array<W<N>, kMaxOutputs> value{};
    std::array<bool, kMaxOutputs> present{};  // false: this pair does not reach that output
  };
  struct Abstract {
    std::array<S<N>, kMaxOutputs> value{};
    std::array<bool, kMaxOutputs> feasible{};
  };
  std::vector<Output> outputs;
  std::function<Concrete(W<N> x, W<N> y)> concrete;
  std::function<Abstract(const S<N>& a, const S<N>& b)> abstract;
};

// A one-output operator from its concrete and abstract functions.
template <unsigned N, class C, class A>
BinarySpec<N> binary_spec(C concrete, A abstract) {
  BinarySpec<N> spec;
  spec.outputs = {{}};
  spec.concrete = [concrete](W<N> x, W<N> y) {
    typename BinarySpec<N>::Concrete c;
    c.value[0] = concrete(x, y);
    c.present[0] = true;
    return c;
  };
  spec.abstract = [abstract](const S<N>& a, const S<N>& b) {
    typename BinarySpec<N>::Abstract r;
    r.value[0] = abstract(a, b);
    r.feasible[0] = true;
    return r;
  };
  return spec;
}

// Per output, the keys of every concrete pair: lo[o][x << N | y], hi[o][...] (neutral when the
// pair does not reach output o).
template <unsigned N>
struct ConcreteTable {
  std::vector<std::vector<uint8_t>> lo, hi;
};

template <unsigned N>
ConcreteTable<N> concrete_table(const BinarySpec<N>& spec, Component c) {
  const size_t outs = spec.outputs.size(), v = size_t{1} << N;
  ConcreteTable<N> t{std::vector<std::vector<uint8_t>>(outs, std::vector<uint8_t>(v * v, kNeutralLo)),
                     std::vector<std::vector<uint8_t>>(outs, std::vector<uint8_t>(v * v, kNeutralHi))};
  for (size_t x = 0; x < v; ++x) {
    for (size_t y = 0; y < v; ++y) {
      const auto r = spec.concrete(W<N>(x), W<N>(y));
      for (size_t o = 0; o < outs; ++o) {
        if (!r.present[o]) continue;
        t.lo[o][x << N | y] = t.hi[o][x << N | y] = key_of(c, N, r.value[o].v);
      }
    }
  }
  return t;
}

template <unsigned N>
std::vector<PrecisionRow> rows_of(const BinarySpec<N>& spec, const std::vector<Tally>& per_input, Component c,
                                  const InputSet<N>& set) {
  const size_t outs = spec.outputs.size();
  std::vector<PrecisionRow> rows;
  for (size_t o = 0; o < outs; ++o) {
    Tally t;
    for (size_t i = o; i < per_input.size(); i += outs) t.merge(per_input[i]);
    rows.push_back(make_row(t, c, set, spec.outputs[o].direction, spec.outputs[o].operand));
  }
  return rows;
}

// Every pair (A_i, B_j) of the set, component c. The best abstraction of pair (i, j) folds the
// keys of op(x, y) over x in gamma(A_i), y in gamma(B_j): folded first over y into a table per
// (x, j), then over x, a row of all j at a time, so that the concrete side costs
// |set| * sum |gamma| instead of (sum |gamma|)^2 evaluations, the same result (AND, OR, min and
// max are associative).
template <unsigned N>
std::vector<PrecisionRow> measure_binary(const BinarySpec<N>& spec, Component c, const InputSet<N>& set,
                                         unsigned jobs) {
  const size_t outs = spec.outputs.size(), v = size_t{1} << N, n = set.size();
  const bool tnum = c == Component::Tnum;
  const ConcreteTable<N> table = concrete_table(spec, c);
  // row_lo[o][x * n + j]: keys of op(x, y) folded over y in gamma(B_j).
  std::vector<std::vector<uint8_t>> row_lo(outs, std::vector<uint8_t>(v * n, kNeutralLo));
  std::vector<std::vector<uint8_t>> row_hi(outs, std::vector<uint8_t>(v * n, kNeutralHi));
  parallel_for(v, jobs, [&](size_t x) {
    for (size_t o = 0; o < outs; ++o) {
      const uint8_t* tlo = &table.lo[o][x << N];
      const uint8_t* thi = &table.hi[o][x << N];
      for (size_t j = 0; j < n; ++j) {
        uint8_t lo = kNeutralLo, hi = kNeutralHi;
        for (const uint8_t* y = set.begin_of(j); y != set.end_of(j); ++y) fold_keys(tnum, lo, hi, tlo[*y], thi[*y]);
        row_lo[o][x * n + j] = lo;
        row_hi[o][x * n + j] = hi;
      }
    }
  });
  std::vector<Tally> per_input(n * outs);
  parallel_for(n, jobs, [&](size_t i) {
    std::vector<std::vector<uint8_t>> lo(outs, std::vector<uint8_t>(n, kNeutralLo));
    std::vector<std::vector<uint8_t>> hi(outs, std::vector<uint8_t>(n, kNeutralHi));
    for (const uint8_t* x = set.begin_of(i); x != set.end_of(i); ++x) {
      for (size_t o = 0; o < outs; ++o) {
        fold_rows(tnum, lo[o].data(), hi[o].data(), &row_lo[o][*x * n], &row_hi[o][*x * n], n);
      }
    }
    for (size_t j = 0; j < n; ++j) {
      const auto r = spec.abstract(set.inputs[i], set.inputs[j]);
      for (size_t o = 0; o < outs; ++o) {
        compare<N>(per_input[i * outs + o], c, r.value[o], r.feasible[o], lo[o][j], hi[o][j], [&] {
          return "dst " + describe<N>(set.inputs[i]) + " src " + describe<N>(set.inputs[j]);
        });
      }
    }
  });
  return rows_of(spec, per_input, c, set);
}

// The pairs (A_k, B_k) of two sets of the same size (a random sample), component c.
template <unsigned N>
std::vector<PrecisionRow> measure_binary_pairs(const BinarySpec<N>& spec, Component c, const InputSet<N>& a,
                                               const InputSet<N>& b, unsigned jobs) {
  const size_t outs = spec.outputs.size(), n = std::min(a.size(), b.size());
  const bool tnum = c == Component::Tnum;
  const ConcreteTable<N> table = concrete_table(spec, c);
  constexpr size_t kChunk = 64;  // pairs per task; fixed, so the figures do not depend on jobs
  const size_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<Tally> per_chunk(chunks * outs);
  parallel_for(chunks, jobs, [&](size_t chunk) {
    for (size_t k = chunk * kChunk; k < std::min(n, (chunk + 1) * kChunk); ++k) {
      std::array<uint8_t, kMaxOutputs> lo, hi;
      lo.fill(kNeutralLo);
      hi.fill(kNeutralHi);
      for (const uint8_t* x = a.begin_of(k); x != a.end_of(k); ++x) {
        for (const uint8_t* y = b.begin_of(k); y != b.end_of(k); ++y) {
          for (size_t o = 0; o < outs; ++o) {
            fold_keys(tnum, lo[o], hi[o], table.lo[o][size_t{*x} << N | *y], table.hi[o][size_t{*x} << N | *y]);
          }
        }
      }
      const auto r = spec.abstract(a.inputs[k], b.inputs[k]);
      for (size_t o = 0; o < outs; ++o) {
        compare<N>(per_chunk[chunk * outs + o], c, r.value[o], r.feasible[o], lo[o], hi[o],
                   [&] { return "dst " + describe<N>(a.inputs[k]) + " src " + describe<N>(b.inputs[k]); });
      }
    }
  });
  return rows_of(spec, per_chunk, c, a);
}

// ---- single-input operators ---------------------------------------------------------------------

// op(x) for every x in gamma(A), compared per input with op#(A), component c.
template <unsigned N>
PrecisionRow measure_unary(const std::function<W<N>(W<N>)>& concrete, const std::function<S<N>(const S<N>&)>& abstract,
                           Component c, const InputSet<N>& set, unsigned jobs) {
  const bool tnum = c == Component::Tnum;
  std::array<uint8_t, (1u << N)> keys{};
  for (unsigned x = 0; x < (1u << N); ++x) keys[x] = key_of(c, N, concrete(W<N>(x)).v);
  std::vector<Tally> per_input(set.size());
  parallel_for(set.size(), jobs, [&](size_t i) {
    uint8_t lo = kNeutralLo, hi = kNeutralHi;
    for (const uint8_t* x = set.begin_of(i); x != set.end_of(i); ++x) fold_keys(tnum, lo, hi, keys[*x], keys[*x]);
    compare<N>(per_input[i], c, abstract(set.inputs[i]), true, lo, hi,
               [&] { return "input " + describe<N>(set.inputs[i]); });
  });
  Tally t;
  for (const Tally& each : per_input) t.merge(each);
  return make_row(t, c, set);
}

// A reduction (sync, tighten) or any operator whose result should be the best abstraction of
// gamma(input) itself: every component compared. `feasible` false means the operator found
// gamma empty.
template <unsigned N>
std::vector<PrecisionRow> measure_identity(const std::function<std::pair<S<N>, bool>(const S<N>&)>& op,
                                           const InputSet<N>& set, unsigned jobs) {
  constexpr Component kAll[] = {Component::Tnum, Component::U64, Component::S64, Component::U32, Component::S32};
  std::vector<Tally> per_input(set.size() * 5);
  parallel_for(set.size(), jobs, [&](size_t i) {
    const auto [r, feasible] = op(set.inputs[i]);
    for (size_t k = 0; k < 5; ++k) {
      const Component c = kAll[k];
      uint8_t lo = kNeutralLo, hi = kNeutralHi;
      for (const uint8_t* x = set.begin_of(i); x != set.end_of(i); ++x) {
        fold_keys(c == Component::Tnum, lo, hi, key_of(c, N, *x), key_of(c, N, *x));
      }
      compare<N>(per_input[i * 5 + k], c, r, feasible, lo, hi, [&] { return "input " + describe<N>(set.inputs[i]); });
    }
  });
  std::vector<PrecisionRow> rows;
  for (size_t k = 0; k < 5; ++k) {
    Tally t;
    for (size_t i = 0; i < set.size(); ++i) t.merge(per_input[i * 5 + k]);
    rows.push_back(make_row(t, kAll[k], set));
  }
  return rows;
}

// Join: every pair, component c, against the best abstraction of gamma(A) u gamma(B).
template <unsigned N>
PrecisionRow measure_join(const std::function<S<N>(const S<N>&, const S<N>&)>& join, Component c,
                          const InputSet<N>& set, unsigned jobs) {
  const bool tnum = c == Component::Tnum;
  std::vector<std::pair<uint8_t, uint8_t>> folded(set.size());
  for (size_t i = 0; i < set.size(); ++i) {
    uint8_t lo = kNeutralLo, hi = kNeutralHi;
    for (const uint8_t* x = set.begin_of(i); x != set.end_of(i); ++x) {
      fold_keys(tnum, lo, hi, key_of(c, N, *x), key_of(c, N, *x));
    }
    folded[i] = {lo, hi};
  }
  std::vector<Tally> per_input(set.size());
  parallel_for(set.size(), jobs, [&](size_t i) {
    for (size_t j = 0; j < set.size(); ++j) {
      uint8_t lo = folded[i].first, hi = folded[i].second;
      fold_keys(tnum, lo, hi, folded[j].first, folded[j].second);
      compare<N>(per_input[i], c, join(set.inputs[i], set.inputs[j]), true, lo, hi,
                 [&] { return "a " + describe<N>(set.inputs[i]) + " b " + describe<N>(set.inputs[j]); });
    }
  });
  Tally t;
  for (const Tally& each : per_input) t.merge(each);
  return make_row(t, c, set);
}

// Join on sampled pairs (A_k, B_k).
template <unsigned N>
PrecisionRow measure_join_pairs(const std::function<S<N>(const S<N>&, const S<N>&)>& join, Component c,
                                const InputSet<N>& a, const InputSet<N>& b) {
  const bool tnum = c == Component::Tnum;
  Tally t;
  for (size_t k = 0; k < std::min(a.size(), b.size()); ++k) {
    uint8_t lo = kNeutralLo, hi = kNeutralHi;
    for (const InputSet<N>* s : {&a, &b}) {
      for (const uint8_t* x = s->begin_of(k); x != s->end_of(k); ++x) {
        fold_keys(tnum, lo, hi, key_of(c, N, *x), key_of(c, N, *x));
      }
    }
    compare<N>(t, c, join(a.inputs[k], b.inputs[k]), true, lo, hi,
               [&] { return "a " + describe<N>(a.inputs[k]) + " b " + describe<N>(b.inputs[k]); });
  }
  return make_row(t, c, a);
}

}  // namespace bpfcert::verifier::smt::precision
