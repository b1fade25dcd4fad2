// The bpfcert command as a user runs it: exit codes (0 ok, 1 verdict, 2 usage or input), the
// r0 line, the trap line on stderr, inputs in every form, --help on every subcommand.
#include <gtest/gtest.h>

#include "tests/cli/cli_fixture.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
using bpfcert::cli::test_support::Cli;
using bpfcert::cli::test_support::Output;
using bpfcert::cli::test_support::slurp;

const std::regex kR0Line("^0x[0-9a-f]{16}\n$");

TEST_F(Cli, RunPrintsR0As0xAndSixteenHexDigits) {
  const auto p = write("sum.asm", "mov %r0, 0\nmov %r1, 100\nloop:\nadd %r0, %r1\nsub %r1, 1\njne %r1, 0, loop\nexit\n");
  const Output o = run("run " + p.string());
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "0x00000000000013ba\n");  // 5050
  EXPECT_TRUE(std::regex_match(o.out, kR0Line));
  EXPECT_EQ(o.err, "");
  // All 64 bits.
  const Output neg = run("run " + write("neg.asm", "mov %r0, -2\nexit\n").string());
  EXPECT_EQ(neg.out, "0xfffffffffffffffe\n");
}

TEST_F(Cli, RunDetectsBothSyntaxesAndRawBytecode) {
  EXPECT_EQ(run("run " + write("c.asm", "mov32 %r0, 7\nexit\n").string()).out, "0x0000000000000007\n");
  EXPECT_EQ(run("run " + write("l.s", "w0 = 7\nr0 <<= 4\nexit\n").string()).out, "0x0000000000000070\n");
  // Raw little-endian bytecode: mov r0, 0x2a; exit.
  const std::string bytes("\xb7\x00\x00\x00\x2a\x00\x00\x00\x95\x00\x00\x00\x00\x00\x00\x00", 16);
  EXPECT_EQ(run("run " + write("p.bin", bytes).string()).out, "0x000000000000002a\n");
  // UTF-8 in comments is still text (regression: any byte >= 0x80 once meant bytecode).
  const Output utf8 = run("run " + write("u.asm", "# r\xc3\xa9sultat \xe2\x86\x92 42\nmov %r0, 42 ; \xf0\x9f\x98\x80\nexit\n").string());
  EXPECT_EQ(utf8.exit_code, 0) << utf8.err;
  EXPECT_EQ(utf8.out, "0x000000000000002a\n");
  // Bytes that are not UTF-8 are bytecode (here 8 bytes: 0xc3 followed by no continuation).
  const Output latin1 = run("disasm " + write("x.bin", std::string("\x95\xc3\x41\x41\x41\x41\x41\x41", 8)).string());
  EXPECT_EQ(latin1.exit_code, 0) << latin1.err;
  EXPECT_NE(latin1.out.find(".raw 0x41414141414"), std::string::npos) << latin1.out;
  // --syntax forces one: LLVM text read as conformance is an input error with a location.
  const Output forced = run("run --syntax conformance " + write("l2.s", "r0 = 7\nexit\n").string());
  EXPECT_EQ(forced.exit_code, 2);
  EXPECT_NE(forced.err.find("l2.s:1:1: error[unknown-mnemonic]"), std::string::npos) << forced.err;
  EXPECT_EQ(run("run --syntax llvm " + write("l3.s", "r0 = 7\nexit\n").string()).exit_code, 0);
}

TEST_F(Cli, RunMemoryFromHexOrFile) {
  const auto p = write("ld.asm", "ldxw %r0, [%r1+0]\nadd %r0, %r2\nexit\n");  // r2 = length
  Output o = run("run " + p.string() + " --mem '01 02 03 04'");
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "0x0000000004030205\n");
  const auto mem = write("mem.bin", std::string("\xff\x00\x00\x80\x01\x02", 6));
  o = run("run " + p.string() + " --mem-file " + mem.string());
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "0x0000000080000105\n");  // 0x800000ff + 6
  // Malformed hex, both options at once, a missing file: input errors.
  EXPECT_EQ(run("run " + p.string() + " --mem 'zz'").exit_code, 2);
  EXPECT_EQ(run("run " + p.string() + " --mem '012'").exit_code, 2);
  EXPECT_EQ(run("run " + p.string() + " --mem 00 --mem-file " + mem.string()).exit_code, 2);
  EXPECT_EQ(run("run " + p.string() + " --mem-file " + (dir_ / "nope").string()).exit_code, 2);
}

TEST_F(Cli, RunTrapGoesToStderrWithExit1) {
  const auto p = write("oob.asm", "mov %r0, 0\nldxb %r0, [%r1+2]\nexit\n");
  const Output o = run("run " + p.string() + " --mem '00 01'");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out, "");
  EXPECT_NE(o.err.find("trap out-of-bounds at pc 1"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("oob.asm"), std::string::npos) << o.err;
  // The step budget.
  const Output loop = run("run " + write("loop.asm", "l:\nja l\nexit\n").string() + " --max-steps 1000");
  EXPECT_EQ(loop.exit_code, 1);
  EXPECT_NE(loop.err.find("trap step-budget-exhausted at pc 0"), std::string::npos) << loop.err;
  EXPECT_EQ(run("run " + write("three.asm", "mov %r0, 1\nmov %r0, 2\nexit\n").string() + " --max-steps 3").exit_code, 0);
  EXPECT_EQ(run("run " + write("three2.asm", "mov %r0, 1\nmov %r0, 2\nexit\n").string() + " --max-steps 2").exit_code, 1);
}

TEST_F(Cli, RunRejectsInvalidProgramsAsInputErrors) {
  const Output o = run("run " + write("bad.asm", "mov %r0, 0\nja +5\nexit\n").string());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("pc 1: error[jump-out-of-range]"), std::string::npos) << o.err;
  const Output callx = run("run " + write("cx.asm", "mov %r1, 1000\ncallx %r1\nexit\n").string());
  EXPECT_EQ(callx.exit_code, 2);
  EXPECT_NE(callx.err.find("error[extension-disabled]"), std::string::npos) << callx.err;
  const Output ok = run("run --allow-extensions " + write("cx2.asm", "mov %r6, 1000\nmov %r1, 2\ncallx %r6\nexit\n").string());
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "0x0000000000000002\n");
}

TEST_F(Cli, RunDataFileUsesItsMemoryAndDirectives) {
  const auto p = write("t.data",
                       "# @bpfcert map fd=1 type=array key=4 value=8 entries=1\n"
                       "# @bpfcert map-init fd=1 key=00000000 value=0500000000000000\n"
                       "-- asm\n"
                       "ldxb %r6, [%r1+1]\n"
                       "lddw %r1, map_fd 1\n"
                       "stw [%r10-4], 0\n"
                       "mov %r2, %r10\n"
                       "add %r2, -4\n"
                       "call 1\n"
                       "ldxdw %r0, [%r0]\n"
                       "add %r0, %r6\n"
                       "exit\n"
                       "-- mem\n"
                       "00 20\n"
                       "-- result\n"
                       "0x25\n");
  const Output o = run("run " + p.string());
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "0x0000000000000025\n");
  // --mem overrides the file's memory.
  EXPECT_EQ(run("run " + p.string() + " --mem '00 01'").out, "0x0000000000000006\n");
  // An assembler error in the file points at the file's line.
  const Output bad = run("run " + write("b.data", "-- asm\nmov %r0, 1\nfrob\nexit\n-- result\n0x1\n").string());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("b.data:3:1: error[unknown-mnemonic]"), std::string::npos) << bad.err;
  // Regression (fuzz_data_file): an empty variable initializer.
  const Output init = run("run " + std::string(BPFCERT_SOURCE_DIR) +
                          "/fuzz/corpus/fuzz_data_file/regression_empty_var_init.data");
  EXPECT_EQ(init.exit_code, 0) << init.err;
  EXPECT_EQ(init.out, "0x0000000000000000\n");
}

TEST_F(Cli, MalformedDataFilesAreInputErrorsWithLocations) {
  struct Bad {
    const char* name;
    const char* text;
    const char* expect;  // in stderr
  };
  const Bad cases[] = {
      {"mem.data", "-- asm\nexit\n-- mem\n00 zz\n-- result\n0x0\n", "error[bad-file]"},
      {"odd.data", "-- asm\nexit\n-- mem\n0\n", "error[bad-file]"},
      {"raw.data", "-- raw\n0x00000000000000qq\n-- result\n0x0\n", "raw.data:2: error[bad-file]"},
      {"result.data", "-- asm\nexit\n-- result\nforty-two\n", "error[bad-file]"},
      {"before.data", "exit\n-- asm\nexit\n", "before.data:1: error[bad-file]"},
      {"map.data", "# @bpfcert map fd=1 type=trie\n-- asm\nexit\n", "map.data:1: error[bad-file]"},
      {"huge.data", "# @bpfcert map fd=1 key=4 value=1048576 entries=1048576\n-- asm\nexit\n", "error[bad-file]"},
      {"init.data", "# @bpfcert map-init fd=9 key=00 value=00\n-- asm\nexit\n", "init.data:1: error[bad-file]"},
      {"empty.data", "-- asm\n-- result\n0x0\n", "error[empty-program]"},
  };
  for (const Bad& b : cases) {
    const Output o = run("run " + write(b.name, b.text).string());
    EXPECT_EQ(o.exit_code, 2) << b.name << ": " << o.err;
    EXPECT_NE(o.err.find(b.expect), std::string::npos) << b.name << ": " << o.err;
  }
  // A raw section wins over asm (their runner's rule); an unknown section is read past, with a
  // warning (a misspelt one is an error: diagnostics_test.cpp).
  const Output raw = run("run " + write("r.data", "-- asm\nmov %r0, 1\nexit\n-- raw\n0x00000007000000b7\n"
                                                  "0x0000000000000095\n-- unknown\nwhatever\n").string());
  EXPECT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(raw.out, "0x0000000000000007\n");
  EXPECT_NE(raw.err.find("r.data:7:1: warning: section '-- unknown' is not read"), std::string::npos) << raw.err;
}

TEST_F(Cli, AsmWritesRawBytecode) {
  const auto in = write("a.asm", "mov %r0, 42\nexit\n");
  const auto out = dir_ / "a.bin";
  const Output o = run("asm " + in.string() + " -o " + out.string());
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(slurp(out), std::string("\xb7\x00\x00\x00\x2a\x00\x00\x00\x95\x00\x00\x00\x00\x00\x00\x00", 16));
  // LLVM syntax, detected or forced, gives the same bytes.
  const auto l = write("a.s", "r0 = 42\nexit\n");
  EXPECT_EQ(run("asm --syntax llvm " + l.string() + " -o " + (dir_ / "b.bin").string()).exit_code, 0);
  EXPECT_EQ(slurp(dir_ / "b.bin"), slurp(out));
  // Errors: location and code, exit 2, nothing written.
  const Output bad = run("asm " + write("e.asm", "mov %r0, 1\nmov %r11, 2\n").string() + " -o " + (dir_ / "e.bin").string());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("e.asm:2:5: error[bad-register]"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir_ / "e.bin"));
  // Missing -o is a usage error.
  EXPECT_EQ(run("asm " + in.string()).exit_code, 2);
  // Unwritable output.
  EXPECT_EQ(run("asm " + in.string() + " -o " + (dir_ / "no" / "such" / "dir.bin").string()).exit_code, 2);
}

TEST_F(Cli, DisasmBothSyntaxes) {
  const std::string bytes("\xb7\x01\x00\x00\x05\x00\x00\x00"    // mov r1, 5
                          "\x55\x01\x01\x00\x05\x00\x00\x00"    // jne r1, 5, +1
                          "\x95\x00\x00\x00\x00\x00\x00\x00"    // exit
                          "\x95\x00\x00\x00\x00\x00\x00\x00",   // exit
                          32);
  const auto p = write("d.bin", bytes);
  Output o = run("disasm " + p.string());
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "    mov %r1, 5\n    jne %r1, 5, L3\n    exit\nL3:\n    exit\n");
  o = run("disasm --syntax llvm --no-labels " + p.string());
  EXPECT_EQ(o.out, "    r1 = 5\n    if r1 != 5 goto +1\n    exit\n    exit\n");
  o = run("disasm --pc --no-labels " + p.string());
  EXPECT_NE(o.out.find("     1: jne %r1, 5, +1"), std::string::npos) << o.out;
  // What disasm prints, asm reads back.
  const auto text = write("d.asm", run("disasm --syntax llvm " + p.string()).out);
  EXPECT_EQ(run("asm " + text.string() + " -o " + (dir_ / "d2.bin").string()).exit_code, 0);
  EXPECT_EQ(slurp(dir_ / "d2.bin"), bytes);
  // Truncated bytecode.
  const Output bad = run("disasm " + write("t.bin", std::string("\x95\x00\x00", 3)).string());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("error[truncated-bytecode]"), std::string::npos) << bad.err;
  EXPECT_EQ(run("disasm --syntax klingon " + p.string()).exit_code, 2);
}

TEST_F(Cli, MissingInputIsAnInputError) {
  for (const char* cmd : {"run", "disasm"}) {
    const Output o = run(std::string(cmd) + " " + (dir_ / "missing.bin").string());
    EXPECT_EQ(o.exit_code, 2) << cmd;
    EXPECT_NE(o.err.find("error[bad-file]"), std::string::npos) << o.err;
  }
  EXPECT_EQ(run("asm " + (dir_ / "missing.asm").string() + " -o x").exit_code, 2);
}

TEST_F(Cli, HelpOnEverySubcommandAndUsageErrors) {
  const Output top = run("--help");
  EXPECT_EQ(top.exit_code, 0);
  for (const char* sub : {"asm", "disasm", "run"}) {
    EXPECT_NE(top.out.find(sub), std::string::npos) << sub;
    const Output o = run(std::string(sub) + " --help");
    EXPECT_EQ(o.exit_code, 0) << sub << o.err;
    EXPECT_NE(o.out.find("Usage"), std::string::npos) << sub << ": " << o.out;
    EXPECT_NE(o.out.find("--syntax"), std::string::npos) << sub;
  }
  EXPECT_EQ(run("").exit_code, 2);          // no subcommand
  EXPECT_EQ(run("frobnicate").exit_code, 2);
  EXPECT_EQ(run("run").exit_code, 2);       // missing IN
  EXPECT_EQ(run("run x --no-such-flag").exit_code, 2);
  EXPECT_EQ(run("run x --max-steps many").exit_code, 2);
  const Output version = run("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("bpfcert"), std::string::npos);
}

}  // namespace

namespace {

// `bpfcert verify` reads a .data file's "@bpfcert frozen" directive as the verifier corpus
// does: loads from the frozen map are constants, so the dead branch below is not analysed.
// A frozen directive naming no map, or a map with no value for key 0, is an input error with
// its line.
TEST_F(Cli, VerifyReadsFrozenMapDirectives) {
  const std::string head =
      "# @bpfcert map fd=1 type=array key=4 value=8 entries=1 name=rodata\n"
      "# @bpfcert map-init fd=1 key=00000000 value=0700000000000000\n";
  const std::string body =
      "-- asm\n"
      "lddw %r1, map_value 1, 0\n"
      "ldxdw %r0, [%r1+0]\n"
      "jeq %r0, 7, +1\n"
      "ldxdw %r0, [%r10-8]\n"
      "exit\n";
  const Output frozen = run("verify " + write("frozen.data", head + "# @bpfcert frozen fd=1\n" + body).string());
  EXPECT_EQ(frozen.exit_code, 0) << frozen.out << frozen.err;
  EXPECT_NE(frozen.out.find("r0 at exit: 7"), std::string::npos) << frozen.out;
  // Without the directive the map is writable and its value unknown: the stack read is reached.
  const Output plain = run("verify " + write("plain.data", head + body).string());
  EXPECT_EQ(plain.exit_code, 1) << plain.out << plain.err;
  EXPECT_NE(plain.out.find("stack.uninit"), std::string::npos) << plain.out;
  const Output no_map = run("verify " + write("no_map.data", head + "# @bpfcert frozen fd=9\n" + body).string());
  EXPECT_EQ(no_map.exit_code, 2);
  EXPECT_NE(no_map.err.find("no_map.data:3:"), std::string::npos) << no_map.err;
  EXPECT_NE(no_map.err.find("frozen: no map with 'fd=9'"), std::string::npos) << no_map.err;
  const Output garbage = run("verify " + write("garbage.data", head + "# @bpfcert frozen fd=x\n" + body).string());
  EXPECT_EQ(garbage.exit_code, 2) << garbage.out;
}

}  // namespace
