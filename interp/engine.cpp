#include "interp/engine.h"

#include "interp/interpreter.h"

namespace bpfcert::interp {

semantics::Result<std::unique_ptr<Engine>> make_engine(EngineKind kind, const LinkedProgram& linked, Environment& env) {
  switch (kind) {
    case EngineKind::Interpreter: return std::unique_ptr<Engine>(std::make_unique<Interpreter>(linked, env));
    case EngineKind::Jit:
      return semantics::Error{semantics::ErrorCode::UsageError, {}, "the JIT is not built yet"};
  }
  return semantics::Error{semantics::ErrorCode::UsageError, {}, "unknown engine"};
}

}  // namespace bpfcert::interp
