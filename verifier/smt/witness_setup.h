// How a program of a platform runs on the reference interpreter (its entry, context, packet,
// maps and helpers), described as data: the symbolic executor models exactly that run, and the
// replay (witness_replay.h) performs it with a witness's input. make_setup() asks the reference
// VM (interp/) once; nothing here depends on it, so the search reads the VM's facts without
// linking the VM's code.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "semantics/diagnostic.h"
#include "semantics/machine.h"
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

// A map as the reference VM holds it (VerifierInput::maps, same index).
struct VmMap {
  std::optional<int32_t> fd;
  bool array_like = true;  // elements by index: array, per-CPU array, prog array, perf event array
  bool prog_array = false;
  bool has_values = true;  // a slab of values programs address (not a ring buffer)
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;  // value slots semantics::map_value_stride(value_size) apart
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
  // The VM's environment for this program: its maps, the helpers and kfuncs it implements (by
  // id: their names), and what each LDDW loads once the program is linked (per pc).
  std::vector<VmMap> maps;
  std::map<int32_t, std::string> helpers;
  std::map<int32_t, std::string> kfuncs;
  std::vector<uint64_t> lddw_values;

  // The map whose fd is `fd`, by index.
  std::optional<size_t> map_by_fd(int32_t fd) const {
    for (size_t i = 0; i < maps.size(); ++i) {
      if (maps[i].fd == fd) return i;
    }
    return std::nullopt;
  }
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
  semantics::TrapKind trap = semantics::TrapKind::OutOfBounds;
  size_t pc = 0;
  uint64_t steps_before = 0;
  uint64_t r0 = 0;
};

}  // namespace bpfcert::verifier::smt::detail
