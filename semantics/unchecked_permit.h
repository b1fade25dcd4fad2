// The permit to run a program without memory checks (the JIT's unchecked mode), and what it
// covers. Without checks, a bad access faults the host process, so only a program a verifier
// proved safe may run that way, and only against the machine the verifier assumed: the same
// instructions, the same maps and variables, and the memory the entry registers describe.
//
// A permit is evidence, not a flag: its constructor is private and the verifier is the one
// issuer (verify() hands one out with an accepted result, verifier/analyzer.cpp), so no caller
// can reach unchecked code by forgetting a check, as Linux's JIT only ever sees programs its
// verifier accepted. Tests and benchmarks that exercise the generated code on programs no
// verifier has seen take a permit from unverified_for_testing(), a deliberate, greppable
// escape that tests/layout/layering_test.cpp forbids outside tests/ and bench/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "semantics/program.h"

namespace bpfcert::verifier::detail {
struct PermitIssuer;
}

namespace bpfcert::semantics {

class UncheckedPermit {
 public:
  // A map as the verifier saw it; the run's map at the same index must have this shape, since
  // map value pointers are unchecked too.
  struct MapShape {
    uint32_t value_size = 0;
    uint32_t max_entries = 0;
    friend bool operator==(const MapShape&, const MapShape&) = default;
  };

  // Whether the permit was issued for exactly these instructions.
  bool covers(const Program& program) const { return program.insns == insns_; }
  // The memory the verifier assumed r1 points to, r2 holding its size (the conformance
  // platform's entry); nullopt when the program type's entry is not memory and length.
  const std::optional<uint64_t>& memory_size() const { return memory_size_; }
  const std::vector<MapShape>& maps() const { return maps_; }
  // (variable id, size) of each variable (LDDW src 3) the verifier knew, ascending by id.
  const std::vector<std::pair<int32_t, uint64_t>>& variables() const { return variables_; }
  const std::string& program_type() const { return program_type_; }

  // Whether a verifier issued it (false: unverified_for_testing, which claims nothing about
  // maps, variables or memory, so nothing of them is compared).
  bool from_verifier() const { return from_verifier_; }

  // For tests and benchmarks only: a permit no verifier issued, for exercising unchecked code
  // on programs whose memory safety the caller ensures by construction.
  static UncheckedPermit unverified_for_testing(const Program& program) {
    UncheckedPermit p(program, "unverified", std::nullopt, {}, {});
    p.from_verifier_ = false;
    return p;
  }

 private:
  friend struct verifier::detail::PermitIssuer;
  UncheckedPermit(const Program& program, std::string program_type, std::optional<uint64_t> memory_size,
                  std::vector<MapShape> maps, std::vector<std::pair<int32_t, uint64_t>> variables)
      : insns_(program.insns),
        program_type_(std::move(program_type)),
        memory_size_(memory_size),
        maps_(std::move(maps)),
        variables_(std::move(variables)) {}

  std::vector<Insn> insns_;
  std::string program_type_;
  std::optional<uint64_t> memory_size_;
  std::vector<MapShape> maps_;
  std::vector<std::pair<int32_t, uint64_t>> variables_;
  bool from_verifier_ = true;
};

}  // namespace bpfcert::semantics
