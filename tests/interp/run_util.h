// Test support: assemble a small program, validate, link and run it on the interpreter.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "interp/environment.h"
#include "interp/helpers.h"
#include "interp/interpreter.h"
#include "interp/link.h"
#include "semantics/assembly.h"
#include "semantics/program.h"

namespace bpfcert::interp::test_support {

// An environment with the standard and test helpers; add maps and variables before run().
class Vm {
 public:
  Vm() {
    add_standard_helpers(env);
    add_test_helpers(env);
  }

  // Assembles (either syntax), validates (extensions allowed), links and runs `text`, with r1
  // pointing at `mem` (which the program may change). Failures to build are test failures and
  // yield a trapped result with an empty message.
  RunResult run(std::string_view text, std::vector<uint8_t>* mem = nullptr, uint64_t max_steps = kDefaultMaxSteps) {
    std::vector<uint8_t> none;
    Invocation inv = memory_invocation(mem != nullptr ? std::span<uint8_t>(*mem) : std::span<uint8_t>(none));
    return run_with(text, inv, max_steps);
  }

  RunResult run_with(std::string_view text, const Invocation& inv, uint64_t max_steps = kDefaultMaxSteps) {
    RunResult failed;
    failed.trapped = true;
    auto insns = semantics::assemble_any(text);
    if (!insns.ok()) {
      ADD_FAILURE() << "assembly failed: " << insns.error().to_string() << "\n" << text;
      return failed;
    }
    semantics::ValidationOptions vo;
    vo.allow_extensions = true;
    auto prog = semantics::validate(std::move(insns.value()), vo);
    if (!prog.ok()) {
      ADD_FAILURE() << "validation failed: " << prog.error().to_string() << "\n" << text;
      return failed;
    }
    program_ = std::make_unique<semantics::Program>(std::move(prog.value()));
    auto linked = link(*program_, env);
    if (!linked.ok()) {
      ADD_FAILURE() << "link failed: " << linked.error().to_string() << "\n" << text;
      return failed;
    }
    Interpreter vm(*linked, env);
    RunOptions o;
    o.max_steps = max_steps;
    return vm.run(inv, o);
  }

  // r0 of a run that must not trap.
  uint64_t r0(std::string_view text, std::vector<uint8_t>* mem = nullptr) {
    const RunResult r = run(text, mem);
    EXPECT_FALSE(r.trapped) << r.trap.to_string() << "\n" << text;
    return r.r0;
  }

  Environment env;

 private:
  std::unique_ptr<semantics::Program> program_;
};

}  // namespace bpfcert::interp::test_support
