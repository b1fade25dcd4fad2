// What a program links against and runs in: maps (by fd and by index), variables (LDDW src 3),
// helpers (CALL src 0, by id), kfuncs (CALL src 2, by BTF id), and the state helpers keep
// (trace output, clock, random numbers). A platform fills one of these.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "interp/maps.h"
#include "interp/memory.h"
#include "interp/trap.h"
#include "semantics/diagnostic.h"

namespace bpfcert::interp {

class Environment;

// What a helper sees: the environment, the memory of the current run (to check pointer
// arguments) and a way to stop the run.
struct HelperContext {
  HelperContext(Environment& e, const Memory& m) : env(e), memory(m) {}
  Environment& env;
  const Memory& memory;
  bool faulted = false;
  std::string fault_message;
  bool exit_requested = false;  // helper ends the program (tail call); r0 = exit_value
  uint64_t exit_value = 0;

  // Stops the run with a helper-fault trap. Returns 0 for `return ctx.fault(...)`.
  uint64_t fault(std::string message) {
    faulted = true;
    fault_message = std::move(message);
    return 0;
  }
};

using HelperFn = uint64_t (*)(HelperContext&, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5);

struct Helper {
  int32_t id = 0;
  std::string name;
  HelperFn fn = nullptr;
};

// How a helper of the outside world (world_helpers.h) uses each argument register.
enum class WorldArg : uint8_t {
  Value,   // any value, not dereferenced
  Input,   // a buffer it reads, of the size in the next register
  Output,  // a buffer it writes (zeroes), of the size in the next register
  Size,    // the size of the buffer before it
};
using WorldSignature = std::array<WorldArg, 5>;

// Values programs hold that are not host addresses (semantics/machine.h): map handles (LDDW
// src 1 / 5) and code addresses (LDDW src 4).
using semantics::kCodeAddressBase;
using semantics::kHandleMask;
using semantics::kMapHandleBase;

class Environment {
 public:
  Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  // Adds a map; `fd` makes it reachable by LDDW src 1/2 (by index it always is, src 5/6).
  semantics::Result<size_t> add_map(const MapDef& def, std::optional<int32_t> fd = std::nullopt);
  size_t map_count() const { return maps_.size(); }
  Map& map_at(size_t index) { return *maps_[index]; }
  const Map& map_at(size_t index) const { return *maps_[index]; }
  std::optional<size_t> map_index_by_fd(int32_t fd) const;
  std::optional<int32_t> map_fd(size_t index) const;
  uint64_t map_handle(size_t index) const { return semantics::map_handle(index); }
  Map* map_from_handle(uint64_t handle);

  // Variables addressed by id (LDDW src 3): zero-initialised bytes.
  void add_variable(int32_t id, std::string name, size_t size);
  std::optional<uint64_t> variable_address(int32_t id) const;
  std::optional<uint64_t> variable_size(int32_t id) const;

  void add_helper(Helper h) { helpers_[h.id] = std::move(h); }
  void add_kfunc(Helper k) { kfuncs_[k.id] = std::move(k); }
  const Helper* helper(int32_t id) const;
  const Helper* kfunc(int32_t id) const;
  const std::map<int32_t, Helper>& helpers() const { return helpers_; }
  const std::map<int32_t, Helper>& kfuncs() const { return kfuncs_; }

  // Map values and variables as memory regions, for a run's Memory.
  void add_regions(Memory& memory);
  // How many regions add_regions() adds.
  size_t region_count() const { return maps_.size() + variables_.size(); }
  // The bounds of the first region add_regions() adds (none: size 0), without building the
  // list: the JIT's per-run setup needs only that one and builds the rest when it must.
  struct RegionBounds {
    uint64_t start = 0, size = 0, stride = 0;
    bool writable = true;
  };
  RegionBounds first_region() const;

  // State that helpers keep; deterministic so runs are reproducible across engines.
  std::string trace_output;
  uint64_t clock_ns = 1'000'000'000;
  uint64_t prandom_state = 0x2545f4914f6cdd1dull;
  // Helpers added by add_world_helper, by id: how each uses its arguments.
  std::map<int32_t, WorldSignature> world_signatures;

 private:
  std::vector<std::unique_ptr<Map>> maps_;
  std::map<int32_t, size_t> fd_to_index_;
  struct Variable {
    std::string name;
    std::vector<uint8_t> bytes;
  };
  std::map<int32_t, Variable> variables_;
  std::map<int32_t, Helper> helpers_;
  std::map<int32_t, Helper> kfuncs_;
};

}  // namespace bpfcert::interp
