// Loops and termination: counter relations, what back edges prove, loop bounds, bounded
// unrolling, and the narrowing the bounds give back.
//
// Termination. Each loop L (natural loop of a reducible CFG; irreducible cycles are
// rejected) gets a ghost counter c_L: 0 when L is entered from outside, +1 on every back
// edge. For each cell x (register, or 8-byte stack slot) and each candidate stride k (+1, -1,
// and the constants the loop adds to the registers its branches compare), the state keeps a
// relation d = x - k * c_L modulo 2^64 (only modulo 2^32 after 32-bit arithmetic on x) as a
// Scalar; adding s to x adds s to d, a back edge subtracts k, anything else that writes x
// forgets the relation. A back edge proves something about c_L in two ways:
// - a range: the state on the edge, already refined by the loop's test, bounds x, so
//   |k| * c_L = sign(k) * (x - d) lies in a computed [0, B]; when B + |k| < 2^64 the counter
//   cannot reach B / |k| + 1 on this edge (it would have to pass through values whose image
//   exceeds B, without wrapping);
// - an exclusion: with k = +-1, a test `x != K` (or jset x, -1, ...) that the edge passed
//   since the last back edge says c_L != E for the E that makes x == K. E is exact when d
//   and K are constants. When d is invariant (the body shifts x by exactly k, so d has the
//   same concrete value every iteration: `net` in Relation) and K is a constant or a register
//   the loop never writes, E is one value fixed for the entry, known to lie in an interval.
// c_L takes every value from 0 up to its final count, one per back edge, so if every edge
// admits at most the values up to B, or every value but E (and no range edge admits E), the
// loop takes at most max(B) + 1, or E, back edges per entry; a single back edge excluding an
// E bounded by an interval takes at most the interval's maximum (evaluate_loops). A loop for which
// no such proof exists, or whose bound exceeds AnalyzerOptions::max_loop_iterations, is
// rejected with loop.unbounded. Every loop's iterations per entry being bounded, and loops
// nesting finitely, every execution terminates. This is PREVAIL's counter argument, with a
// difference relation per cell instead of a full zone domain: cheap, and enough for
// induction variables with a constant stride. When it proves nothing (a value halved until
// small, carries folded until none is left), an innermost loop is unrolled abstractly from
// its entry state, round by round without joins or widening, until its back edges carry
// nothing (unroll_bound): Linux's way of exploring such loops, with a budget of rounds.
// The same relations give values back their precision: once the back edges bound c_L by B,
// a cell x with relation d is in d + k * [0, B] at the head, which the descending passes
// meet into the head's state (counter_narrow): a pointer walking an array by a constant
// stride while a counter is compared keeps a bounded offset through widening.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "verifier/analyzer_impl.h"

namespace bpfcert::verifier::detail {

// Candidate strides per loop: +1 and -1, and the constants the loop adds to or subtracts
// from registers its conditional jumps compare (the likely induction variables), first.
void Analyzer::find_strides() {
  strides_.resize(cfg_.loops.size());
  for (size_t l = 0; l < cfg_.loops.size(); ++l) {
    std::vector<int64_t> ks{1, -1};
    std::set<int> compared;
    for (size_t b : cfg_.loops[l].blocks) {
      const size_t last = cfg_.blocks[b].last;
      const auto& row = prog_.row(last);
      if (row.kind != Kind::Jump || row.jmp_op() == JmpOp::Ja) continue;
      compared.insert(prog_.insns[last].dst);
      if (row.operand == Operand::Reg) compared.insert(prog_.insns[last].src);
    }
    // Then the constants added to the other registers (pointers walking an array while a
    // counter is compared): counter_narrow bounds those by the proven iteration count.
    for (const bool want_compared : {true, false}) {
      for (size_t b : cfg_.loops[l].blocks) {
        for (size_t pc = cfg_.blocks[b].first; pc <= cfg_.blocks[b].last; pc = next_pc(prog_, pc)) {
          const auto& row = prog_.row(pc);
          if (row.kind != Kind::Alu || row.operand != Operand::Imm) continue;
          if ((compared.count(prog_.insns[pc].dst) != 0) != want_compared) continue;
          if (row.alu_op() != AluOp::Add && row.alu_op() != AluOp::Sub) continue;
          int64_t k = prog_.insns[pc].imm;
          if (row.alu_op() == AluOp::Sub) k = -k;
          if (k != 0 && std::find(ks.begin(), ks.end(), k) == ks.end() && ks.size() < 8) ks.push_back(k);
        }
      }
    }
    strides_[l] = ks;
  }
}

// Registers each loop may write (for loop-invariant operands of exit tests).
void Analyzer::find_loop_writes() {
  loop_writes_.assign(cfg_.loops.size(), 0);
  for (size_t l = 0; l < cfg_.loops.size(); ++l) {
    uint32_t m = 0;
    for (size_t b : cfg_.loops[l].blocks) {
      for (size_t pc = cfg_.blocks[b].first; pc <= cfg_.blocks[b].last; pc = next_pc(prog_, pc)) {
        const auto& row = prog_.row(pc);
        const Insn& insn = prog_.insns[pc];
        switch (row.kind) {
          case Kind::Alu:
          case Kind::Load:
          case Kind::LoadImm64: m |= 1u << insn.dst; break;
          case Kind::Atomic:
            if (row.fetch) m |= 1u << (row.atomic_op() == AtomicOp::Cmpxchg ? 0 : insn.src);
            break;
          case Kind::Call:
          case Kind::PacketLoad: m |= 0x3fu; break;  // r0-r5
          default: break;
        }
      }
    }
    loop_writes_[l] = m;
  }
}

void Analyzer::rel_drop(State& s, uint32_t cell) {
  std::erase_if(s.relations, [&](const Relation& r) { return r.cell == cell; });
}

void Analyzer::rel_copy(State& s, uint32_t from, uint32_t to, bool narrow) {
  if (from == to) {
    if (narrow) {
      for (Relation& r : s.relations) {
        if (r.cell == to) r.wide = false;
      }
    }
    return;
  }
  rel_drop(s, to);
  const size_t n = s.relations.size();
  for (size_t i = 0; i < n; ++i) {
    if (s.relations[i].cell != from) continue;
    Relation r = s.relations[i];
    r.cell = to;
    r.wide = r.wide && !narrow;
    s.relations.push_back(r);
  }
  if (s.relations.size() != n) {
    std::sort(s.relations.begin(), s.relations.end(), [](const Relation& a, const Relation& b) {
      return std::tie(a.header, a.cell, a.k) < std::tie(b.header, b.cell, b.k);
    });
  }
}

void Analyzer::rel_shift(State& s, uint32_t cell, AluOp op, const Scalar& x, Width w) {
  for (Relation& r : s.relations) {
    if (r.cell != cell) continue;
    r.d = alu(op, Width::W64, r.d, x);  // its low half is the 32-bit operation
    if (w == Width::W32) r.wide = false;
    // An exclusion is a fact about c, which only back edges change: it survives shifts of x.
    if (r.invariant && is_const(x)) {
      r.net = op == AluOp::Add ? r.net + x.t.value : r.net - x.t.value;
    } else {
      r.invariant = false;
      r.net = 0;
    }
  }
}

const Value* Analyzer::cell_value(const State& s, uint32_t cell) const {
  if (cell < kRegisterCells) return cell <= 10 ? &s.regs[cell] : nullptr;
  const uint32_t rest = cell - kRegisterCells;
  const size_t frame = rest / kStackSlots, slot = rest % kStackSlots;
  if (frame >= s.frames.size()) return nullptr;
  const StackFrame& f = *s.frames[frame];
  if (f.kind[slot * 8] != ByteKind::Spill) return nullptr;
  return &f.spill[slot];
}

Analyzer::CounterFacts Analyzer::loop_bound(const State& s, size_t loop) const {
  CounterFacts out;
  std::optional<uint64_t>& best = out.range;
  for (const Relation& r : s.relations) {
    if (r.header != loop || r.k == 0) continue;
    const Value* v = cell_value(s, r.cell);
    if (v == nullptr || !(v->is_scalar() || v->is_pointer())) continue;
    if (is_exact(r.exclusion)) out.excluded.push_back(r.excl);
    if (is_bounded(r.exclusion)) {
      if (!out.bounded_excl || r.excl < *out.bounded_excl) out.bounded_excl = r.excl;
    }
    // |k| * c = sign(k) * (x - d)
    Scalar y = alu(AluOp::Sub, Width::W64, v->num, r.d);
    if (r.k < 0) y = alu(AluOp::Neg, Width::W64, y, y);
    const uint64_t ak = r.k < 0 ? 0 - static_cast<uint64_t>(r.k) : static_cast<uint64_t>(r.k);
    if (r.wide && y.umax <= ~uint64_t{0} - ak) {
      const uint64_t b = y.umax / ak;
      if (!best || b < *best) best = b;
    }
    // Modulo 2^32 (always valid: the 64-bit relation implies the 32-bit one).
    const auto k32 = static_cast<int32_t>(static_cast<uint32_t>(r.k));
    if (k32 != 0 && k32 != INT32_MIN) {
      Scalar y32 = alu(AluOp::Sub, Width::W32, v->num, r.d);
      if (k32 < 0) y32 = alu(AluOp::Neg, Width::W32, y32, y32);
      const uint64_t ak32 = static_cast<uint64_t>(k32 < 0 ? -static_cast<int64_t>(k32) : k32);
      if (y32.u32max + ak32 <= 0xffffffffull) {
        const uint64_t b = y32.u32max / ak32;
        if (!best || b < *best) best = b;
      }
    }
  }
  std::sort(out.excluded.begin(), out.excluded.end());
  out.excluded.erase(std::unique(out.excluded.begin(), out.excluded.end()), out.excluded.end());
  return out;
}

// A loop's counter c starts at 0 and grows by exactly one per back edge taken, so it takes
// every value from 0 to its final count. An edge proving c <= B admits values up to B; an
// edge proving c != E admits every value but E. If no edge admits E, c never gets past E.
std::optional<uint64_t> Analyzer::edges_bound(const std::vector<FnRun::EdgeBound>& edges,
                                              const FnRun::EdgeBound** unbounded_out) {
  std::optional<uint64_t> max_range;
  const FnRun::EdgeBound* unbounded = nullptr;
  std::vector<uint64_t> common;
  bool first_excl = true;
  for (const FnRun::EdgeBound& e : edges) {
    if (e.range) {
      max_range = std::max(max_range.value_or(0), *e.range);
      continue;
    }
    if (e.excluded.empty()) {
      unbounded = &e;
      break;
    }
    if (first_excl) {
      common = e.excluded;
      first_excl = false;
    } else {
      std::vector<uint64_t> x;
      std::set_intersection(common.begin(), common.end(), e.excluded.begin(), e.excluded.end(), std::back_inserter(x));
      common = x;
    }
  }
  if (unbounded_out != nullptr) *unbounded_out = unbounded;
  std::optional<uint64_t> bound;
  if (edges.size() == 1 && !edges[0].range && edges[0].excluded.empty() && edges[0].bounded_excl) {
    // The only back edge never lets c be E, a value fixed for this entry and at most B: c
    // stops before E, so at most B traversals.
    bound = *edges[0].bounded_excl;
  } else if (unbounded == nullptr && !edges.empty()) {
    if (first_excl) {
      bound = *max_range + 1;
    } else {
      for (uint64_t e : common) {
        if (!max_range || *max_range < e) {
          bound = e;
          break;
        }
      }
    }
  }
  return bound;
}

// may_goto (Linux's extension) falls through at most kMayGotoBudget times per activation of a
// function, and nothing gives the budget back within it. So a loop every cycle of which through
// its header takes the fall-through edge of one of this function's may_gotos iterates at most
// that many times, whatever its registers do. The jump edge does not count (once the budget is
// spent every may_goto jumps, and a cycle through jumps alone may not end), nor does may_goto +0,
// whose two edges are one; a callee's may_goto spends the callee's budget, not this one.
bool Analyzer::bounded_by_may_goto(size_t l) const {
  const Loop& loop = cfg_.loops[l];
  auto spends_budget = [&](size_t from, size_t to) {
    const size_t last = cfg_.blocks[from].last;
    const auto& row = prog_.row(last);
    if (row.kind != Kind::MayGoto) return false;
    const auto fall = next_pc(prog_, last);
    return cfg_.blocks[to].first == fall && static_cast<size_t>(semantics::branch_target(prog_.insns[last], row, last)) != fall;
  };
  std::set<size_t> seen{loop.header};
  std::vector<size_t> work{loop.header};
  while (!work.empty()) {
    const size_t b = work.back();
    work.pop_back();
    for (size_t t : cfg_.blocks[b].succs) {
      if (!std::binary_search(loop.blocks.begin(), loop.blocks.end(), t) || spends_budget(b, t)) continue;
      if (t == loop.header) return false;  // a cycle that spends nothing
      if (seen.insert(t).second) work.push_back(t);
    }
  }
  return true;
}

void Analyzer::evaluate_loops(FnRun& run) {
  for (auto& [l, edges] : run.edges) {
    const FnRun::EdgeBound* unbounded = nullptr;
    const std::optional<uint64_t> bound = edges_bound(edges, &unbounded);
    const size_t header_pc = cfg_.blocks[cfg_.loops[l].header].first;
    if (bound && *bound <= in_.options.max_loop_iterations) {
      if (!loop_bound_[l] || *loop_bound_[l] < *bound) loop_bound_[l] = *bound;
      continue;
    }
    if (bounded_by_may_goto(l)) {
      loop_bound_[l] = semantics::kMayGotoBudget;
      continue;
    }
    if (const auto unrolled = unroll_bound(run, l); unrolled && *unrolled <= in_.options.max_loop_iterations) {
      if (!loop_bound_[l] || *loop_bound_[l] < *unrolled) loop_bound_[l] = *unrolled;
      continue;
    }
    loop_failed_[l] = true;
    const FnRun::EdgeBound& at = unbounded != nullptr ? *unbounded : edges.front();
    const FindingKey key{static_cast<int64_t>(at.latch_pc), CheckId::LoopUnbounded};
    if (findings_.count(key) != 0) continue;
    Finding f;
    f.check = CheckId::LoopUnbounded;
    f.pc = static_cast<int64_t>(at.latch_pc);
    f.assertion = BoundedLoop{header_pc};
    f.message = bound ? fmt::format("the loop at pc {} may iterate up to {} times, more than the limit {}", header_pc,
                                    *bound, in_.options.max_loop_iterations)
                      : fmt::format("cannot bound the iterations of the loop at pc {} (back edge from pc {}): no register "
                                    "or stack slot moves by a constant stride toward a bound on this edge ({})",
                                    header_pc, at.latch_pc, at.state);
    add_finding(std::move(f));
  }
}

// Narrowing by the counter (counter_narrow). The analysis is non-relational, so widening at a
// loop head loses a pointer that moves by a stride while another register is tested (the
// array-copy loop: src += 8 while i < n); the counter relations recover it. At the head of
// loop L, every concrete state satisfies, for each relation (x, k, d) of L, x = d' + k * c
// (modulo 2^64, or only modulo 2^32 when !wide) for some d' in gamma(d), where c is the
// number of back edges taken since the latest entry into L: that is the invariant the
// termination proof already relies on (entering L sets d = x, and c = 0; adding s to x adds s
// to d; a back edge adds 1 to c and subtracts k from d; every other write to x drops the
// relation; joins and widening of d over-approximate). Nothing requires d to be invariant or
// the stride to be the same on every path: a path that moves x by another amount makes d
// vary, and its join (widened) is what d holds, so the bound just gets weaker. Suppose the
// back edges of the current iterate, computed from a head state that covers every state
// reachable from the current entries, prove c <= B on every back edge (the same argument as
// evaluate_loops, from those sound states): then c <= B at the head, per entry, so
// x in gamma(d + k * [0, B]) (abstract addition, sound modulo 2^64; k * [0, B] is computed
// exactly when |k| * B < 2^63, else nothing is done). The head's state is met with that
// (64-bit meet for a wide relation, 32-bit views only otherwise), which stays sound, and the
// body is re-analysed from it in the descending passes (stabilize). For pointers, x is the
// offset (as in loop_bound): the region cannot change under a relation, since anything that
// makes x another object (a mov, a load, scalar + pointer) replaces or drops the relation.
// Nested loops: each entry resets the inner relations, so B is per entry; in an iterate of an
// enclosing loop the inner head is narrowed relative to that iterate's entries, which is what
// the enclosing loop's ascending phase needs (its widening guarantees it stabilises). A meet
// found empty leaves the value alone (sound, and only possible on unreachable states).
std::optional<uint64_t> Analyzer::current_bound(const FnRun& run, size_t l) const {
  const Loop& loop = cfg_.loops[l];
  std::vector<FnRun::EdgeBound> edges;
  for (size_t latch : loop.latches) {
    const auto& succs = cfg_.blocks[latch].succs;
    for (size_t i = 0; i < succs.size(); ++i) {
      if (succs[i] != loop.header) continue;
      const State& o = out_state(run, cfg_.local_index[latch], i);
      if (o.bottom) continue;  // not taken: nothing to bound
      const CounterFacts f = loop_bound(o, l);
      FnRun::EdgeBound e;
      e.range = f.range;
      e.excluded = f.excluded;
      e.bounded_excl = f.bounded_excl;
      edges.push_back(std::move(e));
    }
  }
  return edges_bound(edges, nullptr);
}

void Analyzer::counter_narrow(const FnRun& run, State& s, size_t l) const {
  if (s.bottom) return;
  const std::optional<uint64_t> bound = current_bound(run, l);
  if (!bound) return;
  const uint64_t b = *bound;
  for (const Relation& r : s.relations) {
    if (r.header != l || r.k == 0) continue;
    const Value* cur = cell_value(s, r.cell);
    if (cur == nullptr || !(cur->is_scalar() || cur->is_pointer())) continue;
    const uint64_t ak = r.k < 0 ? 0 - static_cast<uint64_t>(r.k) : static_cast<uint64_t>(r.k);
    if (b != 0 && ak > (uint64_t{1} << 63) / b) continue;
    const uint64_t span = ak * b;
    if (span >= (uint64_t{1} << 63)) continue;
    Scalar kc = scalar_range(0, span);  // k * [0, B] for k > 0
    if (r.k < 0) kc = alu(AluOp::Neg, Width::W64, kc, kc);
    const Scalar z = alu(AluOp::Add, Width::W64, r.d, kc);
    const dm::Refined<uint64_t> m =
        dm::scalar_refine<uint64_t>(JmpOp::Jeq, r.wide ? Width::W64 : Width::W32, true, cur->num, z);
    if (!m.feasible) continue;
    const dm::Tightened<uint64_t> t = dm::scalar_tighten<uint64_t>(m.dst);
    if (!t.nonempty || scalar_eq(t.s, cur->num)) continue;
    if (r.cell < kRegisterCells) {
      s.regs[r.cell].num = t.s;
    } else {
      const uint32_t rest = r.cell - kRegisterCells;
      s.frame_mut(rest / kStackSlots).spill[rest % kStackSlots].num = t.s;
    }
  }
}

// Bounded unrolling, for loops no counter relation bounds (a value shifted right until it is
// small, a test on a value the body recomputes): run the body round by round from the loop's
// entry state, never joining rounds and never widening. Round r's state at the header covers
// every concrete state that reaches the header after exactly r back edges (the transfer
// functions are sound, and the entry state covers every entry), so when the back edges carry
// nothing (bottom) after round N, no entry takes more than N back edges. Only innermost loops
// (cutting the back edges leaves an acyclic body), within a budget of rounds; a round whose
// header state does not shrink gives up, since the following ones would not either.
std::optional<uint64_t> Analyzer::unroll_bound(FnRun& run, size_t l) {
  const Loop& loop = cfg_.loops[l];
  for (const Loop& m : cfg_.loops) {
    if (m.parent == l) return std::nullopt;
  }
  const size_t header = loop.header;
  // Topological order of the body without the back edges (Kahn).
  std::map<size_t, size_t> indegree;
  size_t insns = 0;
  for (size_t b : loop.blocks) {
    indegree[b] = 0;
    insns += cfg_.blocks[b].last - cfg_.blocks[b].first + 1;
  }
  for (size_t b : loop.blocks) {
    for (size_t t : cfg_.blocks[b].succs) {
      if (t != header && indegree.count(t) != 0) ++indegree[t];
    }
  }
  std::vector<size_t> order{header};
  for (size_t i = 0; i < order.size(); ++i) {
    for (size_t t : cfg_.blocks[order[i]].succs) {
      if (t == header || indegree.count(t) == 0) continue;
      if (--indegree[t] == 0) order.push_back(t);
    }
  }
  if (order.size() != loop.blocks.size()) return std::nullopt;
  // Entry state: the edges into the header from outside the loop, in the final fixpoint.
  const Subprogram& sp = cfg_.subprograms[run.sub];
  State head;
  if (header == sp.entry_block) head = run.entry;
  for (size_t p : cfg_.blocks[header].preds) {
    if (cfg_.in_loop(p, l)) continue;
    const auto& succs = cfg_.blocks[p].succs;
    for (size_t i = 0; i < succs.size(); ++i) {
      if (succs[i] == header) head = state_join(head, out_state(run, cfg_.local_index[p], i));
    }
  }
  if (head.bottom) return 0;
  head.relations.clear();  // counter relations prove nothing here
  const uint64_t max_rounds = std::min<uint64_t>(kMaxUnrolledRounds, kMaxUnrolledTransfers / std::max<size_t>(insns, 1));
  FnRun scratch;
  init_run(scratch, run.sub);
  FnRun* saved_run = run_;
  const bool saved_check = check_;
  run_ = &scratch;
  check_ = false;
  std::optional<uint64_t> bound;
  for (uint64_t round = 0; round <= max_rounds; ++round) {
    for (size_t b : order) {
      process_block(scratch, b, b == header ? head : compute_in(scratch, b));
    }
    State next;
    for (size_t latch : loop.latches) {
      const auto& succs = cfg_.blocks[latch].succs;
      for (size_t i = 0; i < succs.size(); ++i) {
        if (succs[i] == header) next = state_join(next, out_state(scratch, cfg_.local_index[latch], i));
      }
    }
    if (next.bottom) {
      bound = round;
      break;
    }
    next.relations.clear();
    if (state_leq(head, next)) break;  // not shrinking: no proof this way
    head = std::move(next);
  }
  run_ = saved_run;
  check_ = saved_check;
  return bound;
}

void Analyzer::check_back_edge(const State& s, size_t latch, size_t header) {
  const size_t l = cfg_.loop_of_header(header);
  if (l == kNoBlock || s.bottom) return;
  const CounterFacts facts = loop_bound(s, l);
  FnRun::EdgeBound e;
  e.latch_pc = cfg_.blocks[latch].last;
  e.range = facts.range;
  e.excluded = facts.excluded;
  e.bounded_excl = facts.bounded_excl;
  if (!e.range && e.excluded.empty() && !e.bounded_excl) {
    for (int r = 0; r < 10; ++r) {
      const Value& v = s.regs[static_cast<size_t>(r)];
      if (v.is_scalar()) e.state += fmt::format("{}{}", e.state.empty() ? "" : ", ", reg_text(s, r));
    }
    if (e.state.empty()) e.state = "no scalar registers";
  }
  run_->edges[l].push_back(std::move(e));
}

}  // namespace bpfcert::verifier::detail
