// The CFG: basic blocks, subprograms, reachability, natural loops and their nesting, the weak
// topological order, and the structural problems the analyzer reports.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "semantics/assembly.h"
#include "verifier/cfg.h"

namespace bpfcert::verifier {
namespace {

semantics::Program program(const char* text) {
  auto insns = semantics::assemble(text, semantics::Syntax::Conformance);
  EXPECT_TRUE(insns.ok()) << insns.error().to_string();
  auto p = semantics::validate(std::move(insns.value()));
  EXPECT_TRUE(p.ok()) << p.error().to_string();
  return std::move(p.value());
}

bool has_problem(const Cfg& cfg, const std::string& check, size_t pc) {
  return std::any_of(cfg.problems.begin(), cfg.problems.end(),
                     [&](const CfgProblem& p) { return to_string(p.check) == check && p.pc == pc; });
}

// The WTO as text: blocks by first pc, components in parentheses.
std::string wto_text(const Cfg& cfg, const std::vector<WtoElement>& order) {
  std::string out;
  for (const WtoElement& e : order) {
    if (!out.empty()) out += " ";
    if (e.component) {
      out += "(" + std::to_string(cfg.blocks[e.block].first);
      const std::string body = wto_text(cfg, e.body);
      if (!body.empty()) out += " " + body;
      out += ")";
    } else {
      out += std::to_string(cfg.blocks[e.block].first);
    }
  }
  return out;
}

TEST(Cfg, StraightLineIsOneBlock) {
  const auto p = program("mov %r0, 1\nlddw %r1, 0x1122334455\nadd %r0, 2\nexit\n");
  const Cfg cfg = Cfg::build(p);
  ASSERT_EQ(cfg.blocks.size(), 1u);
  EXPECT_EQ(cfg.blocks[0].first, 0u);
  EXPECT_EQ(cfg.blocks[0].last, 4u);
  EXPECT_EQ(cfg.block_of_pc[2], kNoBlock);  // second LDDW slot
  EXPECT_TRUE(cfg.loops.empty());
  EXPECT_TRUE(cfg.problems.empty());
}

TEST(Cfg, DiamondBlocksAndEdges) {
  const auto p = program("jeq %r1, 0, a\nmov %r0, 1\nja b\na:\nmov %r0, 2\nb:\nexit\n");
  const Cfg cfg = Cfg::build(p);
  ASSERT_EQ(cfg.blocks.size(), 4u);
  // Conditional jump: [fall-through, target].
  ASSERT_EQ(cfg.blocks[0].succs.size(), 2u);
  EXPECT_EQ(cfg.blocks[cfg.blocks[0].succs[0]].first, 1u);
  EXPECT_EQ(cfg.blocks[cfg.blocks[0].succs[1]].first, 3u);
  EXPECT_EQ(cfg.blocks[cfg.block_of_pc[4]].preds.size(), 2u);
  EXPECT_EQ(wto_text(cfg, cfg.subprograms[0].wto), "0 1 3 4");
}

TEST(Cfg, NestedLoopsAndWto) {
  const auto p = program(
      "mov %r3, 0\n"
      "outer:\nmov %r4, 0\n"
      "inner:\nadd %r4, 1\njlt %r4, 10, inner\n"
      "add %r3, 1\njlt %r3, 10, outer\n"
      "exit\n");
  const Cfg cfg = Cfg::build(p);
  ASSERT_EQ(cfg.loops.size(), 2u);
  const Loop& a = cfg.loops[0];
  const Loop& b = cfg.loops[1];
  const Loop& outer = a.blocks.size() > b.blocks.size() ? a : b;
  const Loop& inner = a.blocks.size() > b.blocks.size() ? b : a;
  EXPECT_EQ(cfg.blocks[outer.header].first, 1u);
  EXPECT_EQ(cfg.blocks[inner.header].first, 2u);
  EXPECT_EQ(inner.depth, 2);
  EXPECT_EQ(outer.depth, 1);
  EXPECT_TRUE(cfg.is_back_edge(cfg.block_of_pc[3], cfg.block_of_pc[2]));
  EXPECT_FALSE(cfg.is_back_edge(cfg.block_of_pc[1], cfg.block_of_pc[2]));
  EXPECT_EQ(wto_text(cfg, cfg.subprograms[0].wto), "0 (1 (2) 4) 6");
}

TEST(Cfg, SubprogramsAndUnreachableCode) {
  const auto p = program(
      "call local f\nexit\n"
      "mov %r0, 9\nexit\n"          // unreachable: after exit, before f
      "f:\nmov %r0, 1\nexit\n"
      "g:\nmov %r0, 2\nexit\n");  // g is referenced by nothing reachable... except below
  const Cfg cfg = Cfg::build(p);
  ASSERT_EQ(cfg.subprograms.size(), 2u);  // main (0..3) and f (4..7); g is not a call target
  EXPECT_EQ(cfg.subprograms[1].entry_pc, 4u);
  EXPECT_TRUE(has_problem(cfg, "cfg.unreachable", 2));
  EXPECT_TRUE(has_problem(cfg, "cfg.unreachable", 6));
}

TEST(Cfg, UncalledFunctionIsUnreachable) {
  const auto p = program("mov %r0, 0\nexit\ndead:\nlddw %r1, code dead\nexit\n");
  const Cfg cfg = Cfg::build(p);
  EXPECT_EQ(cfg.subprograms.size(), 2u);
  EXPECT_FALSE(cfg.subprograms[1].called);
  EXPECT_TRUE(has_problem(cfg, "cfg.unreachable", 2));
}

TEST(Cfg, IrreducibleCycleIsReported) {
  const auto p = program("jeq %r1, 0, b\na:\nadd %r3, 1\nb:\nadd %r3, 2\nja a\n");
  const Cfg cfg = Cfg::build(p);
  EXPECT_TRUE(has_problem(cfg, "loop.irreducible", 1));
}

TEST(Cfg, CodeSharedByTwoFunctionsIsReported) {
  // main jumps to g; f falls through into g, which main already owns.
  const auto p = program("call local f\nja g\nf:\nmov %r0, 1\ng:\nexit\n");
  const Cfg cfg = Cfg::build(p);
  EXPECT_TRUE(has_problem(cfg, "cfg.jump", 2));
}

TEST(Cfg, FunctionsNeedNotBeContiguous) {
  const auto p = program("ja main\nf:\nmov %r0, 3\nexit\nmain:\ncall local f\nexit\n");
  const Cfg cfg = Cfg::build(p);
  EXPECT_TRUE(cfg.problems.empty());
  ASSERT_EQ(cfg.subprograms.size(), 2u);
  EXPECT_EQ(cfg.subprograms[0].blocks.size(), 2u);  // pc 0 and pc 3..4
  EXPECT_EQ(cfg.subprograms[1].blocks.size(), 1u);
}

TEST(Cfg, SelfLoop) {
  const auto p = program("l:\nja l\n");
  const Cfg cfg = Cfg::build(p);
  ASSERT_EQ(cfg.loops.size(), 1u);
  EXPECT_EQ(cfg.loops[0].latches.size(), 1u);
  EXPECT_EQ(wto_text(cfg, cfg.subprograms[0].wto), "(0)");
}

}  // namespace
}  // namespace bpfcert::verifier
