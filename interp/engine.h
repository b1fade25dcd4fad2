// An execution engine: something that runs a linked program (the interpreter, the JIT).
// The conformance runner and the differential tests talk to engines through this interface.
#pragma once

#include <memory>
#include <string_view>

#include "interp/environment.h"
#include "interp/link.h"
#include "interp/trap.h"

namespace bpfcert::interp {

struct Invocation;
struct RunOptions;

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;
  virtual RunResult run(const Invocation& invocation, const RunOptions& options) const = 0;
};

enum class EngineKind { Interpreter, Jit };

// Builds an engine for a linked program; the program and the environment must outlive it.
// Fails (with a message) when the engine cannot take the program or is not available here.
semantics::Result<std::unique_ptr<Engine>> make_engine(EngineKind kind, const LinkedProgram& linked, Environment& env);

}  // namespace bpfcert::interp
