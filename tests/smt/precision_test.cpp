// The precision measurement (verifier/smt/precision.h) at small widths: known facts about the
// tnum operators hold, a deliberately broken operator is caught, the figures of a case small
// enough to count by hand come out as counted, and the JSON report follows its schema.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include "reports/json_schema.h"
#include "reports/precision_report.h"
#include "verifier/smt/precision.h"

namespace bpfcert::verifier::smt::precision {
namespace {

PrecisionOptions small(unsigned width = 4, unsigned interval_width = 4, uint64_t samples = 200) {
  PrecisionOptions o;
  o.width = width;
  o.interval_width = interval_width;
  o.samples = samples;
  o.jobs = 2;
  return o;
}

const PrecisionRow& row(const std::vector<PrecisionRow>& rows, Component c, Mode m = Mode::Exhaustive,
                        Direction d = Direction::None, Operand o = Operand::Result) {
  for (const PrecisionRow& r : rows) {
    if (r.component == c && r.mode == m && r.direction == d && r.operand == o) return r;
  }
  static const PrecisionRow none;
  ADD_FAILURE() << "no row for " << to_string(c) << " " << to_string(m);
  return none;
}

std::vector<PrecisionRow> measure(const char* name, const PrecisionOptions& o) {
  const Operator* op = find_operator(name);
  EXPECT_NE(op, nullptr) << name;
  return op == nullptr ? std::vector<PrecisionRow>{} : measure_operator(*op, o);
}

// ---- known facts ----------------------------------------------------------------------------

TEST(Precision, TnumAddAndOrXorAreOptimalOnEveryPairOfTnums) {
  // add: proven optimal (CGO'22); and, or, xor: each result bit depends on one bit of each side.
  for (const char* name : {"add", "add32", "and", "and32", "or", "or32", "xor", "xor32"}) {
    const std::vector<PrecisionRow> rows = measure(name, small(6, 2, 0));
    const PrecisionRow& t = row(rows, Component::Tnum);
    EXPECT_EQ(t.width, 6u) << name;
    EXPECT_EQ(t.compared, 729u * 729u) << name;  // 3^6 tnums, every pair
    EXPECT_EQ(t.optimal, t.compared) << name;
    EXPECT_EQ(t.unsound, 0u) << name;
    EXPECT_EQ(t.mean_imprecision(), 0) << name;
  }
}

TEST(Precision, TnumMulIsSoundButNotOptimal) {
  const PrecisionRow& t = row(measure("mul", small(6, 2, 0)), Component::Tnum);
  EXPECT_EQ(t.unsound, 0u);
  EXPECT_LT(t.optimal, t.compared);
  EXPECT_GT(t.optimal_share(), 0.5);
  EXPECT_GT(t.mean_imprecision(), 0);
}

TEST(Precision, FullWidthLoadIsTheIdentityAndOptimalInEveryComponent) {
  // ldxdw loads the whole word: the result is the input, and every input family constrains one
  // view exactly, so each component equals the best abstraction.
  for (const PrecisionRow& r : measure("ldxdw", small())) {
    EXPECT_EQ(r.width, kSingleInputWidth);
    EXPECT_EQ(r.optimal, r.compared) << to_string(r.component) << " " << to_string(r.inputs);
  }
}

TEST(Precision, EveryOperatorOfTheCatalogueIsSoundAtFourBits) {
  std::vector<const Operator*> ops;
  for (const Operator& op : operators()) ops.push_back(&op);
  const PrecisionResults results = measure_operators(ops, small(4, 4, 300));
  ASSERT_EQ(results.timings.size(), ops.size());
  for (const PrecisionRow& r : results.rows) {
    EXPECT_EQ(r.unsound, 0u) << r.op << " " << to_string(r.direction) << " " << to_string(r.operand) << " "
                             << to_string(r.component) << ": " << r.violation;
    if (r.op == "widen") {
      EXPECT_EQ(r.mode, Mode::NotApplicable);
      EXPECT_NE(r.note.find("not applicable"), std::string::npos);
    } else {
      EXPECT_GT(r.compared, 0u) << r.op;
    }
  }
  EXPECT_TRUE(all_sound(results.rows));
  for (const Operator& op : operators()) {
    const auto named = [&](const PrecisionRow& r) { return r.op == op.name; };
    EXPECT_TRUE(std::any_of(results.rows.begin(), results.rows.end(), named)) << op.name << " has no row";
  }
}

TEST(Precision, ModesAndCountsSayWhatWasEnumerated) {
  const std::vector<PrecisionRow> rows = measure("add", small(6, 4, 300));
  EXPECT_EQ(row(rows, Component::Tnum).compared, 729u * 729u);
  // u64 / s64: every pair of the 136 intervals of 4 bits, and 300 sampled pairs at 6 bits.
  for (Component c : {Component::U64, Component::S64}) {
    EXPECT_EQ(row(rows, c).compared, 136u * 136u);
    EXPECT_EQ(row(rows, c).width, 4u);
    EXPECT_EQ(row(rows, c, Mode::Sampled).compared, 300u);
    EXPECT_EQ(row(rows, c, Mode::Sampled).width, 6u);
  }
  // u32 / s32 at 6 bits: every pair of the 36 intervals of the 3-bit low half.
  for (Component c : {Component::U32, Component::S32}) {
    EXPECT_EQ(row(rows, c).compared, 36u * 36u);
    EXPECT_EQ(row(rows, c).width, 6u);
  }
  // No sample when the sampled width is not wider than the exhaustive one.
  for (const PrecisionRow& r : measure("add", small(4, 4, 300))) EXPECT_EQ(r.mode, Mode::Exhaustive);
}

TEST(Precision, ShiftsAreMeasuredAtPowerOfTwoWidthsOnly) {
  // Why: the ISA masks shift counts with n - 1; at 6 bits a 32-bit shift (n = 3) masks with 2,
  // so a count of 1 shifts by 0, which no shift of the real ISA does (counts below n stay).
  using W6 = semantics::UWord<6>;
  EXPECT_EQ(semantics::alu(semantics::AluOp::Rsh, semantics::Width::W32, W6(1), W6(1)).v, 1u);
  for (const char* name : {"lsh", "rsh32", "arsh"}) {
    const std::vector<PrecisionRow> rows = measure(name, small(6, 6, 100));
    for (const PrecisionRow& r : rows) {
      EXPECT_EQ(r.width, 4u) << name;
      EXPECT_NE(r.note.find("modulo n only for n a power of two"), std::string::npos) << name << r.note;
      EXPECT_EQ(r.unsound, 0u) << name << r.violation;
    }
    EXPECT_EQ(row(rows, Component::Tnum).compared, 81u * 81u);
  }
  // Other operators keep the widths asked for, without a note.
  for (const PrecisionRow& r : measure("sub", small(6, 4, 100))) {
    const bool wide = r.inputs == InputFamily::U64Interval || r.inputs == InputFamily::S64Interval;
    EXPECT_EQ(r.width, wide && r.mode == Mode::Exhaustive ? 4u : 6u);
    EXPECT_TRUE(r.note.empty());
  }
}

TEST(Precision, BranchesReportBothDirectionsAndBothOperands) {
  const std::vector<PrecisionRow> rows = measure("jlt", small(4, 4, 0));
  for (Direction d : {Direction::Taken, Direction::NotTaken}) {
    for (Operand o : {Operand::Dst, Operand::Src}) {
      const PrecisionRow& t = row(rows, Component::Tnum, Mode::Exhaustive, d, o);
      EXPECT_EQ(t.compared, 81u * 81u);
      // Some pairs never take a direction (taken: dst's smallest value is not below src's
      // largest). The reduced inputs' unsigned bounds are their exact extremes, so jlt's
      // refinement decides every such case.
      EXPECT_GT(t.empty, 0u);
      EXPECT_EQ(t.empty_detected, t.empty);
      EXPECT_EQ(t.unsound, 0u);
    }
  }
}

TEST(Precision, FiguresDoNotDependOnTheNumberOfThreads) {
  PrecisionOptions one = small(4, 4, 300), three = one;
  one.jobs = 1;
  three.jobs = 3;
  for (const char* name : {"mul", "jsgt32", "sync"}) {
    const auto a = measure(name, one), b = measure(name, three);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].compared, b[i].compared) << name << i;
      EXPECT_EQ(a[i].optimal, b[i].optimal) << name << i;
      EXPECT_EQ(a[i].imprecision_sum, b[i].imprecision_sum) << name << i;
    }
  }
}

// ---- operators of our own, passed in as function objects --------------------------------------

// tnum add without carry propagation: known bits of the operands' sum stay known even where
// a carry out of an unknown bit may flip them.
template <unsigned N>
S<N> add_without_carries(const S<N>& a, const S<N>& b) {
  S<N> r = domain::scalar_top(W<N>(0));
  r.t.mask = a.t.mask | b.t.mask;
  r.t.value = (a.t.value + b.t.value) & ~r.t.mask;
  return r;
}

// Sound but useless: nothing known.
template <unsigned N>
S<N> know_nothing(const S<N>&, const S<N>&) {
  return domain::scalar_top(W<N>(0));
}

template <unsigned N>
PrecisionRow tnum_row_of_add(S<N> (*abstract)(const S<N>&, const S<N>&)) {
  const auto spec = binary_spec<N>([](W<N> x, W<N> y) { return x + y; }, abstract);
  const std::vector<PrecisionRow> rows = measure_binary(spec, Component::Tnum, tnum_inputs<N>(), 2);
  EXPECT_EQ(rows.size(), 1u);
  return rows.at(0);
}

TEST(Precision, AddWithoutCarryPropagationIsReportedUnsoundAndLessPrecise) {
  const PrecisionRow real = row(measure("add", small(6, 2, 0)), Component::Tnum);
  const PrecisionRow broken = tnum_row_of_add<6>(add_without_carries<6>);
  EXPECT_EQ(broken.compared, real.compared);
  EXPECT_GT(broken.unsound, 0u);
  EXPECT_LT(broken.sound_share(), 1.0);
  EXPECT_LT(broken.optimal, real.optimal);
  EXPECT_FALSE(all_sound({broken}));
  // The first violation names the inputs, the result and the best tnum.
  EXPECT_NE(broken.violation.find("dst {tnum="), std::string::npos) << broken.violation;
  EXPECT_NE(broken.violation.find("best tnum"), std::string::npos) << broken.violation;

  const PrecisionRow top = tnum_row_of_add<6>(know_nothing<6>);
  EXPECT_EQ(top.unsound, 0u);
  EXPECT_LT(top.optimal, real.optimal);
  EXPECT_GT(top.mean_imprecision(), real.mean_imprecision());
}

TEST(Precision, TwoBitAddFiguresMatchTheHandCount) {
  // 9 tnums of 2 bits, 81 pairs. Bit 0 of x + y is x0 ^ y0, bit 1 is x1 ^ y1 ^ (x0 & y0).
  // Without carries, bit 1 is claimed known whenever x1 and y1 are, but the carry x0 & y0 varies
  // when (x0, y0) is (?, 1), (1, ?) or (?, ?): 4 known (x1, y1) * 3 = 12 unsound pairs; every
  // other pair is exact: 69 optimal.
  const PrecisionRow broken = tnum_row_of_add<2>(add_without_carries<2>);
  EXPECT_EQ(broken.compared, 81u);
  EXPECT_EQ(broken.unsound, 12u);
  EXPECT_EQ(broken.optimal, 69u);
  EXPECT_EQ(broken.mean_imprecision(), 0);
  // Top is optimal when the best tnum is top: bit 0 unknown ((x0, y0) has a ?: 5 of 9) and
  // bit 1 unknown (x1 or y1 unknown: 5 * 5 = 25 pairs; both known with a varying carry:
  // 4 * 3 = 12): 37. It loses one bit per bit the best tnum knows: bit 0 in 4 * 9 = 36 pairs,
  // bit 1 in 4 * 6 = 24: 60 bits over 81 pairs, 2 at most (two constants).
  const PrecisionRow top = tnum_row_of_add<2>(know_nothing<2>);
  EXPECT_EQ(top.compared, 81u);
  EXPECT_EQ(top.unsound, 0u);
  EXPECT_EQ(top.optimal, 37u);
  EXPECT_DOUBLE_EQ(top.mean_imprecision(), 60.0 / 81.0);
  EXPECT_EQ(top.imprecision_max, 2);
  // The domain's own add: all 81 optimal.
  const PrecisionRow real = row(measure("add", small(2, 2, 0)), Component::Tnum);
  EXPECT_EQ(real.compared, 81u);
  EXPECT_EQ(real.optimal, 81u);
}

TEST(Precision, IntervalImprecisionIsLog2OfTheSizeRatio) {
  // An "add" whose u64 range is always top, on the 10 intervals of 2 bits: the best range of
  // [a, b] + [c, d] is top exactly when the sums wrap or span 4 values, so count it directly.
  const auto spec = binary_spec<2>([](W<2> x, W<2> y) { return x + y; },
                                              [](const S<2>&, const S<2>&) { return domain::scalar_top(W<2>(0)); });
  const InputSet<2> set = interval_inputs<2>(Component::U64);
  ASSERT_EQ(set.size(), 10u);
  const PrecisionRow r = measure_binary(spec, Component::U64, set, 1).at(0);
  uint64_t optimal = 0;
  double bits = 0;
  for (size_t i = 0; i < set.size(); ++i) {
    for (size_t j = 0; j < set.size(); ++j) {
      unsigned lo = 3, hi = 0;
      for (const uint8_t* x = set.begin_of(i); x != set.end_of(i); ++x) {
        for (const uint8_t* y = set.begin_of(j); y != set.end_of(j); ++y) {
          lo = std::min(lo, (*x + *y) & 3u);
          hi = std::max(hi, (*x + *y) & 3u);
        }
      }
      optimal += lo == 0 && hi == 3;
      bits += std::log2(4.0 / (hi - lo + 1));
    }
  }
  EXPECT_EQ(r.compared, 100u);
  EXPECT_EQ(r.optimal, optimal);
  EXPECT_DOUBLE_EQ(r.imprecision_sum, bits);
  EXPECT_EQ(r.unsound, 0u);
}

// ---- the report --------------------------------------------------------------------------------

reports::PrecisionReport report_of(const std::vector<PrecisionRow>& rows) {
  reports::PrecisionReport rep;
  rep.tool_version = "test";
  rep.date = "2026-01-02T03:04:05Z";
  rep.command = "bpfcert precision --width 2";
  rep.width = 2;
  rep.interval_width = 2;
  rep.single_input_width = kSingleInputWidth;
  rep.jobs = 1;
  for (const PrecisionRow& r : rows) {
    reports::PrecisionResult x;
    x.op = r.op.empty() ? "add" : r.op;
    x.kind = std::string(to_string(r.kind));
    x.direction = std::string(to_string(r.direction));
    x.operand = std::string(to_string(r.operand));
    x.component = r.mode == Mode::NotApplicable ? "all" : std::string(to_string(r.component));
    x.inputs = std::string(to_string(r.inputs));
    x.width = r.width;
    x.mode = std::string(to_string(r.mode));
    x.compared = r.compared;
    x.optimal = r.optimal;
    x.unsound = r.unsound;
    x.mean_imprecision_bits = r.mean_imprecision();
    x.max_imprecision_bits = r.imprecision_max;
    x.violation = r.violation;
    x.note = r.note;
    rep.results.push_back(x);
  }
  rep.timings.push_back({"add", 0.5});
  return rep;
}

nlohmann::json schema_file() {
  std::ifstream in(std::string(BPFCERT_SOURCE_DIR) + "/reports/schemas/precision-1.schema.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

TEST(PrecisionReport, WrittenReportFollowsItsSchema) {
  ASSERT_NE(reports::published_schema("precision-1"), nullptr);
  EXPECT_EQ(nlohmann::json::parse(reports::published_schema("precision-1")), schema_file());
  std::vector<PrecisionRow> rows = measure("jlt", small(2, 2, 0));
  const std::vector<PrecisionRow> widen = measure("widen", small(2, 2, 0));
  rows.insert(rows.end(), widen.begin(), widen.end());
  rows.push_back(tnum_row_of_add<2>(add_without_carries<2>));
  const reports::PrecisionReport rep = report_of(rows);
  const nlohmann::json j = reports::to_json(rep);
  const auto errors = reports::validate_json(schema_file(), j);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors.front());
  EXPECT_EQ(j["schema"], "bpfcert/precision/1");
  EXPECT_FALSE(j["sound"].get<bool>());
  EXPECT_EQ(j["unsound"], 12);
  EXPECT_EQ(j["command"], "bpfcert precision --width 2");
  // The schema rejects what the writer must not produce.
  nlohmann::json bad = j;
  bad["results"][0]["mode"] = "approximate";
  EXPECT_FALSE(reports::validate_json(schema_file(), bad).empty());
  bad = j;
  bad.erase("date");
  EXPECT_FALSE(reports::validate_json(schema_file(), bad).empty());
}

TEST(PrecisionReport, TextSaysWhenSomethingIsUnsound) {
  const std::string sound = reports::to_text(report_of(measure("add", small(2, 2, 0))));
  EXPECT_NE(sound.find("every compared result sound"), std::string::npos) << sound;
  EXPECT_EQ(sound.find("UNSOUND"), std::string::npos);
  const std::string unsound = reports::to_text(report_of({tnum_row_of_add<2>(add_without_carries<2>)}));
  EXPECT_NE(unsound.find("UNSOUND: 12"), std::string::npos) << unsound;
  EXPECT_FALSE(report_of({tnum_row_of_add<2>(add_without_carries<2>)}).sound());
}

TEST(PrecisionReport, PercentagesAreTruncatedNotRounded) {
  EXPECT_EQ(reports::percent(43046720, 43046721), "99.99");
  EXPECT_EQ(reports::percent(5, 5), "100.00");
  EXPECT_EQ(reports::percent(69, 81), "85.18");
  EXPECT_EQ(reports::percent(0, 0), "-");
}

}  // namespace
}  // namespace bpfcert::verifier::smt::precision
