// Fuzz target: the bpf_conformance .data reader with our "# @bpfcert" directives, then the
// test environment, validation, linking and a short run, as `bpfcert run t.data` does.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "conformance/data_file.h"
#include "conformance/test_environment.h"
#include "interp/interpreter.h"
#include "interp/link.h"

using namespace bpfcert;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto df = conformance::parse_data_file(text, "fuzz.data");
  if (!df.ok()) {
    if (df.error().message.empty()) __builtin_trap();
    return 0;
  }
  auto insns = df->instructions();
  if (!insns.ok()) return 0;
  interp::Environment env;
  if (!conformance::build_test_environment(*df, env).ok()) return 0;
  semantics::ValidationOptions vo;
  vo.allow_extensions = true;
  auto prog = semantics::validate(std::move(insns.value()), vo);
  if (!prog.ok()) return 0;
  auto linked = interp::link(*prog, env);
  if (!linked.ok()) return 0;
  std::vector<uint8_t> mem = df->mem;
  interp::Interpreter vm(*linked, env);
  interp::RunOptions ro;
  ro.max_steps = 20000;
  const interp::RunResult r = vm.run(interp::memory_invocation(mem), ro);
  if (r.steps > ro.max_steps) __builtin_trap();
  return 0;
}
