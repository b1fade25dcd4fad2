// The x86-64 JIT: compiles a linked program to native code that runs with the interpreter's
// semantics (same memory regions, helpers, traps and step budget).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
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

enum class StepCounting : uint8_t {
  // Exactly the interpreter's step budget: straight-line segments pay for their instructions
  // on entry, so budget traps have the interpreter's pc and every run its step count.
  Exact,
  // Only loop headers (targets of backward jumps), function entries and pc 0 pay, for the
  // straight-line run of instructions that starts there. Every loop iteration and call still
  // pays at least one step, so no program runs forever, but RunResult::steps undercounts and
  // a budget trap names the loop header or function entry where the budget ran out, possibly
  // later than the interpreter would. For verifier-accepted programs, where speed matters.
  LoopHeaders,
  // No step budget: the generated code never counts. This is how Linux runs a verified
  // program: the verifier's proof that every loop is bounded is what ends the run, not a
  // counter paid on every iteration. RunOptions::max_steps is ignored and RunResult::steps
  // is 0. Only with SafetyMode::Unchecked (compile() refuses it otherwise), since a program
  // nobody verified may loop forever.
  Off,
};

struct JitOptions {
  SafetyMode safety = SafetyMode::Checked;
  StepCounting counting = StepCounting::Exact;
  // Use BMI2 shifts (shlx/shrx/sarx) when the CPU has them; tests turn this off to exercise
  // the cl-based fallback.
  bool allow_bmi2 = true;
  // Keep an annotated assembly listing of the generated code (Jit::listing()): each BPF
  // instruction as a comment with its offset in the code, then the x86-64 instructions
  // generated for it; the out-of-line paths (traps, slow checks, budget) follow the body.
  bool listing = false;
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
  // The generated machine code (for disassembly when investigating).
  std::span<const uint8_t> code() const { return {static_cast<const uint8_t*>(code_), code_size_}; }
  const JitOptions& options() const { return options_; }
  // The listing JitOptions::listing asked for; empty otherwise.
  const std::string& listing() const { return listing_; }

  struct Impl;  // code generation and runtime support (x86_64.cpp)

 private:
  Jit(const LinkedProgram& linked, Environment& env, const JitOptions& options);

  const LinkedProgram* linked_;
  Environment* env_;
  JitOptions options_;
  void* code_ = nullptr;  // from the code page pool (x86_64.cpp), read + execute only after compilation
  size_t code_size_ = 0;
  size_t mapped_size_ = 0;
  void (*entry_)(void* frame) = nullptr;
  // Native address of every instruction, for callx to a code address (0 on second LDDW slots).
  std::vector<uint64_t> native_pc_;
  std::string listing_;
};

}  // namespace bpfcert::interp
