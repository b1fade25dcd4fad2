// Diagnostics as clang users expect them: every assembler error in one run with the source
// line and a caret, suggestions, findings of assembler programs under their source line,
// detail behind -v.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/cli/cli_fixture.h"

namespace {

using bpfcert::cli::test_support::Cli;
using bpfcert::cli::test_support::Output;

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

TEST_F(Cli, AsmReportsEveryErrorWithACaret) {
  const auto p = write("bad.asm", "mov %r0, 0\naddd %r0, 1\nloop:\n  jne %r0, 0, lop\nexit\n");
  const Output o = run("asm " + p.string() + " -o " + (dir_ / "out.bin").string());
  EXPECT_EQ(o.exit_code, 2);
  const std::string file = p.string();
  EXPECT_TRUE(has(o.err, file + ":2:1: error[unknown-mnemonic]: unknown instruction 'addd' in conformance syntax, did you mean 'add'?\n"
                                "    2 | addd %r0, 1\n"
                                "      | ^\n")) << o.err;
  EXPECT_TRUE(has(o.err, file + ":4:15: error[undefined-label]: label 'lop' is not defined, did you mean 'loop'?\n"
                                "    4 |   jne %r0, 0, lop\n"
                                "      |               ^\n")) << o.err;
  EXPECT_TRUE(has(o.err, "bpfcert: 2 errors\n")) << o.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.bin"));
}

TEST_F(Cli, VerifyShowsTheAssemblerLineOfAFinding) {
  const auto p = write("oob.asm", "mov %r0, 0\n    ldxb %r0, [%r1+4]\nexit\n");
  const Output o = run("verify " + p.string() + " --mem-size 4");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_TRUE(has(o.out, p.string() + ":2:5: pc 1: error[mem.bounds]: ")) << o.out;
  EXPECT_TRUE(has(o.out, "    2 |     ldxb %r0, [%r1+4]\n      |     ^\n")) << o.out;
  EXPECT_FALSE(has(o.out, "1: ldxb %r0, [%r1+4]")) << o.out;  // the source line shows it already
}

TEST_F(Cli, TnumBitsOnlyWithVerbose) {
  // r2 & 0xf8 has a tnum worth printing; the access through it may leave the 16-byte memory.
  const auto p = write("bits.asm", "ldxb %r2, [%r1+0]\nand %r2, 0xf8\nadd %r1, %r2\nldxb %r0, [%r1+0]\nexit\n");
  const Output brief = run("verify " + p.string() + " --mem-size 16");
  EXPECT_EQ(brief.exit_code, 1);
  EXPECT_FALSE(has(brief.out, "bits(")) << brief.out;
  const Output verbose = run("verify -v " + p.string() + " --mem-size 16");
  EXPECT_TRUE(has(verbose.out, "bits(0x0; 0xf8)")) << verbose.out;
}

TEST_F(Cli, InvariantsShowTheirSourceLines) {
  const auto p = write("inv.asm", "mov %r0, 1\n# the answer\nadd %r0, 41\nexit\n");
  const Output o = run("verify " + p.string() + " --print-invariants");
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(has(o.out, "  ; " + p.string() + ":3: add %r0, 41\n")) << o.out;
}

TEST_F(Cli, DataFileErrorsHaveTheirLine) {
  const auto bad_result = write("r.data", "-- asm\nmov %r0, 1\nexit\n-- result\n0xzz\n");
  const Output r = run("run " + bad_result.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, bad_result.string() + ":5: error[bad-file]: result '0xzz' is not a number")) << r.err;
  const auto bad_mem = write("m.data", "-- asm\nexit\n-- mem\n00 01\n02 zz\n");
  const Output m = run("run " + bad_mem.string());
  EXPECT_EQ(m.exit_code, 2);
  EXPECT_TRUE(has(m.err, bad_mem.string() + ":5: error[bad-file]: 'zz' is not hex")) << m.err;
  const auto misspelt = write("s.data", "-- asm\nmov %r0, 1\nexit\n-- reslt\n0x1\n");
  const Output s = run("run " + misspelt.string());
  EXPECT_EQ(s.exit_code, 2);
  EXPECT_TRUE(has(s.err, misspelt.string() + ":4:1: error[bad-file]: unknown section '-- reslt', did you mean '-- result'?")) << s.err;
  EXPECT_TRUE(has(s.err, "    4 | -- reslt\n      | ^\n")) << s.err;
}

TEST_F(Cli, DotShowsFindingsLoopsAndThePathToAnError) {
  // A bounded loop, then a branch whose taken side reads past the 8-byte memory.
  const auto p = write("loop.asm",
                       "mov %r0, 0\nmov %r2, 4\nloop:\nadd %r0, 1\nsub %r2, 1\njne %r2, 0, loop\n"
                       "ldxb %r3, [%r1+0]\njeq %r3, 0, out\nldxb %r0, [%r1+8]\nout:\nexit\n");
  const Output o = run("verify " + p.string() + " --mem-size 8 -q --dot -");
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_TRUE(o.out.starts_with("digraph \"")) << o.out;
  EXPECT_TRUE(has(o.out, "fillcolor=\"#ffd6d6\"")) << o.out;                        // the error's block
  EXPECT_TRUE(has(o.out, "error[mem.bounds] pc 7: ")) << o.out;                     // written in it
  // The back edge: the loop body runs 4 times, so its back edge is taken 3 times.
  EXPECT_TRUE(has(o.out, "style=dashed, label=\"taken at most 3 times\"")) << o.out;
  EXPECT_TRUE(has(o.out, "   4: jne %r2, 0, -3\\l")) << o.out;
  EXPECT_FALSE(has(o.out, "; 6: jne")) << o.out;  // assembler lines are the instructions already
  EXPECT_TRUE(has(o.out, "color=\"#c0141b\", penwidth=2]")) << o.out;               // the path to the error
  EXPECT_EQ(o.out.back(), '\n');
  if (std::system("command -v dot >/dev/null 2>&1") == 0) {
    std::ofstream(dir_ / "g.dot") << o.out;
    EXPECT_EQ(std::system(("dot -Tsvg " + (dir_ / "g.dot").string() + " -o " + (dir_ / "g.svg").string()).c_str()), 0);
  }
}

}  // namespace
