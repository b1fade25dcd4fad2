#include "conformance/engine_target.h"

#include <fmt/format.h>

#include "conformance/test_environment.h"
#include "interp/interpreter.h"
#include "interp/link.h"

namespace bpfcert::conformance {

EngineTarget::EngineTarget(interp::EngineKind kind) : kind_(kind) {
  // Probe the engine once with the smallest program, so an engine that does not exist here
  // (the JIT before it lands) is reported once as unavailable rather than per test.
  auto prog = semantics::validate({semantics::Insn{0xb7, 0, 0, 0, 0}, semantics::Insn{0x95, 0, 0, 0, 0}});
  interp::Environment env;
  auto linked = interp::link(*prog, env);
  auto engine = interp::make_engine(kind_, *linked, env);
  if (!engine.ok()) unavailable_ = engine.error().message;
}

std::string EngineTarget::description() const {
  return kind_ == interp::EngineKind::Jit ? "bpfcert x86-64 JIT (in-process)" : "bpfcert reference interpreter (in-process)";
}

TestRun EngineTarget::run(const TestCase& test, const RunSettings& settings) const {
  semantics::ValidationOptions vopt;
  vopt.allow_extensions = settings.allow_extensions;
  auto valid = semantics::validate(test.insns, vopt);
  if (!valid.ok()) {
    const semantics::Error& e = valid.error();
    const std::string actual = fmt::format("rejected: {}", e.to_string());
    if (test.expect == ExpectKind::Reject) {
      if (semantics::to_string(e.code) == test.expected_text) return {Outcome::Pass, "", actual};
      return {Outcome::Fail, fmt::format("rejected with {}, expected {}: {}", semantics::to_string(e.code),
                                         test.expected_text, e.to_string()),
              actual};
    }
    return judge_failure(test, e.to_string(), false);
  }
  if (test.expect == ExpectKind::Reject) {
    return {Outcome::Fail, fmt::format("accepted a program that must be rejected ({})", test.expected_text), "accepted"};
  }
  interp::Environment env;
  auto built = build_test_environment(test.file, env);
  if (!built.ok()) return {Outcome::Error, built.error().to_string(), ""};
  auto linked = interp::link(*valid, env);
  if (!linked.ok()) return {Outcome::Error, "cannot link: " + linked.error().to_string(), ""};
  auto engine = interp::make_engine(kind_, *linked, env);
  if (!engine.ok()) return {Outcome::Error, fmt::format("{} unavailable: {}", kind(), engine.error().message), ""};
  std::vector<uint8_t> memory = test.file.mem;  // each run gets a fresh copy: tests write to it
  interp::RunOptions ropt;
  if (settings.max_steps != 0) ropt.max_steps = settings.max_steps;
  if (test.max_steps) ropt.max_steps = *test.max_steps;
  const interp::RunResult result = (*engine)->run(interp::memory_invocation(memory), ropt);
  if (result.trapped) {
    const std::string actual = result.trap.to_string();
    if (test.expect == ExpectKind::Trap) {
      if (interp::to_string(result.trap.kind) == test.expected_text) return {Outcome::Pass, "", actual};
      return {Outcome::Fail, fmt::format("expected a {} trap, got {}", test.expected_text, actual), actual};
    }
    return judge_failure(test, actual, false);
  }
  return judge_result(test, result.r0);
}

}  // namespace bpfcert::conformance
