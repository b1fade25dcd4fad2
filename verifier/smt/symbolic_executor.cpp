// The search: the solver and its budgets, the initial state, the depth-first exploration, and
// the instructions that move control (ALU, jumps, calls, exits). The executor runs a program as
// the reference interpreter does: the machine model's frames (r6-r9 and r10 restored on
// return), region checks, traps, packet bounds and callx (semantics/machine.h over Z3Word, on
// offsets so that the unknown host base addresses cancel), the helpers the VM's environment
// holds (WitnessSetup). What an instruction computes always comes from semantics/operations.h
// over Z3Word. Memory instructions are in symbolic_memory.cpp, the models of helpers and maps
// in symbolic_helpers.cpp and symbolic_maps.cpp.
#include "verifier/smt/symbolic_executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "semantics/machine.h"
#include "semantics/operations.h"

namespace bpfcert::verifier::smt::detail {

using semantics::AluOp;
using semantics::CallKind;
using semantics::Encoding;
using semantics::Insn;
using semantics::JmpOp;
using semantics::Kind;
using semantics::LddwKind;
using semantics::Operand;
using semantics::Width;

namespace {

using semantics::kStackBytes;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
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
  // The stack region holds every frame; its offsets run from 0 to kStackBytes, the main
  // program's r10, whose frame is the object r10 points into.
  region(RegionRole::Stack, "stack", 0, zeros, false, kStackBytes);
  for (int f = 0; f < semantics::kMaxCallFrames; ++f) {
    s.stack_init.push_back(z3::const_array(ctx_.bv_sort(64), ctx_.bool_val(false)));
  }
  const semantics::Bounds<uint64_t> frame0 = semantics::call_frame(kStackBytes, 0);
  s.regs[10] = SymValue{bv(kStackBytes), 0, true, bv(frame0.start), bv(frame0.size)};

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
  s.hashes.resize(in.maps.size());
  map_regions_.assign(in.maps.size(), -1);
  for (size_t i = 0; i < in.maps.size() && i < setup_.maps.size(); ++i) {
    const VmMap& m = setup_.maps[i];
    const MapDescriptor& d = in.maps[i];
    if (!m.has_values) continue;
    const bool frozen = d.read_only && d.max_entries == 1 && d.frozen_value.size() == d.value_size;
    z3::expr initial = ctx_.constant(fmt::format("map{}", i).c_str(), byte_array_);
    if (frozen) {
      initial = zeros;
      for (size_t b = 0; b < d.frozen_value.size(); ++b) initial = z3::store(initial, bv(b), ctx_.bv_val(d.frozen_value[b], 8));
    }
    const semantics::Bounds<uint64_t> values = semantics::map_values<uint64_t>(0, m.value_size, m.max_entries);
    const int r = region(RegionRole::Map, d.name, static_cast<int64_t>(i), initial, !frozen, values.size);
    s.regions[static_cast<size_t>(r)].stride = values.stride;
    s.regions[static_cast<size_t>(r)].elem_size = values.elem_size;
    map_regions_[i] = r;
    if (!m.array_like) {
      for (uint32_t slot = m.max_entries; slot > 0; --slot) s.hashes[i].free_slots.push_back(slot - 1);
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
  std::vector<int> out;
  const uint16_t read = semantics::register_use(row, insn).read;
  for (int r = 0; r <= semantics::kMaxRegister; ++r) {
    if (read & (1u << r)) out.push_back(r);
  }
  // Calls read what the verifier demands of them: callx its register, a helper the arguments
  // of its prototype. Local calls and exits read nothing it checks here (r0 at an exit is a
  // check of its own).
  if (row.kind == Kind::Call && row.call_kind() == CallKind::Indirect) out.push_back(insn.dst);
  if (row.kind == Kind::Call && (row.call_kind() == CallKind::Helper || row.call_kind() == CallKind::Kfunc)) {
    const Platform& plat = *setup_.input->platform;
    const HelperPrototype* p = row.call_kind() == CallKind::Kfunc ? plat.find_kfunc(insn.imm) : plat.find_helper(insn.imm);
    for (int i = 0; p != nullptr && i < 5; ++i) {
      if (p->args[static_cast<size_t>(i)] != ArgType::None) out.push_back(i + 1);
    }
  }
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


// ---- calls --------------------------------------------------------------------------------

SymbolicExecutor::Flow SymbolicExecutor::call(SymState& s, const Insn& insn, const Encoding& row) {
  switch (row.call_kind()) {
    case CallKind::Helper: return helper_call(s, insn.imm, false);
    case CallKind::Kfunc: return helper_call(s, insn.imm, true);
    case CallKind::Local: return local_call(s, static_cast<size_t>(semantics::branch_target(insn, row, s.pc)));
    case CallKind::Indirect: return callx(s, insn);
  }
  return Flow::Ended;
}

SymbolicExecutor::Flow SymbolicExecutor::callx(SymState& s, const Insn& insn) {
  const SymValue& t = s.regs[insn.dst];
  uint64_t value = 0;
  if (t.is_ptr() || !numeral(t.v, value)) {
    abandon("callx to a target the input decides");
    return Flow::Ended;
  }
  const semantics::CallxTarget target = semantics::resolve_callx(prog_, value);
  switch (target.kind) {
    case semantics::CallxTarget::Kind::Local: return local_call(s, target.pc);
    case semantics::CallxTarget::Kind::Helper: return helper_call(s, target.helper, false);
    case semantics::CallxTarget::Kind::Trap: break;
  }
  return Flow::Ended;  // the VM traps
}

SymbolicExecutor::Flow SymbolicExecutor::local_call(SymState& s, size_t target) {
  if (!semantics::call_allowed(s.frames.size())) return Flow::Ended;  // call-depth trap
  s.frames.push_back(Frame{std::vector<SymValue>(s.regs.begin() + 6, s.regs.begin() + 10), s.regs[10], s.pc + 1,
                           std::move(s.back_edges)});
  s.back_edges.clear();
  // r10 is never written (validation), so it is always the top of its call's frame.
  const semantics::Bounds<uint64_t> frame = semantics::call_frame(kStackBytes, s.frames.size());
  s.regs[10] = SymValue{bv(frame.start + frame.size), s.regs[10].region, true, bv(frame.start), bv(frame.size)};
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


}  // namespace bpfcert::verifier::smt::detail
