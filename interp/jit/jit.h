// The x86-64 JIT: compiles a linked program to native code that runs with the interpreter's
// semantics (same memory regions, helpers, traps and step budget).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "interp/engine.h"
#include "interp/environment.h"
#include "interp/interpreter.h"
#include "interp/link.h"
#include "semantics/unchecked_permit.h"

namespace bpfcert::interp {

enum class SafetyMode : uint8_t {
  // Every memory access is checked against the run's regions, exactly like the interpreter:
  // same trap kind, same pc. Accesses the JIT proves safe (r10 plus a constant inside the
  // frame) are not checked, nor, in the copy of a versioned loop (loops.h), those whose range
  // over all the loop's iterations was tested at its entry.
  Checked,
  // No memory checks: for programs a verifier accepted. A bad access is a host fault, so
  // compile() demands the verifier's permit for the program (JitOptions::permit).
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
  // SafetyMode::Unchecked runs only under a permit the verifier issued for this program, its
  // maps and variables (semantics/unchecked_permit.h); compile() refuses it otherwise. A run
  // whose invocation is not the memory the permit names goes to the interpreter instead.
  std::optional<semantics::UncheckedPermit> permit;
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

// How compile() makes generated code executable (code_pages.cpp). Neither ever has a
// page that is writable and executable at once.
enum class CodeInstall : uint8_t {
  // The code is written with pwrite() into a memfd whose only mappings are read + execute
  // (MAP_SHARED): no mapping of it is ever writable.
  Memfd,
  // The fallback: the code is copied into read + write anonymous pages, which mprotect() then
  // makes read + execute. Used when memfd_create() or an executable mapping of a memfd is
  // refused (a seccomp filter, an SELinux execmem policy), when the environment variable
  // BPFCERT_JIT_MPROTECT is set to anything but "" or "0" (read once, when the JIT first needs
  // code pages), or while jit_force_mprotect(true) is in effect.
  Mprotect,
};

// The mechanism the next compile() will use (sets up the memfd if nothing has yet).
CodeInstall jit_code_install();
// Forces the mprotect fallback for compiles from now on (true), or goes back to the default
// (false); Jits already compiled keep their code where it is, and each goes back to the pool
// it came from, so flipping this while other threads compile is safe. For tests, so that one
// process can exercise both mechanisms.
void jit_force_mprotect(bool force);

namespace detail {
// A Jit's code pages (code_pages.cpp): whole pages from the pool.
struct CodeBlock {
  uint8_t* start = nullptr;
  size_t bytes = 0;          // a multiple of the page size
  int64_t file_offset = -1;  // where the block is in the memfd; -1: anonymous pages (mprotect)
  int fd = -1;               // the memfd (a process starts a new one after each fork)
};
}  // namespace detail

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
  std::span<const uint8_t> code() const { return {block_.start, code_size_}; }
  // How this Jit's code was made executable.
  CodeInstall code_install() const { return block_.file_offset >= 0 ? CodeInstall::Memfd : CodeInstall::Mprotect; }
  const JitOptions& options() const { return options_; }
  // The listing JitOptions::listing asked for; empty otherwise.
  const std::string& listing() const { return listing_; }

  struct Impl;  // the runtime functions generated code calls (runtime.h)

 private:
  Jit(const LinkedProgram& linked, Environment& env, const JitOptions& options);

  const LinkedProgram* linked_;
  Environment* env_;
  JitOptions options_;
  detail::CodeBlock block_;  // from the code page pool (code_pages.h), never writable once compiled
  size_t code_size_ = 0;
  void (*entry_)(void* frame) = nullptr;
  // Native address of every instruction, for callx to a code address (0 on second LDDW slots).
  std::vector<uint64_t> native_pc_;
  std::string listing_;
};

}  // namespace bpfcert::interp
