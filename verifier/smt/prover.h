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
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "verifier/domain/scalar.h"
#include "verifier/domain/tighten.h"
#include "verifier/smt/operators.h"
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
};
std::string_view to_string(Component c);

// One statement: an operator, the part of its definition it is about (lemma), the component.
struct Obligation {
  const Operator* op = nullptr;
  std::string lemma;  // "transfer", "taken", "not_taken", "known_value", "unknown_value",
                      // "step1.ranges_from_tnum", ..., "nonempty", "endpoints", "join", "widen"
  Component component = Component::Tnum;
  std::string name() const;  // "add/transfer/u64"
};

// Every statement that together proves `op` sound (its own; the reduction's are sync's).
std::vector<Obligation> obligations_of(const Operator& op);

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
