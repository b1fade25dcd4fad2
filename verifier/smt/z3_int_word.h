// A second symbolic Word for linear statements: a 64-bit word as a Z3 integer in [0, 2^64),
// every operation exact modulo 2^64 (a sum past 2^64 loses 2^64, a negative difference gains
// it; signed comparisons read words from 2^63 up as negative). It instantiates the templates
// that only add, subtract and compare (the access checks of verifier/access_rules.h, the
// machine model's contains() and map_values(), jump_taken at 64 bits), where Z3's linear
// integer arithmetic proves in a fraction of a second what the bit-blasted form of the same
// statement (Z3Word) takes tens of seconds for: the prover's statements about the checks.
//
// Its operations are meant to agree with the machine's uint64_t ones on every input; that is this
// file's word, checked (tests/smt/check_prover_test.cpp) on every pair of boundary and
// pseudo-random words, not proven: Z3 4.8.12 does not finish the equality through bv2int at 64
// bits. Bitwise operations and shifts are not linear: they throw, so a template that needs them
// cannot be instantiated here by mistake and pass unnoticed.
#pragma once

#include <z3++.h>

#include <cstdint>
#include <stdexcept>

#include "semantics/word.h"
#include "verifier/smt/z3_word.h"

namespace bpfcert::verifier::smt {

struct Z3IntWord {
  z3::expr e;  // an Int in [0, 2^64)

  static z3::expr modulus(z3::context& c) { return c.int_val("18446744073709551616"); }  // 2^64
  static z3::expr half(z3::context& c) { return c.int_val("9223372036854775808"); }      // 2^63
  z3::context& ctx() const { return e.ctx(); }
  // The word as a signed number (two's complement).
  z3::expr signed_value() const { return z3::ite(e >= half(ctx()), e - modulus(ctx()), e); }
  // v mod 2^64 for an integer v in (-2^64, 2^65).
  static Z3IntWord wrap(const z3::expr& v) {
    z3::context& c = v.ctx();
    return {z3::ite(v >= modulus(c), v - modulus(c), z3::ite(v < 0, v + modulus(c), v))};
  }
  [[noreturn]] static void nonlinear(const char* op) {
    throw std::logic_error(std::string("Z3IntWord: ") + op + " is not linear (instantiate the template with Z3Word)");
  }

  friend Z3IntWord operator+(const Z3IntWord& a, const Z3IntWord& b) { return wrap(a.e + b.e); }
  friend Z3IntWord operator-(const Z3IntWord& a, const Z3IntWord& b) { return wrap(a.e - b.e); }
  friend Z3IntWord operator*(const Z3IntWord& a, const Z3IntWord& b) {
    if (!a.e.is_numeral() && !b.e.is_numeral()) nonlinear("a product of two unknowns");
    return {z3::mod(a.e * b.e, modulus(a.ctx()))};
  }
  friend Z3IntWord operator&(const Z3IntWord&, const Z3IntWord&) { nonlinear("&"); }
  friend Z3IntWord operator|(const Z3IntWord&, const Z3IntWord&) { nonlinear("|"); }
  friend Z3IntWord operator^(const Z3IntWord&, const Z3IntWord&) { nonlinear("^"); }
  friend Z3IntWord operator~(const Z3IntWord& a) { return {modulus(a.ctx()) - 1 - a.e}; }

  friend unsigned bit_width(const Z3IntWord&) { return 64; }
  friend Z3IntWord lit(const Z3IntWord& like, uint64_t c) { return {like.ctx().int_val(c)}; }
  friend Z3IntWord shl(const Z3IntWord&, const Z3IntWord&) { nonlinear("shl"); }
  friend Z3IntWord lshr(const Z3IntWord&, const Z3IntWord&) { nonlinear("lshr"); }
  friend Z3IntWord ashr(const Z3IntWord&, const Z3IntWord&) { nonlinear("ashr"); }
  // Division and remainder by a constant are linear (Z3 introduces the quotient); by zero they
  // give what the bit-vector ones give (all ones, the dividend).
  friend Z3IntWord udiv(const Z3IntWord& a, const Z3IntWord& b) {
    if (!b.e.is_numeral()) nonlinear("udiv by an unknown");
    return {z3::ite(b.e == 0, modulus(a.ctx()) - 1, a.e / b.e)};
  }
  friend Z3IntWord urem(const Z3IntWord& a, const Z3IntWord& b) {
    if (!b.e.is_numeral()) nonlinear("urem by an unknown");
    uint64_t d = 0;
    if (b.e.is_numeral_u64(d) && d == 0) return a;
    return {z3::mod(a.e, b.e)};
  }
  friend Z3IntWord sdiv(const Z3IntWord&, const Z3IntWord&) { nonlinear("sdiv"); }
  friend Z3IntWord srem(const Z3IntWord&, const Z3IntWord&) { nonlinear("srem"); }
  friend Z3Bool eq(const Z3IntWord& a, const Z3IntWord& b) { return {a.e == b.e}; }
  friend Z3Bool ult(const Z3IntWord& a, const Z3IntWord& b) { return {a.e < b.e}; }
  friend Z3Bool ule(const Z3IntWord& a, const Z3IntWord& b) { return {a.e <= b.e}; }
  friend Z3Bool slt(const Z3IntWord& a, const Z3IntWord& b) { return {a.signed_value() < b.signed_value()}; }
  friend Z3Bool sle(const Z3IntWord& a, const Z3IntWord& b) { return {a.signed_value() <= b.signed_value()}; }
  friend Z3IntWord ite(const Z3Bool& c, const Z3IntWord& a, const Z3IntWord& b) {
    if (c.e.is_true()) return a;
    if (c.e.is_false()) return b;
    return {z3::ite(c.e, a.e, b.e)};
  }
};

static_assert(semantics::Word<Z3IntWord>);

// A fresh word and the fact that it is one (0 <= w < 2^64), which every statement assumes.
inline Z3IntWord fresh_int_word(z3::context& ctx, const char* name) { return {ctx.int_const(name)}; }
inline z3::expr is_word(const Z3IntWord& w) { return w.e >= 0 && w.e < Z3IntWord::modulus(w.ctx()); }

}  // namespace bpfcert::verifier::smt
