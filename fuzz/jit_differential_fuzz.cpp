// libFuzzer target: fuzzer-made programs run on the interpreter and on the JIT (checked mode)
// must agree on r0, trap kind and pc, steps, memory, maps and helper state. Programs whose
// result depends on buffer addresses are skipped (see DifferentialOptions).
#include "fuzz/jit_differential_fuzz.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "tests/support/differential.h"

namespace bpfcert::fuzz {

FuzzVerdict check_jit_differential(const uint8_t* data, size_t size) {
  if (size < 2) return {};
  const size_t mem_size = std::min<size_t>(data[0] % 65, size - 2);
  const uint64_t max_steps = data[1] == 0 ? 10000 : uint64_t{data[1]} * 8;
  std::vector<uint8_t> memory(data + 2, data + 2 + mem_size);
  std::vector<semantics::Insn> insns;
  for (size_t at = 2 + mem_size; at + semantics::kSlotBytes <= size && insns.size() < 512; at += semantics::kSlotBytes) {
    insns.push_back(semantics::decode_slot(std::span<const uint8_t, semantics::kSlotBytes>(data + at, semantics::kSlotBytes)));
  }
  if (insns.empty()) return {};
  const test_support::GeneratedProgram program =
      test_support::make_scenario(std::move(insns), std::move(memory), max_steps);
  test_support::DifferentialOptions options;
  options.check_address_independence = true;
  const test_support::DifferentialOutcome out = test_support::run_differential(program, options);
  if (!out.valid) return {};
  if (out.address_dependent) return {FuzzVerdict::AddressDependent, {}};
  if (!out.diff) return {FuzzVerdict::Agreed, {}};
  // The address check is probabilistic (a branch on a pointer's bits may go the same way in
  // every layout tried). A JIT bug diverges every time; a program that depends on addresses
  // eventually agrees or shows its dependence when the heap lies differently.
  for (int again = 0; again < 4; ++again) {
    std::vector<std::unique_ptr<uint8_t[]>> move_the_heap;
    for (int i = 0; i <= again; ++i) move_the_heap.push_back(std::make_unique<uint8_t[]>(64 + 48 * static_cast<size_t>(i)));
    const test_support::DifferentialOutcome retry = test_support::run_differential(program, options);
    if (retry.address_dependent || !retry.diff) return {FuzzVerdict::AddressDependent, {}};
  }
  return {FuzzVerdict::Diverged, *out.diff + program.listing()};
}

std::vector<uint8_t> to_fuzz_input(const test_support::GeneratedProgram& program) {
  std::vector<uint8_t> out;
  out.push_back(static_cast<uint8_t>(program.memory.size()));
  out.push_back(program.max_steps >= 8 * 255 ? 0 : static_cast<uint8_t>(program.max_steps / 8));
  out.insert(out.end(), program.memory.begin(), program.memory.end());
  const auto bytes = semantics::encode_all(program.insns);
  out.insert(out.end(), bytes.begin(), bytes.end());
  return out;
}

}  // namespace bpfcert::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto verdict = bpfcert::fuzz::check_jit_differential(data, size);
  if (verdict.kind == bpfcert::fuzz::FuzzVerdict::Diverged) {
    std::fprintf(stderr, "interpreter and JIT diverge:\n%s\n", verdict.diff.c_str());
    std::abort();
  }
  return 0;
}
