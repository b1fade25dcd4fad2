// The analysis passes behind code generation: segments of the step budget (where the budget is
// charged, how many instructions each charge pays for), register liveness, the region each
// access most likely hits (checked mode tests it inline first), the array map a lookup names,
// and the fusion of address arithmetic into x86 addressing modes.
#include "interp/helpers.h"
#include "interp/jit/emitter.h"
#include "semantics/machine.h"

namespace bpfcert::interp::jit {

using semantics::AluOp;
using semantics::AtomicOp;
using semantics::CallKind;
using semantics::Kind;
using semantics::LddwKind;
using semantics::Width;

// Memory accesses do not end segments: when one traps, its trap path refunds the instructions
// after it that the segment paid for, and when a segment cannot be paid in full, replay()
// runs the part the budget covers (where a memory trap may come first).
bool Emitter::ends_segment(size_t pc) const {
  switch (prog_.row(pc).kind) {
    case Kind::PacketLoad:
    case Kind::Call:
    case Kind::Exit:
    case Kind::Jump: return true;
    default: return false;
  }
}

void Emitter::analyze() {
  const size_t n = prog_.size();
  leader_.assign(n, 0);
  remaining_.assign(n, 0);
  leader_[0] = 1;
  for (size_t pc = 0; pc < n; pc = next_pc(pc)) {
    const auto& row = prog_.row(pc);
    const auto& insn = prog_.insns[pc];
    if (row.kind == Kind::Call && row.call_kind() == CallKind::Indirect) has_callx_ = true;
    // Conservative: any register field naming r10, whatever the instruction does with it.
    if (insn.src == semantics::kFramePointer || insn.dst == semantics::kFramePointer ||
        (row.kind == Kind::Call && row.call_kind() != CallKind::Local)) {
      stack_observable_ = true;
    }
    if (semantics::has_branch_target(row)) {
      leader_[static_cast<size_t>(semantics::branch_target(insn, row, pc))] = 1;
    }
    if (ends_segment(pc) && next_pc(pc) < n) leader_[next_pc(pc)] = 1;
  }
  charge_ = leader_;
  if (options_.counting == StepCounting::Off) charge_.assign(n, 0);
  if (options_.counting == StepCounting::LoopHeaders) {
    charge_.assign(n, 0);
    charge_[0] = 1;
    for (size_t pc = 0; pc < n; pc = next_pc(pc)) {
      const auto& row = prog_.row(pc);
      if (!semantics::has_branch_target(row)) continue;
      const auto target = static_cast<size_t>(semantics::branch_target(prog_.insns[pc], row, pc));
      if (row.kind != Kind::Jump || target <= pc) charge_[target] = 1;
    }
  }
  // Backwards: a segment runs until an instruction that may end it or the next leader.
  std::vector<size_t> order;
  for (size_t pc = 0; pc < n; pc = next_pc(pc)) order.push_back(pc);
  for (size_t i = order.size(); i-- > 0;) {
    const size_t pc = order[i];
    const size_t nx = next_pc(pc);
    remaining_[pc] = 1 + ((!ends_segment(pc) && nx < n && !leader_[nx]) ? remaining_[nx] : 0);
  }
}

// "rA = rB; rA += x" (how BPF forms an address) becomes one lea when nothing jumps between
// the two instructions; followed by "rA = *(size *)(rA + off)", the three become one load from
// [rB + x + off] (checked like any access in checked mode). Returns how many instructions
// after pc it consumed.
size_t Emitter::fuse_mov_add(size_t pc, size_t limit) {
  const size_t nx = pc + 1;
  if (has_callx_ || live_out_.empty() || nx >= limit || leader_[nx]) return 0;
  const auto& mov = prog_.row(pc);
  const auto& add = prog_.row(nx);
  const auto& mi = prog_.insns[pc];
  const auto& ai = prog_.insns[nx];
  if (mov.kind != Kind::Alu || mov.alu_op() != AluOp::Mov || mov.width != Width::W64 ||
      mov.operand != semantics::Operand::Reg || mi.src == mi.dst) {
    return 0;
  }
  if (add.kind != Kind::Alu || add.alu_op() != AluOp::Add || add.width != Width::W64 || ai.dst != mi.dst) return 0;
  const x86::Gp d = kReg[mi.dst], s = kReg[mi.src];
  const bool imm = add.operand == semantics::Operand::Imm;
  const x86::Gp x = imm ? x86::Gp() : (ai.src == mi.dst ? s : kReg[ai.src]);
  // The fused access's address: [rB + x + off], checked in checked mode.
  auto address = [&](size_t at, int64_t disp, const semantics::Encoding& row, uint64_t flags) {
    const x86::Mem expr = imm ? x86::ptr(s, static_cast<int32_t>(disp), row.size)
                              : x86::ptr(s, x, 0, static_cast<int32_t>(disp), row.size);
    if (!checked()) return expr;
    // The pointer is rB, or x when rB is the scalar (x + rB).
    const int likely = likely_region(pc, mi.src);
    return emit_checked(at, expr, row.size, flags,
                        likely != kCheckRegion || imm ? likely : likely_region(pc, ai.src));
  };
  // The instructions between the add and the access, themselves fused where they can be.
  auto emit_between = [&](size_t from, size_t to) {
    for (size_t j = from; j < to;) {
      size_t fused = fuse_mov_add(j, to);
      if (fused == 0) emit_insn(j);
      for (size_t i = 0; i <= fused; ++i) j = next_pc(j);
    }
  };
  // An access through rA, possibly after a few instructions that leave rA, rB and x alone:
  // one access to [rB + x + off] when rA is dead afterwards (or the load overwrites it).
  const uint32_t dbit = 1u << mi.dst, sbit = 1u << mi.src, xbit = imm ? 0u : 1u << ai.src;
  size_t k = nx + 1, consumed = 1;
  for (int step = 0; step < 6 && k < limit && !leader_[k]; ++step, k = next_pc(k)) {
    ++consumed;
    const auto& row = prog_.row(k);
    const auto& in = prog_.insns[k];
    const int64_t disp = (imm ? int64_t{ai.imm} : 0) + in.off;
    const bool fits = disp >= INT32_MIN && disp <= INT32_MAX;
    const bool dead_after = !(live_out_[k] & dbit);
    if (fits && row.kind == Kind::Store && in.dst == mi.dst && dead_after &&
        (row.operand == semantics::Operand::Imm || in.src != mi.dst)) {
      emit_between(nx + 1, k);
      emit_store_to(address(k, disp, row, kAccessWrite), row, in);
      return consumed;
    }
    if (fits && row.kind == Kind::Load && in.src == mi.dst && (in.dst == mi.dst || dead_after)) {
      emit_between(nx + 1, k);
      emit_load_to(kReg[in.dst], address(k, disp, row, 0), row);
      return consumed;
    }
    const bool plain = row.kind == Kind::Alu || row.kind == Kind::Load || row.kind == Kind::Store ||
                       row.kind == Kind::LoadImm64;
    if (!plain || (use_[k] & dbit) || (def_[k] & (dbit | sbit | xbit))) break;
  }
  a_.lea(d, imm ? x86::ptr(s, ai.imm) : x86::ptr(s, x));
  return 1;
}

// Registers live after each instruction (bit r), by backward dataflow. Conservative where the
// program leaves the function: local calls and exits use every register (a callee sees the
// caller's registers, a caller sees what the callee left in r0-r5), helper calls use r1-r5
// and keep them (this VM does not clobber them).
void Emitter::compute_liveness() {
  const size_t n = prog_.size();
  constexpr uint32_t kAll = 0x7ff;
  use_.assign(n, 0);
  def_.assign(n, 0);
  auto& use = use_;
  auto& def = def_;
  std::vector<std::array<int64_t, 2>> succ(n, {-1, -1});
  for (size_t pc = 0; pc < n; pc = next_pc(pc)) {
    const auto& row = prog_.row(pc);
    const auto& in = prog_.insns[pc];
    const semantics::RegisterUse ru = semantics::register_use(row, in);
    use[pc] = ru.read;
    def[pc] = ru.written;
    if (row.kind == Kind::Call) {
      if (row.call_kind() == CallKind::Helper || row.call_kind() == CallKind::Kfunc) {
        use[pc] = 0x3e;
        def[pc] = 1;
      } else {
        use[pc] = kAll;
      }
    }
    if (row.kind == Kind::Exit) use[pc] = kAll;
    if (semantics::falls_through(row) && next_pc(pc) < n) succ[pc][0] = static_cast<int64_t>(next_pc(pc));
    if (row.kind == Kind::Jump) succ[pc][1] = semantics::branch_target(in, row, pc);
  }
  live_out_.assign(n, 0);
  std::vector<uint32_t> live_in(n, 0);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = n; i-- > 0;) {
      if (prog_.row(i).kind == Kind::WideSlot) continue;
      uint32_t out = 0;
      for (int64_t t : succ[i]) {
        if (t >= 0) out |= live_in[static_cast<size_t>(t)];
      }
      const uint32_t in = use[i] | (out & ~def[i]);
      if (out != live_out_[i] || in != live_in[i]) {
        live_out_[i] = out;
        live_in[i] = in;
        changed = true;
      }
    }
  }
}

// A forward pass in pc order, tracking where each register's pointer (if any) most likely
// points: r10 and copies of it into the stack, a map-value LDDW or a lookup in a known array
// map into that map's values, arithmetic keeps the pointer's region. Control flow is ignored
// (a branch target inherits the state of the instruction before it): a wrong guess costs one
// extra out-of-line test, never a wrong verdict, so the pass stays linear and simple.
void Emitter::compute_likely_regions() {
  const size_t n = prog_.size();
  likely_.assign(n, {});
  auto map_index = [this](const Map* map) {
    for (size_t i = 0; i < env_.map_count() && i < kInlineMaps; ++i) {
      if (&env_.map_at(i) == map) return kCheckMap + static_cast<int>(i);
    }
    return kCheckRegion;
  };
  std::array<int8_t, 11> r{};
  r.fill(kCheckRegion);
  r[semantics::kFramePointer] = kCheckStack;
  for (size_t pc = 0; pc < n; pc = next_pc(pc)) {
    likely_[pc] = r;
    const auto& row = prog_.row(pc);
    const auto& insn = prog_.insns[pc];
    switch (row.kind) {
      case Kind::Alu: {
        if (row.width != Width::W64) {
          r[insn.dst] = kCheckRegion;
        } else if (row.alu_op() == AluOp::Mov) {
          r[insn.dst] = row.operand == semantics::Operand::Reg ? r[insn.src] : kCheckRegion;
        } else if (row.alu_op() == AluOp::Add && row.operand == semantics::Operand::Reg) {
          if (r[insn.dst] == kCheckRegion) r[insn.dst] = r[insn.src];  // scalar + pointer
        } else if (row.alu_op() != AluOp::Add && row.alu_op() != AluOp::Sub) {
          r[insn.dst] = kCheckRegion;
        }
        break;
      }
      case Kind::Load:
      case Kind::PacketLoad: r[insn.dst] = kCheckRegion; break;
      case Kind::LoadImm64: {
        const auto kind = row.lddw_kind();
        r[insn.dst] = kCheckRegion;
        if (kind != LddwKind::MapValue && kind != LddwKind::MapIdxValue) break;
        const uint64_t address = linked_.lddw_values[pc];
        for (size_t i = 0; i < env_.map_count() && i < kInlineMaps; ++i) {
          const auto slab = env_.map_at(i).slab();
          const auto begin = reinterpret_cast<uint64_t>(slab.data());
          if (address >= begin && address - begin < slab.size()) r[insn.dst] = static_cast<int8_t>(kCheckMap + i);
        }
        break;
      }
      case Kind::Atomic:
        if (row.fetch) r[row.atomic_op() == AtomicOp::Cmpxchg ? 0 : insn.src] = kCheckRegion;
        break;
      case Kind::Call: {
        const bool lookup = row.call_kind() == CallKind::Helper && insn.imm == helper_id::kMapLookupElem;
        const Map* map = lookup ? known_array_map(pc) : nullptr;
        for (int i = 1; i <= 5; ++i) r[static_cast<size_t>(i)] = kCheckRegion;
        r[0] = map != nullptr ? static_cast<int8_t>(map_index(map)) : kCheckRegion;
        break;
      }
      default: break;
    }
  }
}

int Emitter::likely_region(size_t pc, uint8_t reg) const {
  if (likely_.empty() || reg > semantics::kFramePointer) return kCheckRegion;
  return likely_[pc][reg];
}

// The map r1 names at a call, when the segment loads it with LDDW src 1 / 5 and nothing after
// that writes r1 (a segment runs straight, so that LDDW executed). Only array maps.
const Map* Emitter::known_array_map(size_t call_pc) const {
  size_t pc = call_pc;
  while (pc > 0) {
    size_t prev = pc - 1;
    if (prog_.row(prev).kind == Kind::WideSlot) --prev;
    if (leader_[pc] && pc != call_pc) return nullptr;  // pc starts the segment: r1 came from elsewhere
    pc = prev;
    const auto& row = prog_.row(pc);
    const auto& insn = prog_.insns[pc];
    if (!(semantics::register_use(row, insn).written & 2u)) continue;  // r1 is not written
    if (row.kind != Kind::LoadImm64) return nullptr;
    if (row.lddw_kind() != LddwKind::MapFd && row.lddw_kind() != LddwKind::MapIdx) return nullptr;
    const uint64_t handle = linked_.lddw_values[pc];
    const Map* map = env_.map_from_handle(handle);
    if (map == nullptr || map->def().type != MapType::Array || map->def().key_size != 4) return nullptr;
    return map;
  }
  return nullptr;
}

}  // namespace bpfcert::interp::jit
