// The statements about the checker (verifier/smt/check_prover.cpp) are only worth something if
// they can fail. Each mutant below breaks one access decision or pointer rule of
// verifier/access_rules.h the way such checks have been broken in verifiers (a bound off by one,
// a bound forgotten, a write allowed into a read-only map, a packet range one byte too long, a
// subtraction taken for an addition); the prover must prove the shipped rule and refute the
// mutant with a counterexample at 64 bits.
#include <gtest/gtest.h>

#include <string>

#include "verifier/smt/prover.h"

namespace bpfcert::verifier::smt {
namespace {

using access_rules::AccessFacts;
using access_rules::Region;

const Operator& check_named(const char* name) {
  const Operator* op = find_check_operator(name);
  EXPECT_NE(op, nullptr) << name;
  return *op;
}

Obligation obligation(const char* op, const std::string& lemma) {
  for (const Obligation& ob : obligations_of(check_named(op))) {
    if (ob.lemma == lemma) return ob;
  }
  ADD_FAILURE() << "no obligation " << op << "/" << lemma;
  return {};
}

// The shipped rule proves `ob` and the mutant refutes it with a counterexample.
void expect_refuted_only_by_mutant(const Obligation& ob, const DomainUnderProof& mutant, unsigned width = 64) {
  ASSERT_NE(ob.op, nullptr);
  const Attempt shipped = prove_at(ob, width, 120);
  EXPECT_EQ(shipped.verdict, Verdict::Proven) << ob.name() << ": " << shipped.detail;
  const Attempt broken = prove_at(ob, width, 120, mutant);
  ASSERT_EQ(broken.verdict, Verdict::Refuted) << ob.name() << ": " << broken.detail;
  ASSERT_TRUE(broken.counterexample.has_value());
  EXPECT_FALSE(broken.counterexample->explanation.empty());
  EXPECT_TRUE(broken.counterexample->value("x").has_value()) << ob.name();
}

TEST(CheckProverMutants, SizedRegionBoundOffByOne) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.access_accepted;
  // The last byte may sit one past the region's end.
  d.access_accepted = [real](Region r, AccessKind k, bool writable, const AccessFacts<Z3IntWord>& f) {
    AccessFacts<Z3IntWord> g = f;
    g.size = f.size + lit(f.size, 1);
    return real(r, k, writable, g);
  };
  expect_refuted_only_by_mutant(obligation("access.memory", "read"), d);
  expect_refuted_only_by_mutant(obligation("access.variable", "helper_write"), d);
}

TEST(CheckProverMutants, PacketAccessWithoutItsLowerBound) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.access_accepted;
  // A forgotten region check: the packet's end is checked, its start is not (a negative
  // offset from data passes).
  d.access_accepted = [real](Region r, AccessKind k, bool writable, const AccessFacts<Z3IntWord>& f) {
    if (r != Region::Packet) return real(r, k, writable, f);
    const Z3IntWord zero = lit(f.off, 0);
    return access_rules::exact(f.off, f.n, zero, f.packet.range0) &&
           access_rules::ends_at_or_before(f.smax, f.off, f.n, f.packet.range0) &&
           Z3Bool{f.off.ctx().bool_val(!access_rules::write_refused(k, writable))};
  };
  expect_refuted_only_by_mutant(obligation("access.packet", "read"), d);
}

TEST(CheckProverMutants, StackAccessWithoutTheFramesTop) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.access_accepted;
  // Another forgotten bound: a stack access is checked against the frame's bottom only.
  d.access_accepted = [real](Region r, AccessKind k, bool writable, const AccessFacts<Z3IntWord>& f) {
    if (r != Region::Stack) return real(r, k, writable, f);
    const Z3IntWord low = access_rules::region_low(f.size, true);
    return access_rules::exact(f.off, f.n, low, lit(low, 0)) && access_rules::starts_at_or_after(f.smin, f.off, low);
  };
  expect_refuted_only_by_mutant(obligation("access.stack", "write"), d);
}

TEST(CheckProverMutants, WriteIntoAReadOnlyMapValue) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.access_accepted;
  d.access_accepted = [real](Region r, AccessKind k, bool writable, const AccessFacts<Z3IntWord>& f) {
    return real(r, k, r == Region::MapValue ? true : writable, f);
  };
  expect_refuted_only_by_mutant(obligation("access.map_value", "write.value12"), d);
  expect_refuted_only_by_mutant(obligation("access.map_value", "atomic.value1"), d);
  // Reads never cared: the mutant proves them as the shipped rule does.
  EXPECT_EQ(prove_at(obligation("access.map_value", "read.value40"), 64, 120, d).verdict, Verdict::Proven);
}

TEST(CheckProverMutants, PacketRangeOneByteTooLong) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.range_proven;
  d.range_proven = [real](semantics::JmpOp op, bool p_left, bool taken) -> std::optional<int64_t> {
    const std::optional<int64_t> e = real(op, p_left, taken);
    if (!e) return e;
    return *e + 1;
  };
  // if (p <= end) goto taken: the taken side holds p's offset bytes, not one more.
  expect_refuted_only_by_mutant(obligation("range.packet", "jle.p_end.taken"), d);
  // if (end > p): p < end, one byte past p's offset, not two.
  expect_refuted_only_by_mutant(obligation("range.packet", "jgt.end_p.taken"), d);
  expect_refuted_only_by_mutant(obligation("range.packet_meta", "jge.p_end.fall"), d);
}

TEST(CheckProverMutants, RangeLearnedOnTheWrongSide) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.range_proven;
  d.range_proven = [real](semantics::JmpOp op, bool p_left, bool taken) { return real(op, p_left, !taken); };
  expect_refuted_only_by_mutant(obligation("range.packet", "jgt.p_end.taken"), d);
}

TEST(CheckProverMutants, PointerSubtractionTakenForAnAddition) {
  DomainUnderProof d = shipped_domain();
  const auto real = d.pointer_offset;
  d.pointer_offset = [real](const SymScalar& p, const SymScalar& x, bool) { return real(p, x, false); };
  const Operator& sub = check_named("ptr.sub");
  bool refuted = false;
  for (const Obligation& ob : obligations_of(sub)) {
    if (ob.component == Component::WellFormed) continue;
    EXPECT_EQ(prove_at(ob, 8, 120).verdict, Verdict::Proven) << ob.name();
    refuted = refuted || prove_at(ob, 8, 120, d).verdict == Verdict::Refuted;
  }
  EXPECT_TRUE(refuted);
}

TEST(CheckProver, EveryRegionAndKindHasAStatement) {
  size_t access = 0, range = 0;
  for (const Operator& op : check_operators()) {
    EXPECT_TRUE(is_check(op));
    const std::vector<Obligation> obs = obligations_of(op);
    EXPECT_FALSE(obs.empty()) << op.name;
    if (op.kind == OperatorKind::Access) access += obs.size();
    if (op.kind == OperatorKind::Range) range += obs.size();
    EXPECT_EQ(find_operator(op.name), nullptr) << op.name << " is no scalar operator";
  }
  // stack, memory, variable: 5 kinds each; map value: 5 kinds at 3 value sizes; context: load
  // and store; packet and metadata: all but atomic.
  EXPECT_EQ(access, 3u * 5 + 3 * 5 + 2 + 2 * 4);
  // 6 comparisons x 2 operand orders x 2 directions, for the packet and its metadata.
  EXPECT_EQ(range, 2u * 24);
}

TEST(CheckProver, AccessStatementsExistAtSixtyFourBitsOnly) {
  const Attempt a = prove_at(obligation("access.stack", "read"), 8, 10);
  EXPECT_EQ(a.verdict, Verdict::Error);
  EXPECT_NE(a.detail.find("64 bits"), std::string::npos) << a.detail;
}

}  // namespace
}  // namespace bpfcert::verifier::smt

// Z3IntWord is a second reading of a 64-bit word: each operation the checks use must agree with
// the uint64_t one (the machine's), or a statement proven over it says nothing about the words.
// Z3 4.8.12 does not finish the equality through bv2int at 64 bits in minutes, so it is checked
// on every pair of a set of boundary values (0, 1, 2^31, 2^32, 2^60, 2^63 and their
// neighbours, 2^64 - 1, ...) and of pseudo-random words: Z3 evaluates the integer terms.
namespace bpfcert::verifier::smt {
namespace {

TEST(Z3IntWord, AgreesWithTheMachinesOperations) {
  z3::context ctx;
  std::vector<uint64_t> values = {0,          1,           2,           39,          40,          41,
                                  0x7fffffff, 0x80000000,  0xffffffff,  1ull << 32,  1ull << 60,  (1ull << 60) + 1,
                                  (1ull << 63) - 1, 1ull << 63, (1ull << 63) + 1, ~0ull - 40, ~0ull - 1, ~0ull};
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < 40; ++i) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    values.push_back(seed);
  }
  const auto word = [&](uint64_t v) { return Z3IntWord{ctx.int_val(v)}; };
  const auto value = [](const Z3IntWord& w) {
    uint64_t v = 0;
    EXPECT_TRUE(w.e.simplify().is_numeral_u64(v)) << w.e.simplify();
    return v;
  };
  const auto truth = [](const Z3Bool& b) { return b.e.simplify().is_true(); };
  for (uint64_t a : values) {
    const Z3IntWord ia = word(a);
    EXPECT_EQ(value(~ia), ~a);
    EXPECT_EQ(value(ia * lit(ia, 40)), a * 40);
    EXPECT_EQ(value(urem(ia, lit(ia, 40))), semantics::urem(a, uint64_t{40}));
    EXPECT_EQ(value(urem(ia, lit(ia, 0))), semantics::urem(a, uint64_t{0}));
    EXPECT_EQ(value(udiv(ia, lit(ia, 40))), semantics::udiv(a, uint64_t{40}));
    EXPECT_EQ(value(lit(ia, a)), a);
    for (uint64_t b : values) {
      const Z3IntWord ib = word(b);
      EXPECT_EQ(value(ia + ib), a + b) << a << " + " << b;
      EXPECT_EQ(value(ia - ib), a - b) << a << " - " << b;
      EXPECT_EQ(truth(eq(ia, ib)), semantics::eq(a, b));
      EXPECT_EQ(truth(ult(ia, ib)), semantics::ult(a, b));
      EXPECT_EQ(truth(ule(ia, ib)), semantics::ule(a, b));
      EXPECT_EQ(truth(slt(ia, ib)), semantics::slt(a, b)) << a << " <s " << b;
      EXPECT_EQ(truth(sle(ia, ib)), semantics::sle(a, b)) << a << " <=s " << b;
    }
  }
  // Bitwise operations are refused, not approximated.
  const Z3IntWord x = fresh_int_word(ctx, "x");
  EXPECT_THROW((void)(x & x), std::logic_error);
  EXPECT_THROW((void)shl(x, x), std::logic_error);
  EXPECT_THROW((void)(x * x), std::logic_error);
}

}  // namespace
}  // namespace bpfcert::verifier::smt
