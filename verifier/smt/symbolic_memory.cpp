// Memory in the symbolic executor: where an access lands and whether the VM lets it through (the
// machine model's contains() over Z3Word and write_to_read_only()), the bytes of regions as z3 arrays,
// which stack bytes were written (per frame, for stack.uninit), pointers spilled to memory, and
// the memory instructions (loads, stores, atomics, legacy packet loads, LDDW).
#include <fmt/format.h>

#include <algorithm>

#include "semantics/machine.h"
#include "semantics/operations.h"
#include "verifier/smt/symbolic_executor.h"

namespace bpfcert::verifier::smt::detail {

using semantics::AtomicOp;
using semantics::Encoding;
using semantics::Insn;
using semantics::Kind;
using semantics::LddwKind;
using semantics::Operand;

namespace {

using semantics::Access;
using semantics::kStackBytes;
using semantics::TrapKind;

// [off, off + n) meets [a, a + len).
z3::expr overlaps(const z3::expr& off, uint64_t n, int64_t a, uint64_t len, z3::context& ctx) {
  const z3::expr start = ctx.bv_val(static_cast<uint64_t>(a) - (n - 1), 64);
  return z3::ule(off - start, ctx.bv_val(len + n - 2, 64));
}

}  // namespace

// ---- memory -------------------------------------------------------------------------------

z3::expr SymbolicExecutor::region_contains(const SymState& s, int region, const z3::expr& off, const z3::expr& n) const {
  const SymRegion& r = s.regions[static_cast<size_t>(region)];
  // The stack: only the frames of active calls, the current one lowest.
  const semantics::Bounds<Z3Word> bounds =
      r.role == RegionRole::Stack ? semantics::lift(semantics::active_stack(kStackBytes, s.frames.size()), w(off))
                                  : semantics::Bounds<Z3Word>{w(r.lo), w(r.size), r.stride, r.elem_size};
  return semantics::contains(bounds, w(off), w(n)).e.simplify();
}

SymbolicExecutor::Place SymbolicExecutor::resolve(const SymState& s, const SymValue& base, int64_t off,
                                                  const z3::expr& n) const {
  const z3::expr offset = (base.v + bv(static_cast<uint64_t>(off))).simplify();
  return Place{base.region, offset, region_contains(s, base.region, offset, n)};
}

// Whether an access leaves the object the pointer was derived from (a map element, a frame),
// though not necessarily its region.
z3::expr SymbolicExecutor::object_overflow(const SymValue& base, const z3::expr& off, const z3::expr& n) const {
  if (!base.object || !base.object_size) return ctx_.bool_val(false);
  const semantics::Bounds<Z3Word> object{w(*base.object), w(*base.object_size)};
  return (!semantics::contains(object, w(off), w(n)).e).simplify();
}

SymbolicExecutor::Flow SymbolicExecutor::access(SymState& s, Access kind, const SymValue& base, int64_t off, unsigned n,
                                                std::optional<Place>& place) {
  Expectation trap;
  trap.kind = Expectation::Kind::Trap;
  trap.trap = TrapKind::OutOfBounds;
  trap.pc = s.pc;
  trap.steps_before = s.steps;
  if (!base.is_ptr()) {
    // A scalar address: the VM finds no region there and traps.
    if (at_target(s) && (offer(s, Violation::Null, base.v == bv(0), trap) || offer(s, Violation::Type, ctx_.bool_val(true), trap))) {
      return Flow::Found;
    }
    return Flow::Ended;
  }
  const Place a = resolve(s, base, off, bv(n));
  const SymRegion& r = s.regions[static_cast<size_t>(a.region)];
  // The machine's traps: out-of-bounds where the access is not inside, write-to-read-only where
  // it is, when it writes a region that takes no writes.
  const bool read_only = semantics::write_to_read_only(kind, r.writable);
  if (at_target(s)) {
    if (offer(s, Violation::Bounds, !a.in_bounds, trap)) return Flow::Found;
    Expectation ro = trap;
    ro.trap = TrapKind::WriteToReadOnly;
    if (read_only && offer(s, Violation::ReadOnly, a.in_bounds, ro)) return Flow::Found;
    Expectation reach = trap;
    reach.kind = Expectation::Kind::Reach;
    if (!read_only && offer(s, Violation::ObjectBounds, a.in_bounds && object_overflow(base, a.offset, bv(n)), reach)) {
      return Flow::Found;
    }
    if (kind != Access::Write && r.role == RegionRole::Stack &&
        offer(s, Violation::StackUninit, a.in_bounds && stack_uninit(s, a.offset, bv(n), n), reach)) {
      return Flow::Found;
    }
  }
  // Past here, only the executions on which the access does not trap: none when it writes a
  // region that takes no writes.
  if (read_only || !assume(a.in_bounds)) return Flow::Ended;
  place = a;
  return Flow::Continue;
}

std::vector<z3::expr> SymbolicExecutor::read_bytes(SymState& s, int region, const z3::expr& off, unsigned n) {
  const SymRegion& r = s.regions[static_cast<size_t>(region)];
  std::vector<z3::expr> out;
  for (unsigned i = 0; i < n; ++i) out.push_back(z3::select(r.bytes, (off + bv(i)).simplify()).simplify());
  if (r.input) s.reads = push_log(s.reads, ReadRecord{region, off, n});
  return out;
}

void SymbolicExecutor::write_bytes(SymState& s, int region, const z3::expr& off, const std::vector<z3::expr>& bytes) {
  SymRegion& r = s.regions[static_cast<size_t>(region)];
  for (size_t i = 0; i < bytes.size(); ++i) r.bytes = z3::store(r.bytes, (off + bv(i)).simplify(), bytes[i]);
  if (r.role == RegionRole::Stack) mark_stack_init(s, off, static_cast<unsigned>(bytes.size()));
}

// Which stack bytes were written is tracked per frame depth, a byte at a time, at the byte's
// place in its frame (semantics::frame_of, byte_in_frame).
z3::expr SymbolicExecutor::stack_uninit(const SymState& s, const z3::expr& off, const z3::expr& n, unsigned max_n) const {
  z3::expr any = ctx_.bool_val(false);
  const int depth = static_cast<int>(s.frames.size());
  for (unsigned i = 0; i < max_n; ++i) {
    const z3::expr o = (off + bv(i)).simplify();
    const z3::expr index = semantics::byte_in_frame(kStackBytes, w(o)).e;
    uint64_t k = 0;
    z3::expr init = ctx_.bool_val(true);  // outside the active frames: the bounds check speaks
    if (numeral(o, k)) {
      if (k < kStackBytes) {
        const uint64_t f = semantics::frame_of(kStackBytes, k);
        if (f <= static_cast<uint64_t>(depth)) init = z3::select(s.stack_init[f], bv(semantics::byte_in_frame(kStackBytes, k)));
      }
    } else {
      for (int f = depth; f >= 0; --f) {
        init = z3::ite(semantics::frame_of(kStackBytes, w(o)).e == bv(static_cast<uint64_t>(f)) && z3::ult(o, bv(kStackBytes)),
                       z3::select(s.stack_init[static_cast<size_t>(f)], index), init);
      }
    }
    any = any || (z3::ult(bv(i), n) && !init);
  }
  return any.simplify();
}

void SymbolicExecutor::mark_stack_init(SymState& s, const z3::expr& off, unsigned n) {
  const int depth = static_cast<int>(s.frames.size());
  for (unsigned i = 0; i < n; ++i) {
    const z3::expr o = (off + bv(i)).simplify();
    uint64_t k = 0;
    if (numeral(o, k)) {
      if (k >= kStackBytes) continue;
      const uint64_t f = semantics::frame_of(kStackBytes, k);
      if (f < s.stack_init.size()) {
        s.stack_init[f] = z3::store(s.stack_init[f], bv(semantics::byte_in_frame(kStackBytes, k)), ctx_.bool_val(true));
      }
      continue;
    }
    const z3::expr index = semantics::byte_in_frame(kStackBytes, w(o)).e;
    const z3::expr frame = semantics::frame_of(kStackBytes, w(o)).e;
    for (int f = 0; f <= depth; ++f) {
      z3::expr& a = s.stack_init[static_cast<size_t>(f)];
      a = z3::store(a, index, z3::ite(frame == bv(static_cast<uint64_t>(f)), ctx_.bool_val(true), z3::select(a, index)));
    }
  }
}

std::optional<std::string> SymbolicExecutor::spill_conflict(SymState& s, int region, const z3::expr& off, unsigned n,
                                                            bool write, std::optional<SymValue>* spill) {
  SymRegion& r = s.regions[static_cast<size_t>(region)];
  if (r.spills.empty() && r.poisoned.empty()) return std::nullopt;
  uint64_t k = 0;
  if (numeral(off, k)) {
    const auto o = static_cast<int64_t>(k);
    if (!write) {
      if (n == 8 && r.spills.count(o) != 0 && spill != nullptr) {
        *spill = r.spills.at(o);
        return std::nullopt;
      }
      for (const auto& [at, v] : r.spills) {
        if (at < o + static_cast<int64_t>(n) && o < at + 8) return "a read of part of a stored pointer";
      }
      for (int64_t i = o; i < o + static_cast<int64_t>(n); ++i) {
        if (r.poisoned.count(i) != 0) return "a read of part of a stored pointer";
      }
      return std::nullopt;
    }
    for (auto it = r.spills.begin(); it != r.spills.end();) {
      if (it->first < o + static_cast<int64_t>(n) && o < it->first + 8) {
        for (int64_t i = it->first; i < it->first + 8; ++i) r.poisoned.insert(i);
        it = r.spills.erase(it);
      } else {
        ++it;
      }
    }
    for (int64_t i = o; i < o + static_cast<int64_t>(n); ++i) r.poisoned.erase(i);
    return std::nullopt;
  }
  // A variable offset: the model keeps to executions that miss every stored pointer.
  z3::expr hit = ctx_.bool_val(false);
  for (const auto& [at, v] : r.spills) hit = hit || overlaps(off, n, at, 8, ctx_);
  for (int64_t at : r.poisoned) hit = hit || overlaps(off, n, at, 1, ctx_);
  if (!assume(!hit)) return "an access at a variable offset over a stored pointer";
  return std::nullopt;
}

SymbolicExecutor::Flow SymbolicExecutor::load(SymState& s, const Insn& insn, const Encoding& row) {
  const SymValue base = s.regs[insn.src];
  const unsigned n = row.size;
  std::optional<Place> place;
  if (const Flow f = access(s, Access::Read, base, insn.off, n, place); f != Flow::Continue) return f;
  const Place& a = *place;
  const SymRegion& r = s.regions[static_cast<size_t>(a.region)];
  if (r.role == RegionRole::Context) {
    uint64_t k = 0;
    if (!numeral(a.offset, k)) {
      z3::expr hit = ctx_.bool_val(false);
      for (const ContextPointerField& f : setup_.pointer_fields) hit = hit || overlaps(a.offset, n, f.offset, f.size, ctx_);
      if (!assume(!hit)) {
        abandon("a variable-offset context read over a pointer field");
        return Flow::Ended;
      }
    } else {
      for (const ContextPointerField& f : setup_.pointer_fields) {
        if (k + n <= f.offset || k >= f.offset + f.size) continue;
        if (k != f.offset || n != f.size || row.sign_extend) {
          abandon("a read of part of a context pointer field");
          return Flow::Ended;
        }
        if (packet_region_ < 0) {
          abandon("a packet pointer field without a packet");
          return Flow::Ended;
        }
        s.regs[insn.dst] = packet_pointer(s, f.holds);
        return advance(s, s.pc + 1);
      }
    }
  }
  std::optional<SymValue> spill;
  if (auto why = spill_conflict(s, a.region, a.offset, n, false, &spill)) {
    // Bytes of a pointer partly overwritten are, for the verifier, no data it may read.
    Expectation reach;
    reach.kind = Expectation::Kind::Reach;
    reach.pc = s.pc;
    reach.steps_before = s.steps;
    if (at_target(s) && r.role == RegionRole::Stack && offer(s, Violation::StackUninit, ctx_.bool_val(true), reach)) {
      return Flow::Found;
    }
    abandon(*why);
    return Flow::Ended;
  }
  if (spill) {
    s.regs[insn.dst] = *spill;
    return advance(s, s.pc + 1);
  }
  const std::vector<z3::expr> bytes = read_bytes(s, a.region, a.offset, n);
  z3::expr raw = bytes[0];
  for (unsigned i = 1; i < n; ++i) raw = z3::concat(bytes[i], raw);
  if (n < 8) raw = z3::zext(raw, 64 - 8 * n);
  s.regs[insn.dst] = scalar(semantics::load_result<Z3Word>(w(raw), n, row.sign_extend).e.simplify());
  return advance(s, s.pc + 1);
}

SymbolicExecutor::Flow SymbolicExecutor::store(SymState& s, const Insn& insn, const Encoding& row) {
  const SymValue base = s.regs[insn.dst];
  const SymValue value = row.operand == Operand::Reg ? s.regs[insn.src] : scalar(bv(semantics::imm_operand(insn.imm)));
  const unsigned n = row.size;
  std::optional<Place> place;
  if (const Flow f = access(s, Access::Write, base, insn.off, n, place); f != Flow::Continue) return f;
  const Place& a = *place;
  if (s.regions[static_cast<size_t>(a.region)].role == RegionRole::Context) {
    z3::expr hit = ctx_.bool_val(false);
    for (const ContextPointerField& f : setup_.pointer_fields) hit = hit || overlaps(a.offset, n, f.offset, f.size, ctx_);
    if (!assume(!hit)) {
      abandon("a store into a context pointer field");
      return Flow::Ended;
    }
  }
  if (value.is_ptr()) {
    uint64_t k = 0;
    if (n != 8 || !numeral(a.offset, k)) {
      abandon("a pointer stored in part or at a variable offset");
      return Flow::Ended;
    }
    if (auto why = spill_conflict(s, a.region, a.offset, n, true, nullptr)) {
      abandon(*why);
      return Flow::Ended;
    }
    SymRegion& r = s.regions[static_cast<size_t>(a.region)];
    r.spills.insert_or_assign(static_cast<int64_t>(k), value);
    if (r.role == RegionRole::Stack) mark_stack_init(s, a.offset, n);
    return advance(s, s.pc + 1);
  }
  if (auto why = spill_conflict(s, a.region, a.offset, n, true, nullptr)) {
    abandon(*why);
    return Flow::Ended;
  }
  const z3::expr bits = semantics::store_value<Z3Word>(w(value.v), n).e;
  std::vector<z3::expr> bytes;
  for (unsigned i = 0; i < n; ++i) bytes.push_back(bits.extract(8 * i + 7, 8 * i).simplify());
  write_bytes(s, a.region, a.offset, bytes);
  return advance(s, s.pc + 1);
}

SymbolicExecutor::Flow SymbolicExecutor::atomic(SymState& s, const Insn& insn, const Encoding& row) {
  const SymValue base = s.regs[insn.dst];
  const SymValue src = s.regs[insn.src];
  const unsigned n = row.size;
  const AtomicOp op = row.atomic_op();
  std::optional<Place> place;
  if (const Flow f = access(s, Access::AtomicUpdate, base, insn.off, n, place); f != Flow::Continue) return f;
  const Place& a = *place;
  if (src.is_ptr() || (op == AtomicOp::Cmpxchg && s.regs[0].is_ptr())) {
    abandon("an atomic operation on a pointer value");
    return Flow::Ended;
  }
  if (auto why = spill_conflict(s, a.region, a.offset, n, false, nullptr)) {
    abandon(*why);
    return Flow::Ended;
  }
  const std::vector<z3::expr> old_bytes = read_bytes(s, a.region, a.offset, n);
  z3::expr old = old_bytes[0];
  for (unsigned i = 1; i < n; ++i) old = z3::concat(old_bytes[i], old);
  if (n < 8) old = z3::zext(old, 64 - 8 * n);
  const z3::expr next = semantics::atomic_new_value<Z3Word>(op, n, w(old), w(src.v), w(s.regs[0].v)).e;
  const z3::expr bits = semantics::store_value<Z3Word>(w(next), n).e;
  std::vector<z3::expr> bytes;
  for (unsigned i = 0; i < n; ++i) bytes.push_back(bits.extract(8 * i + 7, 8 * i).simplify());
  write_bytes(s, a.region, a.offset, bytes);
  if (row.fetch) {
    s.regs[op == AtomicOp::Cmpxchg ? 0 : insn.src] = scalar(semantics::atomic_fetch_result<Z3Word>(w(old), n).e.simplify());
  }
  return advance(s, s.pc + 1);
}

SymbolicExecutor::Flow SymbolicExecutor::packet_load(SymState& s, const Insn& insn, const Encoding& row) {
  const unsigned n = row.size;
  // The bytes legacy loads read: the conformance memory, or an skb's packet; otherwise none, so
  // every load is out of range (the VM's invocation carries no packet).
  int region = -1;
  z3::expr size = bv(0);
  if (has_memory(setup_.entry)) {
    region = memory_region_;
    size = bv(setup_.memory_size);
  } else if (setup_.entry == EntryKind::SkBuff) {
    region = packet_region_;
    size = packet_len_;
  }
  const SymValue src = row.operand == Operand::Reg ? s.regs[insn.src] : scalar(bv(0));
  if (src.is_ptr()) {
    abandon("a legacy packet load indexed by a pointer");
    return Flow::Ended;
  }
  const z3::expr offset = semantics::packet_load_offset(row.operand, w(src.v), insn.imm).e.simplify();
  const z3::expr in =
      region < 0 ? ctx_.bool_val(false) : semantics::packet_load_in_bounds(w(offset), n, w(size)).e.simplify();
  if (at_target(s) && setup_.type->return_range &&
      (setup_.type->return_range->first > 0 || setup_.type->return_range->second < 0)) {
    Expectation e;
    e.kind = Expectation::Kind::Exit;
    e.pc = s.pc;
    e.steps_before = s.steps;
    e.r0 = 0;
    if (offer(s, Violation::ExitR0, !in, e)) {
      result_.exit_r0 = bv(0);
      return Flow::Found;
    }
  }
  const int c = choose(s, {in, !in});
  if (c < 0) return Flow::Forked;
  if (c == 1) return Flow::Ended;  // the program ends with r0 = 0
  const std::vector<z3::expr> bytes = read_bytes(s, region, offset, n);
  z3::expr raw = bytes[0];
  for (unsigned i = 1; i < n; ++i) raw = z3::concat(bytes[i], raw);
  raw = z3::zext(raw, 64 - 8 * n);
  s.regs[0] = scalar(semantics::packet_load_result<Z3Word>(w(raw), n).e.simplify());
  if (!has_memory(setup_.entry)) {
    for (int r = 1; r <= 5; ++r) s.regs[static_cast<size_t>(r)].init = false;  // the verifier's rule; the VM keeps them
  }
  return advance(s, s.pc + 1);
}

SymbolicExecutor::Flow SymbolicExecutor::lddw(SymState& s, const Insn& insn, const Encoding& row) {
  const uint64_t linked = setup_.lddw_values[s.pc];
  SymValue& d = s.regs[insn.dst];
  switch (row.lddw_kind()) {
    case LddwKind::Imm:
    case LddwKind::MapFd:
    case LddwKind::MapIdx:
    case LddwKind::CodeAddr: d = scalar(bv(linked)); break;  // numbers: immediates, handles, code addresses
    case LddwKind::MapValue:
    case LddwKind::MapIdxValue: {
      std::optional<size_t> index;
      if (row.lddw_kind() == LddwKind::MapValue) {
        index = setup_.map_by_fd(insn.imm);
      } else if (insn.imm >= 0) {
        index = static_cast<size_t>(insn.imm);
      }
      if (!index || *index >= map_regions_.size() || map_regions_[*index] < 0) {
        abandon("a direct map value address the model has no region for");
        return Flow::Ended;
      }
      d = SymValue{bv(static_cast<uint32_t>(prog_.lddw_next_imm(s.pc))), map_regions_[*index], true, bv(0),
                   bv(setup_.input->maps[*index].value_size)};
      break;
    }
    case LddwKind::VarAddr: {
      const auto& vars = setup_.input->variables;
      const auto it = std::find_if(vars.begin(), vars.end(), [&](const VariableDescriptor& v) { return v.id == insn.imm; });
      if (it == vars.end()) return Flow::Ended;
      d = SymValue{bv(0), variable_regions_[static_cast<size_t>(it - vars.begin())], true};
      break;
    }
  }
  return advance(s, semantics::next_pc(prog_, s.pc));
}


}  // namespace bpfcert::verifier::smt::detail
