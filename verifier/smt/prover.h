// The soundness prover of the scalar domain. For every abstract operator of operators.h it asks
// Z3 whether the operator's result can miss a concrete result of the semantics
// (DOMAINS.md, "Soundness statement"), one component of the result at a time, at a chosen word
// width, on the very templates the verifier runs (instantiated over Z3Word).
//
// How an operator is proven. Every operator is an unreduced transfer function followed by the
// reduction, and the reduction is the list domain::kSyncSteps (verifier/domain/scalar.h). Each
// is proven on its own: for well-formed inputs whose concretisations hold the concrete values,
// each component of the output (tnum, u64, s64, u32, s32) holds the concrete result, and the
// output is well formed again. Well-formed, gamma-preserving steps compose, so the operators as
// the verifier calls them are sound; and since the reduction's output is well formed, the
// statement for reduced inputs (Agni's "sro") follows from the one for any well-formed input
// ("gen"). The monolithic statement (transfer and reduction as one formula) is what Agni
// checks; with Z3 4.8.12 it does not finish even at 8 bits, while the pieces prove at 64 bits
// in about a second each.
//
// tnum_mul by induction. The transfer statement of mul (and mul32) bit-blasts a multiplier and
// tnum_mul's n iterations, and its tnum component does not finish at 16 bits (32 for mul32).
// tnum_mul (verifier/domain/tnum.h) is tnum_mul_init, then tnum_mul_step n times, then
// tnum_mul_finish on the exact product acc_v = a0.value * b0.value; each piece is proven on its
// own, at any width, by statements without a full multiplier ("mul/tnum_mul.*/..."). For n-bit
// operands (n = the word for mul, half of it for mul32 and for mul's low-half view) and
// arithmetic mod 2^n throughout:
//   tnum_mul.init     init(a0, b0) = (a0, b0, acc_0) with 0 in gamma(acc_0), all well formed.
//   tnum_mul.step     for well-formed (a, b, acc) and x' in gamma(a), y' in gamma(b), s in
//                     gamma(acc), with c = (x' & 1) * y' - (a.value & 1) * b.value (written with
//                     ite, multiplication by one bit), step(a, b, acc) = (a', b', acc') has:
//                     x' >> 1 in gamma(a'), (y' << 1) mod 2^n in gamma(b'), (s + c) mod 2^n in
//                     gamma(acc'), a'.value = a.value >> 1, b'.value = (b.value << 1) mod 2^n,
//                     and (a', b', acc') well formed.
//   tnum_mul.identity for all words u, v: u * v = (u & 1) * v + (u >> 1) * (v << 1), from four
//                     facts Z3 checks with ring normalisation: u = 2 (u >> 1) + (u & 1);
//                     (2h + l) v = l v + h (2v) for all h, l, v; v << 1 = 2v; (u & 1) v =
//                     ite(u & 1, v, 0). (Substitute the first into u * v, apply the second with
//                     h = u >> 1, l = u & 1, rewrite with the last two.) Mod 2^word, so mod 2^n.
//   tnum_mul.finish   for well-formed acc with s in gamma(acc) and any acc_v:
//                     (acc_v + s) mod 2^n in gamma(finish(acc_v, acc)), well formed.
//   tnum_mul.transfer the operator's tnum is what the verifier's tnum_mul gives on the n-bit views
//                     of the operands' tnums (as terms: Z3 checks the transfer function's formula
//                     against one composed from the three pieces above), the views are well
//                     formed and hold the operands' low n bits, and the way the transfer function
//                     assembles the views' products (mul: from_views, whose low half intersects
//                     the 32-bit product's tnum; mul32: the half's tnum, zero-extended) holds the
//                     concrete result whenever each product's tnum holds its product.
// Why they compose. Fix well-formed a0, b0 and x in gamma(a0), y in gamma(b0) (so x, y < 2^n).
// Let (a_i, b_i, acc_i) be the state after i steps, x_i = x >> i, y_i = (y << i) mod 2^n,
// s_0 = 0, s_{i+1} = s_i + c_i with c_i = (x_i & 1) * y_i - (a_i.value & 1) * b_i.value.
// P(i): the state is well formed, x_i in gamma(a_i), y_i in gamma(b_i), s_i in gamma(acc_i),
// a_i.value = a0.value >> i, b_i.value = (b0.value << i) mod 2^n. P(0) is init; P(i) => P(i+1)
// is step (note x_{i+1} = x_i >> 1, y_{i+1} = (y_i << 1) mod 2^n).
// Q(i): x * y - a0.value * b0.value = s_i + x_i * y_i - a_i.value * b_i.value (mod 2^n).
// Q(0) holds as s_0 = 0. Q(i) => Q(i+1): identity on (x_i, y_i) and on (a_i.value, b_i.value)
// gives x_i y_i - a_i.value b_i.value = c_i + x_{i+1} y_{i+1} - a_{i+1}.value b_{i+1}.value
// (mod 2^n, multiplication respects the reduction of its operands mod 2^n).
// After n steps y_n = 0 and b_n.value = 0, so Q(n) reads x * y = acc_v + s_n (mod 2^n), and
// P(n) gives s_n in gamma(acc_n): by finish, (x * y) mod 2^n is in
// gamma(tnum_mul(a0, b0, n)), which is well formed. By transfer, the operator's tnum component
// then holds the concrete result. The induction is on n and holds for every n, so the lemmas
// proven at a 64-bit word prove the tnum of mul and mul32 at 64 bits; each lemma is linear
// (multiplication by one bit only), which is why Z3 proves each at 64 bits in 0.1 to 1 s (the
// transfer lemma of mul, which composes 64 + 32 steps as terms, in about 5 s).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "verifier/domain/scalar.h"
#include "verifier/access_rules.h"
#include "verifier/domain/tighten.h"
#include "verifier/smt/operators.h"
#include "verifier/smt/z3_int_word.h"
#include "verifier/smt/z3_word.h"

namespace bpfcert::verifier::smt {

using SymScalar = domain::Scalar<Z3Word>;

// The operators under proof, as functions over the symbolic word. shipped_domain() gives the
// verifier's own templates; the tests substitute broken ones (mutants) to show that the prover
// finds what is wrong with them.
struct DomainUnderProof {
  std::function<SymScalar(semantics::AluOp, semantics::Width, const SymScalar&, const SymScalar&, unsigned)> alu;
  std::function<domain::Refined<Z3Word>(semantics::JmpOp, semantics::Width, bool, const SymScalar&, const SymScalar&)>
      refine;
  std::function<SymScalar(const SymScalar&, unsigned size, bool sign_extend)> load_result;
  std::function<SymScalar(const Z3Word& like, unsigned size, bool sign_extend)> unknown_load;
  std::function<SymScalar(const SymScalar&, const SymScalar&)> join;
  std::function<SymScalar(const SymScalar& older, const SymScalar& newer)> widen;
  std::function<domain::Tightened<Z3Word>(const SymScalar&)> tighten;
  std::vector<std::pair<std::string, std::function<SymScalar(const SymScalar&)>>> sync_steps;
  // tnum_mul's pieces (verifier/domain/tnum.h), proven on their own (see "tnum_mul by induction").
  std::function<domain::TnumMulState<Z3Word>(const domain::Tnum<Z3Word>&, const domain::Tnum<Z3Word>&)> tnum_mul_init;
  std::function<domain::TnumMulState<Z3Word>(const domain::TnumMulState<Z3Word>&, unsigned n)> tnum_mul_step;
  std::function<domain::Tnum<Z3Word>(const Z3Word& acc_v, const domain::Tnum<Z3Word>& acc_m, unsigned n)>
      tnum_mul_finish;
  // The checks (verifier/access_rules.h; statements in check_prover.cpp).
  std::function<Z3Bool(access_rules::Region, AccessKind, bool writable, const access_rules::AccessFacts<Z3IntWord>&)>
      access_accepted;
  std::function<std::optional<int64_t>(semantics::JmpOp, bool p_left, bool taken)> range_proven;
  std::function<SymScalar(const SymScalar& ptr, const SymScalar& x, bool subtract)> pointer_offset;
  std::function<SymScalar(const SymScalar& a, const SymScalar& b)> pointer_distance;
};

// The verifier's operators (unreduced transfer functions, the reduction's steps).
DomainUnderProof shipped_domain();

// A part of an operator's result that a statement is about.
enum class Component : uint8_t {
  Tnum,        // the concrete result is a member of the tnum
  U64,         // ... lies in [umin, umax]
  S64,         // ... in [smin, smax] (signed)
  U32,         // its low half lies in [u32min, u32max]
  S32,         // its low half, signed, in [s32min, s32max]
  WellFormed,  // the output is well formed (tnum value & mask = 0, ranges within their limits)
  Feasible,    // branches: a direction some concrete pair takes is not declared impossible
  Nonempty,    // tighten, sync's emptiness test: a state holding a value is not declared empty
  NoTrap,      // checks: an access the checker accepts does not trap in the machine model
  Holds,       // checks: a range a comparison records is true of the concrete state
};
std::string_view to_string(Component c);

// One statement: an operator, the part of its definition it is about (lemma), the component.
struct Obligation {
  const Operator* op = nullptr;
  std::string lemma;  // "transfer", "taken", "not_taken", "known_value", "unknown_value",
                      // "step1.ranges_from_tnum", ..., "nonempty", "endpoints", "join", "widen",
                      // "tnum_mul.init", "tnum_mul.step", "tnum_mul.identity", "tnum_mul.finish",
                      // "tnum_mul.transfer" (mul, mul32)
  Component component = Component::Tnum;
  std::string name() const;  // "add/transfer/u64"
};

// Every statement that together proves `op` sound (its own; the reduction's are sync's).
std::vector<Obligation> obligations_of(const Operator& op);

// Whether `ob` is one of the lemmas that prove tnum_mul by induction ("tnum_mul.*").
bool is_tnum_mul_lemma(const Obligation& ob);

// The widths the quick subset proves `ob` at: quick_widths(op), except that the inductive
// tnum_mul lemmas are cheap at every width (8, 16 and 64 bits).
std::vector<unsigned> quick_widths(const Obligation& ob);

// Whether `op`'s soundness also rests on the reduction (every operator but widen).
bool reduces(const Operator& op);

enum class Verdict : uint8_t { Proven, Refuted, Timeout, Error };
std::string_view to_string(Verdict v);

// A concrete input that breaks a statement: values of every symbol (inputs, concrete values)
// and of the operator's outputs, read from Z3's model.
struct Counterexample {
  unsigned width = 0;
  std::vector<std::pair<std::string, uint64_t>> values;  // "dst.umin", "x", "result", "out.umax", ...
  std::string explanation;  // which concrete value escapes which bound
  std::optional<uint64_t> value(const std::string& name) const;
};

struct Attempt {
  unsigned width = 0;
  Verdict verdict = Verdict::Error;
  double seconds = 0;
  std::string detail;  // the error, or Z3's reason for unknown
  std::optional<Counterexample> counterexample;
};

struct ObligationResult {
  Obligation obligation;
  std::vector<Attempt> attempts;  // in the order tried
  std::optional<unsigned> widest_proven() const;
  const Attempt* refutation() const;  // the first refuted attempt, if any
};

struct ProverOptions {
  // Widths to try, in order. With stop_at_first_failure, the first attempt that is not a proof
  // ends the sequence, so {8, 16, 32, 64} finds the widest width that finishes at the cost of
  // one timeout; without it every width is attempted.
  std::vector<unsigned> widths = {8, 16, 32, 64};
  bool stop_at_first_failure = true;
  double timeout_seconds = 60;
  int jobs = 1;
  // Called (from one thread at a time) as each obligation finishes.
  std::function<void(const ObligationResult&)> on_result;
};

// One statement at one width, in a context of its own.
Attempt prove_at(const Obligation& ob, unsigned width, double timeout_seconds,
                 const DomainUnderProof& domain = shipped_domain());

// Every obligation, on `jobs` threads; results in the order of `obligations`.
std::vector<ObligationResult> prove_all(const std::vector<Obligation>& obligations, const ProverOptions& options,
                                        const DomainUnderProof& domain = shipped_domain());

}  // namespace bpfcert::verifier::smt
