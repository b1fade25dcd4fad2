// The meaning of every value-computing encoding, written once over a Word (word.h).
// The interpreter and the JIT's constant folding instantiate it with uint64_t, the SMT checker
// with z3 bit-vectors. Control flow (pc updates, calls) and memory access stay with the
// executors; what a jump decides, what a load returns and what a store writes are here.
//
// Widths are relative to the word: a 64-bit word gives the ISA exactly; a narrower word scales
// every size by bits/64 (a 32-bit ALU op works on the low half, an 8-bit load on the low
// eighth), which is what proofs at reduced widths reason about.
#pragma once

#include <cstdint>

#include "semantics/opcode_table.h"
#include "semantics/word.h"

namespace bpfcert::semantics {

// Bits of a quantity that is `bits64` wide in the 64-bit ISA, on a word of width `width`.
constexpr unsigned scaled_bits(unsigned width, unsigned bits64) { return bits64 * width / 64; }

template <Word W>
W low_bits_mask(W like, unsigned n) {
  return n >= bit_width(like) ? lit(like, ~uint64_t{0}) : lit(like, (uint64_t{1} << n) - 1);
}

// Keep the low n bits, clear the rest.
template <Word W>
W zext(W x, unsigned n) {
  return n >= bit_width(x) ? x : x & low_bits_mask(x, n);
}

// Sign-extend the low n bits to the whole word.
template <Word W>
W sext(W x, unsigned n) {
  if (n >= bit_width(x)) return x;
  const W shift = lit(x, bit_width(x) - n);
  return ashr(shl(x, shift), shift);
}

// Reverse the order of the low n bits' lanes (a lane is a byte on a 64-bit word) and clear the
// bits above them: bswap16/32/64, and to_be on a little-endian machine.
template <Word W>
W byteswap(W x, unsigned n) {
  const unsigned lane = bit_width(x) / 8;
  const unsigned lanes = n / lane;
  const W lane_mask = low_bits_mask(x, lane);
  W out = lit(x, 0);
  for (unsigned i = 0; i < lanes; ++i) {
    const W part = lshr(x, lit(x, i * lane)) & lane_mask;
    out = out | shl(part, lit(x, (lanes - 1 - i) * lane));
  }
  return out;
}

// The operand width of an ALU or JMP encoding on this word.
template <Word W>
unsigned op_bits(Width w, W like) {
  return w == Width::W64 ? bit_width(like) : bit_width(like) / 2;
}

// Immediates are s32: K-form operands of ALU64 and JMP are sign-extended to 64 bits; the
// 32-bit forms only look at the low half, so one definition serves both (OPCODES.md §4.2).
constexpr uint64_t imm_operand(int32_t imm) { return static_cast<uint64_t>(static_cast<int64_t>(imm)); }

// LDDW: both halves zero-extended (OPCODES.md §4.3).
constexpr uint64_t lddw_value(int32_t imm, int32_t next_imm) {
  return static_cast<uint64_t>(static_cast<uint32_t>(imm)) |
         (static_cast<uint64_t>(static_cast<uint32_t>(next_imm)) << 32);
}

// Result of an ALU / ALU64 encoding. `src` is the second operand (register value or
// imm_operand()); `ext_bits` is the row's size (END / BSWAP / MOVSX width in 64-bit terms).
template <Word W>
W alu(AluOp op, Width width, W dst, W src, unsigned ext_bits = 0) {
  const unsigned n = op_bits(width, dst);
  const W zero = lit(dst, 0);
  const W amount_mask = lit(dst, n - 1);  // shift counts are masked (OPCODES.md §4.11)
  switch (op) {
    case AluOp::Add: return zext(dst + src, n);
    case AluOp::Sub: return zext(dst - src, n);
    case AluOp::Mul: return zext(dst * src, n);
    case AluOp::Or: return zext(dst | src, n);
    case AluOp::And: return zext(dst & src, n);
    case AluOp::Xor: return zext(dst ^ src, n);
    case AluOp::Neg: return zext(zero - dst, n);
    case AluOp::Mov: return zext(src, n);
    case AluOp::Lsh: return zext(shl(dst, src & amount_mask), n);
    case AluOp::Rsh: return lshr(zext(dst, n), src & amount_mask);
    case AluOp::Arsh: return zext(ashr(sext(dst, n), src & amount_mask), n);
    case AluOp::Div: {  // unsigned; x / 0 = 0 (§4.6)
      const W a = zext(dst, n), b = zext(src, n);
      return ite(eq(b, zero), zero, udiv(a, b));
    }
    case AluOp::Mod: {  // unsigned; x % 0 = x (§4.7)
      const W a = zext(dst, n), b = zext(src, n);
      return ite(eq(b, zero), a, urem(a, b));
    }
    case AluOp::Sdiv: {  // truncating; x s/ 0 = 0; INT_MIN s/ -1 = INT_MIN (§4.9, §4.10)
      const W a = sext(dst, n), b = sext(src, n);
      return zext(ite(eq(b, zero), zero, sdiv(a, b)), n);
    }
    case AluOp::Smod: {  // sign of the dividend; x s% 0 = x; INT_MIN s% -1 = 0
      const W a = sext(dst, n), b = sext(src, n);
      return zext(ite(eq(b, zero), a, srem(a, b)), n);
    }
    case AluOp::Movsx: return zext(sext(src, scaled_bits(bit_width(dst), ext_bits)), n);
    case AluOp::ToLe: return zext(dst, scaled_bits(bit_width(dst), ext_bits));  // bpfel: truncation
    case AluOp::ToBe:
    case AluOp::Bswap: return byteswap(dst, scaled_bits(bit_width(dst), ext_bits));
  }
  return dst;
}

// Whether a conditional jump is taken. JA is unconditional and never asks.
template <Word W>
BoolOf<W> jump_taken(JmpOp op, Width width, W dst, W src) {
  const unsigned n = op_bits(width, dst);
  const W a = zext(dst, n), b = zext(src, n);
  const W sa = sext(dst, n), sb = sext(src, n);
  switch (op) {
    case JmpOp::Jeq: return eq(a, b);
    case JmpOp::Jne: return !eq(a, b);
    case JmpOp::Jgt: return ult(b, a);
    case JmpOp::Jge: return ule(b, a);
    case JmpOp::Jlt: return ult(a, b);
    case JmpOp::Jle: return ule(a, b);
    case JmpOp::Jset: return !eq(a & b, lit(dst, 0));
    case JmpOp::Jsgt: return slt(sb, sa);
    case JmpOp::Jsge: return sle(sb, sa);
    case JmpOp::Jslt: return slt(sa, sb);
    case JmpOp::Jsle: return sle(sa, sb);
    case JmpOp::Ja: break;
  }
  return eq(a, a);
}

// Register value after loading `size` bytes (raw holds them in its low bits, little-endian):
// zero-extended (LDX MEM) or sign-extended (LDX MEMSX) (§4.5).
template <Word W>
W load_result(W raw, unsigned size, bool sign_extend) {
  const unsigned n = scaled_bits(bit_width(raw), size * 8);
  return sign_extend ? sext(raw, n) : zext(raw, n);
}

// Bits written by a store of `size` bytes (ST: value = imm_operand(imm), §4.4).
template <Word W>
W store_value(W value, unsigned size) {
  return zext(value, scaled_bits(bit_width(value), size * 8));
}

// Legacy packet loads convert from network byte order (§4.19).
template <Word W>
W packet_load_result(W raw, unsigned size) {
  return byteswap(raw, scaled_bits(bit_width(raw), size * 8));
}

// Memory contents after an atomic operation of `size` bytes on `old` (§4.18).
template <Word W>
W atomic_new_value(AtomicOp op, unsigned size, W old, W src, W r0) {
  const unsigned n = scaled_bits(bit_width(old), size * 8);
  const W o = zext(old, n), s = zext(src, n);
  switch (op) {
    case AtomicOp::Add: return zext(o + s, n);
    case AtomicOp::Or: return o | s;
    case AtomicOp::And: return o & s;
    case AtomicOp::Xor: return o ^ s;
    case AtomicOp::Xchg: return s;
    case AtomicOp::Cmpxchg: return ite(eq(o, zext(r0, n)), s, o);
  }
  return o;
}

// The value a fetching atomic writes back (to src, or to r0 for CMPXCHG): the old memory
// contents, zero-extended.
template <Word W>
W atomic_fetch_result(W old, unsigned size) {
  return zext(old, scaled_bits(bit_width(old), size * 8));
}

}  // namespace bpfcert::semantics
