// Regions as the analyzer sees them: their sizes, the packet range comparisons have proven, the
// stack's bytes (read and written), context fields and the constant bytes of frozen maps. The
// checks on them are checker.cpp's; these functions compute values and assume the checks held.
#include <fmt/format.h>

#include <algorithm>

#include "verifier/access_rules.h"
#include "verifier/analyzer_impl.h"

namespace bpfcert::verifier::detail {

ByteView byte_at(const StackFrame& f, int i) {
  const auto x = static_cast<size_t>(i);
  if (f.kind[x] == ByteKind::Spill32) {
    const Scalar& v = f.spill32[x / 4];
    if (is_const(v)) return {ByteKind::Const, static_cast<uint8_t>(v.t.value >> (8 * (x % 4))), false};
    return {ByteKind::Misc, 0, false};
  }
  if (f.kind[x] != ByteKind::Spill) return {f.kind[x], f.byte[x], false};
  const Value& v = f.spill[x / 8];
  if (!v.is_scalar()) return {ByteKind::Misc, 0, true};
  if (is_const(v.num)) return {ByteKind::Const, static_cast<uint8_t>(v.num.t.value >> (8 * (x % 8))), false};
  return {ByteKind::Misc, 0, false};
}

uint64_t Analyzer::region_size(const Value& p, bool& known) const {
  known = true;
  switch (p.region) {
    case PointerKind::Stack: return plat_.stack_size;
    case PointerKind::Memory:
      if (p.object != 0) return p.size;
      if (!in_.memory_size) known = false;
      return in_.memory_size.value_or(0);
    case PointerKind::MapValue: {
      // A value of one of a set of maps: only the smallest value is sure to exist.
      uint64_t size = UINT64_MAX;
      for (size_t i : map_indexes(p)) size = std::min<uint64_t>(size, i < in_.maps.size() ? in_.maps[i].value_size : 0);
      return size;
    }
    case PointerKind::Variable:
      for (const VariableDescriptor& v : in_.variables) {
        if (v.id == p.object) return v.size;
      }
      return 0;
    case PointerKind::Context: return type_.context.size;
    default: known = false; return 0;
  }
}

bool Analyzer::packet_in_range(const State& s, const Value& p, int64_t off, uint64_t n, std::string& why) const {
  // Every offset is relative to the packet start, so the range of id 0 (the proven packet
  // length) applies to any packet pointer; a pointer with a variable part also has the range
  // proven for that part.
  int64_t range0 = 0, range_id = 0;
  for (const PacketRange& r : s.packet) {
    if (r.id == 0) range0 = r.range;
    if (r.id == p.id) range_id = r.range;
  }
  const auto word = [](int64_t v) { return static_cast<uint64_t>(v); };
  const access_rules::PacketFacts<uint64_t> facts{word(range0), p.id != 0 && p.id != kOpaqueId, word(p.delta),
                                                  word(range_id)};
  if (access_rules::packet_fits<uint64_t>(p.num.smin, p.num.smax, word(off), n, facts)) return true;
  // Why not, for the finding.
  if (static_cast<__int128>(smin(p.num)) + off < 0) {
    why = fmt::format("the offset may be negative ({})", range_text(static_cast<__int128>(smin(p.num)) + off,
                                                                    static_cast<__int128>(smax(p.num)) + off));
    return false;
  }
  const bool by_id = facts.has_id;
  const int64_t range = by_id ? range_id : range0;
  const __int128 end = static_cast<__int128>(by_id ? p.delta : smax(p.num)) + off + static_cast<__int128>(n);
  why = !by_id ? fmt::format("bytes up to offset {} are used, but comparisons with packet end prove only {}",
                             static_cast<int64_t>(end), range)
               : fmt::format("bytes up to {} past the variable offset are used, but comparisons with packet end "
                             "prove only {}",
                             static_cast<int64_t>(end), range);
  return false;
}

// The value bytes of the frozen read-only map p points into, or null.
const std::vector<uint8_t>* Analyzer::frozen_bytes(const Value& p) const {
  if (!p.is_pointer() || p.region != PointerKind::MapValue || p.object < 0 || p.size != 0 ||
      static_cast<size_t>(p.object) >= in_.maps.size()) {
    return nullptr;
  }
  const MapDescriptor& m = in_.maps[static_cast<size_t>(p.object)];
  if (!m.read_only || m.max_entries != 1 || m.frozen_value.size() != m.value_size) return nullptr;
  return &m.frozen_value;
}

// A load of n bytes at p + off (already checked in bounds) from a frozen map: the join of the
// values at every offset p may hold (a few hundred at most), or nullopt.
std::optional<Value> Analyzer::frozen_read(const Value& p, int64_t off, unsigned n, bool sx) const {
  const std::vector<uint8_t>* bytes = frozen_bytes(p);
  if (bytes == nullptr || smin(p.num) < 0 || p.num.umax - p.num.umin > 256) return std::nullopt;
  std::optional<Value> out;
  for (uint64_t o = p.num.umin;; ++o) {
    if (dm::scalar_contains<uint64_t>(p.num, o)) {
      const uint64_t at = o + static_cast<uint64_t>(off);
      if (at > bytes->size() || bytes->size() - at < n) return std::nullopt;
      uint64_t raw = 0;
      for (unsigned i = 0; i < n; ++i) raw |= static_cast<uint64_t>((*bytes)[at + i]) << (8 * i);
      const Value v = Value::scalar(scalar_const(semantics::load_result<uint64_t>(raw, n, sx)));
      out = out ? value_join(*out, v) : v;
    }
    if (o == p.num.umax) break;
  }
  return out;
}

StackLoad stack_load(const StackFrame& fr, int start, unsigned n) {
  if (fr.kind[static_cast<size_t>(start)] == ByteKind::Spill && start % 8 == 0 &&
      (n == 8 || fr.spill[static_cast<size_t>(start / 8)].is_scalar())) {
    return {StackLoad::Kind::Spill, -1, false};
  }
  if (fr.kind[static_cast<size_t>(start)] == ByteKind::Spill32 && start % 4 == 0 && n <= 4) {
    return {StackLoad::Kind::Spill32, -1, false};
  }
  for (unsigned i = 0; i < n; ++i) {
    const ByteView b = byte_at(fr, start + static_cast<int>(i));
    if (b.pointer || b.kind == ByteKind::Uninit) return {StackLoad::Kind::Fault, start + static_cast<int>(i), b.pointer};
  }
  return {StackLoad::Kind::Bytes, -1, false};
}

// A load of n bytes at p + off from the stack (checked: in the frame). Unknown where a byte is
// not initialised or part of a spilled pointer (check_stack_read reports those).
Value Analyzer::stack_read(const State& s, const Value& p, int64_t off, unsigned n, bool sx) const {
  const StackFrame& fr = *s.frames[static_cast<size_t>(p.object)];
  const Value unknown = Value::scalar(dm::scalar_unknown_load<uint64_t>(0, n, sx));
  if (!is_const(p.num)) return unknown;
  const int start = static_cast<int>(static_cast<int64_t>(p.num.t.value) + off) + kFrameBytes;
  switch (stack_load(fr, start, n).kind) {
    case StackLoad::Kind::Spill: {
      const Value& v = fr.spill[static_cast<size_t>(start / 8)];
      return n == 8 ? v : Value::scalar(dm::scalar_load_result<uint64_t>(v.num, n, sx));
    }
    case StackLoad::Kind::Spill32:
      return Value::scalar(dm::scalar_load_result<uint64_t>(fr.spill32[static_cast<size_t>(start / 4)], n, sx));
    case StackLoad::Kind::Fault: return unknown;
    case StackLoad::Kind::Bytes: break;
  }
  uint64_t raw = 0;
  bool all_const = true;
  for (unsigned i = 0; i < n; ++i) {
    const ByteView b = byte_at(fr, start + static_cast<int>(i));
    if (b.kind != ByteKind::Const) all_const = false;
    raw |= static_cast<uint64_t>(b.value) << (8 * i);
  }
  if (all_const) return Value::scalar(scalar_const(semantics::load_result<uint64_t>(raw, n, sx)));
  return unknown;
}

// Writes v (n bytes) at p + off. `definite` bytes from the lowest possible address are
// surely written (variable offsets: 0), the rest maybe.
void Analyzer::stack_write(State& s, const Value& p, int64_t off, unsigned n, const Value& v, uint64_t definite) {
  const auto f = static_cast<size_t>(p.object);
  StackFrame& fr = s.frame_mut(f);
  // Bytes surely written exist only when the address is known: a variable-offset store writes
  // somewhere in its range, so no single byte of it is surely written.
  if (!is_const(p.num)) definite = 0;
  const bool exact = is_const(p.num) && definite >= n;
  const int lo = static_cast<int>(smin(p.num) + off) + kFrameBytes;
  const int hi = static_cast<int>(smax(p.num) + off) + static_cast<int>(n) + kFrameBytes;
  for (int slot = lo / 8; slot <= (hi - 1) / 8; ++slot) rel_drop(s, slot_cell(static_cast<int>(f), slot));
  if (exact && n == 8 && lo % 8 == 0) {
    for (int i = 0; i < 8; ++i) fr.kind[static_cast<size_t>(lo + i)] = ByteKind::Spill;
    fr.spill[static_cast<size_t>(lo / 8)] = v;
    return;
  }
  if (exact && n == 4 && lo % 4 == 0 && v.is_scalar() && !is_const(v.num)) {
    // A 4-byte spill keeps its scalar (zero-extended) for a 4-byte (or narrower) reload.
    if (fr.kind[static_cast<size_t>(lo / 8 * 8)] == ByteKind::Spill) unspill(fr, lo / 8);
    for (int i = 0; i < 4; ++i) fr.kind[static_cast<size_t>(lo + i)] = ByteKind::Spill32;
    fr.spill32[static_cast<size_t>(lo / 4)] = dm::scalar_load_result<uint64_t>(v.num, 4, false);
    return;
  }
  // Anything else is kept as plain bytes (a pointer stored in part is checker.cpp's ptr.partial).
  for (int slot = lo / 8; slot <= (hi - 1) / 8; ++slot) {
    if (fr.kind[static_cast<size_t>(slot * 8)] == ByteKind::Spill) unspill(fr, slot);
  }
  for (int half = lo / 4; half <= (hi - 1) / 4; ++half) {
    if (fr.kind[static_cast<size_t>(half * 4)] == ByteKind::Spill32) unspill32(fr, half);
  }
  const bool known = v.is_scalar() && is_const(v.num);
  for (int i = lo; i < hi; ++i) {
    auto& k = fr.kind[static_cast<size_t>(i)];
    const bool surely = static_cast<uint64_t>(i - lo) < definite;
    if (exact && known) {
      k = ByteKind::Const;
      fr.byte[static_cast<size_t>(i)] = static_cast<uint8_t>(v.num.t.value >> (8 * (i - lo)));
    } else if (surely || exact) {
      k = ByteKind::Misc;
    } else if (k == ByteKind::Const) {
      k = ByteKind::Misc;  // maybe overwritten; Uninit stays Uninit (maybe not written)
    }
  }
}

// The field holding bytes [offset, offset + n) of the context, if one does.
const ContextField* Analyzer::context_field(int64_t offset, unsigned n) const {
  for (const ContextField& f : type_.context.fields) {
    if (offset < f.offset || offset + n > static_cast<int64_t>(f.offset) + f.size) continue;
    return &f;
  }
  // An aligned 8-byte access to two words of a scratch array (__sk_buff cb[]).
  if (n == 8 && offset % 8 == 0) {
    const ContextField* lo = context_field(offset, 4);
    const ContextField* hi = context_field(offset + 4, 4);
    if (lo != nullptr && hi != nullptr && lo->scratch && hi->scratch && lo->writable == hi->writable) return lo;
  }
  return nullptr;
}

// A load of n bytes at p + off from the context (checked: a constant offset inside a readable
// field of that size): the pointer the field holds, or a scalar.
Value Analyzer::context_read(const Value& p, int64_t off, unsigned n) const {
  const ContextField* f = context_field(static_cast<int64_t>(p.num.t.value) + off, n);
  if (f != nullptr && f->holds == PointerKind::Memory) {
    Value v = Value::pointer(PointerKind::Memory, kContextMemoryObject + f->offset, scalar_const(0));
    v.size = f->holds_size;
    return v;
  }
  if (f != nullptr && f->holds == PointerKind::Kernel) {
    Value v = Value::pointer(PointerKind::Kernel, f->holds_type, scalar_const(0));
    v.nullable = f->holds_null;
    return v;
  }
  if (f != nullptr && f->holds) return Value::pointer(*f->holds, 0, scalar_const(0));
  return Value::scalar(dm::scalar_unknown_load<uint64_t>(0, n, false));
}

// A load of n bytes at p + off from a kernel object (checked: check_kernel_access): a scalar
// of the member's bytes, or the Kernel pointer a pointer-to-struct member holds.
Value Analyzer::kernel_read(const Value& p, int64_t off, unsigned n, bool sx) const {
  const KernelTypes::Load l =
      in_.kernel_types->load(static_cast<uint32_t>(p.object), static_cast<int64_t>(p.num.t.value) + off, n);
  if (l.kind == KernelTypes::Load::Kind::Pointer && !sx) return Value::pointer(PointerKind::Kernel, l.type, scalar_const(0));
  return Value::scalar(dm::scalar_unknown_load<uint64_t>(0, n, sx));
}

}  // namespace bpfcert::verifier::detail
