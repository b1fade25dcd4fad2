#include "interp/memory.h"

#include <fmt/format.h>

namespace bpfcert::interp {

const char* to_string(RegionKind k) {
  switch (k) {
    case RegionKind::Stack: return "stack";
    case RegionKind::Input: return "input memory";
    case RegionKind::Context: return "context";
    case RegionKind::Packet: return "packet";
    case RegionKind::MapValue: return "map value";
    case RegionKind::Variable: return "variable";
  }
  return "region";
}

const Region* Memory::find(uint64_t addr, uint64_t len) const {
  for (const Region& r : regions_) {
    if (r.contains(addr, len)) return &r;
  }
  return nullptr;
}

std::optional<Memory::Fault> Memory::check(Access a, uint64_t addr, uint64_t len) const {
  const std::optional<TrapKind> trap = access_trap(a, addr, len);
  if (!trap) return std::nullopt;
  return Fault{*trap, semantics::access_trap_message(a, len, addr, describe(addr))};
}

std::string Memory::describe(uint64_t addr) const {
  if (addr >= stack_base_ && addr < stack_top_ + kStackFrameBytes) {
    const int64_t below_top = static_cast<int64_t>(stack_top_) - static_cast<int64_t>(addr);
    return fmt::format("stack (r10 - {})", below_top);
  }
  for (const Region& r : regions_) {
    if (addr >= r.start && addr < r.start + r.size) {
      return fmt::format("{} '{}' + {} (size {})", to_string(r.kind), r.name, addr - r.start, r.size);
    }
    if (addr >= r.start + r.size && addr - (r.start + r.size) < 4096) {
      return fmt::format("{} bytes past the end of {} '{}' (size {})", addr - (r.start + r.size) + 1,
                         to_string(r.kind), r.name, r.size);
    }
    if (addr < r.start && r.start - addr <= 4096) {
      return fmt::format("{} bytes before {} '{}'", r.start - addr, to_string(r.kind), r.name);
    }
  }
  return "no region";
}

}  // namespace bpfcert::interp
