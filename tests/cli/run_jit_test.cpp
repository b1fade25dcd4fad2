// bpfcert run --jit: the same output and exit codes as the interpreter.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

struct Output {
  std::string text;
  int status = -1;
};

Output run(const std::string& args) {
  const std::string cmd = std::string(BPFCERT_BINARY_DIR) + "/cli/bpfcert " + args + " 2>&1";
  Output out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 512> buf{};
  while (fgets(buf.data(), buf.size(), p) != nullptr) out.text += buf.data();
  const int status = pclose(p);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

const std::string kSamples = std::string(BPFCERT_CORPUS_DIR) + "/samples/";

TEST(RunJit, SameResultAsTheInterpreter) {
  for (const char* sample : {"sum_loop.asm", "fibonacci.asm", "atomic_counter.asm"}) {
    const Output interp = run("run " + kSamples + sample);
    const Output jit = run("run --jit " + kSamples + sample);
    const Output fast = run("run --jit --unchecked " + kSamples + sample);
    EXPECT_EQ(interp.status, 0) << interp.text;
    EXPECT_EQ(jit.status, 0) << jit.text;
    EXPECT_EQ(jit.text, interp.text);
    EXPECT_EQ(fast.text, interp.text);
  }
  EXPECT_EQ(run("run --jit " + kSamples + "sum_loop.asm").text, "0x00000000000013ba\n");
}

TEST(RunJit, TrapsAndUsageErrors) {
  const Output interp = run("run --max-steps 50 " + kSamples + "sum_loop.asm");
  const Output jit = run("run --jit --max-steps 50 " + kSamples + "sum_loop.asm");
  EXPECT_EQ(jit.status, 1);
  EXPECT_EQ(jit.text, interp.text);
  EXPECT_NE(jit.text.find("step-budget-exhausted at pc 2"), std::string::npos) << jit.text;
  EXPECT_EQ(run("run --unchecked " + kSamples + "sum_loop.asm").status, 2);
}

// --dump-jit prints the generated code, each BPF instruction named above its x86-64 code, then
// runs the program as usual; it needs --jit.
TEST(RunJit, DumpJitListsTheCodeThenRuns) {
  const Output out = run("run --jit --dump-jit " + kSamples + "sum_loop.asm");
  EXPECT_EQ(out.status, 0) << out.text;
  EXPECT_NE(out.text.find("bytes of x86-64 at"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("   0 (+0x"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("ret\n"), std::string::npos) << out.text;
  EXPECT_TRUE(out.text.ends_with("\n0x00000000000013ba\n")) << out.text;
  EXPECT_EQ(run("run --dump-jit " + kSamples + "sum_loop.asm").status, 2);
}

// --unchecked drops the memory checks, so only a program the verifier proves safe for the
// given memory may run that way: an out-of-bounds read is refused (exit 1, the finding shown),
// never executed, and the same program runs once the memory is large enough.
TEST(RunJit, UncheckedRunsOnlyWhatTheVerifierAccepts) {
  const std::string prog = std::string(BPFCERT_BINARY_DIR) + "/tests/cli/unchecked_oob.asm";
  FILE* f = std::fopen(prog.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("ldxdw %r0, [%r1+8]\nexit\n", f);
  std::fclose(f);
  const Output refused = run("run --jit --unchecked " + prog + " --mem '01 02 03 04'");
  EXPECT_EQ(refused.status, 1) << refused.text;
  EXPECT_NE(refused.text.find("refusing to run --unchecked"), std::string::npos) << refused.text;
  EXPECT_NE(refused.text.find("pc 0: mem.bounds"), std::string::npos) << refused.text;
  // The checked JIT runs it and traps, as the interpreter does.
  EXPECT_NE(run("run --jit " + prog + " --mem '01 02 03 04'").text.find("out-of-bounds at pc 0"), std::string::npos);
  const Output ran = run("run --jit --unchecked " + prog + " --mem '01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10'");
  EXPECT_EQ(ran.status, 0) << ran.text;
  EXPECT_EQ(ran.text, "0x100f0e0d0c0b0a09\n");
}

}  // namespace
