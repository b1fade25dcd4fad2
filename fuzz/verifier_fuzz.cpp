// libFuzzer target: bytes -> decode -> validate -> verify on the conformance platform, with a
// memory size, a map and a variable taken from the input. The verifier must never crash, hang
// or throw on a valid program, and its result must be well formed.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "semantics/program.h"
#include "verifier/analyzer.h"
#include "verifier/conformance_platform.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bpfcert;
  if (size < 2) return 0;
  const uint8_t mem_size = data[0];
  const uint8_t map_type = data[1] % 3 == 0 ? 1 : 2;
  auto insns = semantics::decode_bytes(std::span(data + 2, (size - 2) / 8 * 8));
  if (!insns.ok()) return 0;
  semantics::ValidationOptions vo;
  vo.allow_extensions = true;
  vo.max_instructions = 4096;
  auto prog = semantics::validate(std::move(insns.value()), vo);
  if (!prog.ok()) return 0;
  verifier::VerifierInput in;
  in.program = &prog.value();
  in.platform = &verifier::conformance_platform();
  in.program_type = "conformance";
  in.memory_size = mem_size;
  in.maps.push_back({"m", map_type, 4, 8, 4, 1});
  in.variables.push_back({1, "v", 16});
  in.options.max_transfers = 200'000;
  in.options.collect_invariants = (data[1] & 1) != 0;
  auto r = verifier::verify(in);
  if (!r.ok()) std::abort();
  for (const verifier::Finding& f : r->findings) {
    if (f.pc >= static_cast<int64_t>(prog->size()) || static_cast<size_t>(f.check) >= verifier::kCheckCount) std::abort();
  }
  return 0;
}
