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

namespace {

bool inside_live_record(const std::map<uint64_t, uint64_t>& live, uint64_t addr, uint64_t len) {
  auto it = live.upper_bound(addr);
  if (it == live.begin()) return false;
  --it;
  return addr - it->first <= it->second && len <= it->second - (addr - it->first);
}

}  // namespace

const Region* Memory::find(uint64_t addr, uint64_t len) const {
  for (const Region& r : regions_) {
    if (r.contains(addr, len) && (r.live == nullptr || inside_live_record(*r.live, addr, len))) return &r;
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
  // The region the address is in, else the nearest one within a page: a read one byte past the
  // packet must name the packet, not a region laid out before it.
  const Region* nearest = nullptr;
  uint64_t best = 4096 + 1;
  for (const Region& r : regions_) {
    if (addr >= r.start && addr < r.start + r.size) {
      return fmt::format("{} '{}' + {} (size {})", to_string(r.kind), r.name, addr - r.start, r.size);
    }
    const uint64_t distance = addr >= r.start + r.size ? addr - (r.start + r.size) + 1 : r.start - addr;
    if (distance < best) {
      best = distance;
      nearest = &r;
    }
  }
  if (nearest != nullptr) {
    const Region& r = *nearest;
    const char* unit = best == 1 ? "byte" : "bytes";
    return addr >= r.start + r.size
               ? fmt::format("{} {} past the end of {} '{}' (size {})", best, unit, to_string(r.kind), r.name, r.size)
               : fmt::format("{} {} before {} '{}'", best, unit, to_string(r.kind), r.name);
  }
  return "no region";
}

}  // namespace bpfcert::interp
