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

EngineRun run_on_engine(const TestCase& test, const RunSettings& settings, interp::EngineKind kind,
                        const interp::Fault* fault) {
  semantics::ValidationOptions vopt;
  vopt.allow_extensions = settings.allow_extensions;
  vopt.extension_groups = settings.extension_groups;
  if (settings.allow_extensions && !test.valid_with.empty()) {
    // A caller that allows every extension (the corpus tests, mutate) runs a test of an
    // extension's absence without that extension, as a run that does not claim it would.
    vopt.allow_extensions = false;
    for (int g = 0; g < semantics::kGroupCount; ++g) {
      const auto group = static_cast<semantics::Group>(g);
      if (!semantics::is_rfc_group(group) && !test.valid_with.count(group)) vopt.extension_groups.push_back(group);
    }
  }
  auto valid = semantics::validate(test.insns, vopt);
  if (!valid.ok()) {
    const semantics::Error& e = valid.error();
    return {judge_refusal(test, e.to_string(), std::string(semantics::to_string(e.code)), false)};
  }
  interp::Environment env;
  auto built = build_test_environment(test.file, env);
  if (!built.ok()) return {{Outcome::Error, built.error().to_string(), ""}};
  auto linked = interp::link(*valid, env);
  if (!linked.ok()) {
    return {judge_refusal(test, "cannot link: " + linked.error().to_string(),
                          std::string(semantics::to_string(linked.error().code)), false)};
  }
  std::unique_ptr<interp::Engine> engine;
  if (fault != nullptr) {
    engine = std::make_unique<interp::Interpreter>(*linked, env, *fault);
  } else {
    auto made = interp::make_engine(kind, *linked, env);
    const std::string_view name = kind == interp::EngineKind::Jit ? "jit" : "interp";
    if (!made.ok()) return {judge_refusal(test, fmt::format("{}: {}", name, made.error().message), "", false)};
    engine = std::move(made.value());
  }
  std::vector<uint8_t> memory = test.file.mem;  // each run gets a fresh copy: tests write to it
  interp::RunOptions ropt;
  if (settings.max_steps != 0) ropt.max_steps = settings.max_steps;
  if (test.max_steps) ropt.max_steps = *test.max_steps;
  const interp::RunResult result = engine->run(interp::memory_invocation(memory), ropt);
  if (result.trapped) {
    return {judge_trap(test, result.trap.to_string(), std::string(interp::to_string(result.trap.kind)), false),
            result.steps};
  }
  return {judge_result(test, result.r0), result.steps};
}

TestRun EngineTarget::run(const TestCase& test, const RunSettings& settings) const {
  return run_on_engine(test, settings, kind_).run;
}

}  // namespace bpfcert::conformance
