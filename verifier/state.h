// The analyzer's abstract state: registers holding scalars or pointers (a region and an
// offset that is itself a Scalar), the stack tracked per byte with precise 8-byte spills,
// packet ranges proven by comparisons with packet end, and the loop-counter relations that
// prove termination. Join, widening and inclusion are defined here; transfer functions live
// in transfer.cpp and the files analyzer_impl.h lists.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "semantics/machine.h"
#include "verifier/analyzer.h"

namespace bpfcert::verifier {

// Bytes of one stack frame, the machine's (semantics::kStackBytes is every frame of a run);
// Platform::stack_size may be smaller.
inline constexpr int kFrameBytes = static_cast<int>(semantics::kStackFrameBytes);
inline constexpr int kStackSlots = kFrameBytes / 8;
// Pointer id meaning "not known to share anything": joins of different ids give it.
inline constexpr uint32_t kOpaqueId = 0xffffffffu;
// Ids of entry pointers that may be null (memory of size 0): never re-created.
inline constexpr uint32_t kEntryIdBase = 0x7fff0000u;
// Id of a pointer to a ring buffer record the program released (bpf_ringbuf_submit, _discard):
// every copy gets it, so a later use is a finding (ref.released). Such a pointer joins only
// with itself (anything else gives Unknown), so no join can turn it back into a usable one.
inline constexpr uint32_t kReleasedId = 0x7ffeffffu;

Scalar scalar_top();
Scalar scalar_const(uint64_t v);
Scalar scalar_range(uint64_t lo, uint64_t hi);  // unsigned [lo, hi]
bool is_const(const Scalar& s);
bool scalar_eq(const Scalar& a, const Scalar& b);
bool scalar_leq(const Scalar& a, const Scalar& b);
int64_t smin(const Scalar& s);
int64_t smax(const Scalar& s);

struct Value {
  enum class Type : uint8_t { Uninit, Number, Pointer, Unknown };
  Type type = Type::Uninit;
  PointerKind region = PointerKind::Memory;
  bool nullable = false;
  // Stack: frame depth (0 = main); MapValue / MapHandle: map index; Variable: variable id;
  // Memory: 0 for the platform memory, else an object id (helper-allocated memory);
  // Code: target pc.
  int64_t object = 0;
  uint64_t size = 0;  // Memory objects from helpers: their size
  // Nullable pointers and map values: id shared by copies of one lookup's result (0: a fixed
  // object, e.g. LDDW src 2; kOpaqueId: unknown). Packet pointers: id of the variable part of
  // the offset (0: offset relative to the packet start; kOpaqueId: unrelated to any range).
  // Scalars: id shared by copies of one value (0: none), each holding that value + delta
  // (mod 2^64), so a branch on one copy refines all of them (a register and its spill, a
  // register and a copy it was added a constant to).
  uint32_t id = 0;
  int64_t delta = 0;  // packet pointers: constant added since the variable part (id); linked scalars: offset
  Scalar num{};       // scalar value, or pointer offset

  static Value uninit() { return {}; }
  static Value unknown() {
    Value v;
    v.type = Type::Unknown;
    return v;
  }
  static Value scalar(const Scalar& s) {
    Value v;
    v.type = Type::Number;
    v.num = s;
    return v;
  }
  static Value pointer(PointerKind k, int64_t object, const Scalar& offset) {
    Value v;
    v.type = Type::Pointer;
    v.region = k;
    v.object = object;
    v.num = offset;
    return v;
  }
  bool is_scalar() const { return type == Type::Number; }
  bool is_pointer() const { return type == Type::Pointer; }
  bool is_init() const { return type != Type::Uninit; }
  bool same_object(const Value& o) const {
    return type == Type::Pointer && o.type == Type::Pointer && region == o.region && object == o.object &&
           size == o.size;
  }
};

// Widening with thresholds: a bound that moves jumps to the nearest threshold beyond it
// (program constants, region sizes) before going to the limit. Finite, so still a widening.
struct Thresholds {
  std::vector<uint64_t> u;  // ascending
  std::vector<int64_t> s;   // ascending
};

// A map handle or map value pointer may name one of several maps (`map = v6 ? &ct6 : &ct4;`
// then bpf_map_lookup_elem(map, key)): `size` then holds the set as a bit mask (map i: bit i,
// for the first 64 maps) and `object` its lowest member; size 0 means the one map `object`.
inline bool names_maps(const Value& v) {
  return v.is_pointer() && (v.region == PointerKind::MapHandle || v.region == PointerKind::MapValue);
}
// The maps v may name, as a bit mask; 0 when it names a map past the first 64 (no set).
inline uint64_t map_set(const Value& v) {
  if (v.size != 0) return v.size;
  return v.object >= 0 && v.object < 64 ? uint64_t{1} << v.object : 0;
}
// The indexes in a map set, ascending.
std::vector<size_t> map_indexes(const Value& v);

bool value_eq(const Value& a, const Value& b);
bool value_leq(const Value& a, const Value& b);
Value value_join(const Value& a, const Value& b);
Value value_widen(const Value& older, const Value& newer, const Thresholds* t = nullptr);
Scalar scalar_widen_thresholds(const Scalar& older, const Scalar& newer, const Thresholds* t);

// Uninit: never written. Misc: an initialised byte of some scalar. Const: a known byte.
// Spill: one of the 8 bytes of an aligned 8-byte spill (any value, pointers included).
// Spill32: one of the 4 bytes of an aligned 4-byte spill of a scalar (as clang spills w regs).
enum class ByteKind : uint8_t { Uninit, Misc, Const, Spill, Spill32 };

struct StackFrame {
  std::array<ByteKind, kFrameBytes> kind{};
  std::array<uint8_t, kFrameBytes> byte{};        // Const bytes' values
  std::array<Value, kStackSlots> spill{};         // slots whose 8 bytes are Spill
  std::array<Scalar, kFrameBytes / 4> spill32{};  // 4-byte halves whose bytes are Spill32 (zero-extended)
};

using FramePtr = std::shared_ptr<const StackFrame>;

// Replaces a slot's spill by plain bytes: a spilled scalar becomes its bytes (Const when
// known), anything else is not byte-addressable and becomes Uninit (unreadable).
void unspill(StackFrame& f, int slot);
// Replaces the 4-byte spill of half `half` (0..127) by plain bytes.
void unspill32(StackFrame& f, int half);

// What a test `cell != K` on this path says about a loop's counter c, until the next back edge.
enum class Exclusion : uint8_t {
  None,
  Exact64,    // c != excl (modulo 2^64)
  Exact32,    // c != excl (modulo 2^32)
  Bounded64,  // c != E for one value E fixed for this entry into the loop, E <= excl (64-bit test)
  Bounded32,  // the same, from a 32-bit test
};
inline bool is_exact(Exclusion e) { return e == Exclusion::Exact64 || e == Exclusion::Exact32; }
inline bool is_bounded(Exclusion e) { return e == Exclusion::Bounded64 || e == Exclusion::Bounded32; }

// For loop `header` (a block) with iteration counter c (0 on entry, +1 per back edge):
// d = cell - k * c modulo 2^64 (and, when !wide, only modulo 2^32), where cell is a register
// (0-10) or a stack slot (16 + frame * 64 + slot). See loops.cpp, "Termination".
// A relation may also carry an exclusion learnt from `if (cell != K)`, a fact about c that
// holds until the next back edge (see Exclusion).
// `invariant`: the concrete d here equals its value at the loop's entry plus `net` (the
// constant shifts of the cell since the header), so one iteration that shifts the cell by
// exactly k leaves d unchanged.
struct Relation {
  uint32_t header = 0;  // loop index (Cfg::loops)
  uint32_t cell = 0;
  int64_t k = 0;
  bool wide = true;
  bool invariant = false;
  uint64_t net = 0;
  Exclusion exclusion = Exclusion::None;
  uint64_t excl = 0;
  Scalar d{};
};

struct PacketRange {
  uint32_t id = 0;
  int64_t range = 0;  // base(id) + range <= packet length
};

struct State {
  bool bottom = true;
  std::array<Value, 11> regs{};
  std::vector<FramePtr> frames;  // [0] main; back() is the current frame
  std::vector<PacketRange> packet;  // sorted by id
  std::vector<Relation> relations;  // sorted by (header, cell, k)
  // References the program may hold on some path into this point and must release before it
  // exits, sorted: each is the memory object (its acquiring call's pc + 1) of a ring buffer
  // record. Join is union, so a path that may still hold one is never forgotten. A non-null,
  // unreleased pointer to a record implies its reference is held on that path (copies share
  // it; the null branch of the reserve's check drops it; a release marks every copy released).
  std::vector<uint32_t> refs;

  int depth() const { return static_cast<int>(frames.size()) - 1; }
  StackFrame& frame_mut(size_t f);  // copy on write
};

bool state_leq(const State& a, const State& b);
State state_join(const State& a, const State& b);
State state_widen(const State& older, const State& newer, const Thresholds* t = nullptr);

std::string describe(const Value& v, const VerifierInput* input = nullptr);
ValueView view(const Value& v, const VerifierInput* input = nullptr);
std::vector<StackByteRange> describe_stack(const State& s, const VerifierInput* input = nullptr);

}  // namespace bpfcert::verifier
