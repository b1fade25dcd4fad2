// The machine model (semantics/machine.h) against definitions written differently: region
// containment as set membership over small words (exhaustively, wrapping offsets included),
// the one-comparison form generated code tests, the trap of each failed access, stack
// geometry, legacy packet-load bounds in plain signed arithmetic, callx resolution, and the
// per-instruction register use that liveness and the witness search read.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "semantics/assembly.h"
#include "semantics/machine.h"
#include "semantics/program.h"

namespace bpfcert::semantics {
namespace {

using W6 = UWord<6>;

// [addr, addr + len) inside [start, start + size), counting on a circle of 2^6 (the relative
// reading: a region may straddle 0 when its addresses are offsets, as the packet's headroom).
bool inside_by_membership(uint64_t start, uint64_t size, uint64_t addr, uint64_t len) {
  for (uint64_t i = 0; i < len; ++i) {
    const uint64_t rel = (addr + i - start) & 63;
    if (rel >= size) return false;
  }
  return len <= size;
}

TEST(Machine, ContainsIsSetMembershipOnEverySmallRegion) {
  size_t checked = 0;
  for (uint64_t start = 0; start < 64; start += 5) {
    for (uint64_t size = 0; size < 64; ++size) {
      for (uint64_t addr = 0; addr < 64; ++addr) {
        for (uint64_t len = 1; len <= 8; len *= 2) {
          const Bounds<W6> r{W6(start), W6(size)};
          ASSERT_EQ(contains(r, W6(addr), W6(len)), inside_by_membership(start, size, addr, len))
              << start << " " << size << " " << addr << " " << len;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 200'000u);
}

TEST(Machine, ContainsOnHostAddressesIsTheInterval) {
  std::mt19937_64 rng(20261207);
  for (int i = 0; i < 200'000; ++i) {
    const uint64_t start = rng() >> (rng() % 64), size = rng() >> (rng() % 64);
    if (start + size < start) continue;  // host regions do not wrap around the address space
    const uint64_t len = uint64_t{1} << (rng() % 4);
    const uint64_t addr = rng() % 3 == 0 ? rng() : start + size - (rng() % 16) + (rng() % 8);
    if (addr + len < addr) continue;
    const bool interval = addr >= start && addr + len <= start + size;
    ASSERT_EQ(contains(Bounds<uint64_t>{start, size}, addr, len), interval) << start << " " << size << " " << addr;
  }
}

TEST(Machine, ContainsKeepsAccessesInsideOneElement) {
  // 3 elements of 5 bytes, 8 apart: bytes 0-4, 8-12, 16-20.
  for (uint64_t addr = 0; addr < 40; ++addr) {
    for (uint64_t len = 1; len <= 8; len *= 2) {
      const bool in_one = addr + len <= 24 && addr % 8 + len <= 5;
      EXPECT_EQ(contains(Bounds<uint64_t>{100, 24, 8, 5}, 100 + addr, len), in_one) << addr << " " << len;
    }
  }
  EXPECT_EQ(map_value_stride(5), 8u);
  EXPECT_EQ(map_value_stride(8), 8u);
  EXPECT_EQ(map_value_stride(9), 16u);
  const Bounds<uint64_t> values = map_values<uint64_t>(0x1000, 12, 3);
  EXPECT_EQ(values.size, 48u);
  EXPECT_EQ(values.stride, 16u);
  EXPECT_EQ(values.elem_size, 12u);
}

TEST(Machine, TheLimitFormIsContainsForGeneratedCode) {
  for (uint64_t size = 0; size < 40; ++size) {
    for (uint64_t len = 1; len <= 8; len *= 2) {
      for (uint64_t rel = 0; rel < 48; ++rel) {
        ASSERT_EQ(rel < contains_limit(size, len), contains(Bounds<uint64_t>{0, size}, rel, len));
      }
      // Below the start: the subtraction wraps to a huge number, above every limit.
      EXPECT_FALSE(uint64_t{0} - 1 < contains_limit(size, len));
    }
  }
}

TEST(Machine, AFailedAccessTrapsOutOfBoundsOrReadOnly) {
  EXPECT_EQ(access_trap(Access::Read, true, false), std::nullopt);
  EXPECT_EQ(access_trap(Access::Read, false, false), TrapKind::OutOfBounds);
  EXPECT_EQ(access_trap(Access::Write, true, true), std::nullopt);
  EXPECT_EQ(access_trap(Access::Write, true, false), TrapKind::WriteToReadOnly);
  EXPECT_EQ(access_trap(Access::Write, false, false), TrapKind::OutOfBounds);
  EXPECT_EQ(access_trap(Access::AtomicUpdate, true, false), TrapKind::WriteToReadOnly);
  EXPECT_EQ(access_trap(Access::AtomicUpdate, false, true), TrapKind::OutOfBounds);
  EXPECT_FALSE(write_to_read_only(Access::Read, false));
  EXPECT_TRUE(write_to_read_only(Access::AtomicUpdate, false));
  EXPECT_STREQ(to_string(Access::AtomicUpdate), "atomic update");
  EXPECT_EQ(access_trap_message(Access::Write, 4, 0x10, "nowhere"), "write of 4 bytes at 0x10: nowhere");
}

TEST(Machine, StackFramesAndTheirGeometry) {
  EXPECT_EQ(kStackBytes, 4096u);
  EXPECT_TRUE(call_allowed(0));
  EXPECT_TRUE(call_allowed(6));   // the 8th frame
  EXPECT_FALSE(call_allowed(7));  // a 9th
  for (const uint64_t top : {uint64_t{4096}, uint64_t{0x7ffc0010}, uint64_t{0x1230}}) {
    for (uint64_t depth = 0; depth < 8; ++depth) {
      const Bounds<uint64_t> active = active_stack(top, depth);
      EXPECT_EQ(active.start + active.size, top);
      EXPECT_EQ(active.size, 512 * (depth + 1));
      const Bounds<uint64_t> frame = call_frame(top, depth);
      EXPECT_EQ(frame.start, active.start);
      EXPECT_EQ(frame.size, 512u);
    }
    for (uint64_t back = 1; back <= kStackBytes; ++back) {
      const uint64_t addr = top - back;
      const uint64_t depth = (back - 1) / 512;
      ASSERT_EQ(frame_of(top, addr), depth);
      ASSERT_EQ(byte_in_frame(top, addr), addr - call_frame(top, depth).start);
    }
  }
}

TEST(Machine, PacketLoadBoundsInSignedArithmetic) {
  const std::vector<int64_t> srcs = {0, 1, 13, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000005, -1, -14};
  const std::vector<int32_t> imms = {0, 1, 12, -1, -20, INT32_MAX, INT32_MIN};
  for (int64_t src : srcs) {
    for (int32_t imm : imms) {
      const auto expected_ind =
          static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(src) + static_cast<uint32_t>(imm)));
      const uint64_t ind = packet_load_offset<uint64_t>(Operand::Reg, static_cast<uint64_t>(src), imm);
      EXPECT_EQ(static_cast<int64_t>(ind), expected_ind);
      EXPECT_EQ(static_cast<int64_t>(packet_load_offset<uint64_t>(Operand::Imm, static_cast<uint64_t>(src), imm)), imm);
      for (uint64_t len : {0u, 3u, 16u, 64u}) {
        for (unsigned size : {1u, 2u, 4u}) {
          const bool in = expected_ind >= 0 && static_cast<uint64_t>(expected_ind) + size <= len;
          EXPECT_EQ(packet_load_in_bounds<uint64_t>(ind, size, len), in);
        }
      }
    }
  }
}

TEST(Machine, CallxResolvesCodeAddressesAndHelperIds) {
  auto insns = assemble("lddw %r1, 0x100000002\ncall local f\nexit\nf: mov %r0, 1\nexit\n", Syntax::Conformance);
  ASSERT_TRUE(insns.ok()) << insns.error().message;
  auto validated = validate(*insns);
  ASSERT_TRUE(validated.ok());
  const Program& p = *validated;
  const CallxTarget local = resolve_callx(p, code_address(4));
  EXPECT_EQ(local.kind, CallxTarget::Kind::Local);
  EXPECT_EQ(local.pc, 4u);
  const CallxTarget second_slot = resolve_callx(p, code_address(1));
  EXPECT_EQ(second_slot.kind, CallxTarget::Kind::Trap);
  EXPECT_EQ(second_slot.trap, TrapKind::BadCallTarget);
  EXPECT_EQ(callx_trap_message(3, code_address(1), second_slot),
            "callx r3 = 0xffffc0de00000001: code address of pc 1 is not an instruction");
  EXPECT_EQ(resolve_callx(p, code_address(6)).kind, CallxTarget::Kind::Trap);  // past the end
  const CallxTarget helper = resolve_callx(p, 7);
  EXPECT_EQ(helper.kind, CallxTarget::Kind::Helper);
  EXPECT_EQ(helper.helper, 7);
  EXPECT_EQ(helper.trap, TrapKind::UnknownHelper);
  const CallxTarget neither = resolve_callx(p, uint64_t{1} << 31);
  EXPECT_EQ(neither.kind, CallxTarget::Kind::Trap);
  EXPECT_EQ(neither.trap, TrapKind::BadCallTarget);
  EXPECT_EQ(callx_trap_message(2, 0x80000000, neither), "callx r2 = 0x80000000 is neither a helper id nor a code address");
  EXPECT_EQ(map_index_of(map_handle(3)), 3u);
  EXPECT_EQ(map_index_of(code_address(3)), std::nullopt);
}

TEST(Machine, RegisterUseOfEachKindOfInstruction) {
  auto use = [](const char* text) {
    auto insns = assemble(std::string(text) + "\nl: exit\n", Syntax::Conformance);
    EXPECT_TRUE(insns.ok()) << text;
    const Insn& insn = (*insns)[0];
    const Encoding* row = find_encoding(insn.opcode, insn.src, insn.off, insn.imm);
    return register_use(*row, insn);
  };
  auto bits = [](std::initializer_list<int> regs) {
    uint16_t b = 0;
    for (int r : regs) b = static_cast<uint16_t>(b | (1u << r));
    return b;
  };
  EXPECT_EQ(use("add %r1, %r2").read, bits({1, 2}));
  EXPECT_EQ(use("add %r1, %r2").written, bits({1}));
  EXPECT_EQ(use("mov %r1, %r2").read, bits({2}));  // a move does not read its destination
  EXPECT_EQ(use("mov32 %r3, 5").read, 0);
  EXPECT_EQ(use("ldxw %r4, [%r5+8]").read, bits({5}));
  EXPECT_EQ(use("ldxw %r4, [%r5+8]").written, bits({4}));
  EXPECT_EQ(use("stw [%r6+0], 1").read, bits({6}));
  EXPECT_EQ(use("stxdw [%r10-8], %r7").read, bits({7, 10}));
  EXPECT_EQ(use("stxdw [%r10-8], %r7").written, 0);
  EXPECT_EQ(use("lock add [%r1+0], %r2").written, 0);
  EXPECT_EQ(use("lock fetch add [%r1+0], %r2").written, bits({2}));
  EXPECT_EQ(use("lock cmpxchg [%r1+0], %r2").read, bits({0, 1, 2}));
  EXPECT_EQ(use("lock cmpxchg [%r1+0], %r2").written, bits({0}));
  EXPECT_EQ(use("ldindb %r3, 4").read, bits({3}));
  EXPECT_EQ(use("ldindb %r3, 4").written, bits({0}));
  EXPECT_EQ(use("jeq %r1, %r2, l").read, bits({1, 2}));
  EXPECT_EQ(use("ja l").read, 0);
  EXPECT_EQ(use("lddw %r8, 1").written, bits({8}));
  EXPECT_EQ(use("call 1").read, 0);  // calls are the caller's to decide
  auto clobbered = [](const char* text) {
    auto insns = assemble(std::string(text) + "\nl: exit\n", Syntax::Conformance);
    EXPECT_TRUE(insns.ok()) << text;
    const Insn& insn = (*insns)[0];
    return registers_clobbered(*find_encoding(insn.opcode, insn.src, insn.off, insn.imm), insn);
  };
  EXPECT_EQ(clobbered("call 1"), bits({0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(clobbered("call local l"), bits({0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(clobbered("ldabsb 4"), bits({0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(clobbered("add %r7, 1"), bits({7}));
  EXPECT_EQ(clobbered("lock fetch add [%r1+0], %r2"), bits({2}));
  EXPECT_EQ(clobbered("stxdw [%r10-8], %r7"), 0);
}

TEST(Machine, OnlyTheRowsThatUseItTakeTheSecondSlotsImm) {
  std::vector<std::string_view> takes;
  for (const Encoding& e : encodings()) {
    if (e.next_imm != FieldRule::Zero) takes.push_back(e.id);
    if (e.kind != Kind::LoadImm64) {
      EXPECT_EQ(e.next_imm, FieldRule::Zero) << e.id;
    }
  }
  EXPECT_EQ(takes, (std::vector<std::string_view>{"lddw", "lddw_map_value", "lddw_map_idx_value"}));
}

}  // namespace
}  // namespace bpfcert::semantics
