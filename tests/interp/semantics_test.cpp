// The ISA's meaning, family by family, with every corner case of OPCODES.md §4. Each case is
// a tiny program and the r0 it must return; the expected values are written by hand from the
// spec (the comments give the arithmetic), never recorded from a run.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "run_util.h"

namespace bpfcert::interp {
namespace {

using test_support::Vm;

struct Case {
  const char* name;
  const char* program;  // bpf_conformance syntax
  uint64_t r0;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

// clang-format off
const Case kCases[] = {
  // ---- §4.1: every ALU (32-bit) result is zero-extended ----------------------------------
  {"add32_wraps_and_zero_extends", "lddw %r0, 0xffffffffffffffff\nadd32 %r0, 1\nexit", 0},
  {"add32_reg_ignores_upper_halves", "lddw %r0, 0x100000005\nlddw %r1, 0x200000003\nadd32 %r0, %r1\nexit", 8},
  {"sub32_zero_extends", "lddw %r0, 0xdeadbeef00000000\nsub32 %r0, 1\nexit", 0xffffffff},
  {"sub32_reg", "mov %r0, 3\nmov %r1, 5\nsub32 %r0, %r1\nexit", 0xfffffffe},
  {"mul32_zero_extends", "lddw %r0, 0xffffffff00000003\nmul32 %r0, 3\nexit", 9},
  {"mul32_reg", "lddw %r0, 0x100000007\nlddw %r1, 0x300000006\nmul32 %r0, %r1\nexit", 42},
  {"div32_uses_low_halves", "lddw %r0, 0x10000000a\ndiv32 %r0, 3\nexit", 3},
  {"div32_reg", "lddw %r0, 0x10000000a\nlddw %r1, 0x100000002\ndiv32 %r0, %r1\nexit", 5},
  {"or32_zero_extends", "lddw %r0, 0xffffffff00000000\nor32 %r0, 1\nexit", 1},
  {"or32_reg", "lddw %r0, 0xffffffff00000000\nmov %r1, 6\nor32 %r0, %r1\nexit", 6},
  {"and32_zero_extends", "mov %r0, -1\nand32 %r0, -1\nexit", 0xffffffff},
  {"and32_reg", "mov %r0, -1\nmov %r1, -1\nand32 %r0, %r1\nexit", 0xffffffff},
  {"lsh32_drops_bits_shifted_out", "lddw %r0, 0xffffffff80000001\nlsh32 %r0, 1\nexit", 2},
  {"rsh32_shifts_in_zeros_not_the_upper_half", "lddw %r0, 0x100000000\nrsh32 %r0, 1\nexit", 0},
  {"rsh32_reg", "lddw %r0, 0xffffffff80000000\nmov %r1, 4\nrsh32 %r0, %r1\nexit", 0x08000000},
  {"neg32_zero_extends", "lddw %r0, 0xffffffff00000001\nneg32 %r0\nexit", 0xffffffff},
  {"mod32_uses_low_halves", "lddw %r0, 0x10000000a\nmod32 %r0, 3\nexit", 1},
  {"mod32_reg", "lddw %r0, 0x10000000a\nlddw %r1, 0x100000004\nmod32 %r0, %r1\nexit", 2},
  {"xor32_zero_extends", "lddw %r0, 0xffffffff0000000f\nxor32 %r0, 0xff\nexit", 0xf0},
  {"xor32_reg", "lddw %r0, 0xffffffff0000000f\nmov %r1, 0xff\nxor32 %r0, %r1\nexit", 0xf0},
  {"mov32_imm_minus_one", "mov32 %r0, -1\nexit", 0xffffffff},
  {"mov32_reg_takes_the_low_half", "lddw %r1, 0x1122334455667788\nmov %r0, -1\nmov32 %r0, %r1\nexit", 0x55667788},
  {"arsh32_sign_bit_is_bit_31", "lddw %r0, 0x80000000\narsh32 %r0, 4\nexit", 0xf8000000},
  {"arsh32_reg_zero_extends", "lddw %r0, 0xffffffff80000000\nmov %r1, 31\narsh32 %r0, %r1\nexit", 0xffffffff},
  {"arsh32_positive", "lddw %r0, 0xffffffff40000000\narsh32 %r0, 30\nexit", 1},

  // ---- ALU64 basics --------------------------------------------------------------------
  {"add64", "lddw %r0, 0xffffffff\nadd %r0, 1\nexit", 0x100000000},
  {"add64_reg", "lddw %r0, 0x100000000\nlddw %r1, 0x200000001\nadd %r0, %r1\nexit", 0x300000001},
  {"sub64", "mov %r0, 0\nsub %r0, 1\nexit", 0xffffffffffffffff},
  {"sub64_reg", "mov %r0, 5\nmov %r1, 7\nsub %r0, %r1\nexit", 0xfffffffffffffffe},
  {"mul64", "lddw %r0, 0x100000000\nmul %r0, 3\nexit", 0x300000000},
  {"mul64_reg", "lddw %r0, 0x100000001\nmov %r1, 16\nmul %r0, %r1\nexit", 0x1000000010},
  {"div64", "lddw %r0, 0x300000000\ndiv %r0, 3\nexit", 0x100000000},
  {"div64_reg", "lddw %r0, 0x300000000\nlddw %r1, 0x100000000\ndiv %r0, %r1\nexit", 3},
  {"or64", "lddw %r0, 0x100000000\nor %r0, 1\nexit", 0x100000001},
  {"or64_reg", "lddw %r0, 0x100000000\nmov %r1, 2\nor %r0, %r1\nexit", 0x100000002},
  {"and64", "mov %r0, -1\nand %r0, 0xff00\nexit", 0xff00},
  {"and64_reg", "mov %r0, -1\nlddw %r1, 0xf00000000\nand %r0, %r1\nexit", 0xf00000000},
  {"lsh64", "mov %r0, 1\nlsh %r0, 40\nexit", 0x10000000000},
  {"lsh64_reg", "mov %r0, 1\nmov %r1, 63\nlsh %r0, %r1\nexit", 0x8000000000000000},
  {"rsh64_logical", "mov %r0, -1\nrsh %r0, 60\nexit", 0xf},
  {"rsh64_reg", "mov %r0, -1\nmov %r1, 63\nrsh %r0, %r1\nexit", 1},
  {"arsh64", "lddw %r0, 0x8000000000000000\narsh %r0, 60\nexit", 0xfffffffffffffff8},
  {"arsh64_reg", "lddw %r0, 0x4000000000000000\nmov %r1, 62\narsh %r0, %r1\nexit", 1},
  {"neg64", "mov %r0, 5\nneg %r0\nexit", 0xfffffffffffffffb},
  {"mod64", "lddw %r0, 0x300000001\nmod %r0, 3\nexit", 1},
  {"mod64_reg", "lddw %r0, 0x300000002\nlddw %r1, 0x100000000\nmod %r0, %r1\nexit", 2},
  {"xor64", "mov %r0, -1\nxor %r0, 1\nexit", 0xfffffffffffffffe},
  {"xor64_reg", "lddw %r0, 0xff00ff00ff00ff00\nmov %r1, -1\nxor %r0, %r1\nexit", 0x00ff00ff00ff00ff},
  {"mov64_reg", "lddw %r1, 0x1122334455667788\nmov %r0, %r1\nexit", 0x1122334455667788},

  // ---- §4.2: immediates are s32, sign-extended for ALU64 / JMP ---------------------------
  {"mov64_imm_sign_extends", "mov %r0, -1\nexit", 0xffffffffffffffff},
  {"mov64_imm_0x80000000_sign_extends", "mov %r0, 0x80000000\nexit", 0xffffffff80000000},
  {"add64_imm_sign_extends", "mov %r0, 0\nadd %r0, -1\nexit", 0xffffffffffffffff},
  {"and64_imm_sign_extends", "mov %r0, -1\nand %r0, 0x80000000\nexit", 0xffffffff80000000},
  {"or64_imm_sign_extends", "mov %r0, 0\nor %r0, -2\nexit", 0xfffffffffffffffe},
  {"xor64_imm_sign_extends", "mov %r0, 0\nxor %r0, -1\nexit", 0xffffffffffffffff},
  {"sub64_imm_sign_extends", "mov %r0, 0\nsub %r0, -2\nexit", 2},
  {"mul64_imm_sign_extends", "mov %r0, 2\nmul %r0, -1\nexit", 0xfffffffffffffffe},
  {"jeq64_imm_sign_extends", "lddw %r1, 0xffffffff80000000\nmov %r0, 0\njeq %r1, 0x80000000, +1\nexit\nmov %r0, 1\nexit", 1},
  {"jeq64_imm_not_zero_extended", "lddw %r1, 0x80000000\nmov %r0, 0\njeq %r1, 0x80000000, +1\nexit\nmov %r0, 1\nexit", 0},
  {"jeq32_imm_low_half", "lddw %r1, 0x80000000\nmov %r0, 0\njeq32 %r1, 0x80000000, +1\nexit\nmov %r0, 1\nexit", 1},
  // §4.8: unsigned DIV/MOD of ALU64 see the sign-extended imm as u64.
  {"div64_negative_imm", "mov %r0, -1\ndiv %r0, -10\nexit", 1},
  {"mod64_negative_imm", "mov %r0, -1\nmod %r0, -10\nexit", 9},
  {"div32_negative_imm", "mov32 %r0, -1\ndiv32 %r0, -10\nexit", 1},
  {"mod32_negative_imm", "mov32 %r0, -1\nmod32 %r0, -10\nexit", 9},
  {"div32_minus_one", "mov32 %r0, -2\ndiv32 %r0, -1\nexit", 0},

  // ---- §4.3: LDDW halves are zero-extended ------------------------------------------------
  {"lddw_low_half_not_sign_extended", "lddw %r0, 0x80000000\nexit", 0x80000000},
  {"lddw_high_half", "lddw %r0, 0xffffffff00000000\nexit", 0xffffffff00000000},
  {"lddw_both_halves", "lddw %r0, 0x1122334455667788\nexit", 0x1122334455667788},
  {"lddw_negative", "lddw %r0, -2\nexit", 0xfffffffffffffffe},

  // ---- §4.6 / §4.7: division and modulo by zero ------------------------------------------
  {"div64_by_zero_imm", "mov %r0, 7\ndiv %r0, 0\nexit", 0},
  {"div64_by_zero_reg", "mov %r0, 7\nmov %r1, 0\ndiv %r0, %r1\nexit", 0},
  {"div32_by_zero_imm", "mov %r0, -1\ndiv32 %r0, 0\nexit", 0},
  {"div32_by_zero_reg_upper_half_nonzero", "mov %r0, -1\nlddw %r1, 0x100000000\ndiv32 %r0, %r1\nexit", 0},
  {"sdiv64_by_zero", "mov %r0, -7\nmov %r1, 0\nsdiv %r0, %r1\nexit", 0},
  {"sdiv64_by_zero_imm", "mov %r0, -7\nsdiv %r0, 0\nexit", 0},
  {"sdiv32_by_zero", "mov %r0, -7\nsdiv32 %r0, 0\nexit", 0},
  {"sdiv32_by_zero_reg", "mov %r0, -7\nmov %r1, 0\nsdiv32 %r0, %r1\nexit", 0},
  {"mod64_by_zero_keeps_dst", "lddw %r0, 0x123456789abcdef0\nmod %r0, 0\nexit", 0x123456789abcdef0},
  {"mod64_by_zero_reg", "lddw %r0, 0x123456789abcdef0\nmov %r1, 0\nmod %r0, %r1\nexit", 0x123456789abcdef0},
  {"mod32_by_zero_zero_extends", "lddw %r0, 0x123456789abcdef0\nmod32 %r0, 0\nexit", 0x9abcdef0},
  {"mod32_by_zero_reg", "lddw %r0, 0x123456789abcdef0\nlddw %r1, 0x100000000\nmod32 %r0, %r1\nexit", 0x9abcdef0},
  {"smod64_by_zero", "mov %r0, -13\nsmod %r0, 0\nexit", 0xfffffffffffffff3},
  {"smod64_by_zero_reg", "mov %r0, -13\nmov %r1, 0\nsmod %r0, %r1\nexit", 0xfffffffffffffff3},
  {"smod32_by_zero_zero_extends", "mov %r0, -13\nsmod32 %r0, 0\nexit", 0xfffffff3},
  {"smod32_by_zero_reg", "mov %r0, -13\nmov %r1, 0\nsmod32 %r0, %r1\nexit", 0xfffffff3},

  // ---- §4.9: signed division truncates; the remainder has the dividend's sign -----------
  {"sdiv64_truncates", "mov %r0, -13\nsdiv %r0, 3\nexit", 0xfffffffffffffffc},           // -4
  {"sdiv64_reg", "mov %r0, 13\nmov %r1, -3\nsdiv %r0, %r1\nexit", 0xfffffffffffffffc},    // -4
  {"sdiv64_both_negative", "mov %r0, -13\nsdiv %r0, -3\nexit", 4},
  {"smod64_negative_dividend", "mov %r0, -13\nsmod %r0, 3\nexit", 0xffffffffffffffff},    // -1
  {"smod64_negative_divisor", "mov %r0, 13\nsmod %r0, -3\nexit", 1},
  {"smod64_reg_both_negative", "mov %r0, -13\nmov %r1, -3\nsmod %r0, %r1\nexit", 0xffffffffffffffff},
  {"sdiv32_truncates", "mov32 %r0, -13\nsdiv32 %r0, 3\nexit", 0xfffffffc},
  {"sdiv32_reg_sign_from_bit_31", "lddw %r0, 0xfffffff3\nlddw %r1, 0x100000003\nsdiv32 %r0, %r1\nexit", 0xfffffffc},
  {"smod32_negative_dividend", "mov32 %r0, -13\nsmod32 %r0, 3\nexit", 0xffffffff},
  {"smod32_negative_divisor", "mov32 %r0, 13\nsmod32 %r0, -3\nexit", 1},
  {"smod32_reg", "mov32 %r0, -13\nmov %r1, -3\nsmod32 %r0, %r1\nexit", 0xffffffff},
  // Unsigned division of the same bits is different.
  {"div64_is_unsigned", "mov %r0, -13\ndiv %r0, 3\nexit", 0x5555555555555551},          // (2^64-13)/3 = 0x5555555555555555 - 4
  {"mod32_is_unsigned", "mov32 %r0, -13\nmod32 %r0, 3\nexit", 0},                         // 4294967283 % 3

  // ---- §4.10: INT_MIN s/ -1 = INT_MIN, INT_MIN s% -1 = 0 ----------------------------------
  {"sdiv64_int_min_by_minus_one_imm", "lddw %r0, 0x8000000000000000\nsdiv %r0, -1\nexit", 0x8000000000000000},
  {"sdiv64_int_min_by_minus_one_reg", "lddw %r0, 0x8000000000000000\nmov %r1, -1\nsdiv %r0, %r1\nexit", 0x8000000000000000},
  {"smod64_int_min_by_minus_one_imm", "lddw %r0, 0x8000000000000000\nsmod %r0, -1\nexit", 0},
  {"smod64_int_min_by_minus_one_reg", "lddw %r0, 0x8000000000000000\nmov %r1, -1\nsmod %r0, %r1\nexit", 0},
  {"sdiv32_int_min_by_minus_one_imm", "lddw %r0, 0xffffffff80000000\nsdiv32 %r0, -1\nexit", 0x80000000},
  {"sdiv32_int_min_by_minus_one_reg", "lddw %r0, 0x80000000\nmov32 %r1, -1\nsdiv32 %r0, %r1\nexit", 0x80000000},
  {"smod32_int_min_by_minus_one_imm", "lddw %r0, 0xffffffff80000000\nsmod32 %r0, -1\nexit", 0},
  {"smod32_int_min_by_minus_one_reg", "lddw %r0, 0x80000000\nmov %r1, -1\nsmod32 %r0, %r1\nexit", 0},

  // ---- §4.11: shift counts are masked (& 63 / & 31) --------------------------------------
  {"lsh64_reg_65_is_1", "mov %r0, 1\nmov %r1, 65\nlsh %r0, %r1\nexit", 2},
  {"lsh64_imm_65_is_1", "mov %r0, 1\nlsh %r0, 65\nexit", 2},
  {"lsh32_reg_33_is_1", "mov %r0, 1\nmov %r1, 33\nlsh32 %r0, %r1\nexit", 2},
  {"lsh32_reg_32_is_0", "lddw %r0, 0x1200000034\nmov %r1, 32\nlsh32 %r0, %r1\nexit", 0x34},
  {"lsh32_imm_33", "mov %r0, 1\nlsh32 %r0, 33\nexit", 2},
  {"rsh32_reg_minus_one_is_31", "lddw %r0, 0x80000000\nmov %r1, -1\nrsh32 %r0, %r1\nexit", 1},
  {"rsh32_imm_minus_one", "lddw %r0, 0x80000000\nrsh32 %r0, -1\nexit", 1},
  {"rsh64_reg_minus_one_is_63", "lddw %r0, 0x8000000000000000\nmov %r1, -1\nrsh %r0, %r1\nexit", 1},
  {"rsh64_imm_64_is_0", "mov %r0, 5\nrsh %r0, 64\nexit", 5},
  {"arsh64_reg_127_is_63", "lddw %r0, 0x8000000000000000\nmov %r1, 127\narsh %r0, %r1\nexit", 0xffffffffffffffff},
  {"arsh64_imm_64_is_0", "mov %r0, -8\narsh %r0, 64\nexit", 0xfffffffffffffff8},
  {"arsh32_reg_63_is_31", "lddw %r0, 0x80000000\nmov %r1, 63\narsh32 %r0, %r1\nexit", 0xffffffff},
  {"arsh32_imm_32_is_0", "lddw %r0, 0xffffffff80000000\narsh32 %r0, 32\nexit", 0x80000000},

  // ---- §4.12: MUL and NEG wrap -----------------------------------------------------------
  {"mul32_int_min_by_minus_one", "lddw %r0, 0x80000000\nmul32 %r0, -1\nexit", 0x80000000},
  {"neg32_int_min", "lddw %r0, 0x80000000\nneg32 %r0\nexit", 0x80000000},
  {"neg64_int_min", "lddw %r0, 0x8000000000000000\nneg %r0\nexit", 0x8000000000000000},
  {"mul64_wraps", "lddw %r0, 0x8000000000000000\nmul %r0, 2\nexit", 0},
  {"mul64_reg_wraps", "lddw %r0, 0x100000001\nlddw %r1, 0x100000001\nmul %r0, %r1\nexit", 0x200000001},
  {"neg64_one", "mov %r0, 1\nneg %r0\nexit", 0xffffffffffffffff},

  // ---- §4.13: END / BSWAP (little-endian host: le truncates, be swaps) --------------------
  {"le16_truncates", "lddw %r0, 0x8877665544332211\nle16 %r0\nexit", 0x2211},
  {"le32_truncates", "lddw %r0, 0x8877665544332211\nle32 %r0\nexit", 0x44332211},
  {"le64_is_identity", "lddw %r0, 0x8877665544332211\nle64 %r0\nexit", 0x8877665544332211},
  {"be16_swaps_and_truncates", "lddw %r0, 0x8877665544332211\nbe16 %r0\nexit", 0x1122},
  {"be32_swaps_and_truncates", "lddw %r0, 0x8877665544332211\nbe32 %r0\nexit", 0x11223344},
  {"be64_swaps", "lddw %r0, 0x8877665544332211\nbe64 %r0\nexit", 0x1122334455667788},
  {"bswap16", "lddw %r0, 0x8877665544332211\nbswap16 %r0\nexit", 0x1122},
  {"bswap32", "lddw %r0, 0x8877665544332211\nbswap32 %r0\nexit", 0x11223344},
  {"bswap64", "lddw %r0, 0x8877665544332211\nbswap64 %r0\nexit", 0x1122334455667788},

  // ---- §4.14: MOVSX ------------------------------------------------------------------------
  // ---- Linux's extensions (opcode_table.cpp): values worked out by hand ---------------------
  // addr_space_cast keeps the low 32 bits either way in a machine with no arena above 4 GiB.
  {"addr_space_cast_kern_low_half", "lddw %r1, 0xdeadbeef80000001\naddr_space_cast %r0, %r1, 0, 1\nexit", 0x80000001},
  {"addr_space_cast_user_null", "lddw %r1, 0x1234567800000000\naddr_space_cast %r0, %r1, 1, 0\nexit", 0},
  // load-acquire zero-extends its 1, 2, 4 or 8 bytes; store-release writes only its size.
  {"load_acquire_b", "lddw %r1, 0x8182838485868788\nstxdw [%r10-8], %r1\nldacqb %r0, [%r10-8]\nexit", 0x88},
  {"load_acquire_h", "lddw %r1, 0x8182838485868788\nstxdw [%r10-8], %r1\nldacqh %r0, [%r10-8]\nexit", 0x8788},
  {"load_acquire_w", "lddw %r1, 0x8182838485868788\nstxdw [%r10-8], %r1\nldacqw %r0, [%r10-8]\nexit", 0x85868788},
  {"load_acquire_dw", "lddw %r1, 0x8182838485868788\nstxdw [%r10-8], %r1\nldacqdw %r0, [%r10-8]\nexit",
   0x8182838485868788},
  {"store_release_b", "stdw [%r10-8], 0\nmov %r1, -1\nstrelb [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0xff},
  {"store_release_h", "stdw [%r10-8], 0\nmov %r1, -1\nstrelh [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0xffff},
  {"store_release_w", "stdw [%r10-8], 0\nmov %r1, -1\nstrelw [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0xffffffff},
  {"store_release_dw", "stdw [%r10-8], 0\nmov %r1, -1\nstreldw [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit",
   0xffffffffffffffff},
  // may_goto falls through 0xffff times in an activation, then jumps: the loop counts them.
  {"may_goto_budget", "mov %r0, 0\nmay_goto +2\nadd %r0, 1\nja -3\nexit", 0xffff},
  {"movsx8_32_negative", "lddw %r1, 0xffffffff00000080\nmovsx832 %r0, %r1\nexit", 0xffffff80},
  {"movsx8_32_positive", "lddw %r1, 0xffffffffffffff7f\nmovsx832 %r0, %r1\nexit", 0x7f},
  {"movsx16_32_negative", "lddw %r1, 0x12348000\nmovsx1632 %r0, %r1\nexit", 0xffff8000},
  {"movsx16_32_positive", "mov %r0, -1\nlddw %r1, 0xffff7fff\nmovsx1632 %r0, %r1\nexit", 0x7fff},
  {"movsx8_64", "mov %r1, 0x180\nmovsx864 %r0, %r1\nexit", 0xffffffffffffff80},
  {"movsx8_64_positive", "mov %r1, -129\nmovsx864 %r0, %r1\nexit", 0x7f},
  {"movsx16_64", "lddw %r1, 0x12348000\nmovsx1664 %r0, %r1\nexit", 0xffffffffffff8000},
  {"movsx32_64_negative", "lddw %r1, 0x80000000\nmovsx3264 %r0, %r1\nexit", 0xffffffff80000000},
  {"movsx32_64_positive", "lddw %r1, 0x17fffffff\nmovsx3264 %r0, %r1\nexit", 0x7fffffff},

  // ---- §4.4: ST stores imm truncated; DW sign-extends the s32 -----------------------------
  {"stdw_minus_one", "stdw [%r10-8], -1\nldxdw %r0, [%r10-8]\nexit", 0xffffffffffffffff},
  {"stdw_0x80000000_sign_extends", "stdw [%r10-8], 0x80000000\nldxdw %r0, [%r10-8]\nexit", 0xffffffff80000000},
  {"stw_minus_one", "stw [%r10-8], -1\nldxdw %r0, [%r10-8]\nexit", 0xffffffff},
  {"sth_truncates", "sth [%r10-8], -1\nldxdw %r0, [%r10-8]\nexit", 0xffff},
  {"stb_truncates", "stb [%r10-8], 0x1234\nldxdw %r0, [%r10-8]\nexit", 0x34},
  // STX stores the low bytes, little-endian.
  {"stxb", "lddw %r1, 0x1122334455667788\nstxb [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x88},
  {"stxh", "lddw %r1, 0x1122334455667788\nstxh [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x7788},
  {"stxw", "lddw %r1, 0x1122334455667788\nstxw [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x55667788},
  {"stxdw", "lddw %r1, 0x1122334455667788\nstxdw [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x1122334455667788},
  {"stxh_at_offset_is_little_endian", "mov %r1, 0x1234\nstxh [%r10-7], %r1\nldxdw %r0, [%r10-8]\nexit", 0x123400},

  // ---- §4.5: LDX zero-extends, LDX MEMSX sign-extends -------------------------------------
  {"ldxb_zero_extends", "lddw %r1, 0x8081828384858687\nstxdw [%r10-8], %r1\nldxb %r0, [%r10-8]\nexit", 0x87},
  {"ldxsb_sign_extends", "lddw %r1, 0x8081828384858687\nstxdw [%r10-8], %r1\nldxsb %r0, [%r10-8]\nexit", 0xffffffffffffff87},
  {"ldxh_zero_extends", "lddw %r1, 0x8081828384858687\nstxdw [%r10-8], %r1\nldxh %r0, [%r10-8]\nexit", 0x8687},
  {"ldxsh_sign_extends", "lddw %r1, 0x8081828384858687\nstxdw [%r10-8], %r1\nldxsh %r0, [%r10-8]\nexit", 0xffffffffffff8687},
  {"ldxw_zero_extends", "lddw %r1, 0x8081828384858687\nstxdw [%r10-8], %r1\nldxw %r0, [%r10-8]\nexit", 0x84858687},
  {"ldxsw_sign_extends", "lddw %r1, 0x8081828384858687\nstxdw [%r10-8], %r1\nldxsw %r0, [%r10-8]\nexit", 0xffffffff84858687},
  {"ldxdw", "lddw %r1, 0x8081828384858687\nstxdw [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x8081828384858687},
  {"ldxsb_positive", "mov %r1, 0x7f\nstxb [%r10-1], %r1\nldxsb %r0, [%r10-1]\nexit", 0x7f},
  {"ldxsh_positive", "mov %r1, 0x7fff\nstxh [%r10-2], %r1\nldxsh %r0, [%r10-2]\nexit", 0x7fff},
  {"ldxsw_positive", "mov %r1, 0x7fffffff\nstxw [%r10-4], %r1\nldxsw %r0, [%r10-4]\nexit", 0x7fffffff},
  {"ldx_offset_on_upper_bytes", "lddw %r1, 0x8081828384858687\nstxdw [%r10-8], %r1\nldxh %r0, [%r10-2]\nexit", 0x8081},
  {"stack_starts_zeroed", "ldxdw %r0, [%r10-512]\nldxdw %r1, [%r10-8]\nor %r0, %r1\nexit", 0},

  // ---- §4.15: JMP32 compares the low halves only -----------------------------------------
  {"jeq32_ignores_upper_half", "lddw %r1, 0x100000000\nmov %r0, 0\njeq32 %r1, 0, +1\nexit\nmov %r0, 1\nexit", 1},
  {"jeq64_sees_upper_half", "lddw %r1, 0x100000000\nmov %r0, 0\njeq %r1, 0, +1\nexit\nmov %r0, 1\nexit", 0},
  {"jslt32_low_half_negative", "lddw %r1, 0xffffffff\nmov %r0, 0\njslt32 %r1, 0, +1\nexit\nmov %r0, 1\nexit", 1},
  {"jslt64_same_bits_positive", "lddw %r1, 0xffffffff\nmov %r0, 0\njslt %r1, 0, +1\nexit\nmov %r0, 1\nexit", 0},
  {"jgt32_reg_upper_ignored", "lddw %r1, 0x100000000\nmov %r2, 0\nmov %r0, 0\njgt32 %r1, %r2, +1\nexit\nmov %r0, 1\nexit", 0},
  {"jgt64_reg_upper_counts", "lddw %r1, 0x100000000\nmov %r2, 0\nmov %r0, 0\njgt %r1, %r2, +1\nexit\nmov %r0, 1\nexit", 1},
  {"jset32_upper_bits_only", "lddw %r1, 0x100000000\nlddw %r2, 0x100000000\nmov %r0, 0\njset32 %r1, %r2, +1\nexit\nmov %r0, 1\nexit", 0},
  {"jset64_upper_bits", "lddw %r1, 0x100000000\nlddw %r2, 0x100000000\nmov %r0, 0\njset %r1, %r2, +1\nexit\nmov %r0, 1\nexit", 1},
  {"jne32_imm_upper_ignored", "lddw %r1, 0x500000007\nmov %r0, 0\njne32 %r1, 7, +1\nexit\nmov %r0, 1\nexit", 0},

  // ---- §4.16: JA, gotol, backward jumps -----------------------------------------------------
  {"ja_forward", "mov %r0, 1\nja +1\nmov %r0, 2\nexit", 1},
  {"ja_backward_loop", "mov %r0, 0\nmov %r1, 0\nloop:\nadd %r0, 3\nadd %r1, 1\njlt %r1, 5, loop\nexit", 15},
  {"ja32_forward", "mov %r0, 1\nja32 +1\nmov %r0, 2\nexit", 1},
  {"ja32_backward", "mov %r0, 0\nja +2\nback:\nmov %r0, 7\nexit\nja32 back", 7},

  // ---- §4.18: atomics ------------------------------------------------------------------------
  // 64-bit: memory starts at 0x10 (and at other values where the op needs them).
  {"lock_add_memory", "stdw [%r10-8], 0x10\nmov %r1, 5\nlock add [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x15},
  {"lock_add_src_unchanged", "stdw [%r10-8], 0x10\nmov %r1, 5\nlock add [%r10-8], %r1\nmov %r0, %r1\nexit", 5},
  {"lock_fetch_add_memory", "stdw [%r10-8], 0x10\nmov %r1, 5\nlock fetch add [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x15},
  {"lock_fetch_add_old", "stdw [%r10-8], 0x10\nmov %r1, 5\nlock fetch add [%r10-8], %r1\nmov %r0, %r1\nexit", 0x10},
  {"lock_or_memory", "stdw [%r10-8], 0x10\nmov %r1, 3\nlock or [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x13},
  {"lock_fetch_or_old", "stdw [%r10-8], 0x10\nmov %r1, 3\nlock fetch or [%r10-8], %r1\nmov %r0, %r1\nexit", 0x10},
  {"lock_fetch_or_memory", "stdw [%r10-8], 0x10\nmov %r1, 3\nlock fetch or [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x13},
  {"lock_and_memory", "stdw [%r10-8], 0x1f\nmov %r1, 0x31\nlock and [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x11},
  {"lock_fetch_and_old", "stdw [%r10-8], 0x1f\nmov %r1, 0x31\nlock fetch and [%r10-8], %r1\nmov %r0, %r1\nexit", 0x1f},
  {"lock_fetch_and_memory", "stdw [%r10-8], 0x1f\nmov %r1, 0x31\nlock fetch and [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x11},
  {"lock_xor_memory", "stdw [%r10-8], 0x1f\nmov %r1, 0x31\nlock xor [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x2e},
  {"lock_fetch_xor_old", "stdw [%r10-8], 0x1f\nmov %r1, 0x31\nlock fetch xor [%r10-8], %r1\nmov %r0, %r1\nexit", 0x1f},
  {"lock_fetch_xor_memory", "stdw [%r10-8], 0x1f\nmov %r1, 0x31\nlock fetch xor [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x2e},
  {"lock_xchg_memory", "lddw %r2, 0xaaaaaaaabbbbbbbb\nstxdw [%r10-8], %r2\nlddw %r1, 0x1111111122222222\nlock xchg [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x1111111122222222},
  {"lock_xchg_old", "lddw %r2, 0xaaaaaaaabbbbbbbb\nstxdw [%r10-8], %r2\nlddw %r1, 0x1111111122222222\nlock xchg [%r10-8], %r1\nmov %r0, %r1\nexit", 0xaaaaaaaabbbbbbbb},
  {"lock_cmpxchg_success_memory", "stdw [%r10-8], 7\nmov %r0, 7\nmov %r1, 9\nlock cmpxchg [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 9},
  {"lock_cmpxchg_success_r0", "stdw [%r10-8], 7\nmov %r0, 7\nmov %r1, 9\nlock cmpxchg [%r10-8], %r1\nexit", 7},
  {"lock_cmpxchg_failure_memory", "stdw [%r10-8], 7\nmov %r0, 8\nmov %r1, 9\nlock cmpxchg [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 7},
  {"lock_cmpxchg_failure_r0", "stdw [%r10-8], 7\nmov %r0, 8\nmov %r1, 9\nlock cmpxchg [%r10-8], %r1\nexit", 7},
  {"lock_cmpxchg_64_compares_upper_half", "stdw [%r10-8], 7\nlddw %r0, 0x100000007\nmov %r1, 9\nlock cmpxchg [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 7},
  {"lock_cmpxchg_src_unchanged", "stdw [%r10-8], 7\nmov %r0, 7\nmov %r1, 9\nlock cmpxchg [%r10-8], %r1\nmov %r0, %r1\nexit", 9},
  // 32-bit: the word at r10-8 holds 0x11111111_ffffffff; only its low half is touched.
  {"lock_add32_memory_wraps_low_word_only", "lddw %r2, 0x11111111ffffffff\nstxdw [%r10-8], %r2\nmov %r1, 1\nlock add32 [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x1111111100000000},
  {"lock_fetch_add32_old_zero_extended", "lddw %r2, 0x11111111ffffffff\nstxdw [%r10-8], %r2\nlddw %r1, 0xffffffff00000001\nlock fetch add32 [%r10-8], %r1\nmov %r0, %r1\nexit", 0xffffffff},
  {"lock_fetch_add32_memory", "lddw %r2, 0x11111111ffffffff\nstxdw [%r10-8], %r2\nlddw %r1, 0xffffffff00000001\nlock fetch add32 [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x1111111100000000},
  {"lock_or32_memory", "lddw %r2, 0x1111111100000010\nstxdw [%r10-8], %r2\nlddw %r1, 0xffffffff00000003\nlock or32 [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x1111111100000013},
  {"lock_fetch_or32_old", "lddw %r2, 0x11111111f0000010\nstxdw [%r10-8], %r2\nmov %r1, 3\nlock fetch or32 [%r10-8], %r1\nmov %r0, %r1\nexit", 0xf0000010},
  {"lock_fetch_or32_memory", "lddw %r2, 0x11111111f0000010\nstxdw [%r10-8], %r2\nmov %r1, 3\nlock fetch or32 [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x11111111f0000013},
  {"lock_and32_memory", "lddw %r2, 0x111111110000001f\nstxdw [%r10-8], %r2\nmov %r1, -1\nlock and32 [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x111111110000001f},
  {"lock_fetch_and32_old", "lddw %r2, 0x11111111f000001f\nstxdw [%r10-8], %r2\nmov %r1, 0x31\nlock fetch and32 [%r10-8], %r1\nmov %r0, %r1\nexit", 0xf000001f},
  {"lock_fetch_and32_memory", "lddw %r2, 0x11111111f000001f\nstxdw [%r10-8], %r2\nmov %r1, 0x31\nlock fetch and32 [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x1111111100000011},
  {"lock_xor32_memory", "lddw %r2, 0x111111110000001f\nstxdw [%r10-8], %r2\nmov %r1, -1\nlock xor32 [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x11111111ffffffe0},
  {"lock_fetch_xor32_old", "lddw %r2, 0x11111111f000001f\nstxdw [%r10-8], %r2\nmov %r1, 0x31\nlock fetch xor32 [%r10-8], %r1\nmov %r0, %r1\nexit", 0xf000001f},
  {"lock_fetch_xor32_memory", "lddw %r2, 0x11111111f000001f\nstxdw [%r10-8], %r2\nmov %r1, 0x31\nlock fetch xor32 [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0x11111111f000002e},
  {"lock_xchg32_memory", "lddw %r2, 0xaaaaaaaabbbbbbbb\nstxdw [%r10-8], %r2\nlddw %r1, 0x1111111122222222\nlock xchg32 [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0xaaaaaaaa22222222},
  {"lock_xchg32_old_zero_extended", "lddw %r2, 0xaaaaaaaabbbbbbbb\nstxdw [%r10-8], %r2\nlddw %r1, 0x1111111122222222\nlock xchg32 [%r10-8], %r1\nmov %r0, %r1\nexit", 0xbbbbbbbb},
  {"lock_cmpxchg32_compares_low_half_of_r0", "stdw [%r10-8], 0\nlddw %r0, 0x1234567800000000\nmov %r1, 9\nlock cmpxchg32 [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 9},
  {"lock_cmpxchg32_r0_zero_extended", "stdw [%r10-8], -1\nlddw %r0, 0x12345678ffffffff\nmov %r1, 9\nlock cmpxchg32 [%r10-8], %r1\nexit", 0xffffffff},
  {"lock_cmpxchg32_success_keeps_upper_memory", "stdw [%r10-8], -1\nlddw %r0, 0x12345678ffffffff\nmov %r1, 9\nlock cmpxchg32 [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit", 0xffffffff00000009},
  {"lock_cmpxchg32_failure", "stdw [%r10-8], 5\nmov %r0, 6\nmov %r1, 9\nlock cmpxchg32 [%r10-8], %r1\nldxdw %r2, [%r10-8]\nlsh %r2, 32\nor %r0, %r2\nexit", 0x0000000500000005},

  // ---- CALL and EXIT -------------------------------------------------------------------------
  {"call_helper_sum5", "mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\ncall 1000\nexit", 15},
  {"call_kfunc_mul", "mov %r1, 6\nmov %r2, 7\ncall runtime 2\nexit", 42},
  {"call_local_returns_r0", "mov %r1, 20\ncall local f\nadd %r0, 1\nexit\nf:\nmov %r0, %r1\nadd %r0, 1\nexit", 22},
  {"callx_code_address", "lddw %r6, code f\ncallx %r6\nexit\nf:\nmov %r0, 42\nexit", 42},
  {"callx_helper_id", "mov %r6, 1000\nmov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\ncallx %r6\nexit", 15},

  // ---- LDDW src 1-6 (the fixture declares the maps and the variable) ----------------------
  {"lddw_map_fd_lookup", "lddw %r1, map_fd 1\nmov %r2, %r10\nadd %r2, -4\nstw [%r2], 1\ncall 1\nldxdw %r0, [%r0]\nexit", 0x1111},
  {"lddw_map_value_offset", "lddw %r1, map_value 1, 8\nldxdw %r0, [%r1]\nexit", 0x2222},
  {"lddw_var_addr", "lddw %r1, var 1\nstdw [%r1+8], 77\nldxdw %r0, [%r1+8]\nexit", 77},
  {"lddw_map_idx_lookup", "lddw %r1, map_idx 0\nstw [%r10-4], 1\nmov %r2, %r10\nadd %r2, -4\ncall 1\nldxdw %r0, [%r0]\nexit", 0x1111},
  {"lddw_map_idx_value", "lddw %r1, map_idx_value 0, 8\nldxdw %r0, [%r1]\nexit", 0x2222},
  {"lddw_map_handle_is_not_an_address", "lddw %r0, map_fd 1\nrsh %r0, 48\nexit", 0xffff},

  // ---- §4.19: legacy packet loads read the input memory, big-endian ----------------------
  {"ldabsb", "ldabsb 1\nexit", 0x22},
  {"ldabsh", "ldabsh 1\nexit", 0x2233},
  {"ldabsw", "ldabsw 2\nexit", 0x33445566},
  {"ldindb", "mov %r2, 5\nldindb %r2, -1\nexit", 0x55},
  {"ldindh", "mov %r2, 1\nldindh %r2, 1\nexit", 0x3344},
  {"ldindw", "mov %r2, 0\nldindw %r2, 2\nexit", 0x33445566},
  {"ldabsw_out_of_bounds_ends_with_zero", "mov %r0, 99\nldabsw 3\nmov %r0, 5\nexit", 0},
  {"ldabsb_negative_ends_with_zero", "mov %r0, 99\nldabsb -1\nmov %r0, 5\nexit", 0},
  {"ldindh_out_of_bounds_ends_with_zero", "mov %r0, 99\nmov %r2, 5\nldindh %r2, 0\nmov %r0, 5\nexit", 0},
  {"ldindb_negative_sum_ends_with_zero", "mov %r0, 99\nmov %r2, -1\nldindb %r2, 0\nmov %r0, 5\nexit", 0},
  {"ldabsb_last_byte_in_bounds", "ldabsb 5\nexit", 0x66},
};
// clang-format on

class Semantics : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    // Array map fd 1 (index 0): element 1 = 0x1111, element 0 = [8: 0x2222]; hash map fd 2.
    MapDef array{"arr", MapType::Array, 4, 16, 4, 0};
    ASSERT_TRUE(vm_.env.add_map(array, 1).ok());
    MapDef hash{"hash", MapType::Hash, 4, 8, 8, 0};
    ASSERT_TRUE(vm_.env.add_map(hash, 2).ok());
    uint8_t* e1 = vm_.env.map_at(0).slab().data() + vm_.env.map_at(0).stride();
    e1[0] = 0x11;
    e1[1] = 0x11;
    uint8_t* e0 = vm_.env.map_at(0).slab().data();
    e0[8] = 0x22;
    e0[9] = 0x22;
    vm_.env.add_variable(1, "v", 16);
  }
  Vm vm_;
};

TEST_P(Semantics, ReturnsTheSpecifiedR0) {
  const Case& c = GetParam();
  std::vector<uint8_t> mem = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
  const RunResult r = vm_.run(c.program, &mem);
  ASSERT_FALSE(r.trapped) << r.trap.to_string() << "\n" << c.program;
  EXPECT_EQ(r.r0, c.r0) << std::hex << "got 0x" << r.r0 << ", want 0x" << c.r0 << "\n" << c.program;
}

INSTANTIATE_TEST_SUITE_P(Isa, Semantics, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

// Every encoding of the table appears in at least one case above (the jump matrix below adds
// nothing this list lacks, so it alone must cover the table).
TEST(SemanticsCoverage, EveryEncodingIsExercised) {
  std::set<std::string_view> seen;
  for (const Case& c : kCases) {
    auto insns = semantics::assemble(c.program, semantics::Syntax::Conformance);
    ASSERT_TRUE(insns.ok()) << c.name << ": " << insns.error().to_string();
    semantics::ValidationOptions o;
    o.allow_extensions = true;
    auto prog = semantics::validate(*insns, o);
    ASSERT_TRUE(prog.ok()) << c.name << ": " << prog.error().to_string();
    for (size_t pc = 0; pc < prog->size(); ++pc) seen.insert(prog->row(pc).id);
  }
  std::vector<std::string_view> missing;
  for (const auto& e : semantics::encodings()) {
    if (e.kind == semantics::Kind::Jump && e.jmp_op() != semantics::JmpOp::Ja) continue;  // the matrix
    if (seen.count(e.id) == 0) missing.push_back(e.id);
  }
  std::string list;
  for (auto m : missing) list += std::string(m) + " ";
  EXPECT_TRUE(missing.empty()) << "not exercised: " << list;
}

// ---- every conditional jump, both widths, K and X, at the signed and unsigned boundaries ----
// The expected outcome is computed here with native C++ comparisons on the operand values,
// independently of semantics/operations.h.

struct JumpOp {
  const char* mnemonic;
  bool (*u64)(uint64_t, uint64_t);
};

const JumpOp kJumpOps[] = {
    {"jeq", [](uint64_t a, uint64_t b) { return a == b; }},
    {"jne", [](uint64_t a, uint64_t b) { return a != b; }},
    {"jgt", [](uint64_t a, uint64_t b) { return a > b; }},
    {"jge", [](uint64_t a, uint64_t b) { return a >= b; }},
    {"jlt", [](uint64_t a, uint64_t b) { return a < b; }},
    {"jle", [](uint64_t a, uint64_t b) { return a <= b; }},
    {"jset", [](uint64_t a, uint64_t b) { return (a & b) != 0; }},
    {"jsgt", [](uint64_t a, uint64_t b) { return static_cast<int64_t>(a) > static_cast<int64_t>(b); }},
    {"jsge", [](uint64_t a, uint64_t b) { return static_cast<int64_t>(a) >= static_cast<int64_t>(b); }},
    {"jslt", [](uint64_t a, uint64_t b) { return static_cast<int64_t>(a) < static_cast<int64_t>(b); }},
    {"jsle", [](uint64_t a, uint64_t b) { return static_cast<int64_t>(a) <= static_cast<int64_t>(b); }},
};

// 32-bit compares: the low halves, zero-extended (unsigned ops) or sign-extended (signed ops).
bool taken32(const JumpOp& op, uint64_t a, uint64_t b) {
  const bool is_signed = std::string_view(op.mnemonic).starts_with("js") && std::string_view(op.mnemonic) != "jset";
  auto narrow = [&](uint64_t x) {
    return is_signed ? static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(x))))
                     : static_cast<uint64_t>(static_cast<uint32_t>(x));
  };
  return op.u64(narrow(a), narrow(b));
}

TEST(JumpMatrix, EveryConditionalJumpTakenAndNotTakenAtBoundaries) {
  const uint64_t values[] = {0,
                             1,
                             0x7fffffff,
                             0x80000000,
                             0xffffffff,
                             0x100000000,
                             0x7fffffffffffffff,
                             0x8000000000000000,
                             0xffffffff80000000,
                             0xfffffffffffffffe,
                             0xffffffffffffffff};
  const int32_t imms[] = {0, 1, -1, INT32_MAX, INT32_MIN, -2};
  Vm vm;
  int taken = 0, not_taken = 0;
  for (const JumpOp& op : kJumpOps) {
    for (bool w32 : {false, true}) {
      const std::string mnemonic = std::string(op.mnemonic) + (w32 ? "32" : "");
      for (uint64_t a : values) {
        auto check = [&](const std::string& operand, uint64_t b, const std::string& setup) {
          const bool want = w32 ? taken32(op, a, b) : op.u64(a, b);
          const std::string prog = "lddw %r1, " + std::to_string(a) + "\n" + setup + "mov %r0, 0\n" + mnemonic +
                                   " %r1, " + operand + ", +1\nexit\nmov %r0, 1\nexit";
          EXPECT_EQ(vm.r0(prog), want ? 1u : 0u) << prog;
          (want ? taken : not_taken)++;
        };
        for (uint64_t b : values) check("%r2", b, "lddw %r2, " + std::to_string(b) + "\n");
        // K form: the s32 imm is sign-extended to 64 bits, of which 32-bit jumps use the low half.
        for (int32_t imm : imms) check(std::to_string(imm), static_cast<uint64_t>(int64_t{imm}), "");
      }
    }
  }
  EXPECT_GT(taken, 500);
  EXPECT_GT(not_taken, 500);
}

}  // namespace
}  // namespace bpfcert::interp
