// Assertions as data: what each instruction asserts (assertions_of), and that a finding carries
// the assertion that failed, with the facts (kind, register, offset, size) the checker judged.
#include <gtest/gtest.h>

#include "semantics/assembly.h"
#include "verifier/analyzer.h"
#include "verifier/assertions.h"
#include "verifier/conformance_platform.h"

namespace bpfcert::verifier {
namespace {

semantics::Program program(const char* text) {
  auto insns = semantics::assemble_any(text);
  EXPECT_TRUE(insns.ok()) << insns.error().to_string();
  auto p = semantics::validate(std::move(insns.value()));
  EXPECT_TRUE(p.ok()) << p.error().to_string();
  return std::move(p.value());
}

std::vector<Assertion> derived(const semantics::Program& p, size_t pc) {
  const InsnAssertions a = assertions_of(p, pc);
  return {a.begin(), a.end()};
}

TEST(Assertions, DerivedFromTheInstructionAlone) {
  const auto p = program(
      "ldxw %r2, [%r1+12]\n"        // 0
      "stxh [%r10-6], %r2\n"        // 1
      "sth [%r10-8], 7\n"           // 2
      "lock add [%r10-8], %r2\n"    // 3: 64-bit
      "lock cmpxchg [%r10-16], %r3\n"  // 4
      "add %r2, %r3\n"              // 5
      "mov %r4, %r2\n"              // 6
      "jgt %r2, 9, +0\n"            // 7
      "exit\n");                    // 8
  using V = std::vector<Assertion>;
  EXPECT_EQ(derived(p, 0), (V{Initialized{1}, Access{AccessKind::Read, 1, 12, 4}}));
  EXPECT_EQ(derived(p, 1), (V{Initialized{10}, Initialized{2}, Access{AccessKind::Write, 10, -6, 2}, ValidStore{10, 2, 2}}));
  EXPECT_EQ(derived(p, 2), (V{Initialized{10}, Access{AccessKind::Write, 10, -8, 2}, ValidStore{10, -1, 2}}));
  EXPECT_EQ(derived(p, 3), (V{Initialized{10}, Initialized{2}, ValidStore{10, 2, 8}, Access{AccessKind::Atomic, 10, -8, 8}}));
  EXPECT_EQ(derived(p, 4), (V{Initialized{10}, Initialized{3}, Initialized{0}, ValidStore{10, 3, 8},
                              Access{AccessKind::Atomic, 10, -16, 8}}));
  EXPECT_EQ(derived(p, 5), (V{Initialized{3}, Initialized{2}, ValidArithmetic{2, 3}}));
  EXPECT_EQ(derived(p, 6), (V{Initialized{2}, ValidArithmetic{4, 2}}));
  EXPECT_EQ(derived(p, 7), (V{Initialized{2}, Comparable{2, -1}}));
  EXPECT_EQ(derived(p, 8), (V{ValidReturn{}}));
  EXPECT_EQ(to_string(Assertion{Access{AccessKind::Read, 1, 12, 4}}), "read of 4 bytes at r1+12");
  EXPECT_EQ(to_string(Assertion{Initialized{3}}), "r3 initialised");
}

struct Verified {
  semantics::Program prog;
  VerificationResult result;
};

Verified verify_text(const char* text, std::optional<uint64_t> mem_size = 16, std::vector<MapDescriptor> maps = {}) {
  Verified r{program(text), {}};
  VerifierInput in;
  in.program = &r.prog;
  in.platform = &conformance_platform();
  in.program_type = "conformance";
  in.memory_size = mem_size;
  in.maps = std::move(maps);
  auto v = verify(in);
  EXPECT_TRUE(v.ok());
  r.result = std::move(v.value());
  return r;
}

const Finding* find(const Verified& r, CheckId check, int64_t pc) {
  for (const Finding& f : r.result.findings) {
    if (f.check == check && f.pc == pc) return &f;
  }
  return nullptr;
}

TEST(Assertions, FindingsCarryTheFailedAssertion) {
  const Verified r = verify_text(
      "ldxw %r0, [%r1+14]\n"  // 0: 4 bytes at 14 of a 16-byte memory
      "ldxdw %r3, [%r10-8]\n"  // 1: unwritten stack
      "add %r0, %r5\n"         // 2: r5 never written
      "exit\n");
  const Finding* bounds = find(r, CheckId::MemBounds, 0);
  ASSERT_NE(bounds, nullptr);
  ASSERT_TRUE(bounds->assertion);
  EXPECT_EQ(*bounds->assertion, Assertion{(Access{AccessKind::Read, 1, 14, 4})});
  const Finding* uninit = find(r, CheckId::StackUninit, 1);
  ASSERT_NE(uninit, nullptr);
  EXPECT_EQ(uninit->assertion, Assertion{(Access{AccessKind::Read, 10, -8, 8})});
  const Finding* reg = find(r, CheckId::RegUninit, 2);
  ASSERT_NE(reg, nullptr);
  EXPECT_EQ(reg->assertion, Assertion{Initialized{5}});
}

TEST(Assertions, ReturnLoopAndHelperMemory) {
  // r0 unset at the exit; an unbounded loop; a helper reading 8 bytes of a 4-byte key.
  const Verified exit = verify_text("exit\n");
  const Finding* f = find(exit, CheckId::ExitR0, 0);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->assertion, Assertion{ValidReturn{}});

  const Verified loop = verify_text(
      "mov %r0, 0\n"
      "ldxb %r2, [%r1+0]\n"
      "add %r0, %r2\n"  // 2: the loop's header
      "ja -2\n");
  bool bounded_loop = false;
  for (const Finding& x : loop.result.findings) {
    if (x.check == CheckId::LoopUnbounded) {
      EXPECT_EQ(x.assertion, Assertion{BoundedLoop{2}});
      bounded_loop = true;
    }
  }
  EXPECT_TRUE(bounded_loop);

  const Verified helper = verify_text(
      "stw [%r10-4], 0\n"
      "lddw %r1, map_fd 1\n"
      "mov %r2, %r10\n"
      "add %r2, -4\n"
      "call 1\n"  // 5 (LDDW takes two slots): the key is 8 bytes, the stack pointer leaves 4
      "mov %r0, 0\n"
      "exit\n",
      16, {{"m", 1, 8, 8, 4, 1, false}});
  const Finding* key = find(helper, CheckId::MemBounds, 5);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->assertion, Assertion{(Access{AccessKind::HelperRead, 2, 0, 8})});
}

TEST(Assertions, PointerRulesAreAssertions) {
  const Verified r = verify_text(
      "mov %r2, %r10\n"
      "add %r2, %r1\n"         // 1: pointer + pointer
      "jgt %r1, %r10, +0\n"    // 2: pointers into different objects
      "stxdw [%r1+0], %r10\n"  // 3: a stack address stored into the memory the program's output can read
      "mov %r0, 0\n"
      "exit\n");
  const Finding* arith = find(r, CheckId::PtrArith, 1);
  ASSERT_NE(arith, nullptr);
  EXPECT_EQ(arith->assertion, Assertion{(ValidArithmetic{2, 1})});
  const Finding* compare = find(r, CheckId::PtrCompare, 2);
  ASSERT_NE(compare, nullptr);
  EXPECT_EQ(compare->assertion, Assertion{(Comparable{1, 10})});
  const Finding* leak = find(r, CheckId::PtrLeak, 3);
  ASSERT_NE(leak, nullptr);
  EXPECT_EQ(leak->assertion, Assertion{(ValidStore{1, 10, 8})});
}

TEST(Assertions, AcceptedAccessesMakeNoFinding) {
  const Verified r = verify_text(
      "ldxdw %r0, [%r1+8]\n"
      "stxdw [%r10-8], %r0\n"
      "ldxdw %r0, [%r10-8]\n"
      "exit\n");
  EXPECT_TRUE(r.result.accepted);
  EXPECT_TRUE(r.result.findings.empty());
}

}  // namespace
}  // namespace bpfcert::verifier
