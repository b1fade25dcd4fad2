// The interpreter beyond single instructions: every trap kind with its pc, local calls and
// callx, maps through the helpers, test kfuncs, trace_printk, the step budget.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "interp/engine.h"
#include "run_util.h"

namespace bpfcert::interp {
namespace {

using test_support::Vm;

void expect_trap(const RunResult& r, TrapKind kind, size_t pc) {
  ASSERT_TRUE(r.trapped) << "no trap, r0 = " << r.r0;
  EXPECT_EQ(r.trap.kind, kind) << r.trap.to_string();
  EXPECT_EQ(r.trap.pc, pc) << r.trap.to_string();
  EXPECT_FALSE(r.trap.message.empty());
}

// ---- memory bounds ---------------------------------------------------------------------

TEST(Traps, InputMemoryBounds) {
  Vm vm;
  std::vector<uint8_t> mem(16, 0xab);
  EXPECT_EQ(vm.r0("ldxb %r0, [%r1+15]\nexit", &mem), 0xabu);
  EXPECT_EQ(vm.r0("ldxw %r0, [%r1+12]\nexit", &mem), 0xababababu);
  expect_trap(vm.run("mov %r0, 0\nldxb %r0, [%r1+16]\nexit", &mem), TrapKind::OutOfBounds, 1);   // above
  expect_trap(vm.run("ldxb %r0, [%r1-1]\nexit", &mem), TrapKind::OutOfBounds, 0);                // below
  expect_trap(vm.run("ldxw %r0, [%r1+13]\nexit", &mem), TrapKind::OutOfBounds, 0);               // straddles the end
  expect_trap(vm.run("ldxdw %r0, [%r1+9]\nexit", &mem), TrapKind::OutOfBounds, 0);
  expect_trap(vm.run("mov %r2, 1\nstxb [%r1+16], %r2\nexit", &mem), TrapKind::OutOfBounds, 1);   // write above
  expect_trap(vm.run("stw [%r1-2], 1\nexit", &mem), TrapKind::OutOfBounds, 0);                   // write below
  expect_trap(vm.run("mov %r2, 1\nlock add [%r1+12], %r2\nexit", &mem), TrapKind::OutOfBounds, 1);
  // Far away and wrapping around the address space.
  expect_trap(vm.run("lddw %r2, 0x7fffffffffff\nadd %r1, %r2\nldxb %r0, [%r1]\nexit", &mem), TrapKind::OutOfBounds, 3);
  expect_trap(vm.run("mov %r1, -1\nldxdw %r0, [%r1]\nexit", &mem), TrapKind::OutOfBounds, 1);
  expect_trap(vm.run("mov %r1, 0\nldxb %r0, [%r1]\nexit", &mem), TrapKind::OutOfBounds, 1);  // null
  // With no input memory r1 is 0 and nothing is addressable through it.
  expect_trap(vm.run("ldxb %r0, [%r1]\nexit"), TrapKind::OutOfBounds, 0);
  EXPECT_TRUE(std::all_of(mem.begin(), mem.end(), [](uint8_t b) { return b == 0xab; })) << "a faulting write landed";
}

TEST(Traps, StackBounds) {
  Vm vm;
  EXPECT_EQ(vm.r0("stdw [%r10-512], 3\nldxdw %r0, [%r10-512]\nexit"), 3u);
  EXPECT_EQ(vm.r0("stb [%r10-1], 4\nldxb %r0, [%r10-1]\nexit"), 4u);
  expect_trap(vm.run("ldxb %r0, [%r10-513]\nexit"), TrapKind::OutOfBounds, 0);    // below r10 - 512
  expect_trap(vm.run("ldxdw %r0, [%r10-516]\nexit"), TrapKind::OutOfBounds, 0);   // straddles the bottom
  expect_trap(vm.run("mov %r0, 0\nldxb %r0, [%r10+0]\nexit"), TrapKind::OutOfBounds, 1);  // at r10
  expect_trap(vm.run("ldxw %r0, [%r10-2]\nexit"), TrapKind::OutOfBounds, 0);      // straddles the top
  expect_trap(vm.run("stb [%r10+0], 1\nexit"), TrapKind::OutOfBounds, 0);
  expect_trap(vm.run("stdw [%r10-520], 1\nexit"), TrapKind::OutOfBounds, 0);
  expect_trap(vm.run("mov %r1, 1\nlock fetch add [%r10+8], %r1\nexit"), TrapKind::OutOfBounds, 1);
  // The frames of deeper calls are not addressable from the caller (they are not active).
  expect_trap(vm.run("ldxdw %r0, [%r10-1024]\nexit"), TrapKind::OutOfBounds, 0);
}

TEST(Traps, MapValueAndVariableBounds) {
  Vm vm;
  ASSERT_TRUE(vm.env.add_map({"a", MapType::Array, 4, 4, 2, 0}, 1).ok());  // values 4 bytes, 8 apart
  vm.env.add_variable(1, "v", 8);
  const std::string lookup = "lddw %r1, map_fd 1\nstw [%r10-4], 1\nmov %r2, %r10\nadd %r2, -4\ncall 1\n";
  // pc of the access after the lookup sequence: lddw(2) stw mov add call = 6.
  EXPECT_EQ(vm.r0(lookup + "stw [%r0+0], 9\nldxw %r0, [%r0+0]\nexit"), 9u);
  expect_trap(vm.run(lookup + "ldxw %r0, [%r0+4]\nexit"), TrapKind::OutOfBounds, 6);   // padding after the value
  expect_trap(vm.run(lookup + "ldxw %r0, [%r0+2]\nexit"), TrapKind::OutOfBounds, 6);   // straddles the value's end
  expect_trap(vm.run(lookup + "ldxb %r0, [%r0+8]\nexit"), TrapKind::OutOfBounds, 6);   // past the last element
  expect_trap(vm.run(lookup + "ldxb %r0, [%r0-1]\nexit"), TrapKind::OutOfBounds, 6);   // padding before it
  EXPECT_EQ(vm.r0(lookup + "ldxb %r0, [%r0-8]\nexit"), 0u);  // element 0
  expect_trap(vm.run(lookup + "ldxb %r0, [%r0-9]\nexit"), TrapKind::OutOfBounds, 6);  // before element 0
  EXPECT_EQ(vm.r0("lddw %r1, var 1\nstdw [%r1], 5\nldxdw %r0, [%r1]\nexit"), 5u);
  expect_trap(vm.run("lddw %r1, var 1\nldxb %r0, [%r1+8]\nexit"), TrapKind::OutOfBounds, 2);
  expect_trap(vm.run("lddw %r1, var 1\nstb [%r1-1], 0\nexit"), TrapKind::OutOfBounds, 2);
  // Handles are not addresses.
  expect_trap(vm.run("lddw %r1, map_fd 1\nldxb %r0, [%r1]\nexit"), TrapKind::OutOfBounds, 2);
  expect_trap(vm.run("lddw %r1, code f\nldxb %r0, [%r1]\nexit\nf:\nexit"), TrapKind::OutOfBounds, 2);
}

TEST(Traps, WriteToReadOnly) {
  Vm vm;
  std::vector<uint8_t> ctx(8, 0x5a);
  Invocation inv;
  Region r;
  r.start = reinterpret_cast<uint64_t>(ctx.data());
  r.size = ctx.size();
  r.kind = RegionKind::Context;
  r.writable = false;
  r.name = "ctx";
  inv.regions.push_back(r);
  inv.args[0] = r.start;
  EXPECT_EQ(vm.run_with("ldxb %r0, [%r1+7]\nexit", inv).r0, 0x5au);
  expect_trap(vm.run_with("mov %r0, 0\nstb [%r1+0], 1\nexit", inv), TrapKind::WriteToReadOnly, 1);
  expect_trap(vm.run_with("mov %r2, 1\nstxdw [%r1+0], %r2\nexit", inv), TrapKind::WriteToReadOnly, 1);
  expect_trap(vm.run_with("mov %r2, 1\nlock add32 [%r1+4], %r2\nexit", inv), TrapKind::WriteToReadOnly, 1);
  expect_trap(vm.run_with("mov %r0, 0\nmov %r2, 1\nlock cmpxchg [%r1+0], %r2\nexit", inv), TrapKind::WriteToReadOnly, 2);
  // Past the read-only region it is out of bounds, not read-only.
  expect_trap(vm.run_with("stb [%r1+8], 1\nexit", inv), TrapKind::OutOfBounds, 0);
  // A helper writing through it faults.
  expect_trap(vm.run_with("mov %r2, 0\nmov %r3, 8\ncall runtime 3\nexit", inv), TrapKind::HelperFault, 2);
  EXPECT_TRUE(std::all_of(ctx.begin(), ctx.end(), [](uint8_t b) { return b == 0x5a; }));
}

// ---- calls --------------------------------------------------------------------------------

TEST(Traps, UnknownHelperAndKfunc) {
  Vm vm;
  expect_trap(vm.run("mov %r0, 0\ncall 9999\nexit"), TrapKind::UnknownHelper, 1);
  expect_trap(vm.run("call runtime 77\nexit"), TrapKind::UnknownKfunc, 0);
  // Helper 4 (probe_read) is not provided by the reference environment.
  expect_trap(vm.run("call 4\nexit"), TrapKind::UnknownHelper, 0);
  // A call that is never executed is fine.
  EXPECT_EQ(vm.r0("mov %r0, 3\nja +1\ncall 9999\nexit"), 3u);
}

// 0 mov r1, N; 1 call f; 2 exit; 3 f: jeq r1, 0, +2; 4 sub r1, 1; 5 call f; 6 exit
std::string recursion(int n) {
  return "mov %r1, " + std::to_string(n) + "\ncall local f\nexit\nf:\njeq %r1, 0, +2\nsub %r1, 1\ncall local f\nexit";
}

TEST(Traps, CallDepthIsEightFrames) {
  Vm vm;
  // N = 6: the main frame plus 7 nested calls = 8 frames, the limit.
  const RunResult ok = vm.run(recursion(6));
  EXPECT_FALSE(ok.trapped) << ok.trap.to_string();
  // N = 7 needs a 9th frame: the trap is at the call that would create it.
  expect_trap(vm.run(recursion(7)), TrapKind::CallDepthExceeded, 5);
  // Unbounded recursion.
  expect_trap(vm.run("call local f\nexit\nf:\ncall local f\nexit"), TrapKind::CallDepthExceeded, 2);
  // callx counts frames too.
  expect_trap(vm.run("lddw %r6, code f\ncallx %r6\nexit\nf:\ncallx %r6\nexit"), TrapKind::CallDepthExceeded, 4);
}

TEST(Traps, StepBudgetIsExact) {
  Vm vm;
  const std::string three = "mov %r0, 1\nmov %r0, 2\nexit";
  RunResult r = vm.run(three, nullptr, 3);
  EXPECT_FALSE(r.trapped);
  EXPECT_EQ(r.steps, 3u);
  EXPECT_EQ(r.r0, 2u);
  // One short: the trap is at the instruction that had no budget left.
  expect_trap(vm.run(three, nullptr, 2), TrapKind::StepBudgetExhausted, 2);
  EXPECT_EQ(vm.run(three, nullptr, 2).steps, 2u);
  expect_trap(vm.run(three, nullptr, 0), TrapKind::StepBudgetExhausted, 0);
  // An endless loop stops after exactly the budget.
  r = vm.run("mov %r0, 0\nloop:\nadd %r0, 1\nja loop\nexit", nullptr, 1001);
  expect_trap(r, TrapKind::StepBudgetExhausted, 1);
  EXPECT_EQ(r.steps, 1001u);
  // Counted loop: 1 + 10 * 2 + 1 instructions.
  r = vm.run("mov %r0, 0\nloop:\nadd %r0, 1\njlt %r0, 10, loop\nexit");
  EXPECT_FALSE(r.trapped);
  EXPECT_EQ(r.steps, 22u);
  // The default budget is 10^7.
  r = vm.run("loop:\nja loop\nexit");
  expect_trap(r, TrapKind::StepBudgetExhausted, 0);
  EXPECT_EQ(r.steps, 10'000'000u);
  // An LDDW is one step; calls and exits count.
  r = vm.run("lddw %r0, 1\ncall local f\nexit\nf:\nexit");
  EXPECT_EQ(r.steps, 4u);
}

TEST(Traps, CallxToANonFunction) {
  Vm vm;
  // Neither a helper id (too large) nor a code address.
  expect_trap(vm.run("lddw %r6, 0xffffffff00000000\ncallx %r6\nexit"), TrapKind::BadCallTarget, 2);
  expect_trap(vm.run("lddw %r6, 0x100000000\ncallx %r6\nexit"), TrapKind::BadCallTarget, 2);
  // A code address moved into the second slot of an LDDW, or past the end.
  expect_trap(vm.run("lddw %r6, code f\nadd %r6, 1\ncallx %r6\nexit\nf:\nlddw %r0, 1\nexit"), TrapKind::BadCallTarget, 3);
  expect_trap(vm.run("lddw %r6, code f\nadd %r6, 100\ncallx %r6\nexit\nf:\nexit"), TrapKind::BadCallTarget, 3);
  // A small number that is no helper's id.
  expect_trap(vm.run("mov %r6, 4242\ncallx %r6\nexit"), TrapKind::UnknownHelper, 1);
}

TEST(Traps, HelperFaults) {
  Vm vm;
  ASSERT_TRUE(vm.env.add_map({"h", MapType::Hash, 8, 8, 4, 0}, 5).ok());
  // Not a map handle.
  expect_trap(vm.run("mov %r1, 5\nmov %r2, %r10\nadd %r2, -8\ncall 1\nexit"), TrapKind::HelperFault, 3);
  // The key is not readable (8-byte key straddles the stack top).
  expect_trap(vm.run("lddw %r1, map_fd 5\nmov %r2, %r10\nadd %r2, -4\ncall 1\nexit"), TrapKind::HelperFault, 4);
  // trace_printk with an unreadable format.
  expect_trap(vm.run("mov %r1, 0\nmov %r2, 4\ncall 6\nexit"), TrapKind::HelperFault, 2);
}

TEST(Traps, TrapStringNamesKindAndPc) {
  Trap t{TrapKind::CallDepthExceeded, 5, "call depth would exceed 8 frames"};
  EXPECT_EQ(t.to_string(), "trap call-depth-exceeded at pc 5: call depth would exceed 8 frames");
  EXPECT_STREQ(to_string(TrapKind::OutOfBounds), "out-of-bounds");
  EXPECT_STREQ(to_string(TrapKind::WriteToReadOnly), "write-to-read-only");
  EXPECT_STREQ(to_string(TrapKind::UnknownHelper), "unknown-helper");
  EXPECT_STREQ(to_string(TrapKind::UnknownKfunc), "unknown-kfunc");
  EXPECT_STREQ(to_string(TrapKind::StepBudgetExhausted), "step-budget-exhausted");
  EXPECT_STREQ(to_string(TrapKind::BadCallTarget), "bad-call-target");
  EXPECT_STREQ(to_string(TrapKind::HelperFault), "helper-fault");
}

TEST(Calls, LocalCallsPreserveR6ToR9AndHaveTheirOwnFrame) {
  Vm vm;
  // The callee clobbers r6-r9 and its own stack slot; the caller sees neither.
  const char* prog = R"(
    mov %r6, 6
    mov %r7, 7
    mov %r8, 8
    mov %r9, 9
    stdw [%r10-8], 100
    call local f
    ldxdw %r0, [%r10-8]
    add %r0, %r6
    add %r0, %r7
    add %r0, %r8
    add %r0, %r9
    exit
  f:
    mov %r6, 1000
    mov %r7, 1000
    mov %r8, 1000
    mov %r9, 1000
    stdw [%r10-8], 5000
    exit
  )";
  EXPECT_EQ(vm.r0(prog), 130u);
  // r0 and r1-r5 are not restored: the callee's r0 is the call's result.
  EXPECT_EQ(vm.r0("mov %r0, 1\nmov %r3, 1\ncall local f\nadd %r0, %r3\nexit\nf:\nmov %r0, 40\nmov %r3, 2\nexit"), 42u);
}

TEST(Calls, FramePointerMovesByOneFramePerCall) {
  Vm vm;
  // The callee's r10 is 512 below the caller's; the caller's r10 is the same after the call.
  EXPECT_EQ(vm.r0("mov %r1, %r10\ncall local f\nexit\nf:\nmov %r0, %r1\nsub %r0, %r10\nexit"), 512u);
  EXPECT_EQ(vm.r0("mov %r6, %r10\ncall local f\nmov %r0, %r10\nsub %r0, %r6\nexit\nf:\nexit"), 0u);
  // Two levels: 1024.
  EXPECT_EQ(vm.r0("mov %r1, %r10\ncall local f\nexit\nf:\ncall local g\nexit\ng:\nmov %r0, %r1\nsub %r0, %r10\nexit"),
            1024u);
  // The callee may use the caller's frame through a pointer (it is still active).
  EXPECT_EQ(vm.r0("stdw [%r10-8], 31\nmov %r1, %r10\ncall local f\nexit\nf:\nldxdw %r0, [%r1-8]\nexit"), 31u);
  // The stack is zeroed once per run; a frame is not re-zeroed when a later call reuses it.
  EXPECT_EQ(vm.r0("call local f\ncall local g\nexit\nf:\nstdw [%r10-8], 9\nexit\ng:\nldxdw %r0, [%r10-8]\nexit"), 9u);
  // The deepest frame (8th) is fully usable: 512 bytes below its r10.
  EXPECT_EQ(vm.r0("mov %r1, 6\ncall local f\nexit\nf:\njeq %r1, 0, +2\nsub %r1, 1\ncall local f\n"
                  "stdw [%r10-512], 1\nldxdw %r0, [%r10-512]\nexit"),
            1u);
}

// Frames are zeroed as calls first reach them in a run: a second run on the same engine, whose
// stack lands where the first one's did, must not see what the first run left in deeper
// frames (r1 = the input byte: 1 writes frames 1-3 and returns, 0 reads them).
TEST(Calls, DeeperFramesStartZeroedInEveryRun) {
  auto prog = semantics::validate(*semantics::assemble_any(
      "ldxb %r1, [%r1+0]\nmov %r0, 0\nmov %r2, 3\ncall local f\nexit\n"
      "f:\njeq %r1, 0, +3\nstdw [%r10-8], 0x55\nstdw [%r10-512], 0x66\nja +3\n"
      "ldxdw %r3, [%r10-8]\nor %r0, %r3\nldxdw %r3, [%r10-512]\nor %r0, %r3\n"
      "jeq %r2, 0, +2\nsub %r2, 1\ncall local f\nexit"));
  ASSERT_TRUE(prog.ok());
  interp::Environment env;
  auto linked = interp::link(*prog, env);
  ASSERT_TRUE(linked.ok());
  auto engine = interp::make_engine(interp::EngineKind::Interpreter, *linked, env);
  ASSERT_TRUE(engine.ok());
  for (int round = 0; round < 3; ++round) {
    std::vector<uint8_t> write = {1}, read = {0};
    const interp::RunResult w = (*engine)->run(interp::memory_invocation(write), {});
    ASSERT_FALSE(w.trapped) << w.trap.to_string();
    const interp::RunResult r = (*engine)->run(interp::memory_invocation(read), {});
    ASSERT_FALSE(r.trapped) << r.trap.to_string();
    EXPECT_EQ(r.r0, 0u) << "round " << round;
  }
}

TEST(Calls, CallxReadings) {
  Vm vm;
  // A code address from LDDW src 4: a local call with its own frame.
  EXPECT_EQ(vm.r0("lddw %r6, code f\nmov %r7, 3\ncallx %r6\nadd %r0, %r7\nexit\nf:\nmov %r7, 100\nmov %r0, 39\nexit"), 42u);
  // The same address reached twice, through different registers.
  EXPECT_EQ(vm.r0("lddw %r1, code f\nmov %r2, %r1\ncallx %r2\nexit\nf:\nmov %r0, 8\nexit"), 8u);
  // A helper id: PREVAIL's and bpf_conformance's reading.
  EXPECT_EQ(vm.r0("mov %r8, 1000\nmov %r1, 10\nmov %r2, 20\nmov %r3, 0\nmov %r4, 0\nmov %r5, 12\ncallx %r8\nexit"), 42u);
}

// ---- maps through helpers 1-3 -------------------------------------------------------------

// Program snippets: key at r10-8 (u32 stored in a u64 slot), value at r10-16.
std::string set_key(int k) { return "stdw [%r10-8], " + std::to_string(k) + "\n"; }
std::string set_value(int64_t v) { return "stdw [%r10-16], " + std::to_string(v) + "\n"; }
const char* kArgsKey = "mov %r2, %r10\nadd %r2, -8\n";
const char* kArgsValue = "mov %r3, %r10\nadd %r3, -16\n";

std::string update(int fd, int k, int64_t v, int flags) {
  return set_key(k) + set_value(v) + "lddw %r1, map_fd " + std::to_string(fd) + "\n" + kArgsKey + kArgsValue +
         "mov %r4, " + std::to_string(flags) + "\ncall 2\n";
}
std::string lookup(int fd, int k) {
  return set_key(k) + "lddw %r1, map_fd " + std::to_string(fd) + "\n" + kArgsKey + "call 1\n";
}
std::string erase(int fd, int k) {
  return set_key(k) + "lddw %r1, map_fd " + std::to_string(fd) + "\n" + kArgsKey + "call 3\n";
}

TEST(Maps, HashUpdateFlagsLookupDelete) {
  Vm vm;
  ASSERT_TRUE(vm.env.add_map({"h", MapType::Hash, 4, 8, 2, 0}, 7).ok());
  const auto ret = [&](const std::string& body) { return static_cast<int64_t>(vm.r0(body + "exit")); };
  EXPECT_EQ(ret(lookup(7, 1)), 0);                       // absent: NULL
  EXPECT_EQ(ret(update(7, 1, 5, 2)), -2);                // BPF_EXIST on an absent key: -ENOENT
  EXPECT_EQ(ret(update(7, 1, 5, 1)), 0);                 // BPF_NOEXIST: inserted
  EXPECT_EQ(ret(update(7, 1, 6, 1)), -17);               // BPF_NOEXIST again: -EEXIST
  EXPECT_EQ(ret(lookup(7, 1) + "ldxdw %r0, [%r0]\n"), 5);  // unchanged by the refused update
  EXPECT_EQ(ret(update(7, 1, 6, 2)), 0);                 // BPF_EXIST: replaced
  EXPECT_EQ(ret(lookup(7, 1) + "ldxdw %r0, [%r0]\n"), 6);
  EXPECT_EQ(ret(update(7, 2, 7, 0)), 0);                 // BPF_ANY: inserted
  EXPECT_EQ(ret(update(7, 3, 8, 0)), -7);                // full (2 entries): -E2BIG
  EXPECT_EQ(ret(update(7, 1, 9, 4)), -22);               // unknown flags: -EINVAL
  EXPECT_EQ(ret(erase(7, 1)), 0);
  EXPECT_EQ(ret(erase(7, 1)), -2);                       // already gone: -ENOENT
  EXPECT_EQ(ret(lookup(7, 1)), 0);
  EXPECT_EQ(ret(update(7, 3, 8, 0)), 0);                 // room again
  EXPECT_EQ(ret(lookup(7, 3) + "ldxdw %r0, [%r0]\n"), 8);
  // A value written through the looked-up pointer is what the next lookup reads.
  EXPECT_EQ(ret(lookup(7, 2) + "stdw [%r0], 123\n" + lookup(7, 2) + "ldxdw %r0, [%r0]\n"), 123);
  // The map keeps its state across runs: the environment owns it.
  EXPECT_NE(vm.env.map_at(0).lookup(reinterpret_cast<const uint8_t*>("\x02\0\0\0")), nullptr);
}

TEST(Maps, ArrayUpdateFlagsLookupDelete) {
  Vm vm;
  ASSERT_TRUE(vm.env.add_map({"a", MapType::Array, 4, 8, 3, 0}, 4).ok());
  const auto ret = [&](const std::string& body) { return static_cast<int64_t>(vm.r0(body + "exit")); };
  EXPECT_EQ(ret(lookup(4, 2) + "ldxdw %r0, [%r0]\n"), 0);  // elements exist, zeroed
  EXPECT_EQ(ret(lookup(4, 3)), 0);                         // index out of range: NULL
  EXPECT_EQ(ret(update(4, 2, 5, 0)), 0);
  EXPECT_EQ(ret(update(4, 2, 6, 2)), 0);                   // BPF_EXIST: elements always exist
  EXPECT_EQ(ret(update(4, 2, 7, 1)), -17);                 // BPF_NOEXIST: -EEXIST
  EXPECT_EQ(ret(lookup(4, 2) + "ldxdw %r0, [%r0]\n"), 6);
  EXPECT_EQ(ret(update(4, 3, 7, 0)), -7);                  // out of range: -E2BIG
  EXPECT_EQ(ret(erase(4, 2)), -22);                        // arrays cannot delete: -EINVAL
  // Map by index (src 5) and direct value access (src 2 / 6) reach the same element 0.
  EXPECT_EQ(ret(update(4, 0, 0x77, 0) + "lddw %r1, map_value 4, 0\nldxdw %r0, [%r1]\n"), 0x77);
  EXPECT_EQ(ret("lddw %r1, map_idx_value 0, 4\nldxw %r0, [%r1]\n"), 0);
  EXPECT_EQ(ret("lddw %r1, map_idx 0\n" + set_key(0) + kArgsKey + "call 1\nldxdw %r0, [%r0]\n"), 0x77);
}

TEST(Maps, LinkErrors) {
  Vm vm;
  ASSERT_TRUE(vm.env.add_map({"a", MapType::Array, 4, 8, 1, 0}, 4).ok());
  ASSERT_TRUE(vm.env.add_map({"h", MapType::Hash, 4, 8, 1, 0}, 5).ok());
  auto link_error = [&](std::string_view text) {
    auto insns = semantics::assemble(text, semantics::Syntax::Conformance);
    EXPECT_TRUE(insns.ok());
    auto prog = semantics::validate(*insns);
    EXPECT_TRUE(prog.ok()) << prog.error().to_string();
    auto linked = link(*prog, vm.env);
    EXPECT_FALSE(linked.ok());
    return linked.ok() ? semantics::Error{} : linked.error();
  };
  auto e = link_error("mov %r0, 0\nlddw %r1, map_fd 9\nexit");
  EXPECT_EQ(e.code, semantics::ErrorCode::UnknownMap);
  EXPECT_EQ(e.where.pc, 1);
  EXPECT_EQ(link_error("lddw %r1, map_idx 2\nexit").code, semantics::ErrorCode::UnknownMap);
  EXPECT_EQ(link_error("lddw %r1, map_idx -1\nexit").code, semantics::ErrorCode::UnknownMap);
  EXPECT_EQ(link_error("lddw %r1, map_value 4, 8\nexit").code, semantics::ErrorCode::BadMapValueOffset);
  EXPECT_EQ(link_error("lddw %r1, map_value 4, -1\nexit").code, semantics::ErrorCode::BadMapValueOffset);
  EXPECT_EQ(link_error("lddw %r1, map_value 5, 0\nexit").code, semantics::ErrorCode::BadMapValueOffset);  // hash
  EXPECT_EQ(link_error("lddw %r1, var 3\nexit").code, semantics::ErrorCode::UnknownVariable);
}

TEST(Maps, SizesTheModelRefuses) {
  EXPECT_FALSE(make_map({"z", MapType::Array, 4, 8, 0, 0}).ok());
  EXPECT_FALSE(make_map({"z", MapType::Array, 8, 8, 1, 0}).ok());
  EXPECT_FALSE(make_map({"z", MapType::Hash, 0, 8, 1, 0}).ok());
  EXPECT_FALSE(make_map({"z", MapType::Hash, 4, 0, 1, 0}).ok());
  // Ring buffers take Linux's sizes (a power of 2, at least a page; no key or value) and hold
  // no elements: lookups fail, updates are refused.
  EXPECT_FALSE(make_map({"z", MapType::RingBuf, 0, 0, 4095, 0}).ok());
  EXPECT_FALSE(make_map({"z", MapType::RingBuf, 4, 0, 4096, 0}).ok());
  auto ring = make_map({"z", MapType::RingBuf, 0, 0, 4096, 0});
  ASSERT_TRUE(ring.ok());
  const uint32_t key = 0;
  EXPECT_EQ((*ring)->lookup(reinterpret_cast<const uint8_t*>(&key)), nullptr);
  EXPECT_EQ((*ring)->update(reinterpret_cast<const uint8_t*>(&key), nullptr, 0), kEINVAL);
  // Each size is allowed alone, but not a slab beyond what a reference VM should allocate.
  EXPECT_FALSE(make_map({"z", MapType::Array, 4, 1u << 20, 1u << 20, 0}).ok());
  EXPECT_TRUE(make_map({"z", MapType::Array, 4, 1u << 20, 4, 0}).ok());
}

// ---- packet loads, kfuncs, trace_printk --------------------------------------------------

TEST(PacketLoads, EndTheProgramWithZeroAndDoNotTouchOtherRegisters) {
  Vm vm;
  std::vector<uint8_t> pkt = {0xde, 0xad, 0xbe, 0xef};
  EXPECT_EQ(vm.r0("ldabsw 0\nexit", &pkt), 0xdeadbeefu);
  // Steps count up to and including the failing load.
  const RunResult r = vm.run("mov %r0, 1\nldabsh 3\nmov %r0, 2\nexit", &pkt);
  EXPECT_FALSE(r.trapped);
  EXPECT_EQ(r.r0, 0u);
  EXPECT_EQ(r.steps, 2u);
  // IND adds the register's low 32 bits and imm; a sum past INT32_MAX is out of bounds.
  EXPECT_EQ(vm.r0("mov %r0, 1\nlddw %r2, 0x7fffffff\nldindb %r2, 1\nmov %r0, 7\nexit", &pkt), 0u);
  // No packet at all: every load is out of bounds.
  EXPECT_EQ(vm.r0("mov %r0, 1\nldabsb 0\nexit"), 0u);
}

TEST(Kfuncs, TestKfuncs) {
  Vm vm;
  EXPECT_EQ(vm.r0("mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\ncall runtime 1\nexit"), 15u);
  EXPECT_EQ(vm.r0("mov %r1, -1\nmov %r2, 3\ncall runtime 2\nexit"), 0xfffffffffffffffdu);
  EXPECT_EQ(vm.r0("mov %r1, %r10\nadd %r1, -8\nmov %r2, 0x1ab\nmov %r3, 8\ncall runtime 3\nldxdw %r0, [%r10-8]\nexit"),
            0xababababababababu);
  EXPECT_EQ(vm.r0("mov %r1, %r10\nadd %r1, -8\nmov %r2, 0\nmov %r3, 8\ncall runtime 3\nexit"), 8u);
  // memset past the stack top faults.
  expect_trap(vm.run("mov %r1, %r10\nadd %r1, -4\nmov %r2, 0\nmov %r3, 8\ncall runtime 3\nexit"), TrapKind::HelperFault, 4);
  // The same ids as helpers (src 0) are different functions: helper 2 is map_update.
  expect_trap(vm.run("mov %r1, 6\nmov %r2, 7\ncall 2\nexit"), TrapKind::HelperFault, 2);
}

TEST(TracePrintk, FormatsLikeBpfTracePrintk) {
  Memory memory;
  Environment env;
  HelperContext ctx(env, memory);
  const char* s = "hi";
  Region r;
  r.start = reinterpret_cast<uint64_t>(s);
  r.size = 3;
  memory.add(r);
  auto fmt3 = [&](std::string_view f, uint64_t a, uint64_t b = 0, uint64_t c = 0) {
    const uint64_t args[3] = {a, b, c};
    return format_trace(ctx, f, args);
  };
  EXPECT_EQ(fmt3("%d", 0xffffffff), "-1");
  EXPECT_EQ(fmt3("%i", 0x1fffffffe), "-2");  // %d reads 32 bits
  EXPECT_EQ(fmt3("%ld", ~uint64_t{0}), "-1");
  EXPECT_EQ(fmt3("%lld", 0x8000000000000000), "-9223372036854775808");
  EXPECT_EQ(fmt3("%u", ~uint64_t{0}), "4294967295");
  EXPECT_EQ(fmt3("%lu", ~uint64_t{0}), "18446744073709551615");
  EXPECT_EQ(fmt3("%x", 0xdeadbeefcafe), "beefcafe");
  EXPECT_EQ(fmt3("%lx", 0xdeadbeefcafe), "deadbeefcafe");
  EXPECT_EQ(fmt3("%llx", 0xdeadbeefcafe), "deadbeefcafe");
  EXPECT_EQ(fmt3("%c%c", 'o', 'k'), "ok");
  EXPECT_EQ(fmt3("100%% %d", 5), "100% 5");
  EXPECT_EQ(fmt3("%p", 0x1234), "0x1234");
  EXPECT_EQ(fmt3("s=%s!", reinterpret_cast<uint64_t>(s)), "s=hi!");
  EXPECT_EQ(fmt3("%d %d %d %d", 1, 2, 3), "1 2 3 %d");  // at most three arguments
  EXPECT_EQ(fmt3("trailing %", 1), "trailing %");
  EXPECT_FALSE(ctx.faulted);
  // %s through an unreadable pointer prints an empty string, as Linux does, and never reads
  // host memory outside the regions; a string running into unreadable bytes prints nothing.
  EXPECT_EQ(fmt3("[%s]", 0x10), "[]");
  Region unterminated;
  const char bytes[2] = {'a', 'b'};
  unterminated.start = reinterpret_cast<uint64_t>(bytes);
  unterminated.size = 2;
  memory.add(unterminated);
  EXPECT_EQ(fmt3("[%s]", reinterpret_cast<uint64_t>(bytes)), "[]");
  EXPECT_FALSE(ctx.faulted);
}

TEST(TracePrintk, HelperAppendsToTheTraceOutput) {
  Vm vm;
  std::string text = "x=%d y=%u\n";
  std::vector<uint8_t> mem(text.begin(), text.end());
  mem.push_back(0);
  const std::string prog = "mov %r2, " + std::to_string(mem.size()) + "\nmov %r3, -5\nmov %r4, 7\ncall 6\nexit";
  EXPECT_EQ(vm.r0(prog, &mem), 9u);  // bytes written
  EXPECT_EQ(vm.env.trace_output, "x=-5 y=7\n");
  vm.r0(prog, &mem);
  EXPECT_EQ(vm.env.trace_output, "x=-5 y=7\nx=-5 y=7\n");
}

TEST(Helpers, DeterministicState) {
  Vm a, b;
  const char* prog = "call 5\nmov %r6, %r0\ncall 5\nsub %r0, %r6\nexit";
  EXPECT_EQ(a.r0(prog), 1000u);  // the virtual clock advances 1000 ns per call
  EXPECT_EQ(a.r0("call 7\nexit"), b.r0("call 7\nexit"));  // same seed, same numbers
  EXPECT_NE(a.r0("call 7\nexit"), a.r0("call 7\nexit"));
  EXPECT_EQ(a.r0("call 8\nexit"), 0u);
}

TEST(Engine, MakeEngineGivesTheInterpreter) {
  Environment env;
  auto prog = semantics::validate(*semantics::assemble("mov %r0, 9\nexit", semantics::Syntax::Conformance));
  ASSERT_TRUE(prog.ok());
  auto linked = link(*prog, env);
  ASSERT_TRUE(linked.ok());
  auto engine = make_engine(EngineKind::Interpreter, *linked, env);
  ASSERT_TRUE(engine.ok());
  EXPECT_EQ((*engine)->name(), "interp");
  EXPECT_EQ((*engine)->run(Invocation{}, RunOptions{}).r0, 9u);
  // The interpreter keeps no state between runs: the same engine runs twice alike.
  EXPECT_EQ((*engine)->run(Invocation{}, RunOptions{}).r0, 9u);
}


// Probe loads (semantics/machine.h): a load the run names as one gives 0 where it would trap,
// at every width and signedness; any other faulting access still traps, and a probe load
// that does not fault reads memory as usual.
TEST(Engine, ProbeLoadsGiveZeroWhereTheyFault) {
  Environment env;
  auto prog = semantics::validate(*semantics::assemble(R"(
    r0 = 7
    r2 = *(u64 *)(r1 + 0)
    r3 = *(s8 *)(r2 + 4096)
    r0 += r3
    r3 = *(u32 *)(r2 + 0)
    r0 += r3
    r0 += r2
    r3 = *(u8 *)(r1 + 9)
    r0 += r3
    exit)", semantics::Syntax::Llvm));
  ASSERT_TRUE(prog.ok());
  auto linked = link(*prog, env);
  ASSERT_TRUE(linked.ok());
  Interpreter vm(*linked, env);
  std::vector<uint8_t> mem(16, 0);
  mem[8] = 0x22;  // the u64 at 0 is null: r2 = 0
  mem[9] = 5;
  Invocation inv = memory_invocation(std::span<uint8_t>(mem));
  const RunResult plain = vm.run(inv, RunOptions{});
  EXPECT_TRUE(plain.trapped);
  EXPECT_EQ(plain.trap.pc, 2u);
  const std::vector<size_t> probes{2, 4};
  RunOptions options;
  options.probe_loads = probes;
  const RunResult probed = vm.run(inv, options);
  ASSERT_FALSE(probed.trapped) << probed.trap.message;
  EXPECT_EQ(probed.r0, 7u + 5u);  // both probe loads gave 0, the plain load read memory
  const std::vector<size_t> one{2};
  options.probe_loads = one;
  const RunResult partly = vm.run(inv, options);
  EXPECT_TRUE(partly.trapped);  // pc 4 is no probe load
  EXPECT_EQ(partly.trap.pc, 4u);
}

}  // namespace
}  // namespace bpfcert::interp
