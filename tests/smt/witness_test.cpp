// Witnesses for rejected programs: each kind of finding the search can confirm, a false alarm it
// must not confirm, the depth bound, the budgets on hostile programs, and an independent replay
// of confirmed inputs on the reference interpreter.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

#include "interp/helpers.h"
#include "interp/interpreter.h"
#include "interp/link.h"
#include "semantics/assembly.h"
#include "tests/verifier/verifier_test_support.h"
#include "verifier/analyzer.h"
#include "verifier/conformance_platform.h"
#include "verifier/smt/witness.h"
#include "verifier/smt/witness_replay.h"

namespace bpfcert::verifier::smt {
namespace {

struct Case {
  semantics::Program program;
  VerifierInput input;
  VerificationResult result;
};

// Assembles and verifies `text` on the conformance platform (memory of `mem_size` bytes).
std::unique_ptr<Case> verified(const char* text, uint64_t mem_size, std::vector<MapDescriptor> maps = {}) {
  auto c = std::make_unique<Case>();
  auto insns = semantics::assemble_any(text);
  EXPECT_TRUE(insns.ok()) << insns.error().to_string();
  auto p = semantics::validate(std::move(insns.value()));
  EXPECT_TRUE(p.ok()) << p.error().to_string();
  c->program = std::move(p.value());
  c->input.program = &c->program;
  c->input.platform = &conformance_platform();
  c->input.program_type = kConformanceProgramType;
  c->input.memory_size = mem_size;
  c->input.maps = std::move(maps);
  auto r = verify(c->input);
  EXPECT_TRUE(r.ok());
  c->result = std::move(r.value());
  return c;
}

const Finding* finding(const Case& c, const std::string& check, int64_t pc) {
  for (const Finding& f : c.result.findings) {
    if (to_string(f.check) == check && f.pc == pc) return &f;
  }
  return nullptr;
}

// Runs the program on the reference interpreter with the witness's memory (and nothing else),
// independently of the witness code's own replay.
interp::RunResult run_with_memory(const Case& c, std::vector<uint8_t> mem) {
  interp::Environment env;
  interp::add_standard_helpers(env);
  interp::add_test_helpers(env);
  for (const MapDescriptor& m : c.input.maps) {
    interp::MapDef d{m.name, static_cast<interp::MapType>(m.type), m.key_size, m.value_size, m.max_entries, 0};
    EXPECT_TRUE(env.add_map(d, m.fd).ok());
  }
  auto linked = interp::link(c.program, env);
  EXPECT_TRUE(linked.ok());
  interp::Interpreter vm(*linked, env);
  return vm.run(interp::memory_invocation(mem));
}

TEST(Witness, OutOfBoundsLoadDependingOnAnInputByteIsConfirmed) {
  const auto c = verified(
      "ldxb %r3, [%r1+0]\n"
      "and %r3, 31\n"
      "add %r1, %r3\n"
      "ldxb %r0, [%r1+0]\n"
      "exit\n",
      16);
  const Finding* f = finding(*c, "mem.bounds", 3);
  ASSERT_NE(f, nullptr);
  const Witness w = find_witness(c->input, *f);
  ASSERT_EQ(w.status, WitnessStatus::Confirmed) << w.reason;
  ASSERT_TRUE(w.input && w.input->memory);
  ASSERT_EQ(w.input->memory->size(), 16u);
  EXPECT_GE((*w.input->memory)[0] & 31, 16) << hex_bytes(*w.input->memory);
  ASSERT_TRUE(w.replay);
  EXPECT_EQ(w.replay->trap, "out-of-bounds");
  EXPECT_EQ(w.replay->pc, 3u);
  // The input, given to the interpreter by hand, traps there too.
  const interp::RunResult r = run_with_memory(*c, *w.input->memory);
  ASSERT_TRUE(r.trapped);
  EXPECT_EQ(r.trap.kind, interp::TrapKind::OutOfBounds);
  EXPECT_EQ(r.trap.pc, 3u);
}

TEST(Witness, MissingNullCheckAfterLookupIsConfirmedWithNull) {
  // A hash map: the witness's map holds no entry for the key, so the lookup returns null.
  const auto c = verified(
      "stw [%r10-4], 0\n"
      "lddw %r1, map_fd 1\n"
      "mov %r2, %r10\n"
      "add %r2, -4\n"
      "call 1\n"
      "ldxdw %r0, [%r0+0]\n"
      "exit\n",
      0, {{"h", 1, 4, 8, 4, 1, false}});
  const Finding* f = finding(*c, "mem.null", 6);
  ASSERT_NE(f, nullptr);
  const Witness w = find_witness(c->input, *f);
  ASSERT_EQ(w.status, WitnessStatus::Confirmed) << w.reason;
  EXPECT_TRUE(w.input->maps.empty());  // no entry: the lookup fails
  EXPECT_EQ(w.replay->trap, "out-of-bounds");
  EXPECT_EQ(w.replay->pc, 6u);
}

TEST(Witness, ArrayLookupWithAnInputKeyPastTheEndIsNull) {
  const auto c = verified(
      "ldxw %r3, [%r1+0]\n"
      "stxw [%r10-4], %r3\n"
      "lddw %r1, map_fd 1\n"
      "mov %r2, %r10\n"
      "add %r2, -4\n"
      "call 1\n"
      "ldxdw %r0, [%r0+0]\n"
      "exit\n",
      4, {{"a", 2, 4, 8, 4, 1, false}});
  const Finding* f = finding(*c, "mem.null", 7);
  ASSERT_NE(f, nullptr);
  const Witness w = find_witness(c->input, *f);
  ASSERT_EQ(w.status, WitnessStatus::Confirmed) << w.reason;
  uint32_t key = 0;
  std::memcpy(&key, w.input->memory->data(), 4);
  EXPECT_GE(key, 4u);
  const interp::RunResult r = run_with_memory(*c, *w.input->memory);
  ASSERT_TRUE(r.trapped);
  EXPECT_EQ(r.trap.pc, 7u);
}

TEST(Witness, MapValueBoundsWithContentsFromTheMap) {
  // The index is read from the map value: the witness chooses the map's contents.
  const auto c = verified(
      "stw [%r10-4], 0\n"
      "lddw %r1, map_fd 1\n"
      "mov %r2, %r10\n"
      "add %r2, -4\n"
      "call 1\n"
      "jeq %r0, 0, out\n"
      "ldxb %r3, [%r0+0]\n"
      "and %r3, 15\n"
      "add %r0, %r3\n"
      "ldxb %r0, [%r0+0]\n"
      "exit\n"
      "out:\n"
      "mov %r0, 0\n"
      "exit\n",
      0, {{"a", 2, 4, 8, 4, 1, false}});
  const Finding* f = finding(*c, "mem.bounds", 10);
  ASSERT_NE(f, nullptr);
  const Witness w = find_witness(c->input, *f);
  ASSERT_EQ(w.status, WitnessStatus::Confirmed) << w.reason;
  ASSERT_EQ(w.input->maps.size(), 1u);
  ASSERT_EQ(w.input->maps[0].entries.size(), 1u);
  EXPECT_GE(w.input->maps[0].entries[0].value[0] & 15, 8);
  // The read lands in element 1, which the VM's memory model lets it read: no trap, the
  // replay shows the path.
  EXPECT_TRUE(w.replay->stopped_at_pc);
}

TEST(Witness, UninitialisedStackReadOnOnePathIsConfirmedWithAnInputTakingIt) {
  const auto c = verified(
      "ldxb %r2, [%r1+0]\n"
      "jeq %r2, 7, skip\n"
      "stdw [%r10-8], 1\n"
      "skip:\n"
      "ldxdw %r0, [%r10-8]\n"
      "exit\n",
      4);
  const Finding* f = finding(*c, "stack.uninit", 3);
  ASSERT_NE(f, nullptr);
  const Witness w = find_witness(c->input, *f);
  ASSERT_EQ(w.status, WitnessStatus::Confirmed) << w.reason;
  EXPECT_EQ((*w.input->memory)[0], 7);
  ASSERT_TRUE(w.replay);
  EXPECT_TRUE(w.replay->stopped_at_pc);
  EXPECT_EQ(w.replay->pc, 3u);
}

TEST(Witness, UninitialisedRegisterOnOnePath) {
  const auto c = verified(
      "ldxb %r2, [%r1+0]\n"
      "jne %r2, 3, skip\n"
      "mov %r4, 1\n"
      "skip:\n"
      "mov %r0, %r4\n"
      "exit\n",
      1);
  const Finding* f = finding(*c, "reg.uninit", 3);
  ASSERT_NE(f, nullptr);
  const Witness w = find_witness(c->input, *f);
  ASSERT_EQ(w.status, WitnessStatus::Confirmed) << w.reason;
  EXPECT_NE((*w.input->memory)[0], 3);
}

TEST(Witness, RandomHelperResultIsAnInput) {
  const auto c = verified(
      "mov %r6, %r1\n"
      "call 7\n"
      "and %r0, 63\n"
      "add %r6, %r0\n"
      "ldxb %r0, [%r6+0]\n"
      "exit\n",
      16);
  const Finding* f = finding(*c, "mem.bounds", 4);
  ASSERT_NE(f, nullptr);
  const Witness w = find_witness(c->input, *f);
  ASSERT_EQ(w.status, WitnessStatus::Confirmed) << w.reason;
  ASSERT_EQ(w.input->helpers.size(), 1u);
  EXPECT_EQ(w.input->helpers[0].name, "bpf_get_prandom_u32");
  EXPECT_GE(w.input->helpers[0].r0 & 63, 16u);
  EXPECT_LE(w.input->helpers[0].r0, 0xffffffffu);
}

TEST(Witness, FalseAlarmOfALostRelationIsNotConfirmed) {
  // r2 and r3 are the same byte, loaded twice: the check on r2 bounds r3 too, which the
  // interval domain does not know.
  const auto c = verified(
      "ldxb %r2, [%r1+0]\n"
      "ldxb %r3, [%r1+0]\n"
      "jgt %r2, 15, out\n"
      "add %r1, %r3\n"
      "ldxb %r0, [%r1+0]\n"
      "exit\n"
      "out:\n"
      "mov %r0, 0\n"
      "exit\n",
      16);
  const Finding* f = finding(*c, "mem.bounds", 4);
  ASSERT_NE(f, nullptr) << "the analysis became precise enough: pick another relation it loses";
  const Witness w = find_witness(c->input, *f);
  EXPECT_EQ(w.status, WitnessStatus::NotConfirmed) << w.reason;
  EXPECT_FALSE(w.replay_mismatch);
  EXPECT_TRUE(w.stats.complete) << w.reason;  // no loop: every path was explored
}

TEST(Witness, BugBehindALoopNeedsTheDepth) {
  // Reaching offset 10 of 10-byte memory takes 9 back edges.
  const char* text =
      "ldxb %r3, [%r1+0]\n"
      "mov %r2, 0\n"
      "loop:\n"
      "add %r2, 1\n"
      "jgt %r3, %r2, loop\n"
      "jgt %r2, 200, out\n"
      "add %r1, %r2\n"
      "ldxb %r0, [%r1+0]\n"
      "exit\n"
      "out:\n"
      "mov %r0, 0\n"
      "exit\n";
  const auto c = verified(text, 10);
  const Finding* f = finding(*c, "mem.bounds", 6);
  ASSERT_NE(f, nullptr);
  WitnessOptions shallow;
  shallow.depth = 8;
  const Witness at8 = find_witness(c->input, *f, shallow);
  EXPECT_EQ(at8.status, WitnessStatus::NotConfirmed) << at8.reason;
  EXPECT_GT(at8.stats.depth_cuts, 0u);
  EXPECT_NE(at8.reason.find("within k=8"), std::string::npos) << at8.reason;
  WitnessOptions deep;
  deep.depth = 12;
  const Witness at12 = find_witness(c->input, *f, deep);
  ASSERT_EQ(at12.status, WitnessStatus::Confirmed) << at12.reason;
  EXPECT_GE((*at12.input->memory)[0], 10);
}

TEST(Witness, ExitValueOutsideTheReturnRange) {
  // The test platform's XDP-like type returns 0..4; r0 comes from a packet byte.
  Platform const& plat = testing::packet_test_platform();
  auto insns = semantics::assemble_any(
      "ldxw %r2, [%r1+0]\n"
      "ldxw %r3, [%r1+4]\n"
      "mov %r4, %r2\n"
      "add %r4, 1\n"
      "jgt %r4, %r3, out\n"
      "ldxb %r0, [%r2+0]\n"
      "exit\n"
      "out:\n"
      "mov %r0, 2\n"
      "exit\n");
  ASSERT_TRUE(insns.ok());
  auto p = semantics::validate(std::move(insns.value()));
  ASSERT_TRUE(p.ok());
  VerifierInput in;
  in.program = &p.value();
  in.platform = &plat;
  in.program_type = plat.program_types.front().name;
  auto r = verify(in);
  ASSERT_TRUE(r.ok());
  const Finding* f = nullptr;
  for (const Finding& x : r->findings) {
    if (x.check == CheckId::ExitR0) f = &x;
  }
  ASSERT_NE(f, nullptr);
  const Witness w = find_witness(in, *f);
  ASSERT_EQ(w.status, WitnessStatus::Confirmed) << w.reason;
  ASSERT_TRUE(w.input->packet);
  ASSERT_GE(w.input->packet->size(), 1u);
  EXPECT_GT((*w.input->packet)[0], 4);
  EXPECT_EQ(w.replay->r0, (*w.input->packet)[0]);
}

TEST(Witness, PacketReadPastTheCheckedRange) {
  Platform const& plat = testing::packet_test_platform();
  auto insns = semantics::assemble_any(
      "ldxw %r2, [%r1+0]\n"
      "ldxw %r3, [%r1+4]\n"
      "mov %r4, %r2\n"
      "add %r4, 14\n"
      "jgt %r4, %r3, out\n"
      "ldxb %r0, [%r2+20]\n"
      "and %r0, 3\n"
      "exit\n"
      "out:\n"
      "mov %r0, 2\n"
      "exit\n");
  ASSERT_TRUE(insns.ok());
  auto p = semantics::validate(std::move(insns.value()));
  ASSERT_TRUE(p.ok());
  VerifierInput in;
  in.program = &p.value();
  in.platform = &plat;
  in.program_type = plat.program_types.front().name;
  auto r = verify(in);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->findings.size(), 1u);
  ASSERT_EQ(r->findings[0].check, CheckId::MemBounds);
  const Witness w = find_witness(in, r->findings[0]);
  ASSERT_EQ(w.status, WitnessStatus::Confirmed) << w.reason;
  ASSERT_TRUE(w.input->packet);
  EXPECT_GE(w.input->packet->size(), 14u);
  EXPECT_LE(w.input->packet->size(), 20u);
  EXPECT_EQ(w.replay->trap, "out-of-bounds");
}

TEST(Witness, ChecksNoInputDrivesAreNotApplicable) {
  const auto c = verified(
      "mov %r0, 0\n"
      "loop:\n"
      "add %r0, 1\n"
      "ja loop\n",
      0);
  ASSERT_FALSE(c->result.accepted);
  for (const Witness& w : find_witnesses(c->input, c->result)) {
    EXPECT_EQ(w.status, WitnessStatus::NotApplicable) << w.check;
    EXPECT_FALSE(w.reason.empty());
  }
}

TEST(Witness, HostileProgramsEndWithinTheBudget) {
  // Twenty input-dependent branches in a row (a million paths) before an access that is in
  // bounds on every one of them, then a loop the input cannot end early.
  std::string text = "mov %r4, 0\n";
  for (int i = 0; i < 20; ++i) {
    text += fmt::format("ldxb %r3, [%r1+{}]\njset %r3, 1, L{}\nadd %r4, 1\nL{}:\n", i, i, i);
  }
  text += "mov %r5, 0\nspin:\nadd %r5, 1\njne %r5, 0, spin\n";
  text += "ldxb %r0, [%r1+40]\nexit\n";
  const auto c = verified(text.c_str(), 32);
  const Finding* f = finding(*c, "mem.bounds", 64);
  ASSERT_NE(f, nullptr);
  WitnessOptions o;
  o.timeout_seconds = 2;
  const auto t0 = std::chrono::steady_clock::now();
  const Witness w = find_witness(c->input, *f, o);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(w.status, WitnessStatus::NotConfirmed) << w.reason;
  EXPECT_LT(seconds, 6.0);
  EXPECT_FALSE(w.stats.complete);

  // A deep loop nest: each level's counter comes from the input.
  const auto nest = verified(
      "ldxb %r6, [%r1+0]\n"
      "mov %r2, 0\n"
      "outer:\n"
      "mov %r3, 0\n"
      "inner:\n"
      "ldxb %r4, [%r1+1]\n"
      "add %r3, 1\n"
      "jgt %r4, %r3, inner\n"
      "add %r2, 1\n"
      "jgt %r6, %r2, outer\n"
      "add %r1, %r2\n"
      "add %r1, %r3\n"
      "ldxb %r0, [%r1+0]\n"
      "exit\n",
      2);
  ASSERT_FALSE(nest->result.accepted);
  const auto t1 = std::chrono::steady_clock::now();
  for (const Witness& x : find_witnesses(nest->input, nest->result, o)) {
    EXPECT_FALSE(x.replay_mismatch) << x.reason;
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count(), 12.0);
}

TEST(Witness, ReplayRejectsAnInputThatDoesNotFail) {
  // The replay, not the model, decides: the same expectation with an input that stays in bounds
  // is a mismatch, which find_witness would report as not_confirmed (a defect of the search).
  const auto c = verified(
      "ldxb %r3, [%r1+0]\n"
      "and %r3, 31\n"
      "add %r1, %r3\n"
      "ldxb %r0, [%r1+0]\n"
      "exit\n",
      16);
  const Finding* f = finding(*c, "mem.bounds", 3);
  ASSERT_NE(f, nullptr);
  const Witness w = find_witness(c->input, *f);
  ASSERT_EQ(w.status, WitnessStatus::Confirmed);
  auto setup = detail::make_setup(c->input, {});
  ASSERT_TRUE(setup.ok());
  detail::Expectation e;
  e.kind = detail::Expectation::Kind::Trap;
  e.trap = interp::TrapKind::OutOfBounds;
  e.pc = 3;
  e.steps_before = 3;
  EXPECT_TRUE(detail::replay(**setup, *w.input, e).second.empty());
  WitnessInput safe = *w.input;
  (*safe.memory)[0] = 5;
  const auto [run, mismatch] = detail::replay(**setup, safe, e);
  EXPECT_FALSE(mismatch.empty());
  EXPECT_FALSE(run.trapped);
  e.steps_before = 2;  // a path of another length is not the witness's either
  EXPECT_FALSE(detail::replay(**setup, *w.input, e).second.empty());
}

TEST(Witness, BadInputIsAValue) {
  VerifierInput in;  // no program, no platform
  Finding f;
  f.check = CheckId::MemBounds;
  f.pc = 0;
  const Witness w = find_witness(in, f);
  EXPECT_EQ(w.status, WitnessStatus::NotApplicable);
  EXPECT_FALSE(w.reason.empty());
}

}  // namespace
}  // namespace bpfcert::verifier::smt
