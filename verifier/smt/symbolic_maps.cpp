// Models of the map helpers (interp/maps.cpp's array and hash maps with Linux's semantics):
// array elements by index; hash entries the path has looked up, each present or absent, those
// present at entry becoming witness inputs in the slots the VM's free list hands out.
#include "semantics/machine.h"
#include "semantics/operations.h"
#include "verifier/smt/symbolic_executor.h"

namespace bpfcert::verifier::smt::detail {


namespace {

// A key's bytes (little-endian) as one bit-vector, and as an array map's 32-bit index.
z3::expr key_word(const std::vector<z3::expr>& kb) {
  z3::expr k = kb[0];
  for (size_t i = 1; i < kb.size(); ++i) k = z3::concat(kb[i], k);
  return k;
}
z3::expr array_index(const std::vector<z3::expr>& kb) {
  return z3::zext(z3::concat(z3::concat(kb[3], kb[2]), z3::concat(kb[1], kb[0])), 32);
}

// Where a key stands in a hash map on this path, one case per choose() outcome: equal to each
// key the path looked up before (in order); present at entry (an input, while the map may still
// have one the path has not seen); absent.
std::vector<z3::expr> hash_key_cases(const HashState& h, const z3::expr& k, z3::context& ctx) {
  std::vector<z3::expr> conds;
  z3::expr fresh_key = ctx.bool_val(true);
  for (const HashKey& known : h.keys) {
    conds.push_back(k == known.key);
    fresh_key = fresh_key && k != known.key;
  }
  const bool can_be_initial = !h.frozen && !h.free_slots.empty();
  conds.push_back(can_be_initial ? fresh_key : ctx.bool_val(false));
  conds.push_back(fresh_key);
  return conds;
}

}  // namespace

SymbolicExecutor::Flow SymbolicExecutor::map_lookup(SymState& s, size_t map) {
  const MapDescriptor& d = setup_.input->maps[map];
  const VmMap& m = setup_.maps[map];
  const SymValue key = s.regs[2];
  const std::vector<z3::expr> kb = read_bytes(s, key.region, key.v, d.key_size);
  const int region = map_regions_[map];
  if (region < 0) return finish_call(s, scalar(bv(0)));  // ring buffers hold no elements
  const uint64_t stride = semantics::map_value_stride(m.value_size);
  if (m.array_like) {
    const z3::expr index = array_index(kb);
    const z3::expr in = z3::ult(index, bv(m.max_entries));
    const int c = choose(s, {in, !in});
    if (c < 0) return Flow::Forked;
    const z3::expr at = (index * bv(stride)).simplify();
    return finish_call(s, c == 0 ? SymValue{at, region, true, at, bv(d.value_size)} : scalar(bv(0)));
  }
  const z3::expr k = key_word(kb);
  HashState& h = s.hashes[map];
  const int c = choose(s, hash_key_cases(h, k, ctx_));
  if (c < 0) return Flow::Forked;
  const auto j = static_cast<size_t>(c);
  if (j < h.keys.size()) {
    const HashKey& known = h.keys[j];
    return finish_call(s, known.present ? SymValue{bv(known.slot * stride), region, true, bv(known.slot * stride),
                                                   bv(d.value_size)}
                                        : scalar(bv(0)));
  }
  if (j == h.keys.size()) {
    const uint32_t slot = h.free_slots.back();
    h.free_slots.pop_back();
    h.keys.push_back(HashKey{k, true, slot, true});
    return finish_call(s, SymValue{bv(slot * stride), region, true, bv(slot * stride), bv(d.value_size)});
  }
  h.keys.push_back(HashKey{k, false, 0, false});
  return finish_call(s, scalar(bv(0)));
}

SymbolicExecutor::Flow SymbolicExecutor::map_update(SymState& s, size_t map) {
  const MapDescriptor& d = setup_.input->maps[map];
  const VmMap& m = setup_.maps[map];
  const SymValue key = s.regs[2], value = s.regs[3], flags = s.regs[4];
  if (flags.is_ptr()) {
    abandon("map update flags that are a pointer");
    return Flow::Ended;
  }
  const int region = map_regions_[map];
  if (region < 0) return finish_call(s, scalar(bv(static_cast<uint64_t>(semantics::kEINVAL))));
  // interp/maps.cpp: flags > BPF_EXIST is -EINVAL before anything else.
  uint64_t f = 0;
  if (!numeral(flags.v, f)) {
    const int c = choose(s, {flags.v == bv(0), flags.v == bv(1), flags.v == bv(2), z3::ugt(flags.v, bv(2))});
    if (c < 0) return Flow::Forked;
    f = static_cast<uint64_t>(c);
  }
  auto ret = [&](int64_t e) { return finish_call(s, scalar(bv(static_cast<uint64_t>(e)))); };
  if (f > semantics::kUpdateExist) return ret(semantics::kEINVAL);
  const std::vector<z3::expr> kb = read_bytes(s, key.region, key.v, d.key_size);
  if (auto why = spill_conflict(s, value.region, value.v, d.value_size, false, nullptr)) {
    abandon(*why);
    return Flow::Ended;
  }
  const std::vector<z3::expr> vb = read_bytes(s, value.region, value.v, d.value_size);
  const uint64_t stride = semantics::map_value_stride(m.value_size);
  if (m.array_like) {
    if (f == semantics::kUpdateNoExist) return ret(semantics::kEEXIST);
    const z3::expr index = array_index(kb);
    const z3::expr in = z3::ult(index, bv(m.max_entries)).simplify();
    SymRegion& r = s.regions[static_cast<size_t>(region)];
    for (size_t i = 0; i < vb.size(); ++i) {
      const z3::expr at = (index * bv(stride) + bv(i)).simplify();
      r.bytes = z3::store(r.bytes, at, z3::ite(in, vb[i], z3::select(r.bytes, at)));
    }
    return finish_call(s, scalar(z3::ite(in, bv(0), bv(static_cast<uint64_t>(semantics::kE2BIG))).simplify()));
  }
  const z3::expr k = key_word(kb);
  HashState& h = s.hashes[map];
  const int c = choose(s, hash_key_cases(h, k, ctx_));
  if (c < 0) return Flow::Forked;
  const auto j = static_cast<size_t>(c);
  auto write_slot = [&](uint32_t slot) {
    SymRegion& r = s.regions[static_cast<size_t>(region)];
    for (size_t i = 0; i < vb.size(); ++i) r.bytes = z3::store(r.bytes, bv(slot * stride + i), vb[i]);
  };
  std::optional<uint32_t> present;
  if (j < h.keys.size()) {
    if (h.keys[j].present) present = h.keys[j].slot;
  } else if (j == h.keys.size()) {
    const uint32_t slot = h.free_slots.back();
    h.free_slots.pop_back();
    h.keys.push_back(HashKey{k, true, slot, true});
    present = slot;
  }
  if (present) {
    if (f == semantics::kUpdateNoExist) return ret(semantics::kEEXIST);
    write_slot(*present);
    return ret(0);
  }
  if (f == semantics::kUpdateExist) {
    if (j >= h.keys.size()) h.keys.push_back(HashKey{k, false, 0, false});
    return ret(semantics::kENOENT);
  }
  if (h.free_slots.empty()) return ret(semantics::kE2BIG);
  const uint32_t slot = h.free_slots.back();
  h.free_slots.pop_back();
  h.frozen = true;  // the replay's slots would no longer follow discovery order
  if (j < h.keys.size()) {
    h.keys[j].present = true;
    h.keys[j].slot = slot;
  } else {
    h.keys.push_back(HashKey{k, true, slot, false});
  }
  write_slot(slot);
  return ret(0);
}

SymbolicExecutor::Flow SymbolicExecutor::map_delete(SymState& s, size_t map) {
  const MapDescriptor& d = setup_.input->maps[map];
  const VmMap& m = setup_.maps[map];
  const SymValue key = s.regs[2];
  auto ret = [&](int64_t e) { return finish_call(s, scalar(bv(static_cast<uint64_t>(e)))); };
  if (m.array_like || map_regions_[map] < 0) return ret(semantics::kEINVAL);
  const std::vector<z3::expr> kb = read_bytes(s, key.region, key.v, d.key_size);
  const z3::expr k = key_word(kb);
  HashState& h = s.hashes[map];
  const int c = choose(s, hash_key_cases(h, k, ctx_));
  if (c < 0) return Flow::Forked;
  const auto j = static_cast<size_t>(c);
  if (j == h.keys.size()) {
    const uint32_t slot = h.free_slots.back();
    h.free_slots.pop_back();
    h.keys.push_back(HashKey{k, true, slot, true});
  } else if (j > h.keys.size()) {
    h.keys.push_back(HashKey{k, false, 0, false});
    return ret(semantics::kENOENT);
  }
  HashKey& e = h.keys[std::min(j, h.keys.size() - 1)];
  if (!e.present) return ret(semantics::kENOENT);
  e.present = false;
  h.free_slots.push_back(e.slot);
  h.frozen = true;
  return ret(0);
}


}  // namespace bpfcert::verifier::smt::detail
