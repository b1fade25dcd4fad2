// The public API as the Linux platform will use it: a platform built as data (context layout,
// helper prototypes, map types), maps by fd with flags, verdicts and findings.
#include <gtest/gtest.h>

#include "semantics/assembly.h"
#include "verifier/analyzer.h"
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

TEST(VerifierApi, ReadOnlyMapValues) {
  const auto p = program(
      "lddw %r1, map_value 1, 0\n"
      "ldxdw %r0, [%r1+0]\n"
      "stdw [%r1+0], 1\n"
      "exit\n");
  VerifierInput in;
  in.program = &p;
  in.platform = &conformance_platform();
  in.program_type = "conformance";
  in.maps.push_back({"rodata", 2, 4, 8, 1, 1, true});
  auto r = verify(in);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->accepted);
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].check, CheckId::MemReadonly);
  EXPECT_EQ(r->findings[0].pc, 3);
  in.maps[0].read_only = false;
  r = verify(in);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->accepted);
}

TEST(VerifierApi, InputErrorsAreValues) {
  const auto p = program("mov %r0, 0\nexit\n");
  VerifierInput in;
  EXPECT_FALSE(verify(in).ok());  // no program
  in.program = &p;
  EXPECT_FALSE(verify(in).ok());  // no platform
  in.platform = &conformance_platform();
  in.program_type = "xdp";
  EXPECT_FALSE(verify(in).ok());  // the conformance platform has no such type
}

TEST(VerifierApi, ContextPlatformWithPacketsAsData) {
  Platform plat;
  plat.name = "mini";
  ProgramType t;
  t.name = "filter";
  t.entry = ProgramType::Entry::Context;
  t.has_packet = true;
  t.context = {"struct mini", 8, {{"data", 0, 4, true, false, PointerKind::Packet, false},
                                  {"data_end", 4, 4, true, false, PointerKind::PacketEnd, false}}};
  t.return_range = std::pair<int64_t, int64_t>{0, 1};
  plat.program_types.push_back(t);
  const auto p = program(
      "r2 = *(u32 *)(r1 + 0)\n"
      "r3 = *(u32 *)(r1 + 4)\n"
      "r4 = r2\n"
      "r4 += 8\n"
      "r0 = 0\n"
      "if r4 > r3 goto out\n"
      "r0 = *(u64 *)(r2 + 0)\n"
      "r0 &= 1\n"
      "out:\n"
      "exit\n");
  VerifierInput in;
  in.program = &p;
  in.platform = &plat;
  in.program_type = "filter";
  in.options.collect_invariants = true;
  auto r = verify(in);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->accepted) << (r->findings.empty() ? "" : r->findings[0].message);
  ASSERT_TRUE(r->exit_r0.has_value());
  EXPECT_EQ(r->exit_r0->umax, 1u);
  // Invariants: at pc 6 r2 is a packet pointer at offset 0.
  const auto it = std::find_if(r->invariants.begin(), r->invariants.end(), [](const Invariant& i) { return i.pc == 6; });
  ASSERT_NE(it, r->invariants.end());
  EXPECT_EQ(it->registers[2].type, ValueView::Type::Pointer);
  EXPECT_EQ(it->registers[2].region, PointerKind::Packet);
  EXPECT_EQ(r->stats.instructions, p.size());
}

}  // namespace
}  // namespace bpfcert::verifier
