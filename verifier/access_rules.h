// The checker's memory-access decisions and the pointer transfer functions they rest on, written
// once over a Word: the checker (checker.cpp, memory.cpp, branch.cpp, transfer.cpp) runs them on
// uint64_t with its numbers, and the prover (verifier/smt/check_prover.cpp) on Z3 words, where it
// proves that an access they accept cannot trap in the machine model (semantics/machine.h) for
// any concrete state the abstract one describes.
//
// Offsets are signed 64-bit numbers and the checker reasons about them as integers (it used
// __int128). Here every comparison is made exact by bounding its operands first: an access's
// offset is a 32-bit number (assertions.h), its size and a region's bounds at most kMaxSpan in
// magnitude, so `bound - offset - size` never wraps at 64 bits and `smin + offset >= lo` can be
// asked as `smin >= lo - offset`. No region is that large, so the guards change no decision on a
// real program, and Z3 needs no wider words to prove the statements at 64 bits.
#pragma once

#include <cstdint>
#include <optional>

#include "semantics/operations.h"
#include "semantics/word.h"
#include "verifier/assertions.h"
#include "verifier/domain/scalar.h"

namespace bpfcert::verifier::access_rules {

using semantics::BoolOf;
using semantics::Word;
// The uint64_t primitives (no argument-dependent lookup for fundamental types).
using semantics::eq;
using semantics::lit;
using semantics::sle;
using semantics::ule;

// The largest region bound and access size the checks take (2^60); beyond it an access is
// refused. Any real region is smaller by many orders of magnitude.
inline constexpr uint64_t kMaxSpan = uint64_t{1} << 60;

// What a pointer points into, as far as the access checks care.
enum class Region : uint8_t { Stack, Memory, MapValue, Variable, Context, Packet, PacketMeta };
const char* to_string(Region r);  // "stack", "memory", "map_value", "variable", "context", "packet", "packet_meta"

// ---- which kinds of access a region takes (not a question of offsets) -------------------------

// Packets and their metadata take no atomic update; the context only loads and stores (its
// fields say which, context_field in memory.cpp); the other regions take every kind.
constexpr bool region_takes(AccessKind k, Region r) {
  switch (r) {
    case Region::Packet:
    case Region::PacketMeta: return k != AccessKind::Atomic;
    case Region::Context: return k == AccessKind::Read || k == AccessKind::Write;
    default: return true;
  }
}

// A write (store, atomic update, helper writing) into a region the program may not write: a
// read-only map's values, the packet of a program type that only reads it.
constexpr bool write_refused(AccessKind k, bool writable) { return is_write(k) && !writable; }

// ---- offsets ----------------------------------------------------------------------------------

// Whether x, a signed number, lies in [lo, hi].
template <Word W>
BoolOf<W> signed_within(const W& x, int64_t lo, int64_t hi) {
  return sle(lit(x, static_cast<uint64_t>(lo)), x) && sle(x, lit(x, static_cast<uint64_t>(hi)));
}

// The guards that make the comparisons below exact (see the top): off a 32-bit number, n and
// the bounds lo, hi at most kMaxSpan in magnitude.
template <Word W>
BoolOf<W> exact(const W& off, const W& n, const W& lo, const W& hi) {
  constexpr auto span = static_cast<int64_t>(kMaxSpan);
  return signed_within(off, INT32_MIN, INT32_MAX) && ule(n, lit(n, kMaxSpan)) && signed_within(lo, -span, span) &&
         signed_within(hi, -span, span);
}

// The first byte at smin + off is at or after lo (exact under exact()).
template <Word W>
BoolOf<W> starts_at_or_after(const W& smin, const W& off, const W& lo) {
  return sle(lo - off, smin);
}

// The last byte of n at smax + off is before hi: smax + off + n <= hi (exact under exact()).
template <Word W>
BoolOf<W> ends_at_or_before(const W& smax, const W& off, const W& n, const W& hi) {
  return sle(smax, hi - off - n);
}

// Every access of n bytes at p + off, p's offset anywhere in [smin, smax], lies in [lo, hi).
template <Word W>
BoolOf<W> span_fits(const W& smin, const W& smax, const W& off, const W& n, const W& lo, const W& hi) {
  return exact(off, n, lo, hi) && starts_at_or_after(smin, off, lo) && ends_at_or_before(smax, off, n, hi);
}

// The offsets a region of known size allows: [-size, 0) below a frame's top (r10 and the
// pointers derived from it), [0, size) from the start of any other region.
template <Word W>
W region_low(const W& size, bool stack) {
  return stack ? lit(size, 0) - size : lit(size, 0);
}
template <Word W>
W region_high(const W& size, bool stack) {
  return stack ? lit(size, 0) : size;
}

// The sized regions (stack frame, memory, map value, variable, and the context's bounds).
template <Word W>
BoolOf<W> sized_fits(const W& smin, const W& smax, const W& off, const W& n, const W& size, bool stack) {
  return ule(size, lit(size, kMaxSpan)) &&
         span_fits(smin, smax, off, n, region_low(size, stack), region_high(size, stack));
}

// What comparisons with packet end proved about a packet pointer's bytes (PacketRange in
// state.h): every packet holds at least `range0` bytes; and a pointer of a variable offset
// (has_id) is its variable part plus `delta`, the packet holding `range_id` bytes past that
// variable part.
template <Word W>
struct PacketFacts {
  W range0;
  bool has_id = false;
  W delta;
  W range_id;
};

// The packet's bytes an access uses all lie before the range proven for them, and none before
// the packet's start. Either range may prove the end.
template <Word W>
BoolOf<W> packet_fits(const W& smin, const W& smax, const W& off, const W& n, const PacketFacts<W>& f) {
  const W zero = lit(off, 0);
  const BoolOf<W> whole = span_fits(smin, smax, off, n, zero, f.range0);
  if (!f.has_id) return whole;
  const BoolOf<W> by_id = exact(off, n, zero, f.range_id) && starts_at_or_after(smin, off, zero) &&
                          ends_at_or_before(f.delta, off, n, f.range_id);
  return whole || by_id;
}

// Packet metadata: [0, meta_range), meta_range what comparisons of data_meta with data proved.
template <Word W>
BoolOf<W> packet_meta_fits(const W& smin, const W& smax, const W& off, const W& n, const W& meta_range) {
  return span_fits(smin, smax, off, n, lit(off, 0), meta_range);
}

// Everything an access check reads about the pointer and its region: the pointer's offset
// range [smin, smax], the access's offset and size, the region's size (the sized regions, and
// the context's bounds), the packet facts, the metadata's proven length.
template <Word W>
struct AccessFacts {
  W smin, smax, off, n;
  W size;
  PacketFacts<W> packet;
  W meta_range;
};

// Whether the checker accepts the access: the conjunction checker.cpp evaluates step by step
// (each step failing with a finding of its own). `writable`: whether the program may write the
// region (a map's values unless the map is read-only for it; the packet when its program type
// writes packets); the checker asks it of those two regions only. A pointer into a returned
// frame, of unknown size or of nullable value fails before these questions; the context's
// fields (offset constant, inside one field that allows the access) are asked of its table.
template <Word W>
BoolOf<W> access_accepted(Region r, AccessKind k, bool writable, const AccessFacts<W>& f) {
  const bool refuses_writes = (r == Region::MapValue || r == Region::Packet) && write_refused(k, writable);
  if (!region_takes(k, r) || refuses_writes) return !eq(f.n, f.n);  // false, as a BoolOf<W>
  switch (r) {
    case Region::Packet: return packet_fits(f.smin, f.smax, f.off, f.n, f.packet);
    case Region::PacketMeta: return packet_meta_fits(f.smin, f.smax, f.off, f.n, f.meta_range);
    default: return sized_fits(f.smin, f.smax, f.off, f.n, f.size, r == Region::Stack);
  }
}

// ---- pointer transfer functions ---------------------------------------------------------------

// ptr + x or ptr - x: the new offset (the pointer's base does not move). Unreduced, as the
// prover proves the reduction on its own; pointer_offset is what the analyzer runs.
template <Word W>
domain::Scalar<W> pointer_offset_unreduced(const domain::Scalar<W>& ptr, const domain::Scalar<W>& x, bool subtract) {
  return domain::scalar_alu_unreduced(subtract ? semantics::AluOp::Sub : semantics::AluOp::Add, semantics::Width::W64,
                                      ptr, x);
}
template <Word W>
domain::Scalar<W> pointer_offset(const domain::Scalar<W>& ptr, const domain::Scalar<W>& x, bool subtract) {
  return domain::scalar_sync(pointer_offset_unreduced(ptr, x, subtract));
}

// a - b for two pointers with one base: the difference of their offsets.
template <Word W>
domain::Scalar<W> pointer_distance_unreduced(const domain::Scalar<W>& a, const domain::Scalar<W>& b) {
  return domain::scalar_alu_unreduced(semantics::AluOp::Sub, semantics::Width::W64, a, b);
}
template <Word W>
domain::Scalar<W> pointer_distance(const domain::Scalar<W>& a, const domain::Scalar<W>& b) {
  return domain::scalar_sync(pointer_distance_unreduced(a, b));
}

// Offsets whose address order equals their order as signed offsets: buffers live in user space
// (above 2^40 and at least 2^40 below the top of the address space), so base + offset never
// wraps for an offset in (-kSaneOffset, kSaneOffset). Pointer comparisons refine only these.
inline constexpr int64_t kSaneOffset = int64_t{1} << 40;
template <Word W>
BoolOf<W> sane_offsets(const W& smin, const W& smax) {
  return signed_within(smin, -kSaneOffset + 1, kSaneOffset - 1) && signed_within(smax, -kSaneOffset + 1, kSaneOffset - 1);
}

// ---- comparisons that prove ranges ------------------------------------------------------------

// A 64-bit comparison `if (p op end)` (p_left) or `if (end op p)` of a packet pointer p with packet
// end: on the side where p's address is surely at most end's (or below it), the packet holds p's
// offset plus 0 (or plus 1) bytes. The same rule, with data_meta + o for p and data (+ c) for
// end, proves the metadata's length. Returns that extra, or nullopt where the side proves nothing.
constexpr std::optional<int64_t> range_proven(semantics::JmpOp op, bool p_left, bool taken) {
  using semantics::JmpOp;
  // Normalised to `if (p op end)`.
  JmpOp o = op;
  if (!p_left) {
    switch (op) {
      case JmpOp::Jgt: o = JmpOp::Jlt; break;
      case JmpOp::Jge: o = JmpOp::Jle; break;
      case JmpOp::Jlt: o = JmpOp::Jgt; break;
      case JmpOp::Jle: o = JmpOp::Jge; break;
      default: break;
    }
  }
  switch (o) {
    case JmpOp::Jgt: return taken ? std::nullopt : std::optional<int64_t>(0);  // fall: p <= end
    case JmpOp::Jge: return taken ? std::nullopt : std::optional<int64_t>(1);  // fall: p < end
    case JmpOp::Jlt: return taken ? std::optional<int64_t>(1) : std::nullopt;
    case JmpOp::Jle: return taken ? std::optional<int64_t>(0) : std::nullopt;
    case JmpOp::Jeq: return taken ? std::optional<int64_t>(0) : std::nullopt;
    case JmpOp::Jne: return taken ? std::nullopt : std::optional<int64_t>(0);
    default: return std::nullopt;
  }
}

}  // namespace bpfcert::verifier::access_rules
