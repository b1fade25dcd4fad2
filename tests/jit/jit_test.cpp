// The JIT on hand-written programs whose expected results come from the ISA text
// (OPCODES.md), not from running the interpreter. Every case runs on both engines: the JIT
// and the interpreter must each give the written-down answer.
#include "interp/jit/jit.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "interp/helpers.h"
#include "interp/link.h"
#include "semantics/assembly.h"
#include "tests/support/test_permit.h"

namespace bpfcert::interp {
namespace {

struct Outcome {
  RunResult result;
  std::vector<uint8_t> memory;
};

class Runner {
 public:
  explicit Runner(std::string_view text, JitOptions jit = {}) : jit_options_(jit) {
    auto insns = semantics::assemble_any(text);
    if (!insns.ok()) {
      ADD_FAILURE() << insns.error().to_string();
      return;
    }
    semantics::ValidationOptions v;
    v.allow_extensions = true;
    auto prog = semantics::validate(std::move(insns.value()), v);
    if (!prog.ok()) {
      ADD_FAILURE() << prog.error().to_string();
      return;
    }
    program_ = std::move(prog.value());
    ok_ = true;
  }

  // Runs on the engine (fresh environment and memory each time).
  Outcome run(EngineKind kind, std::vector<uint8_t> memory = {}, uint64_t max_steps = kDefaultMaxSteps,
              std::vector<Region> extra = {}) {
    RunOptions ro;
    ro.max_steps = max_steps;
    return run_with_options(kind, std::move(memory), ro, std::move(extra));
  }
  RunResult run_with(EngineKind kind, const RunOptions& options) { return run_with_options(kind, {}, options, {}).result; }

 private:
  Outcome run_with_options(EngineKind kind, std::vector<uint8_t> memory, const RunOptions& ro, std::vector<Region> extra) {
    Outcome out;
    if (!ok_) return out;
    Environment env;
    add_standard_helpers(env);
    add_test_helpers(env);
    env.add_helper({2000, "test_exit", [](HelperContext& ctx, uint64_t a, uint64_t, uint64_t, uint64_t, uint64_t) {
                      ctx.exit_requested = true;
                      ctx.exit_value = a + 1;
                      return uint64_t{0};
                    }});
    auto linked = link(program_, env);
    if (!linked.ok()) {
      ADD_FAILURE() << linked.error().to_string();
      return out;
    }
    std::unique_ptr<Engine> engine;
    if (kind == EngineKind::Jit) {
      auto jit = Jit::compile(*linked, env, test_support::with_test_permit(jit_options_, program_));
      if (!jit.ok()) {
        ADD_FAILURE() << jit.error().to_string();
        return out;
      }
      engine = std::move(jit.value());
    } else {
      engine = std::make_unique<Interpreter>(*linked, env);
    }
    out.memory = std::move(memory);
    Invocation inv = memory_invocation(out.memory);
    for (Region& r : extra) inv.regions.push_back(r);
    out.result = engine->run(inv, ro);
    return out;
  }

  semantics::Program program_;
  bool ok_ = false;
  JitOptions jit_options_;
};

// r0 on both engines (and the JIT in unchecked mode) equals `expected`.
void expect_r0(std::string_view text, uint64_t expected, std::vector<uint8_t> memory = {}) {
  for (EngineKind kind : {EngineKind::Interpreter, EngineKind::Jit}) {
    Runner r(text);
    const Outcome o = r.run(kind, memory);
    EXPECT_FALSE(o.result.trapped) << (kind == EngineKind::Jit ? "jit: " : "interp: ") << o.result.trap.to_string()
                                   << "\n" << text;
    EXPECT_EQ(o.result.r0, expected) << (kind == EngineKind::Jit ? "jit" : "interp") << "\n" << text;
  }
  JitOptions unchecked;
  unchecked.safety = SafetyMode::Unchecked;
  Runner r(text, unchecked);
  EXPECT_EQ(r.run(EngineKind::Jit, memory).result.r0, expected) << "unchecked jit\n" << text;
}

void expect_trap(std::string_view text, TrapKind kind, size_t pc, std::vector<uint8_t> memory = {},
                 uint64_t max_steps = kDefaultMaxSteps, uint64_t steps = 0) {
  for (EngineKind engine : {EngineKind::Interpreter, EngineKind::Jit}) {
    Runner r(text);
    const Outcome o = r.run(engine, memory, max_steps);
    const char* name = engine == EngineKind::Jit ? "jit" : "interp";
    ASSERT_TRUE(o.result.trapped) << name << ": r0 = " << o.result.r0 << "\n" << text;
    EXPECT_EQ(o.result.trap.kind, kind) << name << ": " << o.result.trap.to_string();
    EXPECT_EQ(o.result.trap.pc, pc) << name << ": " << o.result.trap.to_string();
    if (steps != 0) {
      EXPECT_EQ(o.result.steps, steps) << name;
    }
  }
}

TEST(Jit, DivisionByZeroGivesZeroAndModuloKeepsTheDividend) {
  expect_r0("mov %r0, 10\nmov %r1, 0\ndiv %r0, %r1\nexit", 0);
  expect_r0("mov %r0, 10\ndiv %r0, 0\nexit", 0);
  expect_r0("mov %r0, 10\nmov %r1, 0\nmod %r0, %r1\nexit", 10);
  expect_r0("mov %r0, 10\nmod %r0, 0\nexit", 10);
  // 32-bit forms zero-extend the kept dividend.
  expect_r0("lddw %r0, 0xffffffff00000005\nmov %r1, 0\nmod32 %r0, %r1\nexit", 5);
  expect_r0("lddw %r0, 0xffffffff00000005\nmod32 %r0, 0\nexit", 5);
  expect_r0("lddw %r0, 0xffffffff00000005\nmov %r1, 0\ndiv32 %r0, %r1\nexit", 0);
  expect_r0("mov %r0, -7\nmov %r1, 0\nsdiv %r0, %r1\nexit", 0);
  expect_r0("mov %r0, -7\nmov %r1, 0\nsmod %r0, %r1\nexit", static_cast<uint64_t>(-7));
  expect_r0("mov %r0, -7\nsmod32 %r0, 0\nexit", 0xfffffff9);
}

TEST(Jit, SignedOverflowDoesNotFaultTheHost) {
  expect_r0("lddw %r0, 0x8000000000000000\nmov %r1, -1\nsdiv %r0, %r1\nexit", 0x8000000000000000ull);
  expect_r0("lddw %r0, 0x8000000000000000\nsdiv %r0, -1\nexit", 0x8000000000000000ull);
  expect_r0("lddw %r0, 0x8000000000000000\nmov %r1, -1\nsmod %r0, %r1\nexit", 0);
  expect_r0("lddw %r0, 0x8000000000000000\nsmod %r0, -1\nexit", 0);
  expect_r0("mov32 %r0, 0x80000000\nmov %r1, -1\nsdiv32 %r0, %r1\nexit", 0x80000000);
  expect_r0("mov32 %r0, 0x80000000\nsdiv32 %r0, -1\nexit", 0x80000000);
  expect_r0("mov32 %r0, 0x80000000\nmov %r1, -1\nsmod32 %r0, %r1\nexit", 0);
  expect_r0("mov %r0, 5\nsdiv %r0, -1\nexit", static_cast<uint64_t>(-5));
}

TEST(Jit, SignedDivisionTruncatesAndModuloTakesTheDividendsSign) {
  expect_r0("mov %r0, -7\nmov %r1, 2\nsdiv %r0, %r1\nexit", static_cast<uint64_t>(-3));
  expect_r0("mov %r0, -7\nmov %r1, 2\nsmod %r0, %r1\nexit", static_cast<uint64_t>(-1));
  expect_r0("mov %r0, 7\nmov %r1, -2\nsmod %r0, %r1\nexit", 1);
  expect_r0("mov %r0, -7\nsdiv32 %r0, 2\nexit", 0xfffffffd);
  // Unsigned division sees the sign-extended immediate as a huge divisor.
  expect_r0("mov %r0, -1\ndiv %r0, -1\nexit", 1);
  expect_r0("mov %r0, 100\ndiv %r0, -1\nexit", 0);
  // 32-bit division ignores the upper halves.
  expect_r0("lddw %r0, 0x100000010\nmov %r1, 4\ndiv32 %r0, %r1\nexit", 4);
  expect_r0("lddw %r0, 0x100000010\nlddw %r1, 0x700000004\ndiv32 %r0, %r1\nexit", 4);
}

TEST(Jit, DivisionWithEveryRegisterRole) {
  // r0 and r2 are rax and rdx, which x86 division uses implicitly.
  expect_r0("mov %r2, 100\nmov %r0, 7\ndiv %r2, %r0\nmov %r0, %r2\nexit", 14);
  expect_r0("mov %r2, 100\nmov %r0, 7\nmod %r2, %r0\nmov %r0, %r2\nexit", 2);
  expect_r0("mov %r0, 100\nmov %r2, 7\nmod %r0, %r2\nadd %r0, %r2\nexit", 9);
  expect_r0("mov %r3, 100\nmov %r0, 1\nmov %r2, 2\ndiv %r3, 7\nadd %r3, %r0\nadd %r3, %r2\nmov %r0, %r3\nexit",
            17);
  expect_r0("mov %r0, 100\ndiv %r0, %r0\nexit", 1);
  expect_r0("mov %r2, 9\nmod %r2, %r2\nmov %r0, %r2\nexit", 0);
}

TEST(Jit, ShiftCountsAreMasked) {
  expect_r0("mov %r0, 1\nlsh %r0, 65\nexit", 2);
  expect_r0("mov %r0, 1\nmov %r1, 65\nlsh %r0, %r1\nexit", 2);
  expect_r0("mov32 %r0, 1\nlsh32 %r0, 33\nexit", 2);
  expect_r0("mov32 %r0, 1\nmov %r3, 33\nlsh32 %r0, %r3\nexit", 2);
  expect_r0("mov32 %r0, 0x80000000\narsh32 %r0, 4\nexit", 0xf8000000);
  expect_r0("lddw %r0, 0x8000000000000000\narsh %r0, 63\nexit", ~uint64_t{0});
  expect_r0("lddw %r0, 0xffffffffffffffff\nrsh32 %r0, 4\nexit", 0x0fffffff);
  expect_r0("lddw %r0, 0xffffffffffffffff\nlsh32 %r0, 0\nexit", 0xffffffff);
}

TEST(Jit, ShiftsThroughClWithoutBmi2) {
  JitOptions no_bmi2;
  no_bmi2.allow_bmi2 = false;
  const char* cases[] = {
      "mov %r3, 1\nmov %r1, 65\nlsh %r3, %r1\nmov %r0, %r3\nexit",  // dst is rcx
      "mov %r0, 1\nmov %r3, 65\nlsh %r0, %r3\nexit",                 // src is rcx
      "mov %r3, 3\nlsh %r3, %r3\nmov %r0, %r3\nexit",                // both
      "mov %r0, -256\nmov %r1, 4\narsh32 %r0, %r1\nadd %r0, %r3\nexit",
  };
  const uint64_t expected[] = {2, 2, 24, 0xfffffff0};
  for (size_t i = 0; i < std::size(cases); ++i) {
    Runner r(cases[i], no_bmi2);
    EXPECT_EQ(r.run(EngineKind::Jit).result.r0, expected[i]) << cases[i];
    Runner ref(cases[i]);
    EXPECT_EQ(ref.run(EngineKind::Interpreter).result.r0, expected[i]) << cases[i];
  }
}

TEST(Jit, SignAndZeroExtension) {
  expect_r0("mov %r1, 0x80\nmovsx864 %r0, %r1\nexit", 0xffffffffffffff80ull);
  expect_r0("mov %r1, 0x80\nmovsx832 %r0, %r1\nexit", 0xffffff80);
  expect_r0("mov %r1, 0x8000\nmovsx1664 %r0, %r1\nexit", 0xffffffffffff8000ull);
  expect_r0("mov32 %r1, 0x80000000\nmovsx3264 %r0, %r1\nexit", 0xffffffff80000000ull);
  expect_r0("mov %r0, -1\nexit", ~uint64_t{0});
  expect_r0("mov32 %r0, -1\nexit", 0xffffffff);
  expect_r0("lddw %r0, 0xffffffffffffffff\nadd32 %r0, 1\nexit", 0);
  expect_r0("mov %r0, 0\nsub %r0, 1\nexit", ~uint64_t{0});
  expect_r0("mov %r0, 3\nmul32 %r0, -1\nexit", 0xfffffffd);
  expect_r0("mov %r0, 0\nneg32 %r0\nexit", 0);
  expect_r0("mov %r0, 1\nneg32 %r0\nexit", 0xffffffff);
  expect_r0("ldxsb %r0, [%r1+0]\nexit", 0xffffffffffffff80ull, {0x80, 0, 0, 0});
  expect_r0("ldxsh %r0, [%r1+0]\nexit", 0xffffffffffff8001ull, {0x01, 0x80, 0, 0});
  expect_r0("ldxsw %r0, [%r1+0]\nexit", 0xffffffff80000001ull, {0x01, 0, 0, 0x80});
  expect_r0("ldxw %r0, [%r1+0]\nexit", 0x80000001ull, {0x01, 0, 0, 0x80});
}

TEST(Jit, ByteSwaps) {
  expect_r0("mov %r0, 0x12345678\nbe16 %r0\nexit", 0x7856);
  expect_r0("mov %r0, 0x12345678\nle16 %r0\nexit", 0x5678);
  expect_r0("lddw %r0, 0x1122334455667788\nle32 %r0\nexit", 0x55667788);
  expect_r0("lddw %r0, 0x1122334455667788\nbe32 %r0\nexit", 0x88776655);
  expect_r0("lddw %r0, 0x1122334455667788\nbe64 %r0\nexit", 0x8877665544332211ull);
  expect_r0("lddw %r0, 0x1122334455667788\nbswap16 %r0\nexit", 0x8877);
  expect_r0("lddw %r0, 0x1122334455667788\nbswap64 %r0\nexit", 0x8877665544332211ull);
}

TEST(Jit, JumpsCompareTheRightWidthAndSignedness) {
  expect_r0("mov %r0, 0\nmov %r1, -1\njsgt %r1, 0, +1\nmov %r0, 1\nexit", 1);
  expect_r0("mov %r0, 0\nmov %r1, -1\njgt %r1, 0, +1\nmov %r0, 1\nexit", 0);
  expect_r0("mov %r0, 0\nlddw %r1, 0x100000000\njeq32 %r1, 0, +1\nmov %r0, 1\nexit", 0);
  expect_r0("mov %r0, 0\nlddw %r1, 0x100000000\njeq %r1, 0, +1\nmov %r0, 1\nexit", 1);
  expect_r0("mov %r0, 0\nmov32 %r1, -1\njeq %r1, -1, +1\nmov %r0, 1\nexit", 1);
  expect_r0("mov %r0, 0\nmov %r1, 6\njset %r1, 9, +1\nmov %r0, 1\nexit", 1);
  expect_r0("mov %r0, 0\nja32 +1\nmov %r0, 1\nexit", 0);
}

TEST(Jit, JumpsOverAnExitAreLaidOutOfLine) {
  for (const char* cond : {"jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt", "jsle", "jeq", "jne", "jset"}) {
    for (int64_t v : {-9, 2, 3, 4}) {
      const std::string text = fmt::format("mov %r0, {}\n{} %r0, 3, +1\nexit\nmov %r0, 77\nexit", v, cond);
      const std::string name = cond;
      const uint64_t u = static_cast<uint64_t>(v);
      const bool taken = name == "jgt" ? u > 3 : name == "jge" ? u >= 3 : name == "jlt" ? u < 3 : name == "jle" ? u <= 3
                         : name == "jsgt" ? v > 3 : name == "jsge" ? v >= 3 : name == "jslt" ? v < 3
                         : name == "jsle" ? v <= 3 : name == "jeq" ? v == 3 : name == "jne" ? v != 3 : (u & 3) != 0;
      expect_r0(text, taken ? 77 : u);
    }
  }
}

TEST(Jit, FusedAddressArithmetic) {
  const std::vector<uint8_t> mem = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  expect_r0("mov %r2, %r1\nadd %r2, 3\nldxb %r2, [%r2+1]\nmov %r0, %r2\nexit", 5, mem);
  expect_r0("mov %r3, 2\nmov %r2, %r1\nadd %r2, %r3\nldxh %r2, [%r2+0]\nmov %r0, %r2\nexit", 0x0403, mem);
  expect_r0("mov %r3, 2\nmov %r0, %r1\nadd %r0, %r3\nldxsb %r0, [%r0-2]\nexit", 1, mem);
  expect_r0("mov %r0, %r1\nadd %r0, %r0\nsub %r0, %r1\nsub %r0, %r1\nexit", 0, mem);
  expect_r0("mov %r2, %r1\nadd %r2, 8\nldxh %r3, [%r2+0]\nldxb %r0, [%r2-8]\nadd %r0, %r3\nexit", 0x0a09 + 1, mem);
  // Stores through a computed address: fused when the address register is dead afterwards,
  // kept when it is read later or in between.
  expect_r0("mov %r2, %r1\nadd %r2, 4\nldxb %r3, [%r1+0]\nstxb [%r2+0], %r3\nldxb %r0, [%r1+4]\nexit", 1, mem);
  expect_r0("mov %r2, %r1\nadd %r2, 4\nstb [%r2+1], 42\nmov %r0, %r2\nsub %r0, %r1\nexit", 4, mem);
  expect_r0("mov %r2, %r1\nadd %r2, 4\nmov %r3, %r2\nstb [%r2+1], 42\nldxb %r0, [%r3+1]\nexit", 42, mem);
  expect_r0("mov %r4, 3\nmov %r2, %r1\nadd %r2, %r4\nmov %r4, 0\nstb [%r2+0], 42\nldxb %r0, [%r1+3]\nexit", 42, mem);
  expect_r0("mov %r4, 3\nmov %r2, %r1\nadd %r2, %r4\nstb [%r2+0], 42\nldxb %r0, [%r1+3]\nmov %r2, 0\nexit", 42, mem);
  expect_r0("mov %r2, %r1\nadd %r2, 4\nmov %r3, 9\nldxb %r0, [%r2+0]\nadd %r0, %r3\nexit", 14, mem);
  expect_r0("mov %r2, %r1\nadd %r2, 4\nmov %r3, 9\nldxb %r0, [%r2+0]\nadd %r0, %r2\nsub %r0, %r1\nexit", 9, mem);
  expect_r0("mov %r2, %r1\nadd %r2, 4\nmov %r5, %r1\nadd %r5, 1\nldxb %r5, [%r5+0]\nldxb %r0, [%r2+0]\n"
            "add %r0, %r5\nexit",
            7, mem);
  // Fused accesses out of bounds trap at the access, with its steps.
  expect_trap("mov %r0, 0\nmov %r2, %r1\nadd %r2, 8\nldxw %r2, [%r2+0]\nmov %r0, 1\nexit", TrapKind::OutOfBounds, 3,
              mem, kDefaultMaxSteps, 4);
  expect_trap("mov %r3, 7\nmov %r2, %r1\nadd %r2, %r3\nldxb %r4, [%r1+0]\nstxh [%r2+2], %r4\nmov %r0, 0\nexit",
              TrapKind::OutOfBounds, 4, mem, kDefaultMaxSteps, 5);
}

TEST(Jit, AtomicsAreReadModifyWrites) {
  std::vector<uint8_t> mem(16, 0);
  const char* prog = R"(
    stdw [%r1+0], 40
    mov %r2, 2
    lock fetch add [%r1+0], %r2
    stw [%r1+8], 0xf0
    mov %r3, 0x0f
    lock fetch or32 [%r1+8], %r3
    mov %r4, 0x3c
    lock fetch and32 [%r1+8], %r4
    mov %r5, 0xff
    lock fetch xor32 [%r1+8], %r5
    mov %r0, %r2
    lsh %r0, 8
    add %r0, %r3
    lsh %r0, 8
    add %r0, %r4
    lsh %r0, 8
    add %r0, %r5
    ldxw %r6, [%r1+8]
    lsh %r0, 8
    add %r0, %r6
    ldxdw %r6, [%r1+0]
    lsh %r0, 8
    add %r0, %r6
    exit)";
  // old values: 40, 0xf0, 0xff, 0x3c; memory: 0x3c ^ 0xff = 0xc3, 42
  expect_r0(prog, 0x28f0ff3cc32aull, mem);
  // cmpxchg: r0 gets the old value, zero-extended for 32 bits, whether or not it stored.
  expect_r0("stw [%r1+0], 5\nlddw %r0, 0xffffffff00000005\nmov %r2, 9\nlock cmpxchg32 [%r1+0], %r2\n"
            "ldxw %r3, [%r1+0]\nlsh %r0, 8\nadd %r0, %r3\nexit",
            0x509, mem);
  expect_r0("stw [%r1+0], 5\nmov %r0, 6\nmov %r2, 9\nlock cmpxchg32 [%r1+0], %r2\n"
            "ldxw %r3, [%r1+0]\nlsh %r0, 8\nadd %r0, %r3\nexit",
            0x505, mem);
  expect_r0("stdw [%r1+0], 5\nmov %r0, 5\nlock cmpxchg [%r1+0], %r0\nldxdw %r0, [%r1+0]\nexit", 5, mem);
  expect_r0("stdw [%r1+0], 7\nmov %r2, 3\nlock xchg [%r1+0], %r2\nldxdw %r0, [%r1+0]\nlsh %r0, 8\nadd %r0, %r2\nexit",
            0x307, mem);
  expect_r0("stw [%r10-4], 7\nmov %r2, 3\nlock add32 [%r10-4], %r2\nldxw %r0, [%r10-4]\nexit", 10);
}

TEST(Jit, LegacyPacketLoads) {
  const std::vector<uint8_t> packet = {0x12, 0x34, 0x56, 0x78, 0x9a};
  expect_r0("ldabsw 0\nexit", 0x12345678, packet);
  expect_r0("ldabsh 3\nexit", 0x789a, packet);
  expect_r0("mov %r2, 2\nldindb %r2, 2\nexit", 0x9a, packet);
  // Out of bounds ends the program with r0 = 0 (Linux), not a trap.
  expect_r0("mov %r0, 7\nldabsw 2\nmov %r0, 1\nexit", 0, packet);
  expect_r0("mov %r0, 7\nmov %r2, -1\nldindb %r2, 0\nmov %r0, 1\nexit", 0, packet);
  expect_r0("mov %r0, 7\nmov %r2, 1\nldindh %r2, 0x7fffffff\nmov %r0, 1\nexit", 0, packet);
}

TEST(Jit, LocalCallsHaveTheirOwnFramesAndKeepR6ToR9) {
  const char* prog = R"(
    mov %r6, 6
    mov %r9, 9
    stdw [%r10-8], 100
    call local f
    ldxdw %r1, [%r10-8]
    add %r0, %r1
    add %r0, %r6
    add %r0, %r9
    exit
  f:
    mov %r6, 60
    mov %r9, 90
    stdw [%r10-8], 1000
    ldxdw %r0, [%r10-8]
    ldxdw %r1, [%r10+504]
    add %r0, %r1
    exit)";
  expect_r0(prog, 1000 + 100 + 100 + 6 + 9);
}

// Every engine configuration on one program, each engine run `runs` times on the same
// environment: the results per configuration (interpreter, JIT, JIT unchecked, JIT counting
// loop headers).
// `memory` bytes of input memory (0: no input region).
std::vector<std::vector<RunResult>> run_each_engine_repeatedly(std::string_view text, int runs,
                                                              void (*setup)(Environment&) = nullptr,
                                                              size_t memory = 16) {
  std::vector<std::vector<RunResult>> all;
  auto prog = semantics::validate(*semantics::assemble_any(text));
  EXPECT_TRUE(prog.ok()) << text;
  if (!prog.ok()) return all;
  JitOptions unchecked, loop_headers;
  unchecked.safety = SafetyMode::Unchecked;
  loop_headers.counting = StepCounting::LoopHeaders;
  for (int config = 0; config < 4; ++config) {
    Environment env;
    add_standard_helpers(env);
    if (setup != nullptr) setup(env);
    auto linked = link(*prog, env);
    EXPECT_TRUE(linked.ok());
    std::unique_ptr<Engine> engine;
    if (config == 0) {
      engine = std::make_unique<Interpreter>(*linked, env);
    } else {
      auto jit = Jit::compile(*linked, env,
                                 test_support::with_test_permit(config == 1   ? JitOptions{}
                                                                : config == 2 ? unchecked
                                                                              : loop_headers,
                                                                *prog));
      EXPECT_TRUE(jit.ok());
      engine = std::move(jit.value());
    }
    std::vector<RunResult> results;
    for (int i = 0; i < runs; ++i) {
      std::vector<uint8_t> mem(memory, 0);
      results.push_back(engine->run(memory_invocation(mem), RunOptions{}));
    }
    all.push_back(std::move(results));
  }
  return all;
}

// The JIT zeroes only frame 0 when a run starts and a deeper frame when a call first reaches
// it: each run must still see the interpreter's stack, zeroed at the start, where a frame
// keeps what the last callee at its depth left. Running the same engine twice catches a frame
// left dirty by the previous run (the host stack array is at the same address each time).
TEST(Jit, DeeperFramesAreZeroedOnFirstUseInEveryRun) {
  const char* prog = R"(
    ldxdw %r6, [%r10-8]
    stdw [%r10-8], 5
    call local f
    mov %r7, %r0
    call local f
    add %r0, %r7
    add %r0, %r6
    exit
  f:
    ldxdw %r6, [%r10-8]
    stdw [%r10-8], 100
    call local g
    add %r0, %r6
    exit
  g:
    ldxdw %r0, [%r10-512]
    stdw [%r10-512], 1000
    exit)";
  // First f: frames 1 and 2 fresh, 0 + 0. Second f: 100 from the first f, 1000 from the first
  // g. Main's own slot reads 0 before it writes 5.
  for (const auto& runs : run_each_engine_repeatedly(prog, 3)) {
    for (const RunResult& r : runs) {
      EXPECT_FALSE(r.trapped) << r.trap.to_string();
      EXPECT_EQ(r.r0, 1100u);
    }
  }
  // Down to the deepest frame and back up, twice per run: every frame reads 0 the first time.
  const char* deep = R"(
    mov %r6, 0
    call local f
    mov %r7, %r0
    call local f
    lsh %r7, 32
    or %r0, %r7
    exit
  f:
    ldxdw %r0, [%r10-8]
    add %r0, 1
    stxdw [%r10-8], %r0
    jge %r6, 6, +4
    add %r6, 1
    mov %r8, %r0
    call local f
    add %r0, %r8
    exit)";
  // Frames 1-7 each hold a counter; the first descent reads 0 everywhere (sum of 1 over 7
  // frames), the second reads 1 (sum of 2).
  for (const auto& runs : run_each_engine_repeatedly(deep, 2)) {
    for (const RunResult& r : runs) {
      EXPECT_FALSE(r.trapped) << r.trap.to_string();
      EXPECT_EQ(r.r0, (uint64_t{7} << 32) | 14u);
    }
  }
}

// Frame 0 too is zeroed in every run, also when the program reaches it through a copy of r10
// (the JIT skips zeroing only for programs that never read r10 and call no helper).
TEST(Jit, FrameZeroIsZeroedInEveryRun) {
  for (const auto& runs :
       run_each_engine_repeatedly("mov %r1, %r10\nldxdw %r0, [%r1-8]\nstdw [%r1-8], 9\nldxb %r2, [%r1-512]\n"
                                  "add %r0, %r2\nstb [%r1-512], 3\nexit",
                                  3)) {
    for (const RunResult& r : runs) {
      EXPECT_FALSE(r.trapped) << r.trap.to_string();
      EXPECT_EQ(r.r0, 0u);
    }
  }
}

// The first region of a run is tested inline; with no invocation regions it is the
// environment's first one (a map's slab, whose elements are checked elsewhere, or a variable).
// Both must behave as the interpreter's Memory, which the JIT now builds only when needed.
TEST(Jit, FirstRegionFromTheEnvironment) {
  auto with_variable = [](Environment& env) { env.add_variable(1, "v", 8); };
  const std::string var = "lddw %r1, var 1\n";  // LDDW src 3: the variable's address
  const auto reads = run_each_engine_repeatedly(var + "stdw [%r1+0], 7\nldxdw %r0, [%r1+0]\nexit", 2, with_variable, 0);
  for (size_t config = 0; config < reads.size(); ++config) {
    for (const RunResult& r : reads[config]) {
      EXPECT_FALSE(r.trapped) << config << ": " << r.trap.to_string();
      EXPECT_EQ(r.r0, 7u) << config;
    }
  }
  const auto traps = run_each_engine_repeatedly(var + "mov %r0, 0\nstw [%r1+6], 7\nexit", 1, with_variable, 0);
  for (size_t config = 0; config < traps.size(); ++config) {
    if (config == 2) continue;  // unchecked: no memory checks by design
    const auto& engine = traps[config];
    ASSERT_TRUE(engine[0].trapped) << config;
    EXPECT_EQ(engine[0].trap.kind, TrapKind::OutOfBounds);
    EXPECT_EQ(engine[0].trap.pc, 3u);
    EXPECT_NE(engine[0].trap.message.find("variable 'v'"), std::string::npos) << engine[0].trap.message;
  }
}

TEST(Jit, RecursionStopsAtEightFrames) {
  expect_trap("mov %r0, 0\ncall local f\nexit\nf:\nadd %r0, 1\ncall local f\nexit", TrapKind::CallDepthExceeded, 4,
              {}, kDefaultMaxSteps, 1 + 1 + 7 * 2);
}

TEST(Jit, CallxReachesCodeAddressesAndHelperIds) {
  // LDDW src 4 is not expressible in assembler text; build it with .raw: opcode 0x18, src 4,
  // imm = target - (pc + 1).
  expect_r0(R"(
    .raw 0x0000000400004618
    .raw 0x0000000000000000
    mov %r0, 1
    callx %r6
    exit
    mov %r0, 42
    exit)",
            42);
  expect_r0("mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\nmov %r6, 1000\ncallx %r6\nexit", 15);
  expect_trap("lddw %r6, 0xffffc0de00000001\ncallx %r6\nexit", TrapKind::BadCallTarget, 2);
  expect_trap("mov %r6, 4242\ncallx %r6\nexit", TrapKind::UnknownHelper, 1);
}

TEST(Jit, CallxIntoTheMiddleOfAStraightLineRun) {
  // The code address of pc 6, which no jump targets: the JIT enters through a side entry
  // that pays for the rest of its segment. r0 = 1 + 100; steps: lddw, mov, callx, add, exit,
  // exit.
  const char* prog = R"(
    lddw %r6, 0xffffc0de00000006
    mov %r0, 1
    callx %r6
    exit
    add %r0, 10
    add %r0, 100
    exit)";
  expect_r0(prog, 101);
  for (EngineKind kind : {EngineKind::Interpreter, EngineKind::Jit}) {
    Runner r(prog);
    EXPECT_EQ(r.run(kind).result.steps, 6u);
  }
  expect_trap(prog, TrapKind::StepBudgetExhausted, 7, {}, 4, 4);
}

TEST(Jit, ArrayMapLookupsInlineAndOtherwise) {
  // An array map (fd 1, 4 entries of 12 bytes: stride 16) read through bpf_map_lookup_elem.
  auto run = [](const std::string& text, std::vector<uint8_t> mem, bool own_lookup = false) {
    std::vector<RunResult> results;
    for (EngineKind kind : {EngineKind::Interpreter, EngineKind::Jit}) {
      auto insns = semantics::assemble_any(text);
      EXPECT_TRUE(insns.ok()) << text;
      auto prog = semantics::validate(*insns);
      EXPECT_TRUE(prog.ok()) << text;
      Environment env;
      add_standard_helpers(env);
      if (own_lookup) {  // an environment with its own helper 1: never inlined
        env.add_helper({1, "lookup_returns_7", [](HelperContext&, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
                          return uint64_t{7};
                        }});
      }
      auto index = env.add_map(MapDef{"a", MapType::Array, 4, 12, 4, 0}, 1);
      for (uint32_t k = 0; k < 4; ++k) {
        uint8_t value[12] = {};
        value[0] = static_cast<uint8_t>(10 + k);
        value[11] = static_cast<uint8_t>(20 + k);
        env.map_at(*index).update(reinterpret_cast<const uint8_t*>(&k), value, kUpdateAny);
      }
      auto linked = link(*prog, env);
      EXPECT_TRUE(linked.ok());
      std::unique_ptr<Engine> engine;
      if (kind == EngineKind::Jit) {
        engine = std::move(Jit::compile(*linked, env).value());
      } else {
        engine = std::make_unique<Interpreter>(*linked, env);
      }
      std::vector<uint8_t> m = mem;
      results.push_back(engine->run(memory_invocation(m), RunOptions{}));
    }
    return results;
  };
  auto lookup = [](const std::string& key_setup, const std::string& use) {
    return key_setup + "\nmov %r2, %r10\nadd %r2, -4\nlddw %r1, 0\n" + use;
  };
  // LDDW src 1 is not in the conformance syntax: patch it in with .raw (0x18, dst 1, src 1,
  // imm = fd 1).
  auto with_map = [](std::string text) {
    const std::string plain = "lddw %r1, 0";
    text.replace(text.find(plain), plain.size(), ".raw 0x0000000100001118\n.raw 0x0000000000000000");
    return text;
  };
  struct Case {
    std::string text;
    uint64_t r0;
    bool trapped;
  };
  const std::vector<Case> cases = {
      // key 2: value byte 0 = 12, byte 11 = 22
      {with_map(lookup("stw [%r10-4], 2", "call 1\nldxb %r3, [%r0+0]\nldxb %r0, [%r0+11]\nadd %r0, %r3\nexit")), 34,
       false},
      // key 4 is past max_entries: NULL
      {with_map(lookup("stw [%r10-4], 4", "call 1\nexit")), 0, false},
      // key -1 (0xffffffff): NULL
      {with_map(lookup("stw [%r10-4], -1", "call 1\nexit")), 0, false},
      // reading byte 12 of a 12-byte value: out of bounds even though the stride is 16
      {with_map(lookup("stw [%r10-4], 0", "call 1\nldxb %r0, [%r0+12]\nexit")), 0, true},
      // an 8-byte read at offset 8 crosses the end of the value
      {with_map(lookup("stw [%r10-4], 1", "call 1\nldxdw %r0, [%r0+8]\nexit")), 0, true},
      // writing into the value, then reading it back through a second lookup
      {with_map(lookup("stw [%r10-4], 3", "call 1\nstb [%r0+5], 99\nmov %r2, %r10\nadd %r2, -4\ncall 1\n"
                                          "ldxb %r0, [%r0+5]\nexit")),
       99, false},
  };
  for (const Case& c : cases) {
    const auto results = run(c.text, {});
    ASSERT_EQ(results.size(), 2u);
    for (const RunResult& r : results) {
      EXPECT_EQ(r.trapped, c.trapped) << c.text << r.trap.to_string();
      if (c.trapped) {
        EXPECT_EQ(r.trap.kind, TrapKind::OutOfBounds) << c.text;
      } else {
        EXPECT_EQ(r.r0, c.r0) << c.text;
      }
    }
    EXPECT_EQ(results[0].trap.pc, results[1].trap.pc) << c.text;
  }
  // The key in the input memory, not on the stack: the general helper path.
  for (const RunResult& r : run(with_map("mov %r2, %r1\nlddw %r1, 0\ncall 1\nldxb %r0, [%r0+0]\nexit"), {1, 0, 0, 0})) {
    EXPECT_EQ(r.r0, 11u) << r.trap.to_string();
  }
  // An unreadable key: both engines report the helper's fault.
  for (const RunResult& r : run(with_map(lookup("mov %r0, 0", "mov %r2, 8\ncall 1\nexit")), {})) {
    EXPECT_TRUE(r.trapped);
    EXPECT_EQ(r.trap.kind, TrapKind::HelperFault);
  }
  // Another function under id 1 is called, not inlined.
  for (const RunResult& r : run(with_map(lookup("stw [%r10-4], 2", "call 1\nexit")), {}, true)) {
    EXPECT_EQ(r.r0, 7u);
  }
  // Checked mode tests the map's values first for r0 after the lookup (in pc order), but when
  // input byte 0 is not zero the lookup is jumped over and r0 still points into the input: the
  // other regions are tested before any trap, with the interpreter's verdict.
  const std::string guessed_wrong = with_map(
      "mov %r7, %r1\nmov %r0, %r7\nldxb %r3, [%r7+0]\njne %r3, 0, +6\nstw [%r10-4], 3\nmov %r2, %r10\n"
      "add %r2, -4\nlddw %r1, 0\ncall 1\nldxb %r0, [%r0+11]\nexit");
  struct Wrong {
    std::vector<uint8_t> mem;
    uint64_t r0;
    bool trapped;
  };
  for (const Wrong& w : {Wrong{{0}, 23, false}, Wrong{{5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 77}, 77, false},
                         Wrong{{5, 0, 0, 0}, 0, true}}) {
    const auto results = run(guessed_wrong, w.mem);
    for (const RunResult& r : results) {
      EXPECT_EQ(r.trapped, w.trapped) << r.trap.to_string();
      EXPECT_EQ(r.r0, w.r0);
    }
    EXPECT_EQ(results[0].trap.pc, results[1].trap.pc);
    EXPECT_EQ(results[0].trap.kind, results[1].trap.kind);
  }
}

TEST(Jit, HelpersKfuncsAndExitRequests) {
  expect_r0("mov %r1, 1\nmov %r2, 20\nmov %r3, 300\nmov %r4, 4000\nmov %r5, 50000\ncall 1000\nexit", 54321);
  expect_r0("mov %r1, 6\nmov %r2, 7\ncall runtime 2\nexit", 42);
  // r1-r5 keep their values across a call in this VM (the interpreter's convention).
  expect_r0("mov %r1, 6\nmov %r2, 7\ncall runtime 2\nadd %r0, %r1\nexit", 48);
  expect_r0("mov %r1, 41\ncall 2000\nmov %r0, 1\nexit", 42);
  std::vector<uint8_t> mem(8, 0);
  expect_r0("mov %r2, 0xab\nmov %r3, 4\ncall runtime 3\nldxdw %r0, [%r1+0]\nexit", 0xababababull, mem);
  expect_trap("call 4242\nexit", TrapKind::UnknownHelper, 0);
  expect_trap("mov %r0, 0\ncall runtime 77\nexit", TrapKind::UnknownKfunc, 1);
  expect_trap("mov %r1, 5\ncall 1\nexit", TrapKind::HelperFault, 1);
}

TEST(Jit, MemoryTrapsHaveTheInterpretersKindAndPc) {
  const std::vector<uint8_t> mem(8, 0);
  expect_trap("mov %r0, 0\nldxw %r0, [%r1+6]\nexit", TrapKind::OutOfBounds, 1, mem);
  expect_trap("mov %r0, 0\nldxb %r0, [%r1-1]\nexit", TrapKind::OutOfBounds, 1, mem);
  expect_trap("mov %r0, 0\nstxdw [%r10+0], %r0\nexit", TrapKind::OutOfBounds, 1);
  expect_trap("mov %r0, 0\nstb [%r10-513], 1\nexit", TrapKind::OutOfBounds, 1);
  expect_trap("mov %r0, 0\nlock add [%r1+8], %r0\nexit", TrapKind::OutOfBounds, 1, mem);
  expect_trap("lddw %r1, 0xffff800000000000\nldxb %r0, [%r1+0]\nexit", TrapKind::OutOfBounds, 2);
  // A read-only region: reads pass, writes trap with write-to-read-only.
  uint8_t ro[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  Region region{reinterpret_cast<uint64_t>(ro), sizeof ro, 0, 0, RegionKind::Context, false, "ctx"};
  const std::string read = "lddw %r3, " + std::to_string(region.start) + "\nldxb %r0, [%r3+7]\nexit";
  const std::string write = "lddw %r3, " + std::to_string(region.start) + "\nstb [%r3+7], 1\nexit";
  for (EngineKind kind : {EngineKind::Interpreter, EngineKind::Jit}) {
    Runner r(read);
    EXPECT_EQ(r.run(kind, {}, kDefaultMaxSteps, {region}).result.r0, 8u);
    Runner w(write);
    const RunResult res = w.run(kind, {}, kDefaultMaxSteps, {region}).result;
    EXPECT_TRUE(res.trapped);
    EXPECT_EQ(res.trap.kind, TrapKind::WriteToReadOnly);
    EXPECT_EQ(res.trap.pc, 2u);
  }
}

TEST(Jit, StepBudgetTrapsAtTheInterpretersPc) {
  // pcs run: 0 1 2 1 2 1 2 1 2 1 | the 11th would be pc 2.
  expect_trap("mov %r0, 0\nadd %r0, 1\nja -2\n", TrapKind::StepBudgetExhausted, 2, {}, 10, 10);
  // LDDW is one instruction in two slots: the third instruction is at pc 4.
  expect_trap("lddw %r1, 5\nlddw %r2, 6\nmov %r0, 1\nexit", TrapKind::StepBudgetExhausted, 4, {}, 2, 2);
  expect_trap("mov %r0, 1\nexit", TrapKind::StepBudgetExhausted, 0, {}, 0, 0);
  expect_r0("mov %r0, 1\nexit", 1);
  // A budget that suffices exactly: no trap, steps = budget.
  for (EngineKind kind : {EngineKind::Interpreter, EngineKind::Jit}) {
    Runner r("mov %r0, 1\nexit");
    const RunResult res = r.run(kind, {}, 2).result;
    EXPECT_FALSE(res.trapped);
    EXPECT_EQ(res.steps, 2u);
  }
}

// Regression: a budget that runs out inside a straight-line run of stores. The interpreter does
// the stores the budget covers, then traps; so must the JIT in both safety modes (it once
// trapped at the right pc without doing them in unchecked mode).
TEST(Jit, BudgetRunningOutMidRunKeepsTheStoresBeforeIt) {
  const char* prog = "stb [%r1+0], 1\nstb [%r1+1], 2\nstb [%r1+2], 3\nmov %r0, 0\nexit";
  JitOptions unchecked;
  unchecked.safety = SafetyMode::Unchecked;
  for (const JitOptions& options : {JitOptions{}, unchecked}) {
    Runner jit(prog, options);
    const Outcome j = jit.run(EngineKind::Jit, std::vector<uint8_t>(4, 0), 2);
    Runner ref(prog);
    const Outcome i = ref.run(EngineKind::Interpreter, std::vector<uint8_t>(4, 0), 2);
    for (const Outcome* o : {&i, &j}) {
      ASSERT_TRUE(o->result.trapped);
      EXPECT_EQ(o->result.trap.kind, TrapKind::StepBudgetExhausted);
      EXPECT_EQ(o->result.trap.pc, 2u);
      EXPECT_EQ(o->memory, (std::vector<uint8_t>{1, 2, 0, 0}));
    }
  }
  // A trap inside the run: steps count the instructions up to the faulting one only.
  expect_trap("mov %r0, 1\nstb [%r1+9], 1\nmov %r0, 2\nmov %r0, 3\nexit", TrapKind::OutOfBounds, 1,
              std::vector<uint8_t>(4, 0), kDefaultMaxSteps, 2);
}

TEST(Jit, LoopHeaderCountingNeverHangs) {
  JitOptions loops;
  loops.counting = StepCounting::LoopHeaders;
  for (SafetyMode safety : {SafetyMode::Checked, SafetyMode::Unchecked}) {
    loops.safety = safety;
    Runner forever("mov %r0, 0\nadd %r0, 1\nja -2\n", loops);
    const RunResult r = forever.run(EngineKind::Jit, {}, 1000).result;
    ASSERT_TRUE(r.trapped);
    EXPECT_EQ(r.trap.kind, TrapKind::StepBudgetExhausted);
    EXPECT_EQ(r.trap.pc, 1u);  // the loop header
    Runner self("ja -1\n", loops);
    EXPECT_EQ(self.run(EngineKind::Jit, {}, 1000).result.trap.kind, TrapKind::StepBudgetExhausted);
    Runner recursion("mov %r0, 0\ncall local f\nexit\nf:\nadd %r0, 1\nja f\n", loops);
    EXPECT_EQ(recursion.run(EngineKind::Jit, {}, 1000).result.trap.kind, TrapKind::StepBudgetExhausted);
    Runner finite("mov %r0, 0\nmov %r1, 10\nadd %r0, 3\nsub %r1, 1\njne %r1, 0, -3\nexit", loops);
    EXPECT_EQ(finite.run(EngineKind::Jit).result.r0, 30u);
  }
}

// StepCounting::Off: no counting at all, only for unchecked (verified) programs. A finite loop
// finishes with the interpreter's r0 whatever the budget says, and reports no steps.
// RunOptions::stack: both engines put r10 at the top of the given span (its end rounded down to
// 16 bytes), use it for the frames, and show the program a zeroed stack whatever the span held;
// a span too small for every frame is ignored.
TEST(Jit, BothEnginesRunOnTheStackTheyAreGiven) {
  Runner r10("mov %r0, %r10\nexit");
  Runner frames("ldxdw %r0, [%r10-8]\nstdw [%r10-8], 5\ncall local f\nadd %r0, %r1\nexit\n"
                "f:\nldxdw %r1, [%r10-512]\nstdw [%r10-512], 7\nldxdw %r0, [%r10-512]\nexit");
  std::vector<uint8_t> buffer(kStackBytes + 64, 0xaa);
  const uint64_t end = reinterpret_cast<uint64_t>(buffer.data()) + buffer.size();
  for (EngineKind kind : {EngineKind::Interpreter, EngineKind::Jit}) {
    for (size_t trim : {0, 3, 9}) {
      RunOptions options;
      options.stack = std::span<uint8_t>(buffer.data(), buffer.size() - trim);
      const uint64_t top = (end - trim) & ~uint64_t{15};
      EXPECT_EQ(r10.run_with(kind, options).r0, top);
      std::fill(buffer.begin(), buffer.end(), 0xaa);
      const RunResult f = frames.run_with(kind, options);
      EXPECT_FALSE(f.trapped) << f.trap.to_string();
      EXPECT_EQ(f.r0, 7u);  // frame 1's bottom read 0 before its store, frame 0's slot 0
      uint64_t slot = 0;
      std::memcpy(&slot, reinterpret_cast<const void*>(top - 8), 8);
      EXPECT_EQ(slot, 5u);  // the store went to the given memory
    }
    RunOptions small;
    std::vector<uint8_t> too_small(kStackBytes - 16);
    small.stack = too_small;
    const uint64_t own = r10.run_with(kind, small).r0;
    EXPECT_TRUE(own < reinterpret_cast<uint64_t>(too_small.data()) ||
                own > reinterpret_cast<uint64_t>(too_small.data()) + too_small.size());
  }
}

TEST(Jit, NoCountingIgnoresTheBudget) {
  JitOptions off;
  off.safety = SafetyMode::Unchecked;
  off.counting = StepCounting::Off;
  Runner finite("mov %r0, 0\nmov %r1, 10\nadd %r0, 3\nsub %r1, 1\njne %r1, 0, -3\nexit", off);
  const RunResult r = finite.run(EngineKind::Jit, {}, 5).result;
  EXPECT_FALSE(r.trapped) << r.trap.to_string();
  EXPECT_EQ(r.r0, 30u);
  EXPECT_EQ(r.steps, 0u);
  // The interpreter, with that budget, stops.
  EXPECT_TRUE(finite.run(EngineKind::Interpreter, {}, 5).result.trapped);
  // Memory accesses and calls still run as in unchecked mode.
  Runner calls("mov %r6, %r1\nmov %r0, 0\ncall local f\nstxdw [%r6+0], %r0\nldxdw %r0, [%r6+0]\nexit\n"
               "f:\nmov %r0, 7\nexit\n",
               off);
  EXPECT_EQ(calls.run(EngineKind::Jit, std::vector<uint8_t>(8, 0), 3).result.r0, 7u);
}

TEST(Jit, NoCountingNeedsUncheckedMode) {
  auto prog = semantics::validate(*semantics::assemble_any("mov %r0, 0\nexit"));
  ASSERT_TRUE(prog.ok());
  Environment env;
  auto linked = link(*prog, env);
  ASSERT_TRUE(linked.ok());
  JitOptions off;
  off.counting = StepCounting::Off;
  auto refused = Jit::compile(*linked, env, off);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().to_string().find("needs unchecked mode"), std::string::npos);
}

// JitOptions::listing: every BPF instruction is named, in order, with its offset in the code,
// followed by the x86-64 code for it; without the option there is no listing.
TEST(Jit, ListingNamesEveryInstruction) {
  auto prog = semantics::validate(*semantics::assemble_any(
      "mov %r0, 0\nmov %r2, %r1\nadd %r2, 4\nldxw %r0, [%r2+0]\njeq %r0, 0, +2\nlddw %r0, 0x1122334455\nexit"));
  ASSERT_TRUE(prog.ok());
  Environment env;
  auto linked = link(*prog, env);
  ASSERT_TRUE(linked.ok());
  JitOptions options;
  options.listing = true;
  auto jit = Jit::compile(*linked, env, options);
  ASSERT_TRUE(jit.ok());
  const std::string& listing = (*jit)->listing();
  EXPECT_NE(listing.find("checked mode"), std::string::npos) << listing;
  size_t at = 0;
  for (const char* line : {"   0 (+0x", "r0 = 0", "   1 (+0x", "r2 = r1", "   2: r2 += 4 (fused into the code above)",
                           "   3 (+0x", "r0 = *(u32 *)(r2 + 0)", "   4 (+0x", "   5 (+0x", "0x1122334455", "   7 (+0x",
                           "exit"}) {
    const size_t found = listing.find(line, at);
    ASSERT_NE(found, std::string::npos) << "missing, or out of order: " << line << "\n" << listing;
    at = found;
  }
  // The code itself: the fused address, the (checked) load and the 64-bit immediate.
  EXPECT_NE(listing.find("lea rdx, [rsi+4]"), std::string::npos) << listing;
  EXPECT_NE(listing.find("mov eax, dword ptr [rdx]"), std::string::npos) << listing;
  EXPECT_NE(listing.find("0x1122334455"), std::string::npos);
  auto plain = Jit::compile(*linked, env);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE((*plain)->listing().empty());
}

}  // namespace
}  // namespace bpfcert::interp
