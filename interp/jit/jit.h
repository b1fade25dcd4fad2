// The x86-64 JIT: compiles a linked program to native code that runs with the interpreter's
// semantics (same memory regions, helpers, traps and step budget).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "interp/engine.h"
#include "interp/environment.h"
#include "interp/interpreter.h"
#include "interp/link.h"

namespace bpfcert::interp {

enum class SafetyMode : uint8_t {
  // Every memory access is checked against the run's regions, exactly like the interpreter:
  // same trap kind, same pc. Accesses the JIT proves safe (r10 plus a constant inside the
  // frame) are not checked.
  Checked,
  // No memory checks: for programs a verifier accepted. A bad access is a host fault.
  Unchecked,
};

struct JitOptions {
  SafetyMode safety = SafetyMode::Checked;
  // Use BMI2 shifts (shlx/shrx/sarx) when the CPU has them; tests turn this off to exercise
  // the cl-based fallback.
  bool allow_bmi2 = true;
};

// Whether this build and this host can JIT (x86-64 only).
bool jit_available();

class Jit final : public Engine {
 public:
  // Compiles; fails with a message when the host cannot JIT or code generation fails. The
  // program and the environment must outlive the engine.
  static semantics::Result<std::unique_ptr<Jit>> compile(const LinkedProgram& linked, Environment& env,
                                                          const JitOptions& options = {});
  ~Jit() override;
  Jit(const Jit&) = delete;
  Jit& operator=(const Jit&) = delete;

  std::string_view name() const override { return "jit"; }
  RunResult run(const Invocation& invocation, const RunOptions& options) const override;
  RunResult run(const Invocation& invocation) const { return run(invocation, RunOptions{}); }

  size_t code_size() const { return code_size_; }
  const JitOptions& options() const { return options_; }

  struct Impl;  // code generation and runtime support (x86_64.cpp)

 private:
  Jit(const LinkedProgram& linked, Environment& env, const JitOptions& options);

  const LinkedProgram* linked_;
  Environment* env_;
  JitOptions options_;
  void* code_ = nullptr;  // mmap'ed, read + execute only after compilation
  size_t code_size_ = 0;
  size_t mapped_size_ = 0;
  void (*entry_)(void* frame) = nullptr;
  // Native address of every instruction, for callx to a code address (0 on second LDDW slots).
  std::vector<uint64_t> native_pc_;
};

}  // namespace bpfcert::interp
