// The memory of one run, over host addresses: every access must fall inside one region (a stack
// frame, the input memory, the context, the packet, a map value, a variable). Which accesses a
// region allows and which trap the others raise is the machine model's (semantics/machine.h);
// this is its concrete instantiation. Addresses are host addresses, so the interpreter, the JIT
// and helpers see the same pointers.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "semantics/machine.h"

namespace bpfcert::interp {

using semantics::Access;
using semantics::kMaxCallFrames;
using semantics::kStackBytes;
using semantics::kStackFrameBytes;
using semantics::TrapKind;

enum class RegionKind : uint8_t { Stack, Input, Context, Packet, MapValue, Variable };

const char* to_string(RegionKind k);

struct Region {
  uint64_t start = 0;
  uint64_t size = 0;
  // Regions made of equal elements (map values): an access must stay inside one element of
  // elem_size bytes; elements start every `stride` bytes. stride 0: one contiguous region.
  uint64_t stride = 0;
  uint64_t elem_size = 0;
  RegionKind kind = RegionKind::Input;
  bool writable = true;
  std::string name;
  // A ring buffer's record area: only the records reserved and not yet released (start address
  // -> size, owned by the map) may be accessed, so a use after bpf_ringbuf_submit traps.
  const std::map<uint64_t, uint64_t>* live = nullptr;

  semantics::Bounds<uint64_t> bounds() const { return {start, size, stride, elem_size}; }
  bool contains(uint64_t addr, uint64_t len) const { return semantics::contains(bounds(), addr, len); }
};

// The regions a run may touch. The stack is special: only frames of active calls are valid.
class Memory {
 public:
  void add(Region r) { regions_.push_back(std::move(r)); }
  void reserve(size_t regions) { regions_.reserve(regions); }
  void clear() { regions_.clear(); }
  const std::vector<Region>& regions() const { return regions_; }

  // The stack: kStackBytes below `top`, frame 0 active.
  void set_stack(uint64_t base, uint64_t top) {
    stack_base_ = base;
    stack_top_ = top;
    set_active_frames(1);
  }
  // Called on local calls and returns: frames below the active one are not addressable.
  void set_active_frames(int frames) {
    stack_ = semantics::active_stack(stack_top_, static_cast<uint64_t>(frames) - 1);
  }
  uint64_t stack_top() const { return stack_top_; }

  // The region containing [addr, addr + len), or nullptr (the stack is not one of them).
  const Region* find(uint64_t addr, uint64_t len) const;
  bool in_stack(uint64_t addr, uint64_t len) const { return semantics::contains(stack_, addr, len); }

  // The trap an access raises, or none: the machine model's rule over this run's regions. The
  // stack, tried first, takes writes; elsewhere the first region holding the access decides.
  std::optional<TrapKind> access_trap(Access a, uint64_t addr, uint64_t len) const {
    if (in_stack(addr, len)) return semantics::access_trap(a, true, true);
    const Region* r = find(addr, len);
    return semantics::access_trap(a, r != nullptr, r != nullptr && r->writable);
  }
  bool readable(uint64_t addr, uint64_t len) const { return !access_trap(Access::Read, addr, len); }
  bool writable(uint64_t addr, uint64_t len) const { return !access_trap(Access::Write, addr, len); }

  // The trap of an access that fails, with its message (nullopt: the access is allowed).
  struct Fault {
    TrapKind kind;
    std::string message;
  };
  std::optional<Fault> check(Access a, uint64_t addr, uint64_t len) const;

  // For messages: which region an address is near, if any.
  std::string describe(uint64_t addr) const;

 private:
  std::vector<Region> regions_;
  uint64_t stack_base_ = 0, stack_top_ = 0;
  semantics::Bounds<uint64_t> stack_{0, 0};  // the active frames
};

}  // namespace bpfcert::interp
