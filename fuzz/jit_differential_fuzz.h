// The JIT differential fuzz target's entry point, shared by the libFuzzer binary and the
// seed-corpus replay test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/program_generator.h"

namespace bpfcert::fuzz {

// Input layout: byte 0 = input memory size (mod 65), byte 1 = step budget (0: 10000, else
// 8 * b), then the memory bytes, then instruction slots (8 bytes each, at most 512).
struct FuzzVerdict {
  enum Kind { Rejected, AddressDependent, Agreed, Diverged } kind = Rejected;
  std::string diff;  // when Diverged: what differs, and the program
};
FuzzVerdict check_jit_differential(const uint8_t* data, size_t size);

// The fuzz input that encodes a generated program (for seed corpora).
std::vector<uint8_t> to_fuzz_input(const test_support::GeneratedProgram& program);

}  // namespace bpfcert::fuzz
