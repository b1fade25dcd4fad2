#include "verifier/smt/prover.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

#include "semantics/operations.h"
#include "verifier/smt/prover_query.h"

namespace bpfcert::verifier::smt {

using semantics::AluOp;
using semantics::JmpOp;
using semantics::Width;

DomainUnderProof shipped_domain() {
  DomainUnderProof d;
  d.alu = [](AluOp op, Width w, const SymScalar& a, const SymScalar& b, unsigned ext) {
    return domain::scalar_alu_unreduced(op, w, a, b, ext);
  };
  d.refine = [](JmpOp op, Width w, bool taken, const SymScalar& a, const SymScalar& b) {
    return domain::scalar_refine_unreduced(op, w, taken, a, b);
  };
  d.load_result = [](const SymScalar& s, unsigned size, bool sx) {
    return domain::scalar_load_result_unreduced(s, size, sx);
  };
  d.unknown_load = [](const Z3Word& like, unsigned size, bool sx) {
    return domain::scalar_unknown_load_unreduced(like, size, sx);
  };
  d.join = [](const SymScalar& a, const SymScalar& b) { return domain::scalar_join_unreduced(a, b); };
  d.widen = [](const SymScalar& a, const SymScalar& b) { return domain::scalar_widen(a, b); };
  d.tighten = [](const SymScalar& s) { return domain::scalar_tighten_unreduced(s); };
  for (const domain::NamedSyncStep<Z3Word>& step : domain::kSyncSteps<Z3Word>) {
    auto fn = step.step;
    d.sync_steps.emplace_back(step.name, [fn](const SymScalar& s) { return fn(s); });
  }
  d.tnum_mul_init = [](const domain::Tnum<Z3Word>& a, const domain::Tnum<Z3Word>& b) {
    return domain::tnum_mul_init(a, b);
  };
  d.tnum_mul_step = [](const domain::TnumMulState<Z3Word>& s, unsigned n) { return domain::tnum_mul_step(s, n); };
  d.tnum_mul_finish = [](const Z3Word& acc_v, const domain::Tnum<Z3Word>& acc_m, unsigned n) {
    return domain::tnum_mul_finish(acc_v, acc_m, n);
  };
  detail::add_shipped_checks(d);
  return d;
}

std::string_view to_string(Component c) {
  switch (c) {
    case Component::Tnum: return "tnum";
    case Component::U64: return "u64";
    case Component::S64: return "s64";
    case Component::U32: return "u32";
    case Component::S32: return "s32";
    case Component::WellFormed: return "well_formed";
    case Component::Feasible: return "feasible";
    case Component::Nonempty: return "nonempty";
    case Component::NoTrap: return "no_trap";
    case Component::Holds: return "holds";
  }
  return "?";
}

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Proven: return "proven";
    case Verdict::Refuted: return "refuted";
    case Verdict::Timeout: return "timeout";
    case Verdict::Error: return "error";
  }
  return "?";
}

std::string Obligation::name() const {
  return op->name + "/" + lemma + "/" + std::string(to_string(component));
}

std::optional<uint64_t> Counterexample::value(const std::string& name) const {
  for (const auto& [k, v] : values) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::optional<unsigned> ObligationResult::widest_proven() const {
  std::optional<unsigned> best;
  for (const Attempt& a : attempts) {
    if (a.verdict == Verdict::Proven && (!best || a.width > *best)) best = a.width;
  }
  return best;
}

const Attempt* ObligationResult::refutation() const {
  for (const Attempt& a : attempts) {
    if (a.verdict == Verdict::Refuted) return &a;
  }
  return nullptr;
}

using detail::contains;
using detail::Query;
using detail::scalar_goal;
using detail::Symbols;
using detail::well_formed_holding;

namespace {

constexpr Component kValueComponents[] = {Component::Tnum, Component::U64, Component::S64, Component::U32,
                                          Component::S32};

constexpr const char* kTnumMulLemmas[] = {"tnum_mul.init", "tnum_mul.step", "tnum_mul.identity", "tnum_mul.finish",
                                           "tnum_mul.transfer"};

bool multiplies(const Operator& op) { return op.kind == OperatorKind::Alu && op.alu_op == AluOp::Mul; }

std::vector<std::string> lemmas_of(const Operator& op) {
  switch (op.kind) {
    case OperatorKind::Alu: {
      std::vector<std::string> out{"transfer"};
      if (multiplies(op)) out.insert(out.end(), std::begin(kTnumMulLemmas), std::end(kTnumMulLemmas));
      return out;
    }
    case OperatorKind::Branch: return {"taken", "not_taken"};
    case OperatorKind::Load: return {"known_value", "unknown_value"};
    case OperatorKind::Sync: {
      std::vector<std::string> out;
      int i = 1;
      for (const auto& step : domain::kSyncSteps<uint64_t>) out.push_back("step" + std::to_string(i++) + "." + step.name);
      out.push_back("nonempty");
      return out;
    }
    case OperatorKind::Tighten: return {"endpoints"};
    case OperatorKind::Join: return {"join"};
    case OperatorKind::Widen: return {"widen"};
    case OperatorKind::Access:
    case OperatorKind::Pointer:
    case OperatorKind::Range: return detail::check_lemmas(op);
  }
  return {};
}

// One ALU operator applied: abstract operands holding concrete x and y, the concrete result the
// interpreter computes and the abstract one the verifier computes (both observed for models).
struct AluInstance {
  SymScalar a, b;
  Z3Word x, y, r;
  SymScalar out;
  z3::expr hyp;  // both operands well formed and holding their concrete value
};
AluInstance alu_instance(Symbols& sym, const Operator& op, const DomainUnderProof& dom) {
  const SymScalar a = sym.scalar("dst"), b = sym.scalar("src");
  const Z3Word x = sym.word("x"), y = sym.word("y");
  const Z3Word r = semantics::alu(op.alu_op, op.width, x, y, op.ext_bits);
  const SymScalar out = dom.alu(op.alu_op, op.width, a, b, op.ext_bits);
  sym.observe("result", r);
  sym.observe("out", out);
  return {a, b, x, y, r, out, well_formed_holding(a, x) && well_formed_holding(b, y)};
}

bool tnum_mul_lemma(const std::string& lemma) { return lemma.rfind("tnum_mul.", 0) == 0; }

using SymTnum = domain::Tnum<Z3Word>;

// The widths n at which `op`'s transfer function runs tnum_mul on a word of `width` bits: mul on
// the full views and, for the low half, on the 32-bit views; mul32 on the 32-bit views.
std::vector<unsigned> tnum_mul_widths(const Operator& op, unsigned width) {
  if (op.width == Width::W32) return {width / 2};
  return domain::low_half_is_op_on_halves(op.alu_op) ? std::vector<unsigned>{width, width / 2}
                                                     : std::vector<unsigned>{width};
}

// The lemmas of "tnum_mul by induction" (prover.h): each at every n of tnum_mul_widths, as one
// query (symbols prefixed "n<N>.").
Query tnum_mul_query(Symbols& sym, const Obligation& ob, const DomainUnderProof& dom) {
  z3::context& ctx = sym.ctx();
  const unsigned width = sym.width();
  const bool well_formed_goal = ob.component == Component::WellFormed;
  auto tnum = [&](const std::string& p) { return SymTnum{sym.word(p + ".value"), sym.word(p + ".mask")}; };
  auto observe = [&](const std::string& p, const SymTnum& t) {
    sym.observe(p + ".value", t.value);
    sym.observe(p + ".mask", t.mask);
  };
  auto wf = [](const SymTnum& t, unsigned n) { return domain::tnum_well_formed(t, n).e; };
  // v mod 2^n is in gamma(t): for results of arithmetic mod 2^n. The concrete values the
  // induction tracks are n-bit values and are members exactly (member(), n-bit when t is well
  // formed at n), else x = 2^n would pass for a member of {0, 1} and x >> 1 would not be one of
  // its shift.
  auto holds = [](const SymTnum& t, const Z3Word& v, unsigned n) {
    return domain::tnum_contains(t, semantics::zext(v, n)).e;
  };
  auto member = [](const SymTnum& t, const Z3Word& v) { return domain::tnum_contains(t, v).e; };
  auto same = [](const SymTnum& s, const SymTnum& t) { return (eq(s.value, t.value) && eq(s.mask, t.mask)).e; };
  z3::expr hyp = ctx.bool_val(true);
  z3::expr goal = ctx.bool_val(true);

  if (ob.lemma == "tnum_mul.identity") {
    // u * v = (u & 1) * v + (u >> 1) * (v << 1), as the four facts of prover.h.
    const Z3Word u = sym.word("u"), v = sym.word("v");
    const Z3Word zero = lit(u, 0), one = lit(u, 1), two = lit(u, 2);
    const Z3Word h = lshr(u, one), l = u & one;
    goal = (eq(u, h * two + l) && eq((h * two + l) * v, l * v + h * (v * two)) && eq(shl(v, one), v * two) &&
            eq(l * v, ite(!eq(l, zero), v, zero)))
               .e;
    return {hyp, goal, true};
  }

  if (ob.lemma == "tnum_mul.transfer") {
    const Operator& op = *ob.op;
    const AluInstance in = alu_instance(sym, op, dom);
    const SymScalar &a = in.a, &b = in.b, &out = in.out;
    const Z3Word &x = in.x, &y = in.y, &r = in.r;
    hyp = in.hyp;
    const Z3Word zero = lit(x, 0);
    auto bounds = [&](const SymTnum& t) { return domain::Bounds<Z3Word>{t, zero, zero, zero, zero}; };
    // How the transfer function assembles the products of its views (scalar_alu_unreduced).
    auto assemble = [&](const std::vector<SymTnum>& products) {
      return op.width == Width::W64 ? domain::from_views(bounds(products[0]), bounds(products[1])).t
                                    : domain::zext_from32(bounds(products[0])).t;
    };
    std::vector<SymTnum> composed, fresh;
    z3::expr fresh_sound = ctx.bool_val(true);
    for (unsigned n : tnum_mul_widths(op, width)) {
      const std::string p = "n" + std::to_string(n) + ".";
      const SymTnum va = n == width ? domain::view64(a).t : domain::view32(a).t;
      const SymTnum vb = n == width ? domain::view64(b).t : domain::view32(b).t;
      goal = goal && wf(va, n) && wf(vb, n) && holds(va, x, n) && holds(vb, y, n);
      // tnum_mul(va, vb, n) from the pieces the other lemmas prove.
      domain::TnumMulState<Z3Word> st = dom.tnum_mul_init(va, vb);
      for (unsigned i = 0; i < n; ++i) st = dom.tnum_mul_step(st, n);
      composed.push_back(dom.tnum_mul_finish(va.value * vb.value, st.acc_m, n));
      // Any well-formed tnum holding the product mod 2^n (what the induction gives).
      const SymTnum t = tnum(p + "product");
      fresh.push_back(t);
      fresh_sound = fresh_sound && wf(t, n) && holds(t, r, n);
    }
    goal = goal && same(out.t, assemble(composed)) &&
           z3::implies(fresh_sound, domain::tnum_contains(assemble(fresh), r).e);
    return {hyp, goal};
  }

  for (unsigned n : tnum_mul_widths(*ob.op, width)) {
    const std::string p = "n" + std::to_string(n) + ".";
    if (ob.lemma == "tnum_mul.init") {
      const SymTnum a = tnum(p + "a"), b = tnum(p + "b");
      const domain::TnumMulState<Z3Word> st = dom.tnum_mul_init(a, b);
      observe(p + "out.a", st.a);
      observe(p + "out.b", st.b);
      observe(p + "out.acc_m", st.acc_m);
      hyp = hyp && wf(a, n) && wf(b, n);
      goal = goal && (well_formed_goal ? wf(st.a, n) && wf(st.b, n) && wf(st.acc_m, n)
                                       : same(st.a, a) && same(st.b, b) && holds(st.acc_m, lit(a.value, 0), n));
    } else if (ob.lemma == "tnum_mul.step") {
      const SymTnum a = tnum(p + "a"), b = tnum(p + "b"), acc = tnum(p + "acc_m");
      const Z3Word x = sym.word(p + "x_i"), y = sym.word(p + "y_i"), s = sym.word(p + "s_i");
      const Z3Word zero = lit(x, 0), one = lit(x, 1);
      // What this bit of x adds to the product beyond what this bit of a.value adds to acc_v.
      const Z3Word c = ite(!eq(x & one, zero), y, zero) - ite(!eq(a.value & one, zero), b.value, zero);
      const domain::TnumMulState<Z3Word> st = dom.tnum_mul_step({a, b, acc}, n);
      sym.observe(p + "c_i", c);
      observe(p + "out.a", st.a);
      observe(p + "out.b", st.b);
      observe(p + "out.acc_m", st.acc_m);
      hyp = hyp && wf(a, n) && wf(b, n) && wf(acc, n) && member(a, x) && member(b, y) && member(acc, s);
      goal = goal && (well_formed_goal
                          ? wf(st.a, n) && wf(st.b, n) && wf(st.acc_m, n)
                          : holds(st.acc_m, s + c, n) && holds(st.a, lshr(x, one), n) && holds(st.b, shl(y, one), n) &&
                                eq(st.a.value, lshr(a.value, one)).e &&
                                eq(st.b.value, semantics::zext(shl(b.value, one), n)).e);
    } else if (ob.lemma == "tnum_mul.finish") {
      const SymTnum acc = tnum(p + "acc_m");
      const Z3Word s = sym.word(p + "s_n"), acc_v = sym.word(p + "acc_v");
      const SymTnum out = dom.tnum_mul_finish(acc_v, acc, n);
      observe(p + "out", out);
      hyp = hyp && wf(acc, n) && member(acc, s);
      goal = goal && (well_formed_goal ? wf(out, n) : holds(out, acc_v + s, n));
    }
  }
  return {hyp, goal};
}

Query build_query(Symbols& sym, const Obligation& ob, const DomainUnderProof& dom) {
  if (tnum_mul_lemma(ob.lemma)) return tnum_mul_query(sym, ob, dom);
  const Operator& op = *ob.op;
  z3::context& ctx = sym.ctx();
  const Component c = ob.component;
  switch (op.kind) {
    case OperatorKind::Alu: {
      const AluInstance in = alu_instance(sym, op, dom);
      return {in.hyp, scalar_goal(in.out, in.r, c)};
    }
    case OperatorKind::Branch: {
      const SymScalar a = sym.scalar("dst"), b = sym.scalar("src");
      const Z3Word x = sym.word("x"), y = sym.word("y");
      const bool taken = ob.lemma == "taken";
      const Z3Bool goes = semantics::jump_taken(op.jmp_op, op.width, x, y);
      const domain::Refined<Z3Word> out = dom.refine(op.jmp_op, op.width, taken, a, b);
      sym.observe("out.dst", out.dst);
      sym.observe("out.src", out.src);
      const z3::expr hyp = well_formed_holding(a, x) && well_formed_holding(b, y) && (taken ? goes.e : !goes.e);
      if (c == Component::Feasible) return {hyp, out.feasible.e};
      if (c == Component::WellFormed) {
        return {hyp, (domain::scalar_well_formed(out.dst) && domain::scalar_well_formed(out.src)).e};
      }
      return {hyp, (contains(out.dst, x, c) && contains(out.src, y, c)).e};
    }
    case OperatorKind::Load: {
      const Z3Word x = sym.word("x");
      const Z3Word r = semantics::load_result(x, op.size, op.sign_extend);
      sym.observe("result", r);
      if (ob.lemma == "unknown_value") {
        const SymScalar out = dom.unknown_load(x, op.size, op.sign_extend);
        sym.observe("out", out);
        return {ctx.bool_val(true), scalar_goal(out, r, c)};
      }
      const SymScalar a = sym.scalar("value");
      const SymScalar out = dom.load_result(a, op.size, op.sign_extend);
      sym.observe("out", out);
      return {well_formed_holding(a, x), scalar_goal(out, r, c)};
    }
    case OperatorKind::Sync: {
      const SymScalar s = sym.scalar("in");
      const Z3Word x = sym.word("x");
      if (ob.lemma == "nonempty") return {well_formed_holding(s, x), domain::scalar_maybe_nonempty(s).e};
      for (size_t i = 0; i < dom.sync_steps.size(); ++i) {
        if (ob.lemma == "step" + std::to_string(i + 1) + "." + dom.sync_steps[i].first) {
          const SymScalar out = dom.sync_steps[i].second(s);
          sym.observe("out", out);
          return {well_formed_holding(s, x), scalar_goal(out, x, c)};
        }
      }
      break;
    }
    case OperatorKind::Tighten: {
      const SymScalar s = sym.scalar("in");
      const Z3Word x = sym.word("x");
      const domain::Tightened<Z3Word> out = dom.tighten(s);
      sym.observe("out", out.s);
      if (c == Component::Nonempty) return {well_formed_holding(s, x), out.nonempty.e};
      return {well_formed_holding(s, x), scalar_goal(out.s, x, c)};
    }
    case OperatorKind::Join:
    case OperatorKind::Widen: {
      const SymScalar a = sym.scalar(op.kind == OperatorKind::Join ? "a" : "older");
      const SymScalar b = sym.scalar(op.kind == OperatorKind::Join ? "b" : "newer");
      const Z3Word x = sym.word("x");
      const SymScalar out = op.kind == OperatorKind::Join ? dom.join(a, b) : dom.widen(a, b);
      sym.observe("out", out);
      const z3::expr hyp = (domain::scalar_well_formed(a) && domain::scalar_well_formed(b)).e &&
                           (domain::scalar_contains(a, x) || domain::scalar_contains(b, x)).e;
      return {hyp, scalar_goal(out, x, c)};
    }
    case OperatorKind::Access:
    case OperatorKind::Pointer:
    case OperatorKind::Range: return detail::check_query(sym, ob, dom);
  }
  throw std::invalid_argument("no lemma '" + ob.lemma + "' for operator " + op.name);
}

// Bit-blasting after word-level simplification: for these queries (few symbols, comparisons
// and ite chains) it is faster than Z3's default solver, by an order of magnitude on some.
z3::solver make_solver(z3::context& ctx, bool ring_normalize) {
  auto t = [&](const char* name) { return z3::tactic(ctx, name); };
  z3::params som(ctx);
  som.set("som", true);
  const z3::tactic simplify = ring_normalize ? z3::with(t("simplify"), som) : t("simplify");
  return (simplify & t("propagate-values") & t("solve-eqs") & t("elim-uncnstr") & t("max-bv-sharing") &
          t("bit-blast") & t("sat"))
      .mk_solver();
}

std::string hex(uint64_t v) {
  std::ostringstream o;
  o << "0x" << std::hex << v;
  return o.str();
}

std::string explain(const Obligation& ob, const Counterexample& cex) {
  if (ob.op->kind == OperatorKind::Access || ob.op->kind == OperatorKind::Range) return detail::explain_check(ob, cex);
  std::ostringstream o;
  auto val = [&](const std::string& n) { return cex.value(n) ? hex(*cex.value(n)) : std::string("?"); };
  const bool branch = ob.op->kind == OperatorKind::Branch;
  if (tnum_mul_lemma(ob.lemma)) {
    o << ob.lemma << " fails (" << to_string(ob.component) << "): see the values";
  } else if (ob.component == Component::WellFormed) {
    o << "the output is not well formed";
  } else if (ob.component == Component::Feasible) {
    o << "x = " << val("x") << ", y = " << val("y") << " goes the " << ob.lemma
      << " way, but the refinement declares that way impossible";
  } else if (ob.component == Component::Nonempty) {
    o << "x = " << val("x") << " is in the state, which is declared empty";
  } else {
    const std::string comp(to_string(ob.component));
    const std::string lo = comp == "tnum" ? "tnum.value" : (comp == "u64" ? "umin" : comp == "s64" ? "smin" : comp + "min");
    const std::string hi = comp == "tnum" ? "tnum.mask" : (comp == "u64" ? "umax" : comp == "s64" ? "smax" : comp + "max");
    if (branch) {
      o << "x = " << val("x") << ", y = " << val("y") << " goes the " << ob.lemma << " way; refined dst " << comp
        << " (" << val("out.dst." + lo) << ", " << val("out.dst." + hi) << "), src (" << val("out.src." + lo) << ", "
        << val("out.src." + hi) << ") must hold them";
    } else {
      const std::string concrete = cex.value("result") ? "result" : "x";
      o << "concrete " << concrete << " " << val(concrete) << " escapes the output's " << comp << " ("
        << val("out." + lo) << ", " << val("out." + hi) << ")";
    }
  }
  return o.str();
}

}  // namespace

bool is_tnum_mul_lemma(const Obligation& ob) { return tnum_mul_lemma(ob.lemma); }

std::vector<unsigned> quick_widths(const Obligation& ob) {
  if (is_tnum_mul_lemma(ob)) return {8, 16, 64};
  return quick_widths(*ob.op);
}

bool reduces(const Operator& op) {
  return op.kind != OperatorKind::Widen && op.kind != OperatorKind::Sync && op.kind != OperatorKind::Access &&
         op.kind != OperatorKind::Range;
}

std::vector<Obligation> obligations_of(const Operator& op) {
  if (op.kind == OperatorKind::Access || op.kind == OperatorKind::Range) return detail::check_obligations(op);
  std::vector<Obligation> out;
  for (const std::string& lemma : lemmas_of(op)) {
    if (tnum_mul_lemma(lemma)) {
      out.push_back({&op, lemma, Component::Tnum});
      if (lemma != "tnum_mul.identity" && lemma != "tnum_mul.transfer") out.push_back({&op, lemma, Component::WellFormed});
      continue;
    }
    if (lemma == "nonempty") {
      out.push_back({&op, lemma, Component::Nonempty});
      continue;
    }
    for (Component c : kValueComponents) out.push_back({&op, lemma, c});
    out.push_back({&op, lemma, Component::WellFormed});
    if (op.kind == OperatorKind::Branch) out.push_back({&op, lemma, Component::Feasible});
    if (op.kind == OperatorKind::Tighten) out.push_back({&op, lemma, Component::Nonempty});
  }
  return out;
}

// Interrupts a context from the deadline on, repeatedly: Z3's own timeout alone is not enough,
// since some tactics reset the cancellation flag (a 10 ms timeout was seen running for minutes
// on a 64-bit division bound), and a prover that hangs is worse than one that says "timeout".
class Watchdog {
 public:
  Watchdog(z3::context& ctx, double seconds)
      : thread_([this, &ctx, seconds]() {
          std::unique_lock<std::mutex> lock(mutex_);
          const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
          if (cv_.wait_until(lock, deadline, [this] { return done_; })) return;
          while (!cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return done_; })) ctx.interrupt();
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

Attempt prove_at(const Obligation& ob, unsigned width, double timeout_seconds, const DomainUnderProof& domain) {
  Attempt a;
  a.width = width;
  const auto start = std::chrono::steady_clock::now();
  try {
    z3::context ctx;
    Symbols sym(ctx, width);
    const Query q = build_query(sym, ob, domain);
    // Linear integer statements (Z3IntWord) go to Z3's own solver; bit-vectors are bit-blasted.
    z3::solver s = q.linear_integer ? z3::solver(ctx) : make_solver(ctx, q.ring_normalize);
    z3::params p(ctx);
    p.set("timeout", static_cast<unsigned>(std::max(1.0, timeout_seconds * 1000)));
    s.set(p);
    s.add(q.hypothesis);
    s.add(!q.goal);
    z3::check_result verdict = z3::unknown;
    {
      const Watchdog watchdog(ctx, timeout_seconds);
      verdict = s.check();
    }
    switch (verdict) {
      case z3::unsat: a.verdict = Verdict::Proven; break;
      case z3::sat: {
        a.verdict = Verdict::Refuted;
        const z3::model m = s.get_model();
        Counterexample cex;
        cex.width = width;
        for (const auto& [name, e] : sym.observed()) {
          uint64_t v = 0;
          if (m.eval(e, true).is_numeral_u64(v)) cex.values.emplace_back(name, v);
        }
        cex.explanation = explain(ob, cex);
        a.counterexample = std::move(cex);
        break;
      }
      case z3::unknown:
        a.verdict = Verdict::Timeout;
        a.detail = s.reason_unknown();
        break;
    }
  } catch (const z3::exception& e) {
    // An interrupted tactic may throw ("canceled") instead of answering unknown.
    const std::string msg = e.msg();
    const bool late = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= timeout_seconds;
    a.verdict = late ? Verdict::Timeout : Verdict::Error;
    a.detail = msg;
  } catch (const std::exception& e) {
    a.verdict = Verdict::Error;
    a.detail = e.what();
  }
  a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return a;
}

std::vector<ObligationResult> prove_all(const std::vector<Obligation>& obligations, const ProverOptions& options,
                                        const DomainUnderProof& domain) {
  std::vector<ObligationResult> results(obligations.size());
  std::atomic<size_t> next{0};
  std::mutex report_mutex;
  auto worker = [&]() {
    for (size_t i = next++; i < obligations.size(); i = next++) {
      ObligationResult r{obligations[i], {}};
      for (unsigned w : options.widths) {
        r.attempts.push_back(prove_at(obligations[i], w, options.timeout_seconds, domain));
        if (options.stop_at_first_failure && r.attempts.back().verdict != Verdict::Proven) break;
      }
      results[i] = std::move(r);
      if (options.on_result) {
        std::lock_guard<std::mutex> lock(report_mutex);
        options.on_result(results[i]);
      }
    }
  };
  const int jobs = std::max(1, options.jobs);
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  return results;
}

}  // namespace bpfcert::verifier::smt
