// The fixpoint: each function's blocks in a weak topological order (cfg.h), ascending with
// widening at loop heads, then descending (narrowing) passes.
//
// Path sensitivity. States are JOINED at every merge point and iterated in a weak
// topological order with widening at loop heads, then a few descending (narrowing) passes,
// as PREVAIL does. Linux instead explores paths and prunes by subsumption; that is exponential
// in the number of branches in the worst case, and subsumption is where soundness bugs hid
// (CVE-2023-2163). Joining keeps loop-free programs linear in their size (each block is
// processed a bounded number of times; a call is analysed per call site). Precision the join
// would lose is kept by the state itself rather than by separate paths: nullable pointers
// carry an id shared by their copies, so a null check refines every copy (Linux's ids);
// packet pointers carry the id of their variable offset part, so a comparison with packet
// end proves a range for every pointer derived from the same part; a nullable pointer
// joined with NULL stays a nullable pointer. What joins do lose: correlations between
// branches (a flag set on one path and tested later); such programs are rejected, soundly.
//
// Paths kept apart. Outside loops, states whose registers (or the current frame's spills)
// differ in kind are not joined: a register that is a stack pointer on one path and a map
// value on the other (`p = v ? v : &local;`) would join to a value of unknown type, and every
// access through it would be refused, while each path alone is safe. Such a block is
// processed once per part; each part covers its own paths, so together they are sound.
// Parts of one kind are joined, and past kMaxParts a block's parts are joined into one, so
// the cost stays within a constant factor of the joined analysis and loops (which join as
// before) still terminate.
#include <algorithm>
#include <utility>

#include "verifier/analyzer_impl.h"

namespace bpfcert::verifier::detail {

State Analyzer::edge(const State& s, size_t from, size_t to) {
  if (s.bottom) return s;
  State r = s;
  // Relations of loops the target is not in are dead.
  std::erase_if(r.relations, [&](const Relation& rel) { return !cfg_.in_loop(to, rel.header); });
  const size_t l = cfg_.loop_of_header(to);
  if (l == kNoBlock) return r;
  if (from != kNoBlock && cfg_.in_loop(from, l)) {
    for (Relation& rel : r.relations) {
      if (rel.header != l) continue;
      rel.d = alu(AluOp::Sub, Width::W64, rel.d, scalar_const(static_cast<uint64_t>(rel.k)));
      rel.exclusion = Exclusion::None;
      // d + net - k: the same concrete d as at the entry iff the iteration shifted by k.
      rel.invariant = rel.invariant && rel.net == static_cast<uint64_t>(rel.k);
      rel.net = 0;
    }
    return r;
  }
  // Entering the loop: c = 0, so d = x for every cell and stride.
  std::erase_if(r.relations, [&](const Relation& rel) { return rel.header == l; });
  auto add_cell = [&](uint32_t cell, const Value& v) {
    if (!v.is_scalar() && !v.is_pointer()) return;
    for (int64_t k : strides_[l]) {
      Relation rel;
      rel.header = static_cast<uint32_t>(l);
      rel.cell = cell;
      rel.k = k;
      rel.d = v.num;
      rel.invariant = true;
      r.relations.push_back(rel);
    }
  };
  for (uint32_t i = 0; i < 10; ++i) add_cell(i, r.regs[i]);
  const int f = r.depth();
  const StackFrame& fr = *r.frames[static_cast<size_t>(f)];
  for (int slot = 0; slot < kStackSlots; ++slot) {
    if (fr.kind[static_cast<size_t>(slot * 8)] == ByteKind::Spill) add_cell(slot_cell(f, slot), fr.spill[static_cast<size_t>(slot)]);
  }
  std::sort(r.relations.begin(), r.relations.end(), [](const Relation& a, const Relation& b) {
    return std::tie(a.header, a.cell, a.k) < std::tie(b.header, b.cell, b.k);
  });
  return r;
}

// `entries_only`: the back edges into b are left out (see stabilize).
State Analyzer::compute_in(FnRun& run, size_t b, bool entries_only) {
  State acc;
  const Subprogram& sub = cfg_.subprograms[run.sub];
  if (b == sub.entry_block) acc = edge(run.entry, kNoBlock, b);
  for (size_t p : cfg_.blocks[b].preds) {
    const auto& succs = cfg_.blocks[p].succs;
    for (size_t i = 0; i < succs.size(); ++i) {
      if (succs[i] != b || (entries_only && cfg_.is_back_edge(p, b))) continue;
      const State& o = out_state(run, cfg_.local_index[p], i);
      if (o.bottom) continue;
      const bool plain = o.relations.empty() && cfg_.loop_of_header(b) == kNoBlock;
      if (acc.bottom) {
        acc = plain ? o : edge(o, p, b);
      } else {
        acc = state_join(acc, plain ? o : edge(o, p, b));
      }
    }
  }
  return acc;
}

namespace {

constexpr size_t kMaxParts = 4;

// Whether joining a and b loses no value's kind: the same type in every register and spill of
// the current frame, and pointers into the same kind of region.
bool same_kinds(const State& a, const State& b) {
  // An unset value joins to unset whatever the other is: no part to keep apart for it.
  auto same = [](const Value& x, const Value& y) {
    if (!x.is_init() || !y.is_init()) return true;
    return x.type == y.type && (!x.is_pointer() || x.region == y.region);
  };
  for (size_t r = 0; r < a.regs.size(); ++r) {
    if (!same(a.regs[r], b.regs[r])) return false;
  }
  if (a.frames.size() != b.frames.size()) return false;
  const StackFrame& fa = *a.frames.back();
  const StackFrame& fb = *b.frames.back();
  if (&fa == &fb) return true;
  for (int slot = 0; slot < kStackSlots; ++slot) {
    const auto x = static_cast<size_t>(slot * 8);
    const bool sa = fa.kind[x] == ByteKind::Spill, sb = fb.kind[x] == ByteKind::Spill;
    if (sa && sb && !same(fa.spill[static_cast<size_t>(slot)], fb.spill[static_cast<size_t>(slot)])) return false;
    if (sa != sb && ((sa && !fa.spill[static_cast<size_t>(slot)].is_scalar()) ||
                     (sb && !fb.spill[static_cast<size_t>(slot)].is_scalar()))) {
      return false;
    }
  }
  return true;
}

}  // namespace

// The entry state of block b (outside loops) in parts: the incoming states, joined where their
// kinds agree (same_kinds), all joined when more than kMaxParts remain.
std::vector<State> Analyzer::compute_in_parts(FnRun& run, size_t b) {
  std::vector<State> parts;
  auto add = [&](State s) {
    if (s.bottom) return;
    for (State& g : parts) {
      if (same_kinds(g, s)) {
        g = state_join(g, s);
        return;
      }
    }
    parts.push_back(std::move(s));
  };
  const Subprogram& sub = cfg_.subprograms[run.sub];
  if (b == sub.entry_block) add(edge(run.entry, kNoBlock, b));
  for (size_t p : cfg_.blocks[b].preds) {
    const size_t lp = cfg_.local_index[p];
    const auto& succs = cfg_.blocks[p].succs;
    for (size_t i = 0; i < succs.size(); ++i) {
      if (succs[i] != b) continue;
      auto take = [&](const State& o) {
        if (o.bottom) return;
        const bool plain = o.relations.empty() && cfg_.loop_of_header(b) == kNoBlock;
        add(plain ? o : edge(o, p, b));
      };
      if (i < run.parts[lp].size() && !run.parts[lp][i].empty()) {
        for (const State& o : run.parts[lp][i]) take(o);
      } else {
        take(out_state(run, lp, i));
      }
    }
  }
  if (parts.size() > kMaxParts) {
    State all;
    for (const State& g : parts) all = state_join(all, g);
    parts.assign(1, std::move(all));
  }
  return parts;
}

// Runs block b once per part; its out-states are the parts' joins, and each successor edge
// keeps the parts too (compute_in_parts reads them).
void Analyzer::process_parts(FnRun& run, size_t b, std::vector<State> parts) {
  const size_t li = cfg_.local_index[b];
  const size_t n = cfg_.blocks[b].succs.size();
  std::vector<std::vector<State>> kept(n);
  std::unique_ptr<State> exit;
  for (State& part : parts) {
    process_block(run, b, std::move(part));
    for (size_t i = 0; i < n; ++i) {
      if (!run.out[li][i].bottom) kept[i].push_back(std::move(run.out[li][i]));
    }
    if (run.exits[li]) exit = std::make_unique<State>(exit ? state_join(*exit, *run.exits[li]) : std::move(*run.exits[li]));
  }
  run.out[li].assign(n, State{});
  for (size_t i = 0; i < n; ++i) {
    for (const State& s : kept[i]) run.out[li][i] = state_join(run.out[li][i], s);
    if (kept[i].size() < 2) kept[i].clear();
  }
  run.parts[li] = std::move(kept);
  run.exits[li] = std::move(exit);
}

void Analyzer::init_run(FnRun& run, size_t sub) const {
  const size_t n = cfg_.subprograms[sub].blocks.size();
  run.sub = sub;
  run.in.resize(n);
  run.out.resize(n);
  run.parts.resize(n);
  run.exits.resize(n);
  run.checked.assign(n, false);
  run.unread.resize(n);
  for (size_t i = 0; i < n; ++i) {
    run.unread[i] = static_cast<uint32_t>(cfg_.blocks[cfg_.subprograms[sub].blocks[i]].succs.size());
  }
}

// `top`: order is the subprogram's whole weak topological order, whose plain blocks lie
// outside every loop.
void Analyzer::stabilize(FnRun& run, const std::vector<WtoElement>& order, bool top) {
  for (const WtoElement& e : order) {
    const size_t h = e.block;
    const size_t li = cfg_.local_index[h];
    if (!e.component) {
      ++stats_.states;
      if (!top) {
        set_in(run, li, compute_in(run, h));
        process_block(run, h, in_state(run, li));
        continue;
      }
      // Outside loops, and every predecessor comes earlier in the order and is final: this
      // entry state is the one the checking pass would start from, so (in a checking run)
      // check the block now, once, and keep no copy of its entry state.
      std::vector<State> parts = compute_in_parts(run, h);
      // Predecessors' out-states that no successor will read again are freed (a successor
      // in a loop re-reads them on every iteration, and unroll_bound reads the edges into a
      // loop header at the end, so those are never freed).
      for (size_t p : cfg_.blocks[h].preds) {
        const size_t lp = cfg_.local_index[p];
        for (size_t x : cfg_.blocks[p].succs) {
          if (x == h && --run.unread[lp] == 0) {
            std::vector<State>().swap(run.out[lp]);
            std::vector<std::vector<State>>().swap(run.parts[lp]);
          }
        }
      }
      const bool saved_check = check_;
      check_ = run.check;
      if (parts.size() > 1) {
        process_parts(run, h, std::move(parts));
      } else {
        process_block(run, h, parts.empty() ? State{} : std::move(parts.front()));
        run.parts[li].clear();
      }
      check_ = saved_check;
      run.checked[li] = true;
      continue;
    }
    // Ascending phase with widening after a delay, until the head's state is stable.
    // The first iterate comes from the entry edges alone: when an enclosing loop re-runs this
    // one, the back edges still hold the previous run's states, and a value the loop does not
    // change (the row pointer of an inner loop) would keep the previous run's widened range
    // forever. The iteration below is sound from any start: it stops only when the back edges,
    // computed from the head's state in this run, add nothing to it.
    for (int iter = 0;; ++iter) {
      ++stats_.iterations;
      State s = compute_in(run, h, iter == 0);
      if (iter > 0 && state_leq(s, in_state(run, li))) break;
      if (iter >= in_.options.widening_delay) {
        // Thresholds (and the tightening they bring) for a while, then the plain widening,
        // which stabilises for sure.
        s = state_widen(in_state(run, li), state_join(in_state(run, li), s), iter < 16 ? &thresholds_ : nullptr);
        ++stats_.widenings;
      } else if (iter > 0) {
        s = state_join(in_state(run, li), s);
      }
      set_in(run, li, std::move(s));
      ++stats_.states;
      process_block(run, h, in_state(run, li));
      stabilize(run, e.body, false);
    }
    // Descending (narrowing) passes: each recomputes the head from sound states, so it stays
    // sound; a fixed number keeps it finite.
    // Each pass also meets the head with what the loop's counter bound implies for the cells
    // that move by a stride (counter_narrow).
    const size_t l = cfg_.loop_of_header(h);
    for (int pass = 0; pass < in_.options.narrowing_passes; ++pass) {
      State s = compute_in(run, h);
      if (l != kNoBlock) counter_narrow(run, s, l);
      if (state_leq(in_state(run, li), s)) break;
      set_in(run, li, std::move(s));
      ++stats_.states;
      process_block(run, h, in_state(run, li));
      stabilize(run, e.body, false);
    }
  }
}

State Analyzer::analyze_function(size_t sub, const State& entry, bool check) {
  const Subprogram& sp = cfg_.subprograms[sub];
  FnRun run;
  init_run(run, sub);
  run.entry = entry;
  run.check = check;
  FnRun* saved_run = run_;
  const bool saved_check = check_;
  run_ = &run;
  check_ = false;
  if (check) contexts_.insert(call_string_);
  stabilize(run, sp.wto, true);
  if (check) {
    // The checking pass: every block not checked yet (those in loops) once, from its final
    // (sound) entry state.
    check_ = true;
    for (size_t b : sp.blocks) {
      const size_t li = cfg_.local_index[b];
      if (cfg_.blocks[b].reachable && !run.checked[li]) process_block(run, b, in_state(run, li));
    }
    evaluate_loops(run);
  }
  State exit;
  for (const auto& x : run.exits) {
    if (x) exit = state_join(exit, *x);
  }
  run_ = saved_run;
  check_ = saved_check;
  return exit;
}

// Runs block b from entry state s, setting its out-states (and exit state).
void Analyzer::process_block(FnRun& run, size_t b, State s) {
  const BasicBlock& bb = cfg_.blocks[b];
  const size_t li = cfg_.local_index[b];
  auto& outs = run.out[li];
  outs.assign(bb.succs.size(), State{});
  run.exits[li].reset();
  if (s.bottom) return;
  for (size_t pc = bb.first;; pc = next_pc(prog_, pc)) {
    if (++stats_.transfers > in_.options.max_transfers) throw BudgetExceeded{};
    if (check_ && in_.options.collect_invariants) invariants_[pc] = state_join(invariants_[pc], s);
    const semantics::Encoding& row = prog_.row(pc);
    if (row.kind == Kind::Jump) {
      if (row.jmp_op() == JmpOp::Ja) {
        outs[0] = std::move(s);
      } else {
        branch(s, pc, outs[0], outs[1]);
      }
      break;
    }
    if (row.kind == Kind::MayGoto) {  // falls through while the budget lasts, then jumps: both
      outs[0] = s;
      if (outs.size() > 1) outs[1] = std::move(s);
      break;
    }
    if (row.kind == Kind::Exit) {
      check_insn(s, pc);
      exit_insn(s, pc);
      run.exits[li] = std::make_unique<State>(std::move(s));
      break;
    }
    step(s, pc);
    if (s.bottom) break;
    if (pc == bb.last) {
      if (!outs.empty()) outs[0] = std::move(s);
      break;
    }
  }
  if (check_) {
    for (size_t i = 0; i < bb.succs.size(); ++i) {
      if (cfg_.is_back_edge(b, bb.succs[i])) check_back_edge(outs[i], b, bb.succs[i]);
    }
  }
}

}  // namespace bpfcert::verifier::detail
