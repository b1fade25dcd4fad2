#include "interp/engine.h"

#include "interp/interpreter.h"
#include "interp/jit/jit.h"

namespace bpfcert::interp {

semantics::Result<std::unique_ptr<Engine>> make_engine(EngineKind kind, const LinkedProgram& linked, Environment& env) {
  switch (kind) {
    case EngineKind::Interpreter: return std::unique_ptr<Engine>(std::make_unique<Interpreter>(linked, env));
    case EngineKind::Jit: {
      auto jit = Jit::compile(linked, env);  // checked mode: any program, same traps as the interpreter
      if (!jit.ok()) return jit.error();
      return std::unique_ptr<Engine>(std::move(jit.value()));
    }
  }
  return semantics::Error{semantics::ErrorCode::UsageError, {}, "unknown engine"};
}

}  // namespace bpfcert::interp
