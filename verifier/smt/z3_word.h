// The symbolic Word: a z3 bit-vector that instantiates the semantics templates
// (semantics/operations.h) and the abstract domains (verifier/domain/) so that Z3 reasons about
// the very code the interpreter and the verifier run. Primitives map one to one onto SMT-LIB's
// bit-vector operators, whose total semantics word.h's concrete words follow.
#pragma once

#include <z3++.h>

#include <cstdint>

#include "semantics/word.h"

namespace bpfcert::verifier::smt {

// A boolean of the symbolic instantiation (BoolOf<Z3Word>): comparisons return it, ite() takes it.
struct Z3Bool {
  z3::expr e;

  friend Z3Bool operator&&(const Z3Bool& a, const Z3Bool& b) { return {a.e && b.e}; }
  friend Z3Bool operator||(const Z3Bool& a, const Z3Bool& b) { return {a.e || b.e}; }
  friend Z3Bool operator!(const Z3Bool& a) { return {!a.e}; }
  // Equality and difference of two conditions (the templates compare "wrapped" flags).
  friend Z3Bool operator==(const Z3Bool& a, const Z3Bool& b) { return {a.e == b.e}; }
  friend Z3Bool operator!=(const Z3Bool& a, const Z3Bool& b) { return {a.e != b.e}; }
};

struct Z3Word {
  z3::expr e;

  friend Z3Word operator+(const Z3Word& a, const Z3Word& b) { return {a.e + b.e}; }
  friend Z3Word operator-(const Z3Word& a, const Z3Word& b) { return {a.e - b.e}; }
  friend Z3Word operator*(const Z3Word& a, const Z3Word& b) { return {a.e * b.e}; }
  friend Z3Word operator&(const Z3Word& a, const Z3Word& b) { return {a.e & b.e}; }
  friend Z3Word operator|(const Z3Word& a, const Z3Word& b) { return {a.e | b.e}; }
  friend Z3Word operator^(const Z3Word& a, const Z3Word& b) { return {a.e ^ b.e}; }
  friend Z3Word operator~(const Z3Word& a) { return {~a.e}; }

  friend unsigned bit_width(const Z3Word& a) { return a.e.get_sort().bv_size(); }
  friend Z3Word lit(const Z3Word& like, uint64_t c) {
    return {like.e.ctx().bv_val(static_cast<uint64_t>(c), bit_width(like))};
  }
  friend Z3Word shl(const Z3Word& a, const Z3Word& b) { return {z3::shl(a.e, b.e)}; }
  friend Z3Word lshr(const Z3Word& a, const Z3Word& b) { return {z3::lshr(a.e, b.e)}; }
  friend Z3Word ashr(const Z3Word& a, const Z3Word& b) { return {z3::ashr(a.e, b.e)}; }
  friend Z3Word udiv(const Z3Word& a, const Z3Word& b) { return {z3::udiv(a.e, b.e)}; }
  friend Z3Word urem(const Z3Word& a, const Z3Word& b) { return {z3::urem(a.e, b.e)}; }
  friend Z3Word sdiv(const Z3Word& a, const Z3Word& b) { return {a.e / b.e}; }  // bvsdiv
  friend Z3Word srem(const Z3Word& a, const Z3Word& b) { return {z3::srem(a.e, b.e)}; }
  friend Z3Bool eq(const Z3Word& a, const Z3Word& b) { return {a.e == b.e}; }
  friend Z3Bool ult(const Z3Word& a, const Z3Word& b) { return {z3::ult(a.e, b.e)}; }
  friend Z3Bool ule(const Z3Word& a, const Z3Word& b) { return {z3::ule(a.e, b.e)}; }
  friend Z3Bool slt(const Z3Word& a, const Z3Word& b) { return {a.e < b.e}; }   // bvslt
  friend Z3Bool sle(const Z3Word& a, const Z3Word& b) { return {a.e <= b.e}; }  // bvsle
  // Literal conditions are folded here: the templates guard many choices with conditions that
  // are constant for a given encoding, and folding them keeps the formulas small.
  friend Z3Word ite(const Z3Bool& c, const Z3Word& a, const Z3Word& b) {
    if (c.e.is_true()) return a;
    if (c.e.is_false()) return b;
    return {z3::ite(c.e, a.e, b.e)};
  }
};

static_assert(semantics::Word<Z3Word>);

// A fresh bit-vector constant of the given width.
inline Z3Word fresh_word(z3::context& ctx, const char* name, unsigned width) { return {ctx.bv_const(name, width)}; }
inline Z3Word word_val(z3::context& ctx, uint64_t v, unsigned width) { return {ctx.bv_val(v, width)}; }

}  // namespace bpfcert::verifier::smt
