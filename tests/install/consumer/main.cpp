// A program outside the tree, built against an installed bpfcert: assembles a program, verifies
// it on the conformance platform and runs it on the reference interpreter.
#include <cstdio>
#include <vector>

#include "interp/environment.h"
#include "interp/helpers.h"
#include "interp/interpreter.h"
#include "interp/link.h"
#include "semantics/assembly.h"
#include "verifier/analyzer.h"
#include "verifier/platforms.h"

int main() {
  using namespace bpfcert;
  auto insns = semantics::assemble_any("ldxb %r0, [%r1+1]\nadd %r0, 40\nexit\n");
  if (!insns.ok()) return std::printf("%s\n", insns.error().to_string().c_str()), 2;
  auto program = semantics::validate(*insns);
  if (!program.ok()) return std::printf("%s\n", program.error().to_string().c_str()), 2;

  verifier::VerifierInput in;
  in.program = &program.value();
  in.platform = verifier::find_platform("conformance");
  in.program_type = in.platform->program_types.front().name;
  in.memory_size = 2;
  auto verdict = verifier::verify(in);
  if (!verdict.ok()) return std::printf("%s\n", verdict.error().to_string().c_str()), 2;

  interp::Environment env;
  interp::add_standard_helpers(env);
  auto linked = interp::link(*program, env);
  if (!linked.ok()) return std::printf("%s\n", linked.error().to_string().c_str()), 2;
  interp::Interpreter vm(*linked, env);
  std::vector<uint8_t> memory{1, 2};
  const interp::RunResult r = vm.run(interp::memory_invocation(memory), {});
  std::printf("%s r0=%llu\n", verdict->accepted ? "accepted" : "rejected", static_cast<unsigned long long>(r.r0));
  return 0;
}
