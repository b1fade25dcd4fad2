// The JIT's unchecked mode runs only under the verifier's permit (semantics/unchecked_permit.h):
// no permit, a permit for other instructions, or a world other than the one the verifier assumed
// (maps, memory) must never reach unchecked code.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "conformance/verifier_input.h"
#include "interp/jit/jit.h"
#include "interp/helpers.h"
#include "semantics/assembly.h"
#include "verifier/analyzer.h"

namespace bpfcert {
namespace {

using interp::Environment;
using interp::Jit;
using interp::JitOptions;
using interp::SafetyMode;

semantics::Program assemble(const char* text) {
  auto insns = semantics::assemble_any(text);
  EXPECT_TRUE(insns.ok()) << text;
  auto prog = semantics::validate(std::move(*insns));
  EXPECT_TRUE(prog.ok()) << text;
  return std::move(*prog);
}

// The verifier's result for `prog` on the conformance platform with `memory_size` bytes at r1
// and, when `map` is given, that map at fd 1.
verifier::VerificationResult verify(const semantics::Program& prog, size_t memory_size,
                                    const interp::MapDef* map = nullptr) {
  verifier::VerifierInput in = conformance::conformance_platform_input(prog, memory_size);
  if (map != nullptr) in.maps.push_back(conformance::map_descriptor(*map, 1));
  auto r = verifier::verify(in);
  EXPECT_TRUE(r.ok());
  return std::move(*r);
}

std::string compile_error(const semantics::Program& prog, Environment& env, const JitOptions& options) {
  auto linked = interp::link(prog, env);
  if (!linked.ok()) return "link: " + linked.error().to_string();
  auto jit = Jit::compile(*linked, env, options);
  return jit.ok() ? "" : jit.error().to_string();
}

constexpr const char* kReadAt8 = "ldxdw %r0, [%r1+8]\nexit\n";

TEST(UncheckedPermit, TheVerifierIssuesOneOnlyForAnAcceptedProgram) {
  const semantics::Program prog = assemble(kReadAt8);
  EXPECT_TRUE(verify(prog, 16).unchecked_permit.has_value());
  const verifier::VerificationResult rejected = verify(prog, 4);
  EXPECT_FALSE(rejected.accepted);
  EXPECT_FALSE(rejected.unchecked_permit.has_value());
}

TEST(UncheckedPermit, UncheckedModeWithoutAPermitIsRefused) {
  const semantics::Program prog = assemble(kReadAt8);
  Environment env;
  JitOptions options;
  options.safety = SafetyMode::Unchecked;
  EXPECT_NE(compile_error(prog, env, options).find("no permit"), std::string::npos);
  // The checked mode needs none.
  EXPECT_EQ(compile_error(prog, env, JitOptions{}), "");
}

TEST(UncheckedPermit, APermitCoversOnlyItsOwnInstructions) {
  const semantics::Program safe = assemble("ldxdw %r0, [%r1+0]\nexit\n");
  const semantics::Program other = assemble("ldxdw %r0, [%r1+4096]\nexit\n");
  Environment env;
  JitOptions options;
  options.safety = SafetyMode::Unchecked;
  options.permit = verify(safe, 8).unchecked_permit;
  ASSERT_TRUE(options.permit.has_value());
  EXPECT_EQ(compile_error(safe, env, options), "");
  EXPECT_NE(compile_error(other, env, options).find("other instructions"), std::string::npos);
}

TEST(UncheckedPermit, MapsMustBeThoseTheVerifierSaw) {
  // A map value read at offset 56: safe for 64-byte values only.
  const semantics::Program prog = assemble(
      "stw [%r10-4], 0\nmov %r2, %r10\nadd %r2, -4\nlddw %r1, map_fd 1\ncall 1\n"
      "jeq %r0, 0, +1\nldxdw %r0, [%r0+56]\nexit\n");
  const interp::MapDef big{"m", interp::MapType::Array, 4, 64, 1, 0};
  const interp::MapDef small{"m", interp::MapType::Array, 4, 8, 1, 0};
  JitOptions options;
  options.safety = SafetyMode::Unchecked;
  const verifier::VerificationResult r = verify(prog, 0, &big);
  ASSERT_TRUE(r.accepted);
  options.permit = r.unchecked_permit;
  Environment same, smaller;
  interp::add_standard_helpers(same);
  interp::add_standard_helpers(smaller);
  ASSERT_TRUE(same.add_map(big, 1).ok());
  ASSERT_TRUE(smaller.add_map(small, 1).ok());
  EXPECT_EQ(compile_error(prog, same, options), "");
  EXPECT_NE(compile_error(prog, smaller, options).find("values of 8 bytes; the verifier assumed 1 of 64"),
            std::string::npos)
      << compile_error(prog, smaller, options);
  // A map the verifier did not see is refused too.
  const semantics::Program plain = assemble(kReadAt8);
  options.permit = verify(plain, 16).unchecked_permit;
  EXPECT_NE(compile_error(plain, same, options).find("the verifier saw 0 maps, the environment has 1"),
            std::string::npos);
}

// Unchecked code on memory smaller than the verifier assumed would read past it; the JIT runs
// such an invocation on the interpreter instead, which traps where the access leaves the memory.
TEST(UncheckedPermit, OtherMemoryRunsChecked) {
  const semantics::Program prog = assemble(kReadAt8);
  Environment env;
  auto linked = interp::link(prog, env);
  ASSERT_TRUE(linked.ok());
  JitOptions options;
  options.safety = SafetyMode::Unchecked;
  options.permit = verify(prog, 16).unchecked_permit;
  auto jit = Jit::compile(*linked, env, options);
  ASSERT_TRUE(jit.ok()) << jit.error().to_string();
  std::vector<uint8_t> sixteen(16, 0);
  sixteen[8] = 0x2a;
  const interp::RunResult fits = (*jit)->run(interp::memory_invocation(sixteen));
  EXPECT_FALSE(fits.trapped);
  EXPECT_EQ(fits.r0, 0x2au);
  std::vector<uint8_t> four(4, 0);
  const interp::RunResult small = (*jit)->run(interp::memory_invocation(four));
  ASSERT_TRUE(small.trapped);
  EXPECT_EQ(small.trap.kind, interp::TrapKind::OutOfBounds);
  EXPECT_EQ(small.trap.pc, 0u);
  // Larger memory is not what the verifier assumed either (a program may branch on r2).
  std::vector<uint8_t> larger(64, 0);
  EXPECT_FALSE((*jit)->run(interp::memory_invocation(larger)).trapped);
}

}  // namespace
}  // namespace bpfcert
