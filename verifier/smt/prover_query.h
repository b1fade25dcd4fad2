// The prover's pieces shared by the statements about the scalar domain (prover.cpp) and about
// the checks (check_prover.cpp): the symbols of one query and the query itself. Internal to
// verifier/smt.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "semantics/operations.h"
#include "verifier/smt/prover.h"

namespace bpfcert::verifier::smt::detail {

// The symbols of one query and the values worth reading back from a model.
class Symbols {
 public:
  Symbols(z3::context& ctx, unsigned width) : ctx_(ctx), width_(width) {}

  Z3Word word(const std::string& name) {
    Z3Word w = fresh_word(ctx_, name.c_str(), width_);
    observe(name, w);
    return w;
  }
  SymScalar scalar(const std::string& p) {
    return {{word(p + ".tnum.value"), word(p + ".tnum.mask")}, word(p + ".umin"),   word(p + ".umax"),
            word(p + ".smin"),        word(p + ".smax"),       word(p + ".u32min"), word(p + ".u32max"),
            word(p + ".s32min"),      word(p + ".s32max")};
  }
  void observe(const std::string& name, const Z3Word& w) { observed_.emplace_back(name, w.e); }
  void observe(const std::string& p, const SymScalar& s) {
    observe(p + ".tnum.value", s.t.value);
    observe(p + ".tnum.mask", s.t.mask);
    observe(p + ".umin", s.umin);
    observe(p + ".umax", s.umax);
    observe(p + ".smin", s.smin);
    observe(p + ".smax", s.smax);
    observe(p + ".u32min", s.u32min);
    observe(p + ".u32max", s.u32max);
    observe(p + ".s32min", s.s32min);
    observe(p + ".s32max", s.s32max);
  }
  const std::vector<std::pair<std::string, z3::expr>>& observed() const { return observed_; }
  z3::context& ctx() { return ctx_; }
  unsigned width() const { return width_; }

 private:
  z3::context& ctx_;
  unsigned width_;
  std::vector<std::pair<std::string, z3::expr>> observed_;
};

// The statement as hypothesis => goal; the solver looks for a model of hypothesis && !goal.
struct Query {
  z3::expr hypothesis;
  z3::expr goal;
  // Simplify with polynomial normalisation (som) first: a ring identity such as
  // (2h + l) v = l v + h (2v) is then rewritten to true, where bit-blasting the multipliers
  // does not finish beyond about 10 bits.
  bool ring_normalize = false;
  // A statement over Z3IntWord (linear integer arithmetic), not bit-vectors.
  bool linear_integer = false;
};

inline Z3Bool contains(const SymScalar& s, const Z3Word& x, Component c) {
  const unsigned h = bit_width(x) / 2;
  switch (c) {
    case Component::Tnum: return domain::tnum_contains(s.t, x);
    case Component::U64: return ule(s.umin, x) && ule(x, s.umax);
    case Component::S64: return sle(s.smin, x) && sle(x, s.smax);
    case Component::U32: {
      const Z3Word u = semantics::zext(x, h);
      return ule(s.u32min, u) && ule(u, s.u32max);
    }
    case Component::S32: {
      const Z3Word v = semantics::sext(x, h);
      return sle(s.s32min, v) && sle(v, s.s32max);
    }
    default: break;
  }
  return {x.e.ctx().bool_val(true)};
}

// "For input states A (and B) holding x (and y): output holds the concrete result in component
// c, or output is well formed." Shared by every lemma whose output is one scalar.
inline z3::expr scalar_goal(const SymScalar& out, const Z3Word& concrete, Component c) {
  if (c == Component::WellFormed) return domain::scalar_well_formed(out).e;
  return contains(out, concrete, c).e;
}

// Inputs that hold the concrete values: well formed, and x in gamma(s).
inline z3::expr well_formed_holding(const SymScalar& s, const Z3Word& x) {
  return (domain::scalar_well_formed(s) && domain::scalar_contains(s, x)).e;
}

// The statements about the checks (check_prover.cpp): their lemmas, the query of one, and a
// line that says what a counterexample shows.
std::vector<std::string> check_lemmas(const Operator& op);
std::vector<Obligation> check_obligations(const Operator& op);
Query check_query(Symbols& sym, const Obligation& ob, const DomainUnderProof& dom);
std::string explain_check(const Obligation& ob, const Counterexample& cex);
void add_shipped_checks(DomainUnderProof& d);

}  // namespace bpfcert::verifier::smt::detail
