// The machine model instantiated over Z3 (what the witness search runs) proven, for every value,
// against its reading over host addresses: a region that does not wrap around the address space
// holds [addr, addr + len) exactly when start <= addr and addr + len <= start + size; the
// one-comparison form the JIT emits is the same condition; a legacy packet load is in bounds
// exactly when its offset, as a signed 32-bit sum, lies inside the packet.
#include <gtest/gtest.h>

#include "semantics/machine.h"
#include "verifier/smt/z3_word.h"

namespace bpfcert::verifier::smt {
namespace {

// Whether `claim` holds for every value of its free constants under `given`.
bool valid(z3::context& ctx, const z3::expr& given, const z3::expr& claim) {
  z3::solver s = z3::tactic(ctx, "qfbv").mk_solver();
  s.add(given && !claim);
  return s.check() == z3::unsat;
}

TEST(MachineModel, ContainsIsTheIntervalOfAHostRegion) {
  // At 16 and 32 bits: the statement is the same at every width (the template never names one),
  // and a SAT solver proves equivalences of differently arranged adders at 64 bits only in
  // minutes; tests/semantics checks the 64-bit instantiation on sampled values.
  for (const unsigned width : {16u, 32u}) {
    z3::context ctx;
    const Z3Word start{ctx.bv_const("start", width)}, size{ctx.bv_const("size", width)};
    const Z3Word addr{ctx.bv_const("addr", width)}, len{ctx.bv_const("len", width)};
    const z3::expr no_wrap = z3::bvadd_no_overflow(start.e, size.e, false) && z3::bvadd_no_overflow(addr.e, len.e, false);
    const z3::expr interval = z3::uge(addr.e, start.e) && z3::ule(addr.e + len.e, start.e + size.e);
    const z3::expr inside = semantics::contains(semantics::Bounds<Z3Word>{start, size}, addr, len).e;
    EXPECT_TRUE(valid(ctx, no_wrap, inside == interval)) << width;
    // Without the premise the two differ (offsets that wrap are the relative reading's to take).
    EXPECT_FALSE(valid(ctx, ctx.bool_val(true), inside == interval)) << width;
  }
}

TEST(MachineModel, TheLimitFormTheJitTestsIsContains) {
  z3::context ctx;
  const Z3Word start{ctx.bv_const("start", 64)}, addr{ctx.bv_const("addr", 64)};
  for (const uint64_t len : {1u, 2u, 4u, 8u}) {
    for (const uint64_t size : {uint64_t{0}, uint64_t{3}, uint64_t{8}, uint64_t{512}, uint64_t{1} << 40}) {
      const Z3Word l = lit(start, len), sz = lit(start, size);
      const z3::expr inside = semantics::contains(semantics::Bounds<Z3Word>{start, sz}, addr, l).e;
      const z3::expr limit = z3::ult(addr.e - start.e, ctx.bv_val(semantics::contains_limit(size, len), 64));
      EXPECT_TRUE(valid(ctx, ctx.bool_val(true), inside == limit)) << size << " " << len;
    }
  }
}

TEST(MachineModel, PacketLoadBoundsAreSigned32BitOffsetsInsideThePacket) {
  z3::context ctx;
  const Z3Word src{ctx.bv_const("src", 64)}, plen{ctx.bv_const("len", 64)};
  for (const int32_t imm : {0, 14, -1, INT32_MIN, INT32_MAX}) {
    const Z3Word offset = semantics::packet_load_offset(semantics::Operand::Reg, src, imm);
    const z3::expr expected = z3::sext(src.e.extract(31, 0) + ctx.bv_val(static_cast<uint32_t>(imm), 32), 32);
    EXPECT_TRUE(valid(ctx, ctx.bool_val(true), offset.e == expected)) << imm;
    for (const unsigned size : {1u, 2u, 4u}) {
      const z3::expr in = semantics::packet_load_in_bounds(offset, size, plen).e;
      // As integers: 0 <= offset and offset + size <= len (len below 2^32: a packet).
      const z3::expr o = z3::sext(expected, 64), n = z3::zext(plen.e, 64);
      const z3::expr reference = o >= ctx.bv_val(0, 128) && o + ctx.bv_val(size, 128) <= n;
      EXPECT_TRUE(valid(ctx, z3::ult(plen.e, ctx.bv_val(uint64_t{1} << 32, 64)), in == reference)) << imm << " " << size;
    }
  }
}

}  // namespace
}  // namespace bpfcert::verifier::smt
