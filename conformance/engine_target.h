// In-process targets: bpfcert's own engines (the reference interpreter, the JIT) reached
// through interp::make_engine. They check what others cannot: the exact validation error code
// of a rejected program and the exact trap kind.
#pragma once

#include "conformance/target.h"
#include "interp/engine.h"
#include "interp/interpreter.h"

namespace bpfcert::conformance {

// One in-process run of a test: its outcome, and the instructions the engine executed (0 when
// the program did not start). With a fault, the engine is the reference interpreter with that
// fault (mutation testing, conformance/mutate.h).
struct EngineRun {
  TestRun run;
  uint64_t steps = 0;
};
EngineRun run_on_engine(const TestCase& test, const RunSettings& settings, interp::EngineKind kind,
                        const interp::Fault* fault = nullptr);

class EngineTarget final : public Target {
 public:
  explicit EngineTarget(interp::EngineKind kind);
  std::string_view kind() const override { return kind_ == interp::EngineKind::Jit ? "jit" : "interp"; }
  std::string description() const override;
  std::optional<std::string> unavailable() const override { return unavailable_; }
  TestRun run(const TestCase& test, const RunSettings& settings) const override;

 private:
  interp::EngineKind kind_;
  std::optional<std::string> unavailable_;
};

}  // namespace bpfcert::conformance
