// How a program of a platform runs on the reference interpreter (its entry, context, packet,
// maps and helpers), shared by the symbolic executor, which models exactly that run, and the
// replay, which performs it with a witness's input.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "interp/environment.h"
#include "interp/link.h"
#include "interp/trap.h"
#include "semantics/diagnostic.h"
#include "verifier/analyzer.h"
#include "verifier/smt/witness.h"

namespace bpfcert::verifier::smt::detail {

// The interpreter's invocation: the conformance memory convention (r1 = memory, r2 = its size;
// MemoryContext adds r3 = a context, r4 = its size, as test harnesses run programs), or a Linux
// context (interp/linux_context.h) of one of three kinds.
enum class EntryKind : uint8_t { Memory, MemoryContext, Xdp, SkBuff, Raw };
inline bool has_memory(EntryKind e) { return e == EntryKind::Memory || e == EntryKind::MemoryContext; }

struct ContextPointerField {
  uint32_t offset = 0;
  uint32_t size = 0;
  PointerKind holds = PointerKind::Packet;
};

struct WitnessSetup {
  const VerifierInput* input = nullptr;
  const ProgramType* type = nullptr;
  EntryKind entry = EntryKind::Memory;
  uint64_t memory_size = 0;
  // Linux entries: the context as the VM builds it (its size may exceed the layout's, e.g.
  // the test platform's 16-byte prefix of struct xdp_md), and which fields hold pointers.
  uint32_t context_size = 0;
  bool context_writable = false;
  std::vector<ContextPointerField> pointer_fields;
  // __sk_buff len: at least the packet's length (data_end - data); more for a non-linear skb,
  // whose paged part the program cannot read directly.
  std::optional<uint32_t> len_field;
  bool has_packet = false;
  bool network_header_first = false;
  uint32_t headroom = 0;
  uint32_t max_packet = 0;
  // The VM's environment and the linked program: the executor reads helpers, map layouts and
  // LDDW values from them; the replay builds a fresh environment the same way.
  std::unique_ptr<interp::Environment> env;
  interp::LinkedProgram linked;
};

// Fails (the reason is a witness's not_applicable reason) when the reference VM cannot run the
// program: an entry it has no harness for, maps it does not model, a program that does not link.
semantics::Result<std::unique_ptr<WitnessSetup>> make_setup(const VerifierInput& input, const WitnessOptions& options);

// What the replay must show.
struct Expectation {
  enum class Kind : uint8_t {
    Trap,   // a trap of `trap` kind at pc after `steps_before` instructions
    Reach,  // no trap before pc: with a budget of `steps_before` steps the run stops at pc
    Exit,   // the run ends at the exit at pc with r0 = `r0`
  } kind = Kind::Trap;
  interp::TrapKind trap = interp::TrapKind::OutOfBounds;
  size_t pc = 0;
  uint64_t steps_before = 0;
  uint64_t r0 = 0;
};

// Runs the witness's input on the reference interpreter. Returns the run and, when it does not
// match the expectation, how it differs (empty: confirmed).
std::pair<WitnessReplay, std::string> replay(const WitnessSetup& setup, const WitnessInput& input,
                                             const Expectation& expect);

}  // namespace bpfcert::verifier::smt::detail
