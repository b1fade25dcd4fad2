// Loop versioning in the checked JIT (interp/jit/loops.h): which loops the analysis versions,
// with which ranges, and a differential campaign of loops through moving pointers (copies,
// count-downs, early exits, the stack) whose ranges pass or fail at entry, with every budget
// that ends a run inside the loop: the JIT must give the interpreter's r0, trap kind and pc,
// step count and memory in every case.
#include "interp/jit/loops.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "interp/helpers.h"
#include "interp/interpreter.h"
#include "interp/jit/jit.h"
#include "interp/link.h"
#include "semantics/assembly.h"
#include "tests/support/test_permit.h"

namespace bpfcert::interp {
namespace {

semantics::Program assemble(const std::string& text) {
  auto insns = semantics::assemble_any(text);
  EXPECT_TRUE(insns.ok()) << (insns.ok() ? "" : insns.error().to_string()) << "\n" << text;
  if (!insns.ok()) return {};
  auto prog = semantics::validate(std::move(insns.value()));
  EXPECT_TRUE(prog.ok()) << (prog.ok() ? "" : prog.error().to_string()) << "\n" << text;
  return prog.ok() ? std::move(prog.value()) : semantics::Program{};
}

std::vector<jit::VersionedLoop> loops_of(const std::string& text) {
  const semantics::Program prog = assemble(text);
  return jit::find_versioned_loops(prog, [](size_t, uint8_t reg) { return reg == 10 ? 1 : 0; },
                                   [](int region) { return region == 0 || region == 1; });
}

// The byte copy loop clang makes of `for (i = 0; i < half; i++) dst[i] = src[i]`.
const char* kCopyLoop = R"(
  mov %r3, %r2
  rsh %r3, 1
  mov %r4, %r1
  add %r4, %r3
  mov %r5, 0
loop:
  mov %r0, %r4
  add %r0, %r5
  mov %r6, %r1
  add %r6, %r5
  ldxb %r6, [%r6+0]
  stxb [%r0+0], %r6
  add %r5, 1
  jlt %r5, %r3, loop
  exit
)";

TEST(LoopVersioning, FindsTheCopyLoopsRangesAndCounter) {
  const auto loops = loops_of(kCopyLoop);
  ASSERT_EQ(loops.size(), 1u);
  const jit::VersionedLoop& l = loops[0];
  EXPECT_EQ(l.header, 5u);
  EXPECT_EQ(l.latch, 12u);
  EXPECT_EQ(l.counter, 5);
  EXPECT_EQ(l.counter_stride, 1);
  EXPECT_EQ(l.op, semantics::JmpOp::Jlt);
  EXPECT_TRUE(l.bound_is_reg);
  EXPECT_EQ(l.bound_reg, 3);
  ASSERT_EQ(l.ranges.size(), 2u);
  // The load: r1 + r5 + [0, 1); the store: r4 + r5 + [0, 1).
  const jit::AccessRange& load = l.ranges[l.range_of[9]];
  EXPECT_EQ(load.base, 1);
  EXPECT_EQ(load.counter, 5);
  EXPECT_EQ(load.stride, 1);
  EXPECT_EQ(load.lo, 0);
  EXPECT_EQ(load.hi, 1);
  EXPECT_FALSE(load.write);
  const jit::AccessRange& store = l.ranges[l.range_of[10]];
  EXPECT_EQ(store.base, 4);
  EXPECT_TRUE(store.write);
  EXPECT_EQ(l.pcs, (std::vector<size_t>{5, 6, 7, 8, 9, 10, 11, 12}));
  EXPECT_EQ(l.path, l.pcs);
}

TEST(LoopVersioning, CountDownsSwappedOperandsAndRotatedLoops) {
  // A pointer walking down with a count-down to zero (insertion sort's inner loop).
  auto loops = loops_of(R"(
    mov %r0, 0
    mov %r5, 16
    mov %r6, %r1
    add %r6, 64
  loop:
    ldxw %r7, [%r6-4]
    stxw [%r6+0], %r7
    add %r6, -4
    add %r5, -1
    jne %r5, 0, loop
    exit
  )");
  ASSERT_EQ(loops.size(), 1u);
  EXPECT_EQ(loops[0].counter, 5);
  EXPECT_EQ(loops[0].counter_stride, -1);
  EXPECT_EQ(loops[0].op, semantics::JmpOp::Jne);
  ASSERT_EQ(loops[0].ranges.size(), 1u);
  EXPECT_EQ(loops[0].ranges[0].counter, 6);
  EXPECT_EQ(loops[0].ranges[0].stride, -4);
  EXPECT_EQ(loops[0].ranges[0].lo, -4);
  EXPECT_EQ(loops[0].ranges[0].hi, 4);
  EXPECT_TRUE(loops[0].ranges[0].write);
  // The bound on the left: "bound > counter" is "counter < bound".
  loops = loops_of("mov %r0, 0\nmov %r5, 0\nloop:\nldxb %r6, [%r5+0]\nadd %r5, 1\njgt %r2, %r5, loop\nexit");
  ASSERT_EQ(loops.size(), 1u);
  EXPECT_EQ(loops[0].op, semantics::JmpOp::Jlt);
  EXPECT_EQ(loops[0].ranges[0].base, -1);
  // A rotated loop entered in its middle (clang's strcmp): the header is the entry.
  loops = loops_of(R"(
    mov %r0, 0
    mov %r4, 0
    ja entry
  next:
    jeq %r5, 0, out
    add %r4, 1
    jlt %r4, %r2, entry
    exit
  entry:
    mov %r5, %r1
    add %r5, %r4
    ldxb %r5, [%r5+0]
    ldxb %r0, [%r5+8]
    jeq %r5, %r0, next
  out:
    exit
  )");
  ASSERT_EQ(loops.size(), 1u);
  EXPECT_EQ(loops[0].header, 7u);
  EXPECT_EQ(loops[0].latch, 5u);
  ASSERT_EQ(loops[0].ranges.size(), 1u);  // the second load's address was loaded: not affine
  EXPECT_EQ(loops[0].range_of[9], 0);
  EXPECT_EQ(loops[0].range_of[10], -1);
  // One iteration runs from the entry through the block before it: a simple cycle.
  EXPECT_EQ(loops[0].path, (std::vector<size_t>{7, 8, 9, 10, 11, 3, 4, 5}));
}

TEST(LoopVersioning, LoopsItLeavesAlone) {
  // A call inside, a counter written twice, a counter stepped only on some paths, a signed or
  // 32-bit latch, a stride the trip count cannot be computed for, no affine access, the
  // counter running away from its bound.
  for (const char* text : {
           "mov %r5, 0\nloop:\nldxb %r0, [%r1+0]\ncall 5\nadd %r5, 1\njlt %r5, 4, loop\nexit",
           "mov %r5, 0\nloop:\nldxb %r0, [%r1+0]\nadd %r5, 1\nadd %r5, 1\njlt %r5, 4, loop\nexit",
           "mov %r5, 0\nloop:\nldxb %r0, [%r1+0]\njeq %r0, 0, skip\nadd %r5, 1\nskip:\njlt %r5, 4, loop\nexit",
           "mov %r5, 0\nloop:\nldxb %r0, [%r1+0]\nadd %r5, 1\njslt %r5, 4, loop\nexit",
           "mov %r5, 0\nloop:\nldxb %r0, [%r1+0]\nadd %r5, 1\njlt32 %r5, 4, loop\nexit",
           "mov %r5, 0\nloop:\nldxb %r0, [%r1+0]\nadd %r5, 3\njlt %r5, 4, loop\nexit",
           "mov %r5, 0\nloop:\nldxb %r0, [%r0+0]\nadd %r5, 1\njlt %r5, 4, loop\nexit",
           "mov %r5, 9\nloop:\nldxb %r0, [%r1+0]\nadd %r5, -1\njlt %r5, 4, loop\nexit",
       }) {
    EXPECT_TRUE(loops_of(text).empty()) << text;
  }
  // Nested loops: only the inner one.
  const auto loops = loops_of(R"(
    mov %r6, 0
  outer:
    mov %r5, 0
  inner:
    mov %r3, %r1
    add %r3, %r5
    ldxb %r0, [%r3+0]
    add %r5, 1
    jlt %r5, 4, inner
    add %r6, 1
    jlt %r6, 4, outer
    exit
  )");
  ASSERT_EQ(loops.size(), 1u);
  EXPECT_EQ(loops[0].header, 2u);
}

// Both engines on one program, each with its own environment; runs over a copy of the memory.
class Engines {
 public:
  explicit Engines(const semantics::Program& prog) {
    for (int i = 0; i < 2; ++i) {
      add_standard_helpers(env_[i]);
      auto linked = link(prog, env_[i]);
      EXPECT_TRUE(linked.ok());
      if (!linked.ok()) return;
      linked_[i] = std::move(linked.value());
    }
    engine_[0] = std::make_unique<Interpreter>(linked_[0], env_[0]);
    auto compiled = Jit::compile(linked_[1], env_[1]);
    EXPECT_TRUE(compiled.ok());
    if (compiled.ok()) engine_[1] = std::move(compiled.value());
  }
  bool ok() const { return engine_[0] && engine_[1]; }
  RunResult run(bool jit, std::vector<uint8_t>& memory, uint64_t max_steps) const {
    RunOptions ro;
    ro.max_steps = max_steps;
    return engine_[jit ? 1 : 0]->run(memory_invocation(memory), ro);
  }

 private:
  Environment env_[2];
  LinkedProgram linked_[2];
  std::unique_ptr<Engine> engine_[2];
};

// The JIT against the interpreter on `text`, with the default budget and with budgets up to
// the interpreter's step count (plus a few), so that budget traps land in the segments of both
// copies of the loop. Returns how many runs trapped.
int expect_same(const std::string& text, size_t memory_size) {
  const semantics::Program prog = assemble(text);
  if (prog.insns.empty()) return 0;
  const Engines engines(prog);
  if (!engines.ok()) return 0;
  std::vector<uint8_t> initial(memory_size);
  for (size_t i = 0; i < initial.size(); ++i) initial[i] = static_cast<uint8_t>(i * 7 + 3);
  std::vector<uint8_t> scratch = initial;
  const uint64_t steps = engines.run(false, scratch, kDefaultMaxSteps).steps;
  std::vector<uint64_t> budgets{kDefaultMaxSteps};
  const uint64_t every = steps > 40 ? steps / 23 : 1;
  for (uint64_t b = 0; b <= steps + 2; b += every) budgets.push_back(b);
  int traps = 0;
  for (uint64_t budget : budgets) {
    std::vector<uint8_t> ref_memory = initial, jit_memory = initial;
    const RunResult ref = engines.run(false, ref_memory, budget);
    const RunResult jit = engines.run(true, jit_memory, budget);
    const std::string where = fmt::format("budget {}\n{}", budget, text);
    EXPECT_EQ(jit.trapped, ref.trapped) << where << "\njit: " << jit.trap.to_string()
                                        << "\ninterp: " << ref.trap.to_string();
    if (ref.trapped && jit.trapped) {
      ++traps;
      EXPECT_EQ(jit.trap.kind, ref.trap.kind) << where;
      EXPECT_EQ(jit.trap.pc, ref.trap.pc) << where << "\n" << ref.trap.to_string();
    } else {
      EXPECT_EQ(jit.r0, ref.r0) << where;
    }
    EXPECT_EQ(jit.steps, ref.steps) << where;
    EXPECT_EQ(jit_memory, ref_memory) << where;
    if (::testing::Test::HasFailure()) return traps;
  }
  return traps;
}

// A copy loop: r5 runs from `start` by `stride` while `r5 op bound`, copying `size`-byte words
// from r1 + r5 + src_off to r4 + r5 (r4 = r1 + half); r0 sums what it copied.
std::string copy_loop(int64_t start, int64_t stride, const char* op, const std::string& bound, int size,
                      int src_off) {
  const char* sfx = size == 1 ? "b" : size == 2 ? "h" : size == 4 ? "w" : "dw";
  return fmt::format(R"(
    mov %r0, 0
    mov %r3, %r2
    rsh %r3, 1
    mov %r4, %r1
    add %r4, %r3
    mov %r5, {}
  loop:
    mov %r6, %r1
    add %r6, %r5
    ldx{} %r7, [%r6{:+}]
    mov %r8, %r4
    add %r8, %r5
    stx{} [%r8+0], %r7
    add %r0, %r7
    add %r5, {}
    {} %r5, {}, loop
    exit
  )",
                     start, sfx, src_off, sfx, stride, op, bound);
}

TEST(LoopVersioning, CopyLoopsAgreeWithTheInterpreterWhetherTheirRangesPassOrFail) {
  int traps = 0;
  // memory 64: half = 32 (r3). In range, one past, from the middle, off by one below, by words.
  for (const char* op : {"jlt", "jle", "jne"}) {
    for (int64_t stride : {1, 2, 4, 8}) {
      for (int size : {1, 8}) {
        for (int64_t start : {0, 1, 8, 31, 32}) {
          for (int src_off : {0, -1, 3}) {
            for (const char* bound : {"%r3", "16", "33"}) {
              traps += expect_same(copy_loop(start, stride, op, bound, size, src_off), 64);
              if (::testing::Test::HasFailure()) return;
            }
          }
        }
      }
    }
  }
  EXPECT_GT(traps, 0);
}

TEST(LoopVersioning, CountDownLoopsAgreeWithTheInterpreter) {
  // A pointer walking down from r1 + top while a counter counts down to `bound` (jne, jgt, jge)
  // or the bound is on the left (jlt / jle with the bound first).
  for (const char* latch : {"jne %r5, {}, loop", "jgt %r5, {}, loop", "jge %r5, {}, loop", "jne %r5, %r8, loop",
                            "jge %r5, %r8, loop", "jlt %r8, %r5, loop", "jle %r8, %r5, loop"}) {
    for (int64_t count : {0, 1, 5, 16, 17}) {
      for (int64_t top : {0, 4, 60, 64, 68}) {
        for (int64_t bound : {0, 1, 3}) {
          const std::string cond = fmt::format(fmt::runtime(latch), bound);
          const std::string text = fmt::format(R"(
            mov %r0, 0
            mov %r8, {}
            mov %r5, {}
            mov %r6, %r1
            add %r6, {}
          loop:
            ldxw %r7, [%r6-4]
            add %r0, %r7
            stxw [%r6+0], %r7
            add %r6, -4
            add %r5, -1
            {}
            exit
          )",
                                               bound, count, top, cond);
          expect_same(text, 64);
          if (::testing::Test::HasFailure()) return;
        }
      }
    }
  }
}

TEST(LoopVersioning, EarlyExitsStackLoopsAndInvariantAccessesAgree) {
  for (int64_t n : {0, 3, 32, 33, 64, 65}) {
    // strcmp-like, rotated, with side exits (the byte at 34 is the first above 240).
    expect_same(fmt::format(R"(
      mov %r0, 0
      mov %r4, 0
      mov %r2, {}
      ja entry
    next:
      jgt %r5, 240, out
      add %r4, 1
      jlt %r4, %r2, entry
      exit
    entry:
      mov %r5, %r1
      add %r5, %r4
      mov %r0, %r5
      ldxb %r5, [%r5+0]
      ldxb %r0, [%r0+0]
      jne %r5, %r0, out
      ja next
    out:
      exit
    )",
                            n),
                64);
    // A side exit in the middle of a straight loop, walking down (insertion sort's inner loop).
    expect_same(fmt::format(R"(
      lddw %r0, 0x80000000
      mov %r7, {}
      mov %r6, %r1
      add %r6, 60
    loop:
      ldxw %r9, [%r6-4]
      jle32 %r9, %r0, out
      stxw [%r6+0], %r9
      add %r6, -4
      add %r7, -1
      jne %r7, 0, loop
    out:
      mov %r0, %r7
      exit
    )",
                            n / 4),
                64);
    // The stack, 8 bytes at a time from r10 - 64 upwards.
    expect_same(fmt::format(R"(
      mov %r0, 0
      mov %r6, %r10
      add %r6, -64
      mov %r5, 0
    loop:
      stxdw [%r6+0], %r5
      ldxdw %r7, [%r6+0]
      add %r0, %r7
      add %r6, 8
      add %r5, 1
      jlt %r5, {}, loop
      exit
    )",
                            n / 4),
                16);
    // Loop-invariant accesses (a fixed slot read and written every iteration) and a moving one.
    expect_same(fmt::format(R"(
      mov %r0, 0
      mov %r5, 0
    loop:
      ldxdw %r7, [%r1+8]
      add %r7, %r5
      stxdw [%r1+8], %r7
      mov %r3, %r1
      add %r3, %r5
      ldxb %r4, [%r3+16]
      add %r0, %r4
      add %r5, 1
      jle %r5, {}, loop
      exit
    )",
                            n),
                64);
  }
}

TEST(LoopVersioning, TheListingShowsTheCopyWithoutChecks) {
  const semantics::Program prog = assemble(kCopyLoop);
  Environment env;
  auto linked = link(prog, env);
  ASSERT_TRUE(linked.ok());
  JitOptions options;
  options.listing = true;
  auto compiled = Jit::compile(*linked, env, options);
  ASSERT_TRUE(compiled.ok());
  EXPECT_NE(compiled.value()->listing().find("loop at pc 5 without its checks"), std::string::npos)
      << compiled.value()->listing();
  // Unchecked mode has no checks to drop, so nothing to version.
  options.safety = SafetyMode::Unchecked;
  auto unchecked = Jit::compile(*linked, env, test_support::with_test_permit(options, prog));
  ASSERT_TRUE(unchecked.ok());
  EXPECT_EQ(unchecked.value()->listing().find("without its checks"), std::string::npos);
}

}  // namespace
}  // namespace bpfcert::interp
