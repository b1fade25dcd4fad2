// The executor mirrors interp/interpreter.cpp: the same frames (512 bytes each, at most 8, r6-r9
// and r10 restored on return), the same region checks (interp/memory.h, written over offsets so
// that the unknown host base addresses cancel), the same helpers as the VM's environment holds
// them. What an instruction computes always comes from semantics/operations.h over Z3Word.
#include "verifier/smt/symbolic_executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "interp/environment.h"
#include "interp/memory.h"
#include "semantics/operations.h"
#include "verifier/smt/z3_word.h"

namespace bpfcert::verifier::smt::detail {

using semantics::AluOp;
using semantics::AtomicOp;
using semantics::CallKind;
using semantics::Encoding;
using semantics::Insn;
using semantics::JmpOp;
using semantics::Kind;
using semantics::LddwKind;
using semantics::Operand;
using semantics::Width;

namespace {

constexpr uint64_t kFrame = interp::kStackFrameSize;
constexpr uint64_t kStackBytes = kFrame * interp::kMaxCallFrames;
constexpr int kFrames = interp::kMaxCallFrames;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Z3Word w(const z3::expr& e) { return Z3Word{e}; }

bool numeral(const z3::expr& e, uint64_t& out) { return e.is_numeral() && e.is_numeral_u64(out); }

bool array_like(interp::MapType t) {
  return t == interp::MapType::Array || t == interp::MapType::PercpuArray || t == interp::MapType::ProgArray ||
         t == interp::MapType::PerfEventArray;
}

// Where regions of each kind nominally sit: only comparisons between two pointers into one region,
// or of a pointer with null, use it, and for those the base cancels unless an offset wraps around
// the address space (the replay would then disagree, and say so).
uint64_t nominal_base(RegionRole r, int64_t object) {
  switch (r) {
    case RegionRole::Stack: return 0x00007ffc00000000ull;
    case RegionRole::Memory: return 0x0000560000000000ull;
    case RegionRole::Context: return 0x0000000010000000ull;
    case RegionRole::Packet: return 0x0000000010010000ull;
    case RegionRole::Map: return 0x0000550000000000ull + (static_cast<uint64_t>(object) << 32);
    case RegionRole::Variable: return 0x0000540000000000ull + (static_cast<uint64_t>(object) << 32);
  }
  return 0x0000500000000000ull;
}

// [off, off + n) meets [a, a + len).
z3::expr overlaps(const z3::expr& off, uint64_t n, int64_t a, uint64_t len, z3::context& ctx) {
  const z3::expr start = ctx.bv_val(static_cast<uint64_t>(a) - (n - 1), 64);
  return z3::ule(off - start, ctx.bv_val(len + n - 2, 64));
}

}  // namespace

SymbolicExecutor::SymbolicExecutor(z3::context& ctx, const WitnessSetup& setup, const WitnessOptions& options)
    : ctx_(ctx),
      setup_(setup),
      prog_(*setup.input->program),
      options_(options),
      // Measured on the corpora: the qfaufbv tactic (simplification, then bit-blasting with
      // Ackermann reduction of the arrays) answers the path queries 2-3x faster on average than
      // the default incremental solver, and in milliseconds where the latter takes seconds
      // (sums of many input bytes). It re-solves at every check instead of working
      // incrementally, which the short queries of bounded paths afford.
      solver_(z3::tactic(ctx, "qfaufbv").mk_solver()),
      byte_array_(ctx.array_sort(ctx.bv_sort(64), ctx.bv_sort(8))),
      bool_array_(ctx.array_sort(ctx.bv_sort(64), ctx.bool_sort())),
      packet_len_(ctx.bv_val(0, 64)) {}

z3::expr SymbolicExecutor::fresh(const std::string& name, unsigned bits) {
  return ctx_.bv_const(fmt::format("{}!{}", name, names_++).c_str(), bits);
}

void SymbolicExecutor::abandon(const std::string& why) {
  ++result_.stats.abandoned;
  if (result_.abandoned.size() < 8) result_.abandoned.insert(why);
}

bool SymbolicExecutor::out_of_budget() {
  if (!result_.budget.empty()) return true;
  if (result_.stats.steps > options_.max_steps) {
    result_.budget = fmt::format("{} symbolic instructions", options_.max_steps);
  } else if (result_.stats.paths > options_.max_paths) {
    result_.budget = fmt::format("{} paths", options_.max_paths);
  } else if ((result_.stats.steps & 63) == 0 && now_seconds() > deadline_) {
    result_.budget = fmt::format("{:g} s", options_.timeout_seconds);
  }
  return !result_.budget.empty();
}

// ---- solver -------------------------------------------------------------------------------

z3::check_result SymbolicExecutor::check() {
  const double left = deadline_ - now_seconds();
  if (left <= 0) {
    if (result_.budget.empty()) result_.budget = fmt::format("{:g} s", options_.timeout_seconds);
    return z3::unknown;
  }
  z3::params params(ctx_);
  params.set("timeout", static_cast<unsigned>(std::max(1.0, left * 1000)));
  solver_.set(params);
  ++result_.stats.solver_checks;
  const z3::check_result r = solver_.check();
  // The model of path + c for a temporary c still satisfies the path once c is popped.
  if (r == z3::sat) model_ = solver_.get_model();
  return r;
}

bool SymbolicExecutor::satisfied(const z3::expr& c) const { return model_ && model_->eval(c, true).is_true(); }

bool SymbolicExecutor::feasible(const z3::expr& c) {
  const z3::expr e = c.simplify();
  if (e.is_true()) return true;
  if (e.is_false()) return false;
  if (satisfied(e)) return true;
  solver_.push();
  solver_.add(e);
  const z3::check_result r = check();
  solver_.pop();
  if (r == z3::unknown && result_.budget.empty()) result_.budget = "solver timeout";
  return r == z3::sat;
}

bool SymbolicExecutor::assume(const z3::expr& c) {
  const z3::expr e = c.simplify();
  if (e.is_true()) return true;
  if (e.is_false()) return false;
  // The current scope belongs to this path alone (children of a fork get scopes of their own),
  // so the assumption is added to it; when it makes the path infeasible the path ends and the
  // next item pops the scope.
  const bool known = satisfied(e);
  solver_.add(e);
  if (known) return true;
  const z3::check_result r = check();
  if (r == z3::unknown && result_.budget.empty()) result_.budget = "solver timeout";
  return r == z3::sat;
}

int SymbolicExecutor::choose(SymState& s, const std::vector<z3::expr>& conds) {
  if (!s.choices.empty()) {
    const int c = s.choices.front();
    s.choices.erase(s.choices.begin());
    s.decided.push_back(c);
    return c;
  }
  for (size_t i = conds.size(); i-- > 0;) {
    const z3::expr c = conds[i].simplify();
    if (c.is_false()) continue;
    SymState child = s;
    child.choices = s.decided;
    child.choices.push_back(static_cast<int>(i));
    child.decided.clear();
    work_.push_back(Item{std::move(child), scopes_, c});
  }
  return -1;
}

bool SymbolicExecutor::offer(SymState& s, Violation v, const z3::expr& cond, const Expectation& expect) {
  if (!wants(v)) return false;
  const z3::expr c = cond.simplify();
  if (c.is_false()) return false;
  if (satisfied(c)) {
    result_.found = true;
    result_.model = *model_;
    result_.state = s;
    result_.violation = v;
    result_.expect = expect;
    return true;
  }
  solver_.push();
  solver_.add(c);
  const z3::check_result r = check();
  if (r == z3::sat) {
    result_.found = true;
    result_.model = solver_.get_model();
    result_.state = s;
    result_.violation = v;
    result_.expect = expect;
  } else if (r == z3::unknown && result_.budget.empty()) {
    result_.budget = "solver timeout";
  }
  solver_.pop();
  return result_.found;
}

// ---- state --------------------------------------------------------------------------------

SymState SymbolicExecutor::initial_state() {
  SymState s;
  for (int i = 0; i <= 10; ++i) s.regs.push_back(SymValue{bv(0), -1, false});
  auto region = [&](RegionRole role, std::string name, int64_t object, const z3::expr& initial, bool input,
                    uint64_t size) {
    SymRegion r{role, std::move(name), object, initial, initial, input, bv(0), bv(size), 0, 0, true, {}, {}};
    s.regions.push_back(std::move(r));
    return static_cast<int>(s.regions.size() - 1);
  };
  // The interpreter zeroes its stack once per run; the verifier's "uninitialised" is tracked
  // beside the bytes, per frame depth (a callee's frame starts unwritten at every call).
  const z3::expr zeros = z3::const_array(ctx_.bv_sort(64), ctx_.bv_val(0, 8));
  region(RegionRole::Stack, "stack", 0, zeros, false, kStackBytes);
  for (int f = 0; f < kFrames; ++f) s.stack_init.push_back(z3::const_array(ctx_.bv_sort(64), ctx_.bool_val(false)));
  s.regs[10] = SymValue{bv(kStackBytes), 0, true, bv(kStackBytes - kFrame), bv(kFrame)};

  if (has_memory(setup_.entry)) {
    memory_region_ = region(RegionRole::Memory, "mem", 0, ctx_.constant("mem", byte_array_), true, setup_.memory_size);
    s.regs[1] = SymValue{bv(0), memory_region_, true};
    s.regs[2] = scalar(bv(setup_.memory_size));
    if (setup_.entry == EntryKind::MemoryContext) {
      context_region_ =
          region(RegionRole::Context, "ctx", 0, ctx_.constant("ctx", byte_array_), true, setup_.context_size);
      s.regions[static_cast<size_t>(context_region_)].writable = setup_.context_writable;
      s.regs[3] = SymValue{bv(0), context_region_, true};
      s.regs[4] = scalar(bv(setup_.context_size));
    }
  } else {
    context_region_ =
        region(RegionRole::Context, "ctx", 0, ctx_.constant("ctx", byte_array_), true, setup_.context_size);
    s.regions[static_cast<size_t>(context_region_)].writable = setup_.context_writable;
    s.regs[1] = SymValue{bv(0), context_region_, true};
    if (setup_.has_packet) {
      packet_len_ = ctx_.bv_const("packet_len", 64);
      solver_.add(z3::ule(packet_len_, bv(setup_.max_packet)));
      packet_region_ = region(RegionRole::Packet, "packet", 0, ctx_.constant("packet", byte_array_), true, 0);
      SymRegion& p = s.regions[static_cast<size_t>(packet_region_)];
      // The VM's packet region starts at the headroom and ends at data_end; offsets are from data.
      p.lo = bv(0 - static_cast<uint64_t>(setup_.headroom));
      p.size = packet_len_ + bv(setup_.headroom);
      s.data_off = bv(0);
      s.meta_off = bv(0);  // the VM starts with no metadata (data_meta = data)
    }
    if (setup_.len_field) {
      const z3::expr& c = s.regions[static_cast<size_t>(context_region_)].initial;
      const uint64_t at = *setup_.len_field;
      const z3::expr len = z3::concat(z3::concat(z3::select(c, bv(at + 3)), z3::select(c, bv(at + 2))),
                                      z3::concat(z3::select(c, bv(at + 1)), z3::select(c, bv(at))));
      // skb->len counts the paged part of a non-linear skb too: at least data_end - data.
      solver_.add(z3::uge(len, packet_len_.extract(31, 0)));
    }
  }

  const VerifierInput& in = *setup_.input;
  const interp::Environment& env = *setup_.env;
  s.hashes.resize(in.maps.size());
  map_regions_.assign(in.maps.size(), -1);
  for (size_t i = 0; i < in.maps.size() && i < env.map_count(); ++i) {
    const interp::Map& m = env.map_at(i);
    const MapDescriptor& d = in.maps[i];
    if (m.def().type == interp::MapType::RingBuf) continue;
    const bool frozen = d.read_only && d.max_entries == 1 && d.frozen_value.size() == d.value_size;
    z3::expr initial = ctx_.constant(fmt::format("map{}", i).c_str(), byte_array_);
    if (frozen) {
      initial = zeros;
      for (size_t b = 0; b < d.frozen_value.size(); ++b) initial = z3::store(initial, bv(b), ctx_.bv_val(d.frozen_value[b], 8));
    }
    const int r = region(RegionRole::Map, d.name, static_cast<int64_t>(i), initial, !frozen,
                         m.stride() * m.def().max_entries);
    s.regions[static_cast<size_t>(r)].stride = m.stride();
    s.regions[static_cast<size_t>(r)].elem_size = m.def().value_size;
    map_regions_[i] = r;
    if (!array_like(m.def().type)) {
      for (uint32_t slot = m.def().max_entries; slot > 0; --slot) s.hashes[i].free_slots.push_back(slot - 1);
    }
  }
  for (const VariableDescriptor& v : in.variables) {
    variable_regions_.push_back(region(RegionRole::Variable, v.name, v.id,
                                       ctx_.constant(fmt::format("var{}", v.id).c_str(), byte_array_), true, v.size));
  }
  return s;
}

// ---- search -------------------------------------------------------------------------------

// Instructions from which the target can still be reached, in the graph of jumps, fall-throughs,
// calls (to their callee) and returns (from any exit to every return site): a path elsewhere
// can no longer violate the check there, whatever it does, and ends.
std::vector<bool> SymbolicExecutor::can_reach(size_t target) const {
  const size_t n = prog_.size();
  std::vector<std::vector<size_t>> preds(n);
  std::vector<size_t> return_sites, exits;
  auto edge = [&](size_t from, int64_t to) {
    if (to >= 0 && static_cast<size_t>(to) < n) preds[static_cast<size_t>(to)].push_back(from);
  };
  for (size_t pc = 0; pc < n; ++pc) {
    const Encoding& row = prog_.row(pc);
    const Insn& insn = prog_.insns[pc];
    switch (row.kind) {
      case Kind::Jump:
        edge(pc, semantics::branch_target(insn, row, pc));
        if (row.jmp_op() != JmpOp::Ja) edge(pc, static_cast<int64_t>(pc) + 1);
        break;
      case Kind::Exit: exits.push_back(pc); break;
      case Kind::Call:
        if (row.call_kind() == CallKind::Local) {
          edge(pc, semantics::branch_target(insn, row, pc));
          return_sites.push_back(pc + 1);
        } else if (row.call_kind() == CallKind::Indirect) {
          for (size_t t = 0; t < n; ++t) {
            if (prog_.row(t).kind == Kind::LoadImm64 && prog_.row(t).lddw_kind() == LddwKind::CodeAddr) {
              edge(pc, semantics::branch_target(prog_.insns[t], prog_.row(t), t));
            }
          }
          edge(pc, static_cast<int64_t>(pc) + 1);
          return_sites.push_back(pc + 1);
        } else {
          edge(pc, static_cast<int64_t>(pc) + 1);
        }
        break;
      case Kind::LoadImm64: edge(pc, static_cast<int64_t>(pc) + 2); break;
      case Kind::WideSlot: break;
      default: edge(pc, static_cast<int64_t>(pc) + 1); break;
    }
  }
  for (size_t e : exits) {
    for (size_t r : return_sites) edge(e, static_cast<int64_t>(r));
  }
  std::vector<bool> reach(n, false);
  std::vector<size_t> todo{target};
  reach[target] = true;
  while (!todo.empty()) {
    const size_t pc = todo.back();
    todo.pop_back();
    for (size_t p : preds[pc]) {
      if (!reach[p]) {
        reach[p] = true;
        todo.push_back(p);
      }
    }
  }
  return reach;
}

SearchResult SymbolicExecutor::search(size_t target_pc, const ViolationSet& wanted) {
  const double start = now_seconds();
  reaches_target_ = can_reach(target_pc);
  deadline_ = start + options_.timeout_seconds;
  target_pc_ = target_pc;
  wanted_ = wanted;
  result_ = SearchResult{};
  model_.reset();
  work_.clear();
  work_.push_back(Item{initial_state(), 0, std::nullopt});
  while (!work_.empty() && !result_.found) {
    if (out_of_budget()) break;
    Item it = std::move(work_.back());
    work_.pop_back();
    while (scopes_ > it.scope) {
      solver_.pop();
      --scopes_;
    }
    solver_.push();
    ++scopes_;
    if (it.cond && !satisfied(*it.cond)) {
      solver_.add(*it.cond);
      const z3::check_result r = check();
      if (r == z3::unknown && result_.budget.empty()) result_.budget = "solver timeout";
      if (r != z3::sat) continue;  // an infeasible branch: pruned
    } else if (it.cond) {
      solver_.add(*it.cond);
    }
    const Flow f = run(it.state);
    if (f == Flow::Ended) ++result_.stats.paths;
  }
  while (scopes_ > 0) {
    solver_.pop();
    --scopes_;
  }
  work_.clear();
  result_.stats.seconds = now_seconds() - start;
  result_.stats.complete = !result_.found && result_.budget.empty() && result_.stats.depth_cuts == 0 &&
                           result_.stats.abandoned == 0;
  return std::move(result_);
}

SymbolicExecutor::Flow SymbolicExecutor::run(SymState& s) {
  for (;;) {
    if (out_of_budget()) return Flow::Ended;
    ++result_.stats.steps;
    const Flow f = step(s);
    if (f != Flow::Continue) return f;
  }
}

SymbolicExecutor::Flow SymbolicExecutor::advance(SymState& s, size_t next) {
  s.choices.clear();
  s.decided.clear();
  if (next <= s.pc) {
    // A backward jump: the loop it closes may run `depth` more times on this path.
    if (++s.back_edges[next] > options_.depth) {
      ++result_.stats.depth_cuts;
      return Flow::Ended;
    }
  }
  s.pc = next;
  ++s.steps;
  return Flow::Continue;
}

std::vector<int> SymbolicExecutor::registers_read(const SymState& s) const {
  const Insn& insn = prog_.insns[s.pc];
  const Encoding& row = prog_.row(s.pc);
  const bool reg = row.operand == Operand::Reg;
  std::vector<int> out;
  switch (row.kind) {
    case Kind::Alu:
      if (row.alu_op() != AluOp::Mov && row.alu_op() != AluOp::Movsx) out.push_back(insn.dst);
      if (reg) out.push_back(insn.src);
      break;
    case Kind::Jump:
      if (row.jmp_op() == JmpOp::Ja) break;
      out.push_back(insn.dst);
      if (reg) out.push_back(insn.src);
      break;
    case Kind::Load: out.push_back(insn.src); break;
    case Kind::Store:
      out.push_back(insn.dst);
      if (reg) out.push_back(insn.src);
      break;
    case Kind::Atomic:
      out.push_back(insn.dst);
      out.push_back(insn.src);
      if (row.atomic_op() == AtomicOp::Cmpxchg) out.push_back(0);
      break;
    case Kind::PacketLoad:
      if (reg) out.push_back(insn.src);
      break;
    case Kind::Call: {
      if (row.call_kind() == CallKind::Indirect) {
        out.push_back(insn.dst);
        break;
      }
      if (row.call_kind() == CallKind::Local) break;
      const Platform& plat = *setup_.input->platform;
      const HelperPrototype* p =
          row.call_kind() == CallKind::Kfunc ? plat.find_kfunc(insn.imm) : plat.find_helper(insn.imm);
      if (p == nullptr) break;
      for (int i = 0; i < 5; ++i) {
        if (p->args[static_cast<size_t>(i)] != ArgType::None) out.push_back(i + 1);
      }
      break;
    }
    default: break;
  }
  (void)s;
  return out;
}

SymbolicExecutor::Flow SymbolicExecutor::step(SymState& s) {
  if (s.pc >= prog_.size()) return Flow::Ended;
  if (!reaches_target_[s.pc]) return Flow::Ended;  // past the target for good
  const Insn& insn = prog_.insns[s.pc];
  const Encoding& row = prog_.row(s.pc);
  if (at_target(s) && wants(Violation::RegUninit)) {
    bool uninit = false;
    for (int r : registers_read(s)) uninit = uninit || !s.regs[static_cast<size_t>(r)].init;
    Expectation e;
    e.kind = Expectation::Kind::Reach;
    e.pc = s.pc;
    e.steps_before = s.steps;
    if (uninit && offer(s, Violation::RegUninit, ctx_.bool_val(true), e)) return Flow::Found;
  }
  switch (row.kind) {
    case Kind::Alu: return alu(s, insn, row);
    case Kind::Jump: return jump(s, insn, row);
    case Kind::Load: return load(s, insn, row);
    case Kind::Store: return store(s, insn, row);
    case Kind::Atomic: return atomic(s, insn, row);
    case Kind::PacketLoad: return packet_load(s, insn, row);
    case Kind::LoadImm64: return lddw(s, insn, row);
    case Kind::Call: return call(s, insn, row);
    case Kind::Exit: return exit_insn(s);
    case Kind::MayGoto:  // its per-frame budget is not modelled: the path is left unexplored
      abandon("may_goto (its budget per frame is not modelled)");
      return Flow::Ended;
    case Kind::WideSlot: return Flow::Ended;  // the VM traps: not an instruction
  }
  return Flow::Ended;
}

// ---- ALU and jumps ------------------------------------------------------------------------

SymbolicExecutor::Flow SymbolicExecutor::alu(SymState& s, const Insn& insn, const Encoding& row) {
  SymValue& d = s.regs[insn.dst];
  const SymValue src = row.operand == Operand::Reg ? s.regs[insn.src] : scalar(bv(semantics::imm_operand(insn.imm)));
  const AluOp op = row.alu_op();
  const auto compute = [&](const z3::expr& a, const z3::expr& b) {
    return semantics::alu<Z3Word>(op, row.width, w(a), w(b), row.size).e.simplify();
  };
  if (op == AluOp::Mov && row.operand == Operand::Reg && row.width == Width::W64) {
    d = src;  // a copy keeps what the value is (pointer or scalar) and whether it was written
  } else if ((op == AluOp::Mov || op == AluOp::Movsx) && !src.is_ptr()) {
    d = scalar(compute(d.v, src.v));
  } else if (!d.is_ptr() && !src.is_ptr()) {
    d = scalar(compute(d.v, src.v));
  } else if (row.width == Width::W64 && d.is_ptr() && !src.is_ptr() && (op == AluOp::Add || op == AluOp::Sub)) {
    d = SymValue{compute(d.v, src.v), d.region, true, d.object, d.object_size};
  } else if (row.width == Width::W64 && !d.is_ptr() && src.is_ptr() && op == AluOp::Add) {
    d = SymValue{compute(d.v, src.v), src.region, true, src.object, src.object_size};
  } else if (row.width == Width::W64 && d.is_ptr() && src.is_ptr() && op == AluOp::Sub && d.region == src.region) {
    d = scalar(compute(d.v, src.v));  // the bases cancel
  } else {
    abandon("arithmetic whose result depends on a pointer's address");
    return Flow::Ended;
  }
  return advance(s, s.pc + 1);
}

SymbolicExecutor::Flow SymbolicExecutor::jump(SymState& s, const Insn& insn, const Encoding& row) {
  const auto target = static_cast<size_t>(semantics::branch_target(insn, row, s.pc));
  if (row.jmp_op() == JmpOp::Ja) return advance(s, target);
  const SymValue a = s.regs[insn.dst];
  const SymValue b = row.operand == Operand::Reg ? s.regs[insn.src] : scalar(bv(semantics::imm_operand(insn.imm)));
  auto address = [&](const SymValue& v) {
    const SymRegion& r = s.regions[static_cast<size_t>(v.region)];
    return v.v + bv(nominal_base(r.role, r.object));
  };
  uint64_t k = 1;
  z3::expr cond = ctx_.bool_val(false);
  if (!a.is_ptr() && !b.is_ptr()) {
    cond = semantics::jump_taken<Z3Word>(row.jmp_op(), row.width, w(a.v), w(b.v)).e;
  } else if (row.width == Width::W64 && a.is_ptr() && b.is_ptr() && a.region == b.region) {
    cond = semantics::jump_taken<Z3Word>(row.jmp_op(), row.width, w(address(a)), w(address(b))).e;
  } else if (row.width == Width::W64 && a.is_ptr() != b.is_ptr() && numeral(a.is_ptr() ? b.v : a.v, k) && k == 0) {
    // Against null: a pointer into a region is never 0.
    cond = semantics::jump_taken<Z3Word>(row.jmp_op(), row.width, w(a.is_ptr() ? address(a) : a.v),
                                         w(b.is_ptr() ? address(b) : b.v))
               .e;
  } else {
    abandon("a comparison whose outcome depends on pointers' addresses");
    return Flow::Ended;
  }
  cond = cond.simplify();
  if (cond.is_true()) return advance(s, target);
  if (cond.is_false()) return advance(s, s.pc + 1);
  // Both ways: the fall-through is explored first (pushed last).
  SymState taken = s;
  if (advance(taken, target) == Flow::Continue) work_.push_back(Item{std::move(taken), scopes_, cond});
  if (advance(s, s.pc + 1) == Flow::Continue) work_.push_back(Item{std::move(s), scopes_, !cond});
  return Flow::Forked;
}

// ---- memory -------------------------------------------------------------------------------

z3::expr SymbolicExecutor::region_contains(const SymState& s, int region, const z3::expr& off, const z3::expr& n) const {
  const SymRegion& r = s.regions[static_cast<size_t>(region)];
  z3::expr lo = r.lo, size = r.size;
  if (r.role == RegionRole::Stack) {
    // Memory::in_stack: the frames of active calls, the current one lowest.
    const uint64_t active = kFrame * (s.frames.size() + 1);
    lo = bv(kStackBytes - active);
    size = bv(active);
  }
  // Region::contains over offsets: addr - start <= size - len, with len <= size.
  const z3::expr rel = off - lo;
  z3::expr c = z3::ule(n, size) && z3::ule(rel, size - n);
  if (r.stride != 0) {
    const z3::expr in_elem = z3::urem(rel, bv(r.stride));
    c = c && z3::ule(in_elem, bv(r.elem_size)) && z3::ule(n, bv(r.elem_size) - in_elem);
  }
  return c.simplify();
}

SymbolicExecutor::Access SymbolicExecutor::resolve(const SymState& s, const SymValue& base, int64_t off,
                                                   const z3::expr& n) const {
  const z3::expr offset = (base.v + bv(static_cast<uint64_t>(off))).simplify();
  return Access{base.region, offset, region_contains(s, base.region, offset, n)};
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

namespace {

// The frame depth a stack offset belongs to, and the byte's index in that frame's init array.
z3::expr frame_of(const z3::expr& o, z3::context& ctx) {
  return z3::udiv(ctx.bv_val(kStackBytes - 1, 64) - o, ctx.bv_val(kFrame, 64));
}

}  // namespace

z3::expr SymbolicExecutor::stack_uninit(const SymState& s, const z3::expr& off, const z3::expr& n, unsigned max_n) const {
  z3::expr any = ctx_.bool_val(false);
  const int depth = static_cast<int>(s.frames.size());
  for (unsigned i = 0; i < max_n; ++i) {
    const z3::expr o = (off + bv(i)).simplify();
    const z3::expr index = o & bv(kFrame - 1);
    uint64_t k = 0;
    z3::expr init = ctx_.bool_val(true);  // outside the active frames: the bounds check speaks
    if (numeral(o, k)) {
      if (k < kStackBytes) {
        const uint64_t f = (kStackBytes - 1 - k) / kFrame;
        if (f <= static_cast<uint64_t>(depth)) init = z3::select(s.stack_init[f], bv(k % kFrame));
      }
    } else {
      for (int f = depth; f >= 0; --f) {
        init = z3::ite(frame_of(o, ctx_) == bv(static_cast<uint64_t>(f)) && z3::ult(o, bv(kStackBytes)),
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
      const uint64_t f = (kStackBytes - 1 - k) / kFrame;
      if (f < static_cast<uint64_t>(kFrames)) s.stack_init[f] = z3::store(s.stack_init[f], bv(k % kFrame), ctx_.bool_val(true));
      continue;
    }
    const z3::expr index = o & bv(kFrame - 1);
    for (int f = 0; f <= depth; ++f) {
      z3::expr& a = s.stack_init[static_cast<size_t>(f)];
      a = z3::store(a, index, z3::ite(frame_of(o, ctx_) == bv(static_cast<uint64_t>(f)), ctx_.bool_val(true), z3::select(a, index)));
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
  Expectation trap;
  trap.kind = Expectation::Kind::Trap;
  trap.trap = interp::TrapKind::OutOfBounds;
  trap.pc = s.pc;
  trap.steps_before = s.steps;
  if (!base.is_ptr()) {
    // A scalar address: the VM finds no region there and traps.
    if (at_target(s) && (offer(s, Violation::Null, base.v == bv(0), trap) || offer(s, Violation::Type, ctx_.bool_val(true), trap))) {
      return Flow::Found;
    }
    return Flow::Ended;
  }
  const Access a = resolve(s, base, insn.off, bv(n));
  if (at_target(s)) {
    if (offer(s, Violation::Bounds, !a.in_bounds, trap)) return Flow::Found;
    Expectation reach = trap;
    reach.kind = Expectation::Kind::Reach;
    if (offer(s, Violation::ObjectBounds, a.in_bounds && object_overflow(base, a.offset, bv(n)), reach)) return Flow::Found;
    if (s.regions[static_cast<size_t>(a.region)].role == RegionRole::Stack &&
        offer(s, Violation::StackUninit, a.in_bounds && stack_uninit(s, a.offset, bv(n), n), reach)) {
      return Flow::Found;
    }
  }
  if (!assume(a.in_bounds)) return Flow::Ended;  // every execution of this path traps here
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
    Expectation reach = trap;
    reach.kind = Expectation::Kind::Reach;
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
  Expectation trap;
  trap.kind = Expectation::Kind::Trap;
  trap.trap = interp::TrapKind::OutOfBounds;
  trap.pc = s.pc;
  trap.steps_before = s.steps;
  if (!base.is_ptr()) {
    if (at_target(s) && (offer(s, Violation::Null, base.v == bv(0), trap) || offer(s, Violation::Type, ctx_.bool_val(true), trap))) {
      return Flow::Found;
    }
    return Flow::Ended;
  }
  const Access a = resolve(s, base, insn.off, bv(n));
  const bool writable = s.regions[static_cast<size_t>(a.region)].writable;
  if (at_target(s)) {
    if (offer(s, Violation::Bounds, !a.in_bounds, trap)) return Flow::Found;
    Expectation ro = trap;
    ro.trap = interp::TrapKind::WriteToReadOnly;
    if (!writable && offer(s, Violation::ReadOnly, a.in_bounds, ro)) return Flow::Found;
    Expectation reach = trap;
    reach.kind = Expectation::Kind::Reach;
    if (writable && offer(s, Violation::ObjectBounds, a.in_bounds && object_overflow(base, a.offset, bv(n)), reach)) {
      return Flow::Found;
    }
  }
  if (!writable || !assume(a.in_bounds)) return Flow::Ended;  // the VM traps
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
  Expectation trap;
  trap.kind = Expectation::Kind::Trap;
  trap.trap = interp::TrapKind::OutOfBounds;
  trap.pc = s.pc;
  trap.steps_before = s.steps;
  if (!base.is_ptr()) {
    if (at_target(s) && (offer(s, Violation::Null, base.v == bv(0), trap) || offer(s, Violation::Type, ctx_.bool_val(true), trap))) {
      return Flow::Found;
    }
    return Flow::Ended;
  }
  const Access a = resolve(s, base, insn.off, bv(n));
  const bool writable = s.regions[static_cast<size_t>(a.region)].writable;
  if (at_target(s)) {
    if (offer(s, Violation::Bounds, !a.in_bounds, trap)) return Flow::Found;
    Expectation ro = trap;
    ro.trap = interp::TrapKind::WriteToReadOnly;
    if (!writable && offer(s, Violation::ReadOnly, a.in_bounds, ro)) return Flow::Found;
    Expectation reach = trap;
    reach.kind = Expectation::Kind::Reach;
    if (writable && offer(s, Violation::ObjectBounds, a.in_bounds && object_overflow(base, a.offset, bv(n)), reach)) {
      return Flow::Found;
    }
    if (s.regions[static_cast<size_t>(a.region)].role == RegionRole::Stack &&
        offer(s, Violation::StackUninit, a.in_bounds && stack_uninit(s, a.offset, bv(n), n), reach)) {
      return Flow::Found;
    }
  }
  if (!writable || !assume(a.in_bounds)) return Flow::Ended;
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
  // every load is out of range (interp::Invocation::packet).
  int region = -1;
  z3::expr size = bv(0);
  if (has_memory(setup_.entry)) {
    region = memory_region_;
    size = bv(setup_.memory_size);
  } else if (setup_.entry == EntryKind::SkBuff) {
    region = packet_region_;
    size = packet_len_;
  }
  z3::expr offset = bv(static_cast<uint64_t>(static_cast<int64_t>(insn.imm)));
  if (row.operand == Operand::Reg) {
    const SymValue& src = s.regs[insn.src];
    if (src.is_ptr()) {
      abandon("a legacy packet load indexed by a pointer");
      return Flow::Ended;
    }
    offset = z3::sext(src.v.extract(31, 0) + ctx_.bv_val(static_cast<uint32_t>(insn.imm), 32), 32);
  }
  offset = offset.simplify();
  const z3::expr in =
      region < 0 ? ctx_.bool_val(false) : (!z3::slt(offset, bv(0)) && z3::ule(offset + bv(n), size)).simplify();
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
  const interp::Environment& env = *setup_.env;
  const uint64_t linked = setup_.linked.lddw_values[s.pc];
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
        index = env.map_index_by_fd(insn.imm);
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
  return advance(s, s.pc + 2);
}

// ---- calls --------------------------------------------------------------------------------

SymbolicExecutor::Flow SymbolicExecutor::call(SymState& s, const Insn& insn, const Encoding& row) {
  switch (row.call_kind()) {
    case CallKind::Helper: return helper_call(s, insn.imm, false);
    case CallKind::Kfunc: return helper_call(s, insn.imm, true);
    case CallKind::Local: return local_call(s, static_cast<size_t>(semantics::branch_target(insn, row, s.pc)));
    case CallKind::Indirect: {
      const SymValue& t = s.regs[insn.dst];
      uint64_t target = 0;
      if (t.is_ptr() || !numeral(t.v, target)) {
        abandon("callx to a target the input decides");
        return Flow::Ended;
      }
      if ((target & interp::kHandleMask) == interp::kCodeAddressBase) {
        const uint64_t pc = target - interp::kCodeAddressBase;
        if (pc >= prog_.size() || prog_.row(pc).kind == Kind::WideSlot) return Flow::Ended;  // the VM traps
        return local_call(s, pc);
      }
      if (target > INT32_MAX) return Flow::Ended;
      return helper_call(s, static_cast<int32_t>(target), false);
    }
  }
  return Flow::Ended;
}

SymbolicExecutor::Flow SymbolicExecutor::local_call(SymState& s, size_t target) {
  if (s.frames.size() + 1 >= static_cast<size_t>(interp::kMaxCallFrames)) return Flow::Ended;  // call-depth trap
  s.frames.push_back(Frame{std::vector<SymValue>(s.regs.begin() + 6, s.regs.begin() + 10), s.regs[10], s.pc + 1,
                           std::move(s.back_edges)});
  s.back_edges.clear();
  const z3::expr top = (s.regs[10].v - bv(kFrame)).simplify();
  s.regs[10] = SymValue{top, s.regs[10].region, true, (top - bv(kFrame)).simplify(), bv(kFrame)};
  s.regs[0].init = false;  // the callee starts without r0 or r6-r9 (the VM keeps their values)
  for (int r = 6; r <= 9; ++r) s.regs[static_cast<size_t>(r)].init = false;
  s.stack_init[s.frames.size()] = z3::const_array(ctx_.bv_sort(64), ctx_.bool_val(false));
  s.choices.clear();
  s.decided.clear();
  s.pc = target;
  ++s.steps;
  return Flow::Continue;
}

SymbolicExecutor::Flow SymbolicExecutor::exit_insn(SymState& s) {
  const SymValue r0 = s.regs[0];
  if (s.frames.empty()) {
    if (at_target(s)) {
      Expectation e;
      e.pc = s.pc;
      e.steps_before = s.steps;
      e.kind = Expectation::Kind::Reach;
      if ((!r0.init || r0.is_ptr()) && offer(s, Violation::ExitR0, ctx_.bool_val(true), e)) return Flow::Found;
      if (r0.init && !r0.is_ptr() && setup_.type->return_range) {
        const auto [lo, hi] = *setup_.type->return_range;
        e.kind = Expectation::Kind::Exit;
        if (offer(s, Violation::ExitR0,
                  z3::slt(r0.v, bv(static_cast<uint64_t>(lo))) || z3::slt(bv(static_cast<uint64_t>(hi)), r0.v), e)) {
          result_.exit_r0 = r0.v;
          return Flow::Found;
        }
      }
    }
    return Flow::Ended;
  }
  if (at_target(s) && !r0.init) {
    Expectation e;
    e.kind = Expectation::Kind::Reach;
    e.pc = s.pc;
    e.steps_before = s.steps;
    if (offer(s, Violation::ExitR0, ctx_.bool_val(true), e)) return Flow::Found;
  }
  Frame f = std::move(s.frames.back());
  s.frames.pop_back();
  for (int r = 6; r <= 9; ++r) s.regs[static_cast<size_t>(r)] = f.saved[static_cast<size_t>(r - 6)];
  s.regs[10] = f.saved_r10;
  for (int r = 1; r <= 5; ++r) s.regs[static_cast<size_t>(r)].init = false;  // caller-saved: the verifier forgets them
  s.back_edges = std::move(f.back_edges);
  s.pc = f.return_pc;
  ++s.steps;
  return Flow::Continue;
}

// ---- helpers ------------------------------------------------------------------------------

void SymbolicExecutor::memory_arg(const SymState& s, int reg, const z3::expr& n, bool write, std::vector<Fault>& faults,
                                  std::vector<Fault>* quiet) {
  const SymValue& v = s.regs[static_cast<size_t>(reg)];
  const z3::expr used = (n != bv(0)).simplify();
  if (!v.is_ptr()) {
    faults.push_back({Violation::Null, used && v.v == bv(0)});
    faults.push_back({Violation::Type, used && v.v != bv(0)});
    return;
  }
  const z3::expr in = region_contains(s, v.region, v.v, n);
  faults.push_back({Violation::Bounds, used && !in});
  if (write && !s.regions[static_cast<size_t>(v.region)].writable) faults.push_back({Violation::HelperArg, used && in});
  if (quiet == nullptr) return;
  quiet->push_back({Violation::ObjectBounds, used && in && object_overflow(v, v.v, n)});
  if (!write && s.regions[static_cast<size_t>(v.region)].role == RegionRole::Stack) {
    uint64_t k = 0;
    const unsigned max_n = numeral(n, k) ? static_cast<unsigned>(std::min<uint64_t>(k, kFrame)) : static_cast<unsigned>(kFrame);
    quiet->push_back({Violation::StackUninit, in && stack_uninit(s, v.v, n, max_n)});
  }
}

z3::expr SymbolicExecutor::object_overflow(const SymValue& base, const z3::expr& off, const z3::expr& n) const {
  if (!base.object || !base.object_size) return ctx_.bool_val(false);
  const z3::expr& size = *base.object_size;
  return (!(z3::ule(n, size) && z3::ule(off - *base.object, size - n))).simplify();
}

std::optional<size_t> SymbolicExecutor::map_arg(const SymState& s, int reg, std::vector<Fault>& faults, std::string& why) {
  const SymValue& v = s.regs[static_cast<size_t>(reg)];
  uint64_t k = 0;
  if (!v.is_ptr() && !numeral(v.v, k)) {
    why = "a map argument the input decides";
    return std::nullopt;
  }
  const interp::Environment& env = *setup_.env;
  const bool handle = !v.is_ptr() && (k & interp::kHandleMask) == interp::kMapHandleBase &&
                      k - interp::kMapHandleBase < env.map_count();
  if (!handle) {
    faults.push_back({Violation::HelperArg, ctx_.bool_val(true)});  // the VM's helper: "is not a map"
    return std::nullopt;
  }
  return static_cast<size_t>(k - interp::kMapHandleBase);
}

bool SymbolicExecutor::context_arg(const SymState& s, int reg, std::vector<Fault>& faults) {
  const SymValue& v = s.regs[static_cast<size_t>(reg)];
  if (v.region == context_region_ && context_region_ >= 0) {
    faults.push_back({Violation::HelperArg, v.v != bv(0)});
    return true;
  }
  faults.push_back({Violation::HelperArg, ctx_.bool_val(true)});  // "is not the program's context"
  return false;
}

SymbolicExecutor::Flow SymbolicExecutor::faults_at(SymState& s, std::vector<Fault>& faults, const Expectation& expect) {
  if (at_target(s)) {
    for (const Fault& f : faults) {
      if (offer(s, f.kind, f.cond, expect)) return Flow::Found;
    }
  }
  z3::expr none = ctx_.bool_val(true);
  for (const Fault& f : faults) none = none && !f.cond;
  return assume(none) ? Flow::Continue : Flow::Ended;  // otherwise the helper faults on every input
}

SymbolicExecutor::Flow SymbolicExecutor::finish_call(SymState& s, const SymValue& r0) {
  s.regs[0] = r0;
  for (int r = 1; r <= 5; ++r) s.regs[static_cast<size_t>(r)].init = false;  // the VM keeps them; the verifier does not
  return advance(s, s.pc + 1);
}

SymbolicExecutor::Flow SymbolicExecutor::helper_call(SymState& s, int32_t id, bool kfunc) {
  const interp::Environment& env = *setup_.env;
  const interp::Helper* callee = kfunc ? env.kfunc(id) : env.helper(id);
  const Platform& plat = *setup_.input->platform;
  const HelperPrototype* proto = kfunc ? plat.find_kfunc(id) : plat.find_helper(id);
  if (callee == nullptr) {
    if (proto == nullptr) return Flow::Ended;  // the VM traps, and the verifier says helper.unknown
    // The platform has it, the VM does not: what follows the call is not the VM's to show.
    abandon(fmt::format("the reference VM does not implement {} {} ({})", kfunc ? "kfunc" : "helper", id, proto->name));
    return Flow::Ended;
  }
  const std::string& name = callee->name;
  Expectation fault;
  fault.kind = Expectation::Kind::Trap;
  fault.trap = interp::TrapKind::HelperFault;
  fault.pc = s.pc;
  fault.steps_before = s.steps;
  Expectation reach = fault;
  reach.kind = Expectation::Kind::Reach;

  std::vector<Fault> faults, quiet;
  auto check_faults = [&]() {
    if (at_target(s)) {
      for (const Fault& q : quiet) {
        if (offer(s, q.kind, q.cond, reach)) return Flow::Found;
      }
    }
    return faults_at(s, faults, fault);
  };

  if (name == "bpf_map_lookup_elem" || name == "bpf_map_update_elem" || name == "bpf_map_delete_elem") {
    std::string why;
    const std::optional<size_t> map = map_arg(s, 1, faults, why);
    if (!why.empty()) {
      abandon(why);
      return Flow::Ended;
    }
    if (map) {
      const MapDescriptor& d = setup_.input->maps[*map];
      memory_arg(s, 2, bv(d.key_size), false, faults, &quiet);
      if (name == "bpf_map_update_elem") memory_arg(s, 3, bv(d.value_size), false, faults, &quiet);
    }
    const Flow f = check_faults();
    if (f != Flow::Continue) return f;
    if (!map) return Flow::Ended;
    if (name == "bpf_map_lookup_elem") return map_lookup(s, *map);
    if (name == "bpf_map_update_elem") return map_update(s, *map);
    return map_delete(s, *map);
  }
  if (name == "bpf_tail_call") {
    context_arg(s, 1, faults);
    std::string why;
    const std::optional<size_t> map = map_arg(s, 2, faults, why);
    if (!why.empty()) {
      abandon(why);
      return Flow::Ended;
    }
    if (map && env.map_at(*map).def().type != interp::MapType::ProgArray) faults.push_back({Violation::HelperArg, ctx_.bool_val(true)});
    const Flow f = check_faults();
    if (f != Flow::Continue) return f;
    // The replay fills no prog array slot, so the call fails and the program goes on (-ENOENT).
    return finish_call(s, scalar(bv(static_cast<uint64_t>(int64_t{-2}))));
  }
  if (name == "bpfcert_test_sum5" || name == "bpfcert_kfunc_sum5" || name == "bpfcert_kfunc_mul") {
    const bool mul = name == "bpfcert_kfunc_mul";
    for (int r = 1; r <= (mul ? 2 : 5); ++r) {
      if (s.regs[static_cast<size_t>(r)].is_ptr()) {
        abandon("a test helper given a pointer (its result is an address)");
        return Flow::Ended;
      }
    }
    z3::expr acc = s.regs[1].v;
    for (int r = 2; r <= (mul ? 2 : 5); ++r) {
      acc = semantics::alu<Z3Word>(mul ? AluOp::Mul : AluOp::Add, Width::W64, w(acc), w(s.regs[static_cast<size_t>(r)].v)).e;
    }
    return finish_call(s, scalar(acc.simplify()));
  }
  if (name == "bpfcert_kfunc_memset") {
    if (s.regs[3].is_ptr()) {
      abandon("memset of a length that is a pointer");
      return Flow::Ended;
    }
    memory_arg(s, 1, s.regs[3].v, true, faults, &quiet);
    const Flow f = check_faults();
    if (f != Flow::Continue) return f;
    uint64_t len = 0;
    if (!numeral(s.regs[3].v, len) || len > kStackBytes) {
      abandon("memset of a length the input decides");
      return Flow::Ended;
    }
    if (len == 0) return finish_call(s, scalar(bv(0)));
    const z3::expr byte = s.regs[2].is_ptr() ? fresh("memset_byte", 8) : s.regs[2].v.extract(7, 0);
    write_bytes(s, s.regs[1].region, s.regs[1].v, std::vector<z3::expr>(len, byte));
    return finish_call(s, scalar(bv(len)));
  }
  if (name == "bpf_skb_load_bytes" && packet_region_ >= 0) {
    context_arg(s, 1, faults);
    if (s.regs[4].is_ptr() || s.regs[2].is_ptr()) {
      abandon("bpf_skb_load_bytes with a pointer as offset or length");
      return Flow::Ended;
    }
    memory_arg(s, 3, s.regs[4].v, true, faults, &quiet);
    const Flow f = check_faults();
    if (f != Flow::Continue) return f;
    uint64_t len = 0;
    if (!numeral(s.regs[4].v, len) || len > kStackBytes) {
      abandon("bpf_skb_load_bytes with a length the input decides");
      return Flow::Ended;
    }
    // linux_context.cpp: the packet's bytes [offset, offset + len) from data, or zeroes and -EFAULT.
    const z3::expr off = s.regs[2].v;
    const z3::expr size = packet_len_ - *s.data_off;
    const z3::expr in = (z3::ule(off, size) && z3::ule(bv(len), size - off)).simplify();
    if (len != 0) {
      const std::vector<z3::expr> src = read_bytes(s, packet_region_, (*s.data_off + off).simplify(), static_cast<unsigned>(len));
      std::vector<z3::expr> bytes;
      for (const z3::expr& b : src) bytes.push_back(z3::ite(in, b, ctx_.bv_val(0, 8)).simplify());
      write_bytes(s, s.regs[3].region, s.regs[3].v, bytes);
    }
    return finish_call(s, scalar(z3::ite(in, bv(0), bv(static_cast<uint64_t>(int64_t{-14}))).simplify()));
  }
  if (proto == nullptr) {
    abandon(fmt::format("{} has no prototype on the platform", name));
    return Flow::Ended;
  }
  if ((name == "bpf_xdp_adjust_head" || name == "bpf_xdp_adjust_meta" || name == "bpf_skb_store_bytes") &&
      packet_region_ >= 0) {
    return packet_helper(s, name);
  }
  return generic_helper(s, id, name, *proto);
}

SymValue SymbolicExecutor::packet_pointer(const SymState& s, PointerKind kind) const {
  const z3::expr& data = *s.data_off;
  switch (kind) {
    case PointerKind::PacketEnd: return SymValue{packet_len_, packet_region_, true};
    case PointerKind::PacketMeta:
      return SymValue{*s.meta_off, packet_region_, true, *s.meta_off, (data - *s.meta_off).simplify()};
    default: return SymValue{data, packet_region_, true, data, (packet_len_ - data).simplify()};
  }
}

// The verifier's rule after a helper that may move packet data: every packet pointer is void
// (the VM's pointers still work, so reading one is what a witness of reg.uninit shows).
void SymbolicExecutor::invalidate_packet_pointers(SymState& s) {
  for (SymValue& v : s.regs) {
    if (v.region == packet_region_) v.init = false;
  }
  for (SymRegion& r : s.regions) {
    for (auto& [at, v] : r.spills) {
      if (v.region == packet_region_) v.init = false;
    }
  }
}

SymbolicExecutor::Flow SymbolicExecutor::packet_helper(SymState& s, const std::string& name) {
  std::vector<Fault> faults, quiet;
  context_arg(s, 1, faults);
  Expectation fault;
  fault.kind = Expectation::Kind::Trap;
  fault.trap = interp::TrapKind::HelperFault;
  fault.pc = s.pc;
  fault.steps_before = s.steps;
  const bool store = name == "bpf_skb_store_bytes";
  if (s.regs[2].is_ptr() || (store && s.regs[4].is_ptr())) {
    abandon(fmt::format("{} given a pointer where it takes a number", name));
    return Flow::Ended;
  }
  if (store) memory_arg(s, 3, s.regs[4].v, false, faults, &quiet);
  if (at_target(s)) {
    Expectation reach = fault;
    reach.kind = Expectation::Kind::Reach;
    for (const Fault& q : quiet) {
      if (offer(s, q.kind, q.cond, reach)) return Flow::Found;
    }
  }
  const Flow f = faults_at(s, faults, fault);
  if (f != Flow::Continue) return f;
  const z3::expr data = *s.data_off, meta = *s.meta_off, len = packet_len_;
  const z3::expr headroom = bv(setup_.headroom);
  z3::expr r0 = bv(0);
  if (store) {
    // linux_context.cpp: bytes [offset, offset + len) from data, or -EFAULT.
    uint64_t n = 0;
    if (!numeral(s.regs[4].v, n) || n > kStackBytes) {
      abandon("bpf_skb_store_bytes with a length the input decides");
      return Flow::Ended;
    }
    const z3::expr off = s.regs[2].v, size = len - data;
    const z3::expr in = (z3::ule(off, size) && z3::ule(bv(n), size - off)).simplify();
    if (n != 0) {
      const std::vector<z3::expr> src = read_bytes(s, s.regs[3].region, s.regs[3].v, static_cast<unsigned>(n));
      SymRegion& p = s.regions[static_cast<size_t>(packet_region_)];
      for (uint64_t i = 0; i < n; ++i) {
        const z3::expr at = (data + off + bv(i)).simplify();
        p.bytes = z3::store(p.bytes, at, z3::ite(in, src[i], z3::select(p.bytes, at)));
      }
    }
    r0 = z3::ite(in, bv(0), bv(static_cast<uint64_t>(int64_t{-14})));
  } else {
    const z3::expr delta = z3::sext(s.regs[2].v.extract(31, 0), 32);
    z3::expr ok = ctx_.bool_val(false);
    if (name == "bpf_xdp_adjust_head") {
      const z3::expr meta_len = (data - meta).simplify();
      const z3::expr next = (data + delta).simplify();
      ok = (!(z3::slt(next + headroom, meta_len) || z3::slt(len - next, bv(14)))).simplify();
      uint64_t m = 0;
      if (!numeral(meta_len, m) || m > 32) {
        abandon("bpf_xdp_adjust_head with metadata whose length the input decides");
        return Flow::Ended;
      }
      if (m != 0) {  // the metadata moves with data
        const std::vector<z3::expr> bytes = read_bytes(s, packet_region_, meta, static_cast<unsigned>(m));
        SymRegion& p = s.regions[static_cast<size_t>(packet_region_)];
        for (uint64_t i = 0; i < m; ++i) {
          const z3::expr at = (meta + delta + bv(i)).simplify();
          p.bytes = z3::store(p.bytes, at, z3::ite(ok, bytes[i], z3::select(p.bytes, at)));
        }
      }
      s.data_off = z3::ite(ok, next, data).simplify();
      s.meta_off = z3::ite(ok, next - meta_len, meta).simplify();
    } else {
      // Metadata of at most 32 bytes, a multiple of 4, inside the headroom.
      const z3::expr next = (meta + delta).simplify();
      const z3::expr meta_len = data - next;
      ok = (!(z3::slt(meta_len, bv(0)) || z3::slt(bv(32), meta_len) || z3::urem(meta_len, bv(4)) != bv(0) ||
              z3::slt(next, bv(0) - headroom)))
               .simplify();
      s.meta_off = z3::ite(ok, next, meta).simplify();
    }
    r0 = z3::ite(ok, bv(0), bv(static_cast<uint64_t>(interp::kEINVAL)));
  }
  invalidate_packet_pointers(s);
  return finish_call(s, scalar(r0.simplify()));
}

SymbolicExecutor::Flow SymbolicExecutor::map_lookup(SymState& s, size_t map) {
  const MapDescriptor& d = setup_.input->maps[map];
  const interp::Map& m = setup_.env->map_at(map);
  const SymValue key = s.regs[2];
  const std::vector<z3::expr> kb = read_bytes(s, key.region, key.v, d.key_size);
  const int region = map_regions_[map];
  if (region < 0) return finish_call(s, scalar(bv(0)));  // ring buffers hold no elements
  const uint64_t stride = m.stride();
  if (array_like(m.def().type)) {
    const z3::expr index = z3::zext(z3::concat(z3::concat(kb[3], kb[2]), z3::concat(kb[1], kb[0])), 32);
    const z3::expr in = z3::ult(index, bv(m.def().max_entries));
    const int c = choose(s, {in, !in});
    if (c < 0) return Flow::Forked;
    const z3::expr at = (index * bv(stride)).simplify();
    return finish_call(s, c == 0 ? SymValue{at, region, true, at, bv(d.value_size)} : scalar(bv(0)));
  }
  z3::expr k = kb[0];
  for (size_t i = 1; i < kb.size(); ++i) k = z3::concat(kb[i], k);
  HashState& h = s.hashes[map];
  std::vector<z3::expr> conds;
  z3::expr fresh_key = ctx_.bool_val(true);
  for (const HashKey& known : h.keys) {
    conds.push_back(k == known.key);
    fresh_key = fresh_key && k != known.key;
  }
  const bool can_be_initial = !h.frozen && !h.free_slots.empty();
  conds.push_back(can_be_initial ? fresh_key : ctx_.bool_val(false));  // present at entry: an input
  conds.push_back(fresh_key);                                          // absent
  const int c = choose(s, conds);
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
  const interp::Map& m = setup_.env->map_at(map);
  const SymValue key = s.regs[2], value = s.regs[3], flags = s.regs[4];
  if (flags.is_ptr()) {
    abandon("map update flags that are a pointer");
    return Flow::Ended;
  }
  const int region = map_regions_[map];
  if (region < 0) return finish_call(s, scalar(bv(static_cast<uint64_t>(interp::kEINVAL))));
  // interp/maps.cpp: flags > BPF_EXIST is -EINVAL before anything else.
  uint64_t f = 0;
  if (!numeral(flags.v, f)) {
    const int c = choose(s, {flags.v == bv(0), flags.v == bv(1), flags.v == bv(2), z3::ugt(flags.v, bv(2))});
    if (c < 0) return Flow::Forked;
    f = static_cast<uint64_t>(c);
  }
  auto ret = [&](int64_t e) { return finish_call(s, scalar(bv(static_cast<uint64_t>(e)))); };
  if (f > interp::kUpdateExist) return ret(interp::kEINVAL);
  const std::vector<z3::expr> kb = read_bytes(s, key.region, key.v, d.key_size);
  if (auto why = spill_conflict(s, value.region, value.v, d.value_size, false, nullptr)) {
    abandon(*why);
    return Flow::Ended;
  }
  const std::vector<z3::expr> vb = read_bytes(s, value.region, value.v, d.value_size);
  const uint64_t stride = m.stride();
  if (array_like(m.def().type)) {
    if (f == interp::kUpdateNoExist) return ret(interp::kEEXIST);
    const z3::expr index = z3::zext(z3::concat(z3::concat(kb[3], kb[2]), z3::concat(kb[1], kb[0])), 32);
    const z3::expr in = z3::ult(index, bv(m.def().max_entries)).simplify();
    SymRegion& r = s.regions[static_cast<size_t>(region)];
    for (size_t i = 0; i < vb.size(); ++i) {
      const z3::expr at = (index * bv(stride) + bv(i)).simplify();
      r.bytes = z3::store(r.bytes, at, z3::ite(in, vb[i], z3::select(r.bytes, at)));
    }
    return finish_call(s, scalar(z3::ite(in, bv(0), bv(static_cast<uint64_t>(interp::kE2BIG))).simplify()));
  }
  z3::expr k = kb[0];
  for (size_t i = 1; i < kb.size(); ++i) k = z3::concat(kb[i], k);
  HashState& h = s.hashes[map];
  std::vector<z3::expr> conds;
  z3::expr fresh_key = ctx_.bool_val(true);
  for (const HashKey& known : h.keys) {
    conds.push_back(k == known.key);
    fresh_key = fresh_key && k != known.key;
  }
  conds.push_back(!h.frozen && !h.free_slots.empty() ? fresh_key : ctx_.bool_val(false));
  conds.push_back(fresh_key);
  const int c = choose(s, conds);
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
    if (f == interp::kUpdateNoExist) return ret(interp::kEEXIST);
    write_slot(*present);
    return ret(0);
  }
  if (f == interp::kUpdateExist) {
    if (j >= h.keys.size()) h.keys.push_back(HashKey{k, false, 0, false});
    return ret(interp::kENOENT);
  }
  if (h.free_slots.empty()) return ret(interp::kE2BIG);
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
  const interp::Map& m = setup_.env->map_at(map);
  const SymValue key = s.regs[2];
  auto ret = [&](int64_t e) { return finish_call(s, scalar(bv(static_cast<uint64_t>(e)))); };
  if (array_like(m.def().type) || map_regions_[map] < 0) return ret(interp::kEINVAL);
  const std::vector<z3::expr> kb = read_bytes(s, key.region, key.v, d.key_size);
  z3::expr k = kb[0];
  for (size_t i = 1; i < kb.size(); ++i) k = z3::concat(kb[i], k);
  HashState& h = s.hashes[map];
  std::vector<z3::expr> conds;
  z3::expr fresh_key = ctx_.bool_val(true);
  for (const HashKey& known : h.keys) {
    conds.push_back(k == known.key);
    fresh_key = fresh_key && k != known.key;
  }
  conds.push_back(!h.frozen && !h.free_slots.empty() ? fresh_key : ctx_.bool_val(false));
  conds.push_back(fresh_key);
  const int c = choose(s, conds);
  if (c < 0) return Flow::Forked;
  const auto j = static_cast<size_t>(c);
  if (j == h.keys.size()) {
    const uint32_t slot = h.free_slots.back();
    h.free_slots.pop_back();
    h.keys.push_back(HashKey{k, true, slot, true});
  } else if (j > h.keys.size()) {
    h.keys.push_back(HashKey{k, false, 0, false});
    return ret(interp::kENOENT);
  }
  HashKey& e = h.keys[std::min(j, h.keys.size() - 1)];
  if (!e.present) return ret(interp::kENOENT);
  e.present = false;
  h.free_slots.push_back(e.slot);
  h.frozen = true;
  return ret(0);
}

SymbolicExecutor::Flow SymbolicExecutor::generic_helper(SymState& s, int32_t id, const std::string& name,
                                                        const HelperPrototype& p) {
  // Helpers whose result (and the bytes they write) the world decides: clocks, random numbers,
  // task identity, probe reads, output helpers. Their results are witness inputs, constrained
  // to the prototype's range, and the replay returns them (after running the real helper, whose
  // argument checks stay the VM's).
  if (p.changes_packet_data) {
    abandon(fmt::format("{} moves packet data, which the witness search does not model", name));
    return Flow::Ended;
  }
  if (p.ret != RetType::Integer && p.ret != RetType::Void) {
    abandon(fmt::format("{} returns memory, which the witness search does not model", name));
    return Flow::Ended;
  }
  std::vector<Fault> faults, quiet;
  std::optional<size_t> map;
  int pending = -1;
  bool pending_write = false;
  int buffer_reg = 0;
  uint64_t buffer_len = 0;
  for (int i = 0; i < 5; ++i) {
    const int r = i + 1;
    const SymValue& v = s.regs[static_cast<size_t>(r)];
    switch (p.args[static_cast<size_t>(i)]) {
      case ArgType::None:
      case ArgType::Anything:
      case ArgType::Scalar: break;
      case ArgType::MapHandle: {
        std::string why;
        map = map_arg(s, r, faults, why);
        if (!why.empty()) {
          abandon(why);
          return Flow::Ended;
        }
        break;
      }
      case ArgType::MapKey:
      case ArgType::MapValue:
        if (map) {
          const MapDescriptor& d = setup_.input->maps[*map];
          memory_arg(s, r, bv(p.args[static_cast<size_t>(i)] == ArgType::MapKey ? d.key_size : d.value_size), false, faults,
                     &quiet);
        }
        break;
      case ArgType::Context: context_arg(s, r, faults); break;
      case ArgType::ReadableMemory:
      case ArgType::WritableMemory:
        pending = r;
        pending_write = p.args[static_cast<size_t>(i)] == ArgType::WritableMemory;
        break;
      case ArgType::ConstSize:
      case ArgType::ConstSizeOrZero: {
        if (v.is_ptr() || pending < 0) {
          abandon(fmt::format("{}: a size argument the model cannot pair", name));
          return Flow::Ended;
        }
        if (p.format_string) {
          // bpf_trace_printk refuses a format size of 0 or above 4096.
          faults.push_back({Violation::HelperArg, v.v == bv(0) || z3::ugt(v.v, bv(4096))});
        }
        memory_arg(s, pending, v.v, pending_write, faults, &quiet);
        if (pending_write) {
          uint64_t k = 0;
          if (!numeral(v.v, k) || k > kStackBytes || buffer_reg != 0) {
            abandon(fmt::format("{} writes a buffer whose size the input decides", name));
            return Flow::Ended;
          }
          buffer_reg = pending;
          buffer_len = k;
        }
        pending = -1;
        break;
      }
      case ArgType::Stack:
      case ArgType::Function:
      case ArgType::ProgArray:
        abandon(fmt::format("{} takes a {} argument, which the witness search does not model", name,
                            p.args[static_cast<size_t>(i)] == ArgType::Function ? "callback" : "stack or prog array"));
        return Flow::Ended;
    }
  }
  Expectation fault;
  fault.kind = Expectation::Kind::Trap;
  fault.trap = interp::TrapKind::HelperFault;
  fault.pc = s.pc;
  fault.steps_before = s.steps;
  Expectation reach = fault;
  reach.kind = Expectation::Kind::Reach;
  if (at_target(s)) {
    for (const Fault& q : quiet) {
      if (offer(s, q.kind, q.cond, reach)) return Flow::Found;
    }
  }
  const Flow f = faults_at(s, faults, fault);
  if (f != Flow::Continue) return f;

  HelperCallRecord rec{s.pc, id, name, fresh(fmt::format("{}_r0", name), 64), 0, {}};
  if (buffer_reg != 0 && buffer_len != 0) {
    const SymValue& b = s.regs[static_cast<size_t>(buffer_reg)];
    if (auto why = spill_conflict(s, b.region, b.v, static_cast<unsigned>(buffer_len), true, nullptr)) {
      abandon(*why);
      return Flow::Ended;
    }
    for (uint64_t i = 0; i < buffer_len; ++i) rec.buffer.push_back(fresh(fmt::format("{}_buf", name), 8));
    rec.buffer_register = buffer_reg;
    write_bytes(s, b.region, b.v, rec.buffer);
  }
  if (p.ret_range) {
    const z3::expr lo = bv(static_cast<uint64_t>(p.ret_range->first)), hi = bv(static_cast<uint64_t>(p.ret_range->second));
    assume(z3::sle(lo, rec.r0) && z3::sle(rec.r0, hi));  // always feasible: a fresh symbol
  }
  SymValue r0 = scalar(rec.r0);
  r0.init = p.ret != RetType::Void;
  s.helpers = push_log(s.helpers, rec);
  return finish_call(s, r0);
}

}  // namespace bpfcert::verifier::smt::detail
