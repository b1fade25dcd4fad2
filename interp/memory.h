// The memory model: every access must fall inside one region (a stack frame, the input memory,
// the context, the packet, a map value, a variable). Addresses are host addresses, so the
// interpreter, the JIT and helpers see the same pointers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bpfcert::interp {

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

  bool contains(uint64_t addr, uint64_t len) const {
    if (addr < start || len > size || addr - start > size - len) return false;
    if (stride == 0) return true;
    const uint64_t in_elem = (addr - start) % stride;
    return in_elem <= elem_size && len <= elem_size - in_elem;
  }
};

inline constexpr uint64_t kStackFrameSize = 512;
inline constexpr int kMaxCallFrames = 8;  // the main program's frame included (Linux MAX_CALL_FRAMES)

// The regions a run may touch. The stack is special: only frames of active calls are valid.
class Memory {
 public:
  void add(Region r) { regions_.push_back(std::move(r)); }
  void reserve(size_t regions) { regions_.reserve(regions); }
  void clear() { regions_.clear(); }
  const std::vector<Region>& regions() const { return regions_; }

  void set_stack(uint64_t base, uint64_t top) {
    stack_base_ = base;
    stack_top_ = top;
    stack_lo_ = top - kStackFrameSize;
  }
  // Called on local calls and returns: frames below the active one are not addressable.
  void set_active_frames(int frames) { stack_lo_ = stack_top_ - kStackFrameSize * static_cast<uint64_t>(frames); }
  uint64_t stack_top() const { return stack_top_; }

  // The region containing [addr, addr + len), or nullptr.
  const Region* find(uint64_t addr, uint64_t len) const;
  bool in_stack(uint64_t addr, uint64_t len) const {
    return addr >= stack_lo_ && len <= stack_top_ - stack_lo_ && addr - stack_lo_ <= stack_top_ - stack_lo_ - len;
  }
  // Whether an access is allowed; the fast path is the stack.
  bool readable(uint64_t addr, uint64_t len) const { return in_stack(addr, len) || find(addr, len) != nullptr; }
  bool writable(uint64_t addr, uint64_t len) const {
    if (in_stack(addr, len)) return true;
    const Region* r = find(addr, len);
    return r != nullptr && r->writable;
  }
  // For messages: which region an address is near, if any.
  std::string describe(uint64_t addr) const;

 private:
  std::vector<Region> regions_;
  uint64_t stack_base_ = 0, stack_top_ = 0, stack_lo_ = 0;
};

}  // namespace bpfcert::interp
