#include "verifier/state.h"

#include <bit>

#include "verifier/domain/tighten.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace bpfcert::verifier {

namespace d = domain;

// ---- scalars -------------------------------------------------------------------------------

Scalar scalar_top() { return d::scalar_top<uint64_t>(0); }
Scalar scalar_const(uint64_t v) { return d::scalar_const<uint64_t>(v); }
Scalar scalar_range(uint64_t lo, uint64_t hi) {
  Scalar s = scalar_top();
  s.umin = lo;
  s.umax = hi;
  return d::scalar_sync(s);
}
bool is_const(const Scalar& s) { return s.t.mask == 0; }
bool scalar_eq(const Scalar& a, const Scalar& b) {
  return a.t.value == b.t.value && a.t.mask == b.t.mask && a.umin == b.umin && a.umax == b.umax &&
         a.smin == b.smin && a.smax == b.smax && a.u32min == b.u32min && a.u32max == b.u32max &&
         a.s32min == b.s32min && a.s32max == b.s32max;
}
bool scalar_leq(const Scalar& a, const Scalar& b) { return d::scalar_leq<uint64_t>(a, b); }
int64_t smin(const Scalar& s) { return static_cast<int64_t>(s.smin); }
int64_t smax(const Scalar& s) { return static_cast<int64_t>(s.smax); }

// ---- values ---------------------------------------------------------------------------------

Scalar scalar_widen_thresholds(const Scalar& a, const Scalar& b, const Thresholds* t) {
  Scalar w = d::scalar_widen<uint64_t>(a, b);
  if (t == nullptr) return w;
  if (b.umax > a.umax) {
    auto it = std::lower_bound(t->u.begin(), t->u.end(), b.umax);
    if (it != t->u.end()) w.umax = *it;
  }
  if (b.umin < a.umin) {
    auto it = std::upper_bound(t->u.begin(), t->u.end(), b.umin);
    if (it != t->u.begin()) w.umin = *std::prev(it);
  }
  const auto as = static_cast<int64_t>(a.smax), bs = static_cast<int64_t>(b.smax);
  if (bs > as) {
    auto it = std::lower_bound(t->s.begin(), t->s.end(), bs);
    if (it != t->s.end()) w.smax = static_cast<uint64_t>(*it);
  }
  const auto ai = static_cast<int64_t>(a.smin), bi = static_cast<int64_t>(b.smin);
  if (bi < ai) {
    auto it = std::upper_bound(t->s.begin(), t->s.end(), bi);
    if (it != t->s.begin()) w.smin = static_cast<uint64_t>(*std::prev(it));
  }
  // Endpoints onto tnum members (x -= 8 from 512 stays a multiple of 8, so >= 1 means >= 8).
  const d::Tightened<uint64_t> tt = d::scalar_tighten<uint64_t>(w);
  if (tt.nonempty) w = tt.s;
  return w;
}

namespace {

bool is_zero(const Value& v) { return v.is_scalar() && is_const(v.num) && v.num.t.value == 0; }
bool released(const Value& v) { return v.is_pointer() && v.id == kReleasedId; }

bool pointer_meta_eq(const Value& a, const Value& b) {
  return a.nullable == b.nullable && a.id == b.id && a.delta == b.delta;
}

// Join of pointers to one object; `widen` picks the offset operator.
Value pointer_join(const Value& a, const Value& b, bool widen, const Thresholds* t) {
  Value r = a;
  r.num = widen ? scalar_widen_thresholds(a.num, b.num, t) : d::scalar_join<uint64_t>(a.num, b.num);
  r.nullable = a.nullable || b.nullable;
  if (a.region == PointerKind::Packet) {
    // Same variable part and same constant: keep; both constant-offset (id 0): keep id 0 (the
    // offset range is the whole story); otherwise the relation to proven ranges is lost.
    if (a.id == b.id && (a.id == 0 || a.delta == b.delta)) {
      r.id = a.id;
    } else {
      r.id = kOpaqueId;
      r.delta = 0;
    }
  } else {
    r.id = a.id == b.id ? a.id : kOpaqueId;
  }
  return r;
}

// Pointers to maps of a set (map handles, or values of maps looked up through a set): one
// value naming the union of the sets, when both fit the 64-map mask.
bool map_sets_join(const Value& a, const Value& b) {
  return names_maps(a) && names_maps(b) && a.region == b.region && map_set(a) != 0 && map_set(b) != 0;
}

Value join_impl(const Value& a, const Value& b, bool widen, const Thresholds* t = nullptr) {
  using T = Value::Type;
  if (value_eq(a, b)) return a;
  if (a.type == T::Uninit || b.type == T::Uninit) return Value::uninit();
  if (released(a) || released(b)) return Value::unknown();
  if (a.type == T::Number && b.type == T::Number) {
    Value r = Value::scalar(widen ? scalar_widen_thresholds(a.num, b.num, t) : d::scalar_join<uint64_t>(a.num, b.num));
    const bool linked = a.id == b.id && a.delta == b.delta;
    r.id = linked ? a.id : 0;
    r.delta = linked ? a.delta : 0;
    return r;
  }
  if (a.same_object(b)) return pointer_join(a, b, widen, t);
  if (map_sets_join(a, b)) {
    Value as = a, bs = b;
    const uint64_t set = map_set(a) | map_set(b);
    as.size = bs.size = set;
    as.object = bs.object = std::countr_zero(set);
    return pointer_join(as, bs, widen, t);
  }
  // A nullable pointer and NULL: still the nullable pointer.
  if (a.is_pointer() && is_zero(b) && a.region != PointerKind::Packet && a.region != PointerKind::PacketEnd) {
    Value r = a;
    r.nullable = true;
    r.id = kOpaqueId;
    return r;
  }
  if (b.is_pointer() && is_zero(a)) return join_impl(b, a, widen, t);
  return Value::unknown();
}

}  // namespace

bool value_eq(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Value::Type::Uninit:
    case Value::Type::Unknown: return true;
    case Value::Type::Number: return a.id == b.id && a.delta == b.delta && scalar_eq(a.num, b.num);
    case Value::Type::Pointer: return a.same_object(b) && pointer_meta_eq(a, b) && scalar_eq(a.num, b.num);
  }
  return false;
}

bool value_leq(const Value& a, const Value& b) {
  using T = Value::Type;
  if (b.type == T::Uninit) return true;
  if (a.type == T::Uninit) return false;
  if (b.type == T::Unknown) return true;
  if (a.type == T::Unknown) return false;
  if (a.is_scalar() && b.is_scalar()) {
    return (b.id == 0 || (a.id == b.id && a.delta == b.delta)) && scalar_leq(a.num, b.num);
  }
  if (a.is_scalar() && b.is_pointer()) return is_zero(a) && b.nullable;
  if (released(a) != released(b)) return false;
  const bool subset = map_sets_join(a, b) && (map_set(a) & ~map_set(b)) == 0;
  if (!a.same_object(b) && !subset) return false;
  if (a.nullable && !b.nullable) return false;
  if (a.region == PointerKind::Packet) {
    if (b.id != kOpaqueId && !(a.id == b.id && (a.id == 0 || a.delta == b.delta))) return false;
  } else if (b.id != kOpaqueId && a.id != b.id) {
    return false;
  }
  return scalar_leq(a.num, b.num);
}

Value value_join(const Value& a, const Value& b) { return join_impl(a, b, false); }

std::vector<size_t> map_indexes(const Value& v) {
  if (v.size == 0) return {static_cast<size_t>(v.object)};
  std::vector<size_t> out;
  for (uint64_t m = v.size; m != 0; m &= m - 1) out.push_back(static_cast<size_t>(std::countr_zero(m)));
  return out;
}
Value value_widen(const Value& older, const Value& newer, const Thresholds* t) { return join_impl(older, newer, true, t); }

// ---- stack ----------------------------------------------------------------------------------

// A slot whose spill is replaced by plain bytes: a spilled scalar becomes its bytes (Const
// when known), anything else is not byte-addressable and becomes Uninit (unreadable).
void unspill(StackFrame& f, int slot) {
  const Value& v = f.spill[static_cast<size_t>(slot)];
  const bool scalar = v.is_scalar();
  const bool known = scalar && is_const(v.num);
  for (int i = 0; i < 8; ++i) {
    const size_t b = static_cast<size_t>(slot * 8 + i);
    f.kind[b] = known ? ByteKind::Const : scalar ? ByteKind::Misc : ByteKind::Uninit;
    f.byte[b] = known ? static_cast<uint8_t>(v.num.t.value >> (8 * i)) : 0;
  }
  f.spill[static_cast<size_t>(slot)] = Value::uninit();
}

void unspill32(StackFrame& f, int half) {
  const Scalar& v = f.spill32[static_cast<size_t>(half)];
  const bool known = is_const(v);
  for (int i = 0; i < 4; ++i) {
    const size_t b = static_cast<size_t>(half * 4 + i);
    f.kind[b] = known ? ByteKind::Const : ByteKind::Misc;
    f.byte[b] = known ? static_cast<uint8_t>(v.t.value >> (8 * i)) : 0;
  }
}

StackFrame& State::frame_mut(size_t f) {
  if (frames[f].use_count() != 1) frames[f] = std::make_shared<StackFrame>(*frames[f]);
  return const_cast<StackFrame&>(*frames[f]);
}

namespace {

bool slot_is_spill(const StackFrame& f, int slot) { return f.kind[static_cast<size_t>(slot * 8)] == ByteKind::Spill; }

bool slot_all_init(const StackFrame& f, int slot) {
  for (int i = 0; i < 8; ++i) {
    if (f.kind[static_cast<size_t>(slot * 8 + i)] == ByteKind::Uninit) return false;
  }
  return true;
}

FramePtr frame_join(const FramePtr& pa, const FramePtr& pb, bool widen, const Thresholds* t) {
  if (pa == pb) return pa;
  const StackFrame& a = *pa;
  const StackFrame& b = *pb;
  auto out = std::make_shared<StackFrame>();
  for (int slot = 0; slot < kStackSlots; ++slot) {
    const bool sa = slot_is_spill(a, slot), sb = slot_is_spill(b, slot);
    if (sa && sb) {
      const Value v = join_impl(a.spill[static_cast<size_t>(slot)], b.spill[static_cast<size_t>(slot)], widen, t);
      for (int i = 0; i < 8; ++i) out->kind[static_cast<size_t>(slot * 8 + i)] = ByteKind::Spill;
      out->spill[static_cast<size_t>(slot)] = v;
      continue;
    }
    if (sa || sb) {
      const StackFrame& spilled = sa ? a : b;
      const StackFrame& other = sa ? b : a;
      const Value& v = spilled.spill[static_cast<size_t>(slot)];
      if (!v.is_scalar()) {
        // A pointer on one side, bytes on the other: a whole initialised slot is of unknown
        // type; otherwise unreadable.
        const bool init = slot_all_init(other, slot);
        for (int i = 0; i < 8; ++i) {
          out->kind[static_cast<size_t>(slot * 8 + i)] = init ? ByteKind::Spill : ByteKind::Uninit;
        }
        out->spill[static_cast<size_t>(slot)] = init ? Value::unknown() : Value::uninit();
        continue;
      }
      // The spilled scalar's bytes against the other side's bytes (4-byte spills count as
      // initialised scalar bytes).
      const bool known = is_const(v.num);
      for (int i = 0; i < 8; ++i) {
        const size_t x = static_cast<size_t>(slot * 8 + i);
        const ByteKind ko = other.kind[x];
        const auto vb = static_cast<uint8_t>(v.num.t.value >> (8 * i));
        if (ko == ByteKind::Uninit) {
          out->kind[x] = ByteKind::Uninit;
        } else if (known && ko == ByteKind::Const && other.byte[x] == vb) {
          out->kind[x] = ByteKind::Const;
          out->byte[x] = vb;
        } else {
          out->kind[x] = ByteKind::Misc;
        }
      }
      continue;
    }
    for (int h = slot * 2; h < slot * 2 + 2; ++h) {
      const auto x0 = static_cast<size_t>(h * 4);
      if (a.kind[x0] == ByteKind::Spill32 && b.kind[x0] == ByteKind::Spill32) {
        for (size_t x = x0; x < x0 + 4; ++x) out->kind[x] = ByteKind::Spill32;
        const Scalar& va = a.spill32[static_cast<size_t>(h)];
        const Scalar& vb = b.spill32[static_cast<size_t>(h)];
        out->spill32[static_cast<size_t>(h)] = widen ? scalar_widen_thresholds(va, vb, t) : d::scalar_join<uint64_t>(va, vb);
      }
    }
    for (int i = 0; i < 8; ++i) {
      const size_t x = static_cast<size_t>(slot * 8 + i);
      if (out->kind[x] == ByteKind::Spill32) continue;
      const ByteKind ka = a.kind[x], kb = b.kind[x];
      if (ka == ByteKind::Uninit || kb == ByteKind::Uninit) {
        out->kind[x] = ByteKind::Uninit;
      } else if (ka == ByteKind::Const && kb == ByteKind::Const && a.byte[x] == b.byte[x]) {
        out->kind[x] = ByteKind::Const;
        out->byte[x] = a.byte[x];
      } else {
        out->kind[x] = ByteKind::Misc;
      }
    }
  }
  return out;
}

bool frame_leq(const FramePtr& pa, const FramePtr& pb) {
  if (pa == pb) return true;
  const StackFrame& a = *pa;
  const StackFrame& b = *pb;
  for (int slot = 0; slot < kStackSlots; ++slot) {
    const bool sa = slot_is_spill(a, slot), sb = slot_is_spill(b, slot);
    if (sb) {
      if (!sa) {
        const Value& v = b.spill[static_cast<size_t>(slot)];
        if (v.type == Value::Type::Unknown && slot_all_init(a, slot)) continue;
        return false;
      }
      if (!value_leq(a.spill[static_cast<size_t>(slot)], b.spill[static_cast<size_t>(slot)])) return false;
      continue;
    }
    for (int h = slot * 2; h < slot * 2 + 2; ++h) {
      const auto x0 = static_cast<size_t>(h * 4);
      if (b.kind[x0] != ByteKind::Spill32) continue;
      if (a.kind[x0] != ByteKind::Spill32 ||
          !scalar_leq(a.spill32[static_cast<size_t>(h)], b.spill32[static_cast<size_t>(h)])) {
        return false;
      }
    }
    for (int i = 0; i < 8; ++i) {
      const size_t x = static_cast<size_t>(slot * 8 + i);
      const ByteKind kb = b.kind[x];
      if (kb == ByteKind::Uninit || kb == ByteKind::Spill32) continue;
      if (sa) {
        // b has plain bytes here: a's spill fits when it is a scalar matching them.
        const Value& v = a.spill[static_cast<size_t>(slot)];
        if (!v.is_scalar()) return false;
        if (kb == ByteKind::Const &&
            (!is_const(v.num) || static_cast<uint8_t>(v.num.t.value >> (8 * i)) != b.byte[x])) {
          return false;
        }
        continue;
      }
      const ByteKind ka = a.kind[x];
      if (ka == ByteKind::Uninit) return false;
      if (kb == ByteKind::Const && (ka != ByteKind::Const || a.byte[x] != b.byte[x])) return false;
    }
  }
  return true;
}

template <class T, class Key>
std::vector<T> intersect_sorted(const std::vector<T>& a, const std::vector<T>& b, Key key,
                                T (*merge)(const T&, const T&, bool), bool widen) {
  std::vector<T> out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const auto ka = key(a[i]), kb = key(b[j]);
    if (ka < kb) {
      ++i;
    } else if (kb < ka) {
      ++j;
    } else {
      out.push_back(merge(a[i], b[j], widen));
      ++i;
      ++j;
    }
  }
  return out;
}

auto relation_key(const Relation& r) { return std::tuple(r.header, r.cell, r.k); }
Relation relation_merge(const Relation& a, const Relation& b, bool widen) {
  Relation r = a;
  r.wide = a.wide && b.wide;
  r.invariant = a.invariant && b.invariant && a.net == b.net;
  if (!r.invariant) r.net = 0;
  if (a.exclusion != b.exclusion || (!is_bounded(a.exclusion) && a.excl != b.excl) || !r.invariant) {
    // Exact exclusions must agree; bounded ones name the same E on both paths when d is
    // invariant with the same net, so the larger bound holds for both.
    if (a.exclusion != b.exclusion || !is_bounded(a.exclusion) || !r.invariant) {
      r.exclusion = Exclusion::None;
      r.excl = 0;
    }
  }
  if (is_bounded(r.exclusion)) r.excl = std::max(a.excl, b.excl);
  r.d = widen ? d::scalar_widen<uint64_t>(a.d, b.d) : d::scalar_join<uint64_t>(a.d, b.d);
  return r;
}
auto range_key(const PacketRange& r) { return r.id; }
PacketRange range_merge(const PacketRange& a, const PacketRange& b, bool) {
  return {a.id, std::min(a.range, b.range)};
}

State join_impl(const State& a, const State& b, bool widen, const Thresholds* t) {
  if (a.bottom) return b;
  if (b.bottom) return a;
  State r;
  r.bottom = false;
  for (size_t i = 0; i < r.regs.size(); ++i) r.regs[i] = join_impl(a.regs[i], b.regs[i], widen, t);
  r.frames.reserve(a.frames.size());
  const size_t nf = std::min(a.frames.size(), b.frames.size());
  for (size_t f = 0; f < nf; ++f) r.frames.push_back(frame_join(a.frames[f], b.frames[f], widen, t));
  r.packet = intersect_sorted(a.packet, b.packet, range_key, range_merge, widen);
  if (widen) {
    // A range that shrank is dropped, so ranges cannot shrink forever.
    std::erase_if(r.packet, [&](const PacketRange& x) {
      auto it = std::find_if(a.packet.begin(), a.packet.end(), [&](const PacketRange& y) { return y.id == x.id; });
      return it == a.packet.end() || it->range != x.range;
    });
  }
  r.relations = intersect_sorted(a.relations, b.relations, relation_key, relation_merge, widen);
  std::set_union(a.refs.begin(), a.refs.end(), b.refs.begin(), b.refs.end(), std::back_inserter(r.refs));
  return r;
}

}  // namespace

State state_join(const State& a, const State& b) { return join_impl(a, b, false, nullptr); }
State state_widen(const State& older, const State& newer, const Thresholds* t) { return join_impl(older, newer, true, t); }

bool state_leq(const State& a, const State& b) {
  if (a.bottom) return true;
  if (b.bottom) return false;
  for (size_t i = 0; i < a.regs.size(); ++i) {
    if (!value_leq(a.regs[i], b.regs[i])) return false;
  }
  if (a.frames.size() != b.frames.size()) return false;
  if (!std::includes(b.refs.begin(), b.refs.end(), a.refs.begin(), a.refs.end())) return false;
  for (size_t f = 0; f < a.frames.size(); ++f) {
    if (!frame_leq(a.frames[f], b.frames[f])) return false;
  }
  for (const PacketRange& rb : b.packet) {
    auto it = std::find_if(a.packet.begin(), a.packet.end(), [&](const PacketRange& x) { return x.id == rb.id; });
    if (it == a.packet.end() || it->range < rb.range) return false;
  }
  for (const Relation& rb : b.relations) {
    auto it = std::find_if(a.relations.begin(), a.relations.end(),
                           [&](const Relation& x) { return relation_key(x) == relation_key(rb); });
    if (it == a.relations.end() || (!it->wide && rb.wide) || !scalar_leq(it->d, rb.d)) return false;
    if (rb.exclusion != Exclusion::None && (it->exclusion != rb.exclusion || it->excl != rb.excl)) return false;
    if (rb.invariant && (!it->invariant || it->net != rb.net)) return false;
  }
  return true;
}

// ---- text -------------------------------------------------------------------------------------

std::string describe(const Scalar& s) {
  if (scalar_eq(s, scalar_top())) return "any";
  if (is_const(s)) {
    const auto v = static_cast<int64_t>(s.t.value);
    if (v >= -4096 && v <= 4096) return fmt::format("{}", v);
    return fmt::format("{:#x}", s.t.value);
  }
  std::string out;
  // The most telling view first: a signed range when it straddles zero, else unsigned.
  const bool signed_view = static_cast<int64_t>(s.smin) < 0 && static_cast<int64_t>(s.smax) >= 0;
  if (signed_view) {
    out = fmt::format("[{}, {}]", static_cast<int64_t>(s.smin), static_cast<int64_t>(s.smax));
  } else {
    out = fmt::format("[{}, {}]", s.umin, s.umax);
  }
  const Scalar from_ranges = [&] {
    Scalar x = scalar_top();
    x.umin = s.umin;
    x.umax = s.umax;
    x.smin = s.smin;
    x.smax = s.smax;
    x.u32min = s.u32min;
    x.u32max = s.u32max;
    x.s32min = s.s32min;
    x.s32max = s.s32max;
    return d::scalar_sync(x);
  }();
  if (from_ranges.t.mask != s.t.mask || from_ranges.t.value != s.t.value) {
    out += fmt::format(" bits({:#x}; {:#x})", s.t.value, s.t.mask);
  }
  return out;
}

namespace {

std::string region_name(const Value& v, const VerifierInput* input) {
  auto map_name = [&](int64_t i) -> std::string {
    if (input != nullptr && i >= 0 && static_cast<size_t>(i) < input->maps.size() &&
        !input->maps[static_cast<size_t>(i)].name.empty()) {
      return input->maps[static_cast<size_t>(i)].name;
    }
    return fmt::format("map{}", i);
  };
  switch (v.region) {
    case PointerKind::Context: return "ctx";
    case PointerKind::Stack: return v.object == 0 ? "stack" : fmt::format("stack(frame {})", v.object);
    case PointerKind::Packet: return "packet";
    case PointerKind::PacketEnd: return "packet_end";
    case PointerKind::PacketMeta: return "packet_meta";
    case PointerKind::MapValue:
    case PointerKind::MapHandle: {
      std::string names;
      for (size_t i : map_indexes(v)) names += (names.empty() ? "" : " | ") + map_name(static_cast<int64_t>(i));
      return fmt::format("{}({})", v.region == PointerKind::MapValue ? "map_value" : "map", names);
    }
    case PointerKind::Memory:
      return v.object == 0 ? "mem" : fmt::format("mem#{}({} bytes)", v.object, v.size);
    case PointerKind::Variable: return fmt::format("var({})", v.object);
    case PointerKind::Code: return fmt::format("code(pc {})", v.object);
    case PointerKind::Kernel:
      if (input != nullptr && input->kernel_types != nullptr) {
        return fmt::format("kernel({})", input->kernel_types->name_of(static_cast<uint32_t>(v.object)));
      }
      return fmt::format("kernel(btf {})", v.object);
  }
  return "pointer";
}

}  // namespace

std::string describe(const Value& v, const VerifierInput* input) {
  switch (v.type) {
    case Value::Type::Uninit: return "uninit";
    case Value::Type::Unknown: return "unknown (scalar or pointer)";
    case Value::Type::Number: return "scalar " + describe(v.num);
    case Value::Type::Pointer: break;
  }
  std::string out = region_name(v, input);
  if (v.nullable) out += "_or_null";
  if (v.region == PointerKind::MapHandle || v.region == PointerKind::Code || v.region == PointerKind::PacketEnd) {
    return out;
  }
  if (is_const(v.num)) {
    const auto off = static_cast<int64_t>(v.num.t.value);
    out += off < 0 ? fmt::format("{}", off) : fmt::format("+{}", off);
  } else {
    out += "+" + describe(v.num);
  }
  if (v.region == PointerKind::Packet && v.id != 0) {
    out += v.id == kOpaqueId ? " (unrelated to checked ranges)" : fmt::format(" (var#{}{:+})", v.id, v.delta);
  }
  if (v.nullable && v.id != 0 && v.id < kEntryIdBase) out += fmt::format(" (id {})", v.id);
  if (v.id == kReleasedId) out += " (released)";
  return out;
}

ValueView view(const Value& v, const VerifierInput* input) {
  ValueView out;
  out.type = static_cast<ValueView::Type>(v.type);
  out.region = v.region;
  out.object = v.object;
  out.nullable = v.nullable;
  out.value = v.num;
  out.text = describe(v, input);
  return out;
}

std::vector<StackByteRange> describe_stack(const State& s, const VerifierInput* input) {
  std::vector<StackByteRange> out;
  for (size_t f = 0; f < s.frames.size(); ++f) {
    const StackFrame& fr = *s.frames[f];
    int i = 0;
    while (i < kFrameBytes) {
      const ByteKind k = fr.kind[static_cast<size_t>(i)];
      if (k == ByteKind::Uninit) {
        ++i;
        continue;
      }
      StackByteRange r;
      r.frame = static_cast<int>(f);
      r.offset = i - kFrameBytes;
      if (k == ByteKind::Spill) {
        r.size = 8;
        r.text = "spilled " + describe(fr.spill[static_cast<size_t>(i / 8)], input);
        out.push_back(r);
        i += 8;
        continue;
      }
      if (k == ByteKind::Spill32) {
        r.size = 4;
        r.text = "spilled 32-bit scalar " + describe(fr.spill32[static_cast<size_t>(i / 4)]);
        out.push_back(r);
        i += 4;
        continue;
      }
      int j = i;
      while (j < kFrameBytes && fr.kind[static_cast<size_t>(j)] == k && (j - i) < 8 &&
             (j == i || (j % 8) != 0)) {
        ++j;
      }
      r.size = static_cast<uint32_t>(j - i);
      if (k == ByteKind::Const) {
        std::string bytes;
        for (int x = i; x < j; ++x) bytes += fmt::format("{:02x}", fr.byte[static_cast<size_t>(x)]);
        r.text = "bytes " + bytes;
      } else {
        r.text = "scalar bytes";
      }
      out.push_back(r);
      i = j;
    }
  }
  return out;
}

}  // namespace bpfcert::verifier
