// The analyzer: abstract interpretation of a program over the CFG (cfg.h) with the state of
// state.h, the scalar domain of domain/scalar.h and the platform's tables.
//
// Design decisions, and why:
//
// * Path sensitivity. States are JOINED at every merge point and iterated in a weak
//   topological order with widening at loop heads, then a few descending (narrowing) passes,
//   as PREVAIL does. Linux instead explores paths and prunes by subsumption; that is exponential
//   in the number of branches in the worst case, and subsumption is where soundness bugs hid
//   (CVE-2023-2163). Joining keeps loop-free programs linear in their size (each block is
//   processed a bounded number of times; a call is analysed per call site). Precision the join
//   would lose is kept by the state itself rather than by separate paths: nullable pointers
//   carry an id shared by their copies, so a null check refines every copy (Linux's ids);
//   packet pointers carry the id of their variable offset part, so a comparison with packet
//   end proves a range for every pointer derived from the same part; a nullable pointer
//   joined with NULL stays a nullable pointer. What joins do lose: correlations between
//   branches (a flag set on one path and tested later); such programs are rejected, soundly.
//
// * Calls. Local calls are analysed per call site (context-sensitive by call string), each
//   with its own frame; the depth is bounded by the platform (8 frames) and recursion is
//   rejected, so the number of contexts is finite. Within one context a callee's result for a
//   given entry state is memoised. r6-r9 and r10 are restored on return (as the interpreter
//   does), r1-r5 become uninitialised (Linux's rule, stricter than the interpreter).
//
// * Termination. Each loop L (natural loop of a reducible CFG; irreducible cycles are
//   rejected) gets a ghost counter c_L: 0 when L is entered from outside, +1 on every back
//   edge. For each cell x (register, or 8-byte stack slot) and each candidate stride k (+1, -1,
//   and the constants the loop adds to the registers its branches compare), the state keeps a
//   relation d = x - k * c_L modulo 2^64 (only modulo 2^32 after 32-bit arithmetic on x) as a
//   Scalar; adding s to x adds s to d, a back edge subtracts k, anything else that writes x
//   forgets the relation. A back edge proves something about c_L in two ways:
//   - a range: the state on the edge, already refined by the loop's test, bounds x, so
//     |k| * c_L = sign(k) * (x - d) lies in a computed [0, B]; when B + |k| < 2^64 the counter
//     cannot reach B / |k| + 1 on this edge (it would have to pass through values whose image
//     exceeds B, without wrapping);
//   - an exclusion: with k = +-1, a test `x != K` (or jset x, -1, ...) that the edge passed
//     since the last back edge says c_L != E for the E that makes x == K. E is exact when d
//     and K are constants. When d is invariant (the body shifts x by exactly k, so d has the
//     same concrete value every iteration: `net` in Relation) and K is a constant or a register
//     the loop never writes, E is one value fixed for the entry, known to lie in an interval.
//   c_L takes every value from 0 up to its final count, one per back edge, so if every edge
//   admits at most the values up to B, or every value but E (and no range edge admits E), the
//   loop takes at most max(B) + 1, or E, back edges per entry; a single back edge excluding an
//   E bounded by an interval takes at most the interval's maximum (evaluate_loops). A loop for which
//   no such proof exists, or whose bound exceeds AnalyzerOptions::max_loop_iterations, is
//   rejected with loop.unbounded. Every loop's iterations per entry being bounded, and loops
//   nesting finitely, every execution terminates. This is PREVAIL's counter argument, with a
//   difference relation per cell instead of a full zone domain: cheap, and enough for
//   induction variables with a constant stride. When it proves nothing (a value halved until
//   small, carries folded until none is left), an innermost loop is unrolled abstractly from
//   its entry state, round by round without joins or widening, until its back edges carry
//   nothing (unroll_bound): Linux's way of exploring such loops, with a budget of rounds.
//   The same relations give values back their precision: once the back edges bound c_L by B,
//   a cell x with relation d is in d + k * [0, B] at the head, which the descending passes
//   meet into the head's state (counter_narrow): a pointer walking an array by a constant
//   stride while a counter is compared keeps a bounded offset through widening.
//
// * Soundness first. Every check either proves its property from the abstract state or
//   reports; after reporting, the analysis continues as if the check had passed, so one run
//   lists several findings. Pointer comparisons refine offsets only when both offsets are small
//   enough that address order equals offset order; non-null facts need the offset near 0.
#include "verifier/analyzer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "semantics/operations.h"
#include "verifier/cfg.h"
#include "verifier/domain/tighten.h"
#include "verifier/state.h"

namespace bpfcert::verifier {

using semantics::AluOp;
using semantics::AtomicOp;
using semantics::CallKind;
using semantics::Insn;
using semantics::JmpOp;
using semantics::Kind;
using semantics::LddwKind;
using semantics::Operand;
using semantics::Width;

namespace {

namespace dm = domain;

struct BudgetExceeded {};

// Ids by origin: lookups and helper memory pc + 1; linked scalars, packet variable offsets,
// entry pointers that may be null: their own ranges, so no two meanings share an id.
constexpr uint32_t kPacketIdBase = 0x40000000u;
constexpr uint32_t kScalarIdBase = 0x20000000u;
// PacketRange id of the metadata: data_meta + range <= data (no packet pointer has this id).
constexpr uint32_t kMetaRangeId = 0x3fffffffu;
constexpr uint32_t kRegisterCells = 16;  // cells 0..10 are registers; stack slots from 16
// Offsets whose address order equals their order as signed offsets: buffers live in user
// space (below 2^47, above the 64 KiB mmap floor), so base + offset never wraps.
constexpr int64_t kSaneOffset = int64_t{1} << 40;

// Tails of joins (Cfg::duplicate_tails) copied per path when at most this many instructions.
constexpr size_t kMaxDuplicatedTail = 16;

// Bounded unrolling (unroll_bound): at most this many rounds, and this many transfers per loop.
constexpr uint64_t kMaxUnrolledRounds = 256;
constexpr uint64_t kMaxUnrolledTransfers = 1'000'000;

bool sane(const Scalar& o) { return smin(o) > -kSaneOffset && smax(o) < kSaneOffset; }
bool surely_nonnull(const Scalar& o) { return smin(o) > -65536 && smax(o) < (int64_t{1} << 40); }

Scalar alu(AluOp op, Width w, const Scalar& a, const Scalar& b, unsigned ext = 0) {
  return dm::scalar_alu<uint64_t>(op, w, a, b, ext);
}

uint32_t slot_cell(int frame, int slot) { return kRegisterCells + static_cast<uint32_t>(frame * kStackSlots + slot); }

using semantics::next_pc;

bool is_packet(PointerKind k) { return k == PointerKind::Packet || k == PointerKind::PacketMeta; }

JmpOp signed_version(JmpOp op) {
  switch (op) {
    case JmpOp::Jgt: return JmpOp::Jsgt;
    case JmpOp::Jge: return JmpOp::Jsge;
    case JmpOp::Jlt: return JmpOp::Jslt;
    case JmpOp::Jle: return JmpOp::Jsle;
    default: return op;
  }
}

enum class AccessKind { Read, Write, Atomic, HelperRead, HelperWrite };

bool is_write(AccessKind k) { return k == AccessKind::Write || k == AccessKind::Atomic || k == AccessKind::HelperWrite; }

const char* access_verb(AccessKind k) {
  switch (k) {
    case AccessKind::Read: return "read";
    case AccessKind::Write: return "write";
    case AccessKind::Atomic: return "atomic update";
    case AccessKind::HelperRead: return "helper read";
    case AccessKind::HelperWrite: return "helper write";
  }
  return "access";
}

std::string range_text(__int128 lo, __int128 hi) {
  if (lo == hi) return fmt::format("{}", static_cast<int64_t>(lo));
  return fmt::format("[{}, {}]", static_cast<int64_t>(lo), static_cast<int64_t>(hi));
}

class Analyzer {
 public:
  Analyzer(const VerifierInput& in, const ProgramType& type, const Cfg& cfg)
      : in_(in), prog_(*in.program), plat_(*in.platform), type_(type), cfg_(cfg) {}

  VerificationResult run();

 private:
  // Per block (by local index). The tables hold pointers and vectors, not States (over a
  // kilobyte each): a block outside loops is processed once, and checked then, as soon as its
  // entry state is known (it never changes afterwards); that state is not kept, and each
  // out-state is freed once every successor has read it. So on loop-free code the live
  // states are those of the blocks in flight, not two or three per block of the program:
  // holding them all made the cost per instruction grow with program size (page faults and
  // cache misses on hundreds of megabytes at 100k instructions).
  struct FnRun {
    size_t sub = 0;
    State entry;
    bool check = false;                      // checking run: blocks outside loops checked in the first pass
    std::vector<std::unique_ptr<State>> in;  // blocks in loops: entry state of the latest pass (null: bottom)
    std::vector<std::vector<State>> out;     // per successor edge; empty: not processed, or freed (bottom)
    std::vector<uint32_t> unread;            // edges whose out-state a successor outside loops has not read
    std::vector<bool> checked;               // processed with check_ set already
    std::vector<std::unique_ptr<State>> exits;  // per block: state at its exit instruction (exit blocks only)
    // Checking pass: what each back edge proves about its loop's counter.
    struct EdgeBound {
      size_t latch_pc = 0;
      std::optional<uint64_t> range;   // c <= range on this edge
      std::vector<uint64_t> excluded;  // c != e on this edge
      std::optional<uint64_t> bounded_excl;  // c != E, E fixed per entry and at most this
      std::string state;               // for the message
    };
    std::map<size_t, std::vector<EdgeBound>> edges;  // by loop
  };
  struct CounterFacts {
    std::optional<uint64_t> range;
    std::vector<uint64_t> excluded;
    std::optional<uint64_t> bounded_excl;  // c != E for a fixed E <= this
  };
  struct Memo {
    State entry;
    State exit;
    bool changes_packet = false;
  };

  // ---- reporting ----
  void report(const std::string& check, size_t pc, std::string message, const State& s) {
    if (!check_) return;
    const auto key = std::make_pair(static_cast<int64_t>(pc), check);
    if (findings_.count(key) != 0) return;
    Finding f;
    f.check = check;
    f.severity = Severity::Error;
    if (const CheckInfo* info = find_check(check)) f.severity = info->severity;
    f.pc = static_cast<int64_t>(pc);
    f.message = std::move(message);
    for (int r = 0; r <= 10; ++r) {
      if (s.regs[static_cast<size_t>(r)].is_init()) f.registers.push_back({r, view(s.regs[static_cast<size_t>(r)], &in_)});
    }
    findings_.emplace(key, std::move(f));
  }
  std::string text(const Value& v) const { return describe(v, &in_); }
  std::string reg_text(const State& s, int r) const { return fmt::format("r{} = {}", r, text(s.regs[static_cast<size_t>(r)])); }

  // ---- fixpoint ----
  State analyze_function(size_t sub, const State& entry, bool check);
  void stabilize(FnRun& run, const std::vector<WtoElement>& order, bool top);
  void process_block(FnRun& run, size_t b, State s);
  State compute_in(FnRun& run, size_t b, bool entries_only = false);
  void init_run(FnRun& run, size_t sub) const;
  static const State& bottom_state() {
    static const State bottom;
    return bottom;
  }
  static const State& in_state(const FnRun& run, size_t li) { return run.in[li] ? *run.in[li] : bottom_state(); }
  static void set_in(FnRun& run, size_t li, State s) {
    if (run.in[li]) {
      *run.in[li] = std::move(s);
    } else {
      run.in[li] = std::make_unique<State>(std::move(s));
    }
  }
  static const State& out_state(const FnRun& run, size_t li, size_t i) {
    return i < run.out[li].size() ? run.out[li][i] : bottom_state();
  }
  State edge(const State& s, size_t from, size_t to);
  void check_back_edge(const State& s, size_t latch, size_t header);

  // ---- transfer ----
  void step(State& s, size_t pc);
  void branch(const State& s, size_t pc, State& fall, State& taken);
  void exit_insn(State& s, size_t pc);
  void alu_insn(State& s, size_t pc);
  void load_insn(State& s, size_t pc);
  void store_insn(State& s, size_t pc);
  void atomic_insn(State& s, size_t pc);
  void lddw_insn(State& s, size_t pc);
  void packet_load_insn(State& s, size_t pc);
  void call_insn(State& s, size_t pc);
  void helper_call(State& s, size_t pc, const HelperPrototype& p, bool kfunc);
  void local_call(State& s, size_t pc, size_t target_pc);
  void havoc_call(State& s);
  void invalidate_packet(State& s);
  void loop_callback(State& s, size_t pc, size_t target_pc);

  bool read_reg(State& s, size_t pc, int r);
  bool check_access(State& s, size_t pc, int r, const Value& p, int64_t off, uint64_t n, AccessKind kind);
  Value stack_read(State& s, size_t pc, int r, const Value& p, int64_t off, unsigned n, bool sx);
  void stack_write(State& s, size_t pc, const Value& p, int64_t off, unsigned n, const Value& v, uint64_t definite);
  Value context_access(State& s, size_t pc, int r, const Value& p, int64_t off, unsigned n, bool write);
  bool packet_in_range(const State& s, const Value& p, int64_t off, uint64_t n, std::string& why) const;
  void learn_packet_range(State& s, const Value& p, int64_t extra);
  void pointer_arith(State& s, size_t pc, const Value& ptr, const Scalar& x, bool subtract, Value& out);
  void fresh_id(State& s, uint32_t id);
  void share_scalar(State& s, int r, size_t pc);
  bool propagate_scalar(State& s, const Value& refined);
  uint64_t region_size(const Value& p, bool& known) const;
  const std::vector<uint8_t>* frozen_bytes(const Value& p) const;
  std::optional<Value> frozen_read(const Value& p, int64_t off, unsigned n, bool sx) const;

  // relations
  void rel_drop(State& s, uint32_t cell);
  void rel_copy(State& s, uint32_t from, uint32_t to, bool narrow);
  void rel_shift(State& s, uint32_t cell, AluOp op, const Scalar& x, Width w);
  CounterFacts loop_bound(const State& s, size_t loop) const;
  static std::optional<uint64_t> edges_bound(const std::vector<FnRun::EdgeBound>& edges,
                                             const FnRun::EdgeBound** unbounded);
  std::optional<uint64_t> current_bound(const FnRun& run, size_t l) const;
  void counter_narrow(const FnRun& run, State& s, size_t l) const;
  void evaluate_loops(FnRun& run);
  std::optional<uint64_t> unroll_bound(FnRun& run, size_t l);
  const Value* cell_value(const State& s, uint32_t cell) const;

  const VerifierInput& in_;
  const semantics::Program& prog_;
  const Platform& plat_;
  const ProgramType& type_;
  const Cfg& cfg_;
  bool check_ = false;
  FnRun* run_ = nullptr;  // the function being processed
  std::map<std::pair<int64_t, std::string>, Finding> findings_;
  std::vector<State> invariants_;
  std::vector<std::vector<int64_t>> strides_;
  std::vector<uint32_t> loop_writes_;  // per loop: registers some instruction in it may write
  Thresholds thresholds_;
  std::vector<int64_t> stack_usage_;  // per subprogram: bytes below r10
  std::vector<std::pair<size_t, std::vector<size_t>>> chains_;  // call pc, subprograms of the frames
  std::map<std::vector<size_t>, Memo> memo_;
  std::vector<size_t> call_string_;
  std::vector<size_t> sub_stack_;
  std::set<std::vector<size_t>> contexts_;
  std::vector<std::optional<uint64_t>> loop_bound_;
  std::vector<bool> loop_failed_;
  std::optional<Scalar> exit_r0_;
  bool exit_r0_bad_ = false;
  // Set when a helper that changes packet data is called (local_call scopes it per callee).
  bool packet_changed_ = false;
  Statistics stats_;
  FramePtr empty_frame_ = std::make_shared<StackFrame>();
  FramePtr zero_frame_ = [] {
    auto f = std::make_shared<StackFrame>();
    f->kind.fill(ByteKind::Const);
    return f;
  }();
  FramePtr misc_frame_ = [] {
    auto f = std::make_shared<StackFrame>();
    f->kind.fill(ByteKind::Misc);
    return f;
  }();
};

// ---- relations -------------------------------------------------------------------------------

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
    if (r.excl_kind == 1 || r.excl_kind == 2) out.excluded.push_back(r.excl);
    if (r.excl_kind == 3 || r.excl_kind == 4) {
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

void Analyzer::evaluate_loops(FnRun& run) {
  for (auto& [l, edges] : run.edges) {
    const FnRun::EdgeBound* unbounded = nullptr;
    const std::optional<uint64_t> bound = edges_bound(edges, &unbounded);
    const size_t header_pc = cfg_.blocks[cfg_.loops[l].header].first;
    if (bound && *bound <= in_.options.max_loop_iterations) {
      if (!loop_bound_[l] || *loop_bound_[l] < *bound) loop_bound_[l] = *bound;
      continue;
    }
    if (const auto unrolled = unroll_bound(run, l); unrolled && *unrolled <= in_.options.max_loop_iterations) {
      if (!loop_bound_[l] || *loop_bound_[l] < *unrolled) loop_bound_[l] = *unrolled;
      continue;
    }
    loop_failed_[l] = true;
    const FnRun::EdgeBound& at = unbounded != nullptr ? *unbounded : edges.front();
    const auto key = std::make_pair(static_cast<int64_t>(at.latch_pc), std::string("loop.unbounded"));
    if (findings_.count(key) != 0) continue;
    Finding f;
    f.check = "loop.unbounded";
    f.pc = static_cast<int64_t>(at.latch_pc);
    f.message = bound ? fmt::format("the loop at pc {} may iterate up to {} times, more than the limit {}", header_pc,
                                    *bound, in_.options.max_loop_iterations)
                      : fmt::format("cannot bound the iterations of the loop at pc {} (back edge from pc {}): no register "
                                    "or stack slot moves by a constant stride toward a bound on this edge ({})",
                                    header_pc, at.latch_pc, at.state);
    findings_.emplace(key, std::move(f));
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

// ---- fixpoint ----------------------------------------------------------------------------------

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
      rel.excl_kind = 0;
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

void Analyzer::init_run(FnRun& run, size_t sub) const {
  const size_t n = cfg_.subprograms[sub].blocks.size();
  run.sub = sub;
  run.in.resize(n);
  run.out.resize(n);
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
      State s = compute_in(run, h);
      // Predecessors' out-states that no successor will read again are freed (a successor
      // in a loop re-reads them on every iteration, and unroll_bound reads the edges into a
      // loop header at the end, so those are never freed).
      for (size_t p : cfg_.blocks[h].preds) {
        const size_t lp = cfg_.local_index[p];
        for (size_t x : cfg_.blocks[p].succs) {
          if (x == h && --run.unread[lp] == 0) std::vector<State>().swap(run.out[lp]);
        }
      }
      const bool saved_check = check_;
      check_ = run.check;
      process_block(run, h, std::move(s));
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
    if (row.kind == Kind::Exit) {
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

// ---- registers ------------------------------------------------------------------------------

bool Analyzer::read_reg(State& s, size_t pc, int r) {
  Value& v = s.regs[static_cast<size_t>(r)];
  if (v.is_init()) return true;
  report("reg.uninit", pc, fmt::format("r{} is read before it is written on some path", r), s);
  v = Value::scalar(scalar_top());
  return false;
}

// ---- memory ---------------------------------------------------------------------------------

uint64_t Analyzer::region_size(const Value& p, bool& known) const {
  known = true;
  switch (p.region) {
    case PointerKind::Stack: return plat_.stack_size;
    case PointerKind::Memory:
      if (p.object != 0) return p.size;
      if (!in_.memory_size) known = false;
      return in_.memory_size.value_or(0);
    case PointerKind::MapValue:
      if (p.object >= 0 && static_cast<size_t>(p.object) < in_.maps.size()) {
        return in_.maps[static_cast<size_t>(p.object)].value_size;
      }
      return 0;
    case PointerKind::Variable:
      for (const VariableDescriptor& v : in_.variables) {
        if (v.id == p.object) return v.size;
      }
      return 0;
    case PointerKind::Context: return type_.context.size;
    default: known = false; return 0;
  }
}

bool Analyzer::packet_in_range(const State& s, const Value& p, int64_t off, uint64_t n, std::string& why) const {
  if (static_cast<__int128>(smin(p.num)) + off < 0) {
    why = fmt::format("the offset may be negative ({})", range_text(static_cast<__int128>(smin(p.num)) + off,
                                                                    static_cast<__int128>(smax(p.num)) + off));
    return false;
  }
  // Every offset is relative to the packet start, so the range of id 0 (the proven packet
  // length) applies to any packet pointer; a pointer with a variable part also has the range
  // proven for that part.
  int64_t range0 = 0, range_id = 0;
  for (const PacketRange& r : s.packet) {
    if (r.id == 0) range0 = r.range;
    if (r.id == p.id) range_id = r.range;
  }
  if (static_cast<__int128>(smax(p.num)) + off + static_cast<__int128>(n) <= range0) return true;
  if (p.id == kOpaqueId) {
    why = fmt::format("bytes up to offset {} are used, but comparisons with packet end prove only {}",
                      static_cast<int64_t>(static_cast<__int128>(smax(p.num)) + off + static_cast<__int128>(n)), range0);
    return false;
  }
  const int64_t range = p.id == 0 ? range0 : range_id;
  const __int128 end = static_cast<__int128>(p.id == 0 ? smax(p.num) : p.delta) + off + static_cast<__int128>(n);
  if (end <= range) return true;
  why = p.id == 0 ? fmt::format("bytes up to offset {} are used, but comparisons with packet end prove only {}",
                                static_cast<int64_t>(end), range)
                  : fmt::format("bytes up to {} past the variable offset are used, but comparisons with packet end "
                                "prove only {}",
                                static_cast<int64_t>(end), range);
  return false;
}

// The value bytes of the frozen read-only map p points into, or null.
const std::vector<uint8_t>* Analyzer::frozen_bytes(const Value& p) const {
  if (!p.is_pointer() || p.region != PointerKind::MapValue || p.object < 0 ||
      static_cast<size_t>(p.object) >= in_.maps.size()) {
    return nullptr;
  }
  const MapDescriptor& m = in_.maps[static_cast<size_t>(p.object)];
  if (!m.read_only || m.max_entries != 1 || m.frozen_value.size() != m.value_size) return nullptr;
  return &m.frozen_value;
}

// A load of n bytes at p + off (already checked in bounds) from a frozen map: the join of the
// values at every offset p may hold (a few hundred at most), or nullopt.
std::optional<Value> Analyzer::frozen_read(const Value& p, int64_t off, unsigned n, bool sx) const {
  const std::vector<uint8_t>* bytes = frozen_bytes(p);
  if (bytes == nullptr || smin(p.num) < 0 || p.num.umax - p.num.umin > 256) return std::nullopt;
  std::optional<Value> out;
  for (uint64_t o = p.num.umin;; ++o) {
    if (dm::scalar_contains<uint64_t>(p.num, o)) {
      const uint64_t at = o + static_cast<uint64_t>(off);
      if (at > bytes->size() || bytes->size() - at < n) return std::nullopt;
      uint64_t raw = 0;
      for (unsigned i = 0; i < n; ++i) raw |= static_cast<uint64_t>((*bytes)[at + i]) << (8 * i);
      const Value v = Value::scalar(scalar_const(semantics::load_result<uint64_t>(raw, n, sx)));
      out = out ? value_join(*out, v) : v;
    }
    if (o == p.num.umax) break;
  }
  return out;
}

bool Analyzer::check_access(State& s, size_t pc, int r, const Value& p, int64_t off, uint64_t n, AccessKind kind) {
  const std::string who = reg_text(s, r);
  if (!p.is_pointer()) {
    report("mem.type", pc,
           fmt::format("{} of {} bytes through {}: {}", access_verb(kind), n, who,
                       p.type == Value::Type::Unknown ? "may be a scalar or a pointer" : "not a pointer"),
           s);
    return false;
  }
  if (p.nullable) {
    report("mem.null", pc, fmt::format("{} through {}, which may be null: compare it with 0 first", access_verb(kind), who),
           s);
    return false;
  }
  switch (p.region) {
    case PointerKind::MapHandle:
    case PointerKind::Code:
    case PointerKind::PacketEnd:
      report("mem.type", pc, fmt::format("{} through {}: this pointer cannot be dereferenced", access_verb(kind), who), s);
      return false;
    case PointerKind::PacketMeta: {
      // Offsets are from data_meta; a comparison with data proved the metadata holds `range`.
      if (kind == AccessKind::Atomic) {
        report("mem.type", pc, fmt::format("atomic update through {}: not allowed on packet metadata", who), s);
        return false;
      }
      int64_t range = 0;
      for (const PacketRange& x : s.packet) {
        if (x.id == kMetaRangeId) range = x.range;
      }
      const __int128 lo = static_cast<__int128>(smin(p.num)) + off;
      const __int128 hi = static_cast<__int128>(smax(p.num)) + off + static_cast<__int128>(n);
      if (lo < 0 || hi > range) {
        report("mem.bounds", pc,
               fmt::format("{} of {} bytes at {}{:+}: metadata offsets {} are used, but comparisons of data_meta with "
                           "data prove only [0, {})",
                           access_verb(kind), n, who, off, range_text(lo, hi - static_cast<__int128>(n)), range),
               s);
        return false;
      }
      return true;
    }
    case PointerKind::Context:
      if (kind == AccessKind::HelperRead || kind == AccessKind::HelperWrite || kind == AccessKind::Atomic) {
        report("mem.type", pc, fmt::format("{} through {}: the context is accessed only by loads and stores", access_verb(kind), who),
               s);
        return false;
      }
      return true;  // context_access checks fields
    case PointerKind::Packet: {
      if (kind == AccessKind::Atomic) {
        report("mem.type", pc, fmt::format("atomic update through {}: not allowed on packet data", who), s);
        return false;
      }
      std::string why;
      if (!packet_in_range(s, p, off, n, why)) {
        report("mem.bounds", pc, fmt::format("{} of {} bytes at {}{:+}: {}", access_verb(kind), n, who, off, why), s);
        return false;
      }
      return true;
    }
    default: break;
  }
  if (p.region == PointerKind::Stack && (p.object < 0 || p.object > s.depth())) {
    report("mem.bounds", pc, fmt::format("{} through {}: that frame has returned", access_verb(kind), who), s);
    return false;
  }
  bool known = true;
  const uint64_t size = region_size(p, known);
  const __int128 lo = static_cast<__int128>(smin(p.num)) + off;
  const __int128 hi = static_cast<__int128>(smax(p.num)) + off + static_cast<__int128>(n);
  const __int128 region_lo = p.region == PointerKind::Stack ? -static_cast<__int128>(size) : 0;
  const __int128 region_hi = p.region == PointerKind::Stack ? 0 : static_cast<__int128>(size);
  if (!known || lo < region_lo || hi > region_hi) {
    const char* region = p.region == PointerKind::Stack    ? "stack frame"
                         : p.region == PointerKind::MapValue ? "map value"
                         : p.region == PointerKind::Variable ? "variable"
                                                             : "memory";
    report("mem.bounds", pc,
           !known ? fmt::format("{} of {} bytes through {}: the size of the memory is not known", access_verb(kind), n, who)
                  : fmt::format("{} of {} bytes at offset {} through {}: outside the {}-byte {}{}", access_verb(kind), n,
                                range_text(lo, hi - static_cast<__int128>(n)), who, size, region,
                                p.region == PointerKind::Stack ? " (offsets -" + std::to_string(size) + "..-1 from r10)" : ""),
           s);
    return false;
  }
  if (p.region == PointerKind::MapValue && is_write(kind) && p.object >= 0 &&
      static_cast<size_t>(p.object) < in_.maps.size() && in_.maps[static_cast<size_t>(p.object)].read_only) {
    report("mem.readonly", pc,
           fmt::format("{} of {} bytes through {}: the map's values are read-only for the program", access_verb(kind), n,
                       who),
           s);
    return false;
  }
  if (p.region == PointerKind::Stack && check_) {
    const size_t owner = sub_stack_[static_cast<size_t>(p.object)];
    stack_usage_[owner] = std::max<int64_t>(stack_usage_[owner], static_cast<int64_t>(-lo));
  }
  return true;
}

namespace {

// The byte at i as a reader sees it: spilled scalars read as their bytes.
struct ByteView {
  ByteKind kind;
  uint8_t value;
  bool pointer;  // part of a spilled non-scalar
};

ByteView byte_at(const StackFrame& f, int i) {
  const auto x = static_cast<size_t>(i);
  if (f.kind[x] == ByteKind::Spill32) {
    const Scalar& v = f.spill32[x / 4];
    if (is_const(v)) return {ByteKind::Const, static_cast<uint8_t>(v.t.value >> (8 * (x % 4))), false};
    return {ByteKind::Misc, 0, false};
  }
  if (f.kind[x] != ByteKind::Spill) return {f.kind[x], f.byte[x], false};
  const Value& v = f.spill[x / 8];
  if (!v.is_scalar()) return {ByteKind::Misc, 0, true};
  if (is_const(v.num)) return {ByteKind::Const, static_cast<uint8_t>(v.num.t.value >> (8 * (x % 8))), false};
  return {ByteKind::Misc, 0, false};
}

}  // namespace

Value Analyzer::stack_read(State& s, size_t pc, int r, const Value& p, int64_t off, unsigned n, bool sx) {
  const StackFrame& fr = *s.frames[static_cast<size_t>(p.object)];
  const Scalar unknown = dm::scalar_unknown_load<uint64_t>(0, n, sx);
  if (is_const(p.num)) {
    const int start = static_cast<int>(static_cast<int64_t>(p.num.t.value) + off) + kStackBytes;
    const auto slot = static_cast<size_t>(start / 8);
    if (fr.kind[static_cast<size_t>(start)] == ByteKind::Spill && start % 8 == 0) {
      const Value& v = fr.spill[slot];
      if (n == 8) return v;
      if (v.is_scalar()) return Value::scalar(dm::scalar_load_result<uint64_t>(v.num, n, sx));
    }
    if (fr.kind[static_cast<size_t>(start)] == ByteKind::Spill32 && start % 4 == 0 && n <= 4) {
      return Value::scalar(dm::scalar_load_result<uint64_t>(fr.spill32[static_cast<size_t>(start / 4)], n, sx));
    }
    uint64_t raw = 0;
    bool all_const = true;
    for (unsigned i = 0; i < n; ++i) {
      const ByteView b = byte_at(fr, start + static_cast<int>(i));
      if (b.pointer) {
        report("ptr.partial", pc,
               fmt::format("{}-byte read at {}{:+} covers part of a spilled {}", n, reg_text(s, r), off,
                           text(fr.spill[static_cast<size_t>((start + static_cast<int>(i)) / 8)])),
               s);
        return Value::scalar(unknown);
      }
      if (b.kind == ByteKind::Uninit) {
        report("stack.uninit", pc,
               fmt::format("{}-byte read at {}{:+} reads uninitialised stack byte {} (r10{:+})", n, reg_text(s, r), off,
                           start + static_cast<int>(i) - kStackBytes, start + static_cast<int>(i) - kStackBytes),
               s);
        return Value::scalar(unknown);
      }
      if (b.kind != ByteKind::Const) all_const = false;
      raw |= static_cast<uint64_t>(b.value) << (8 * i);
    }
    if (all_const) return Value::scalar(scalar_const(semantics::load_result<uint64_t>(raw, n, sx)));
    return Value::scalar(unknown);
  }
  const int lo = static_cast<int>(smin(p.num) + off) + kStackBytes;
  const int hi = static_cast<int>(smax(p.num) + off) + static_cast<int>(n) + kStackBytes;
  for (int i = lo; i < hi; ++i) {
    const ByteView b = byte_at(fr, i);
    if (b.pointer) {
      report("ptr.partial", pc,
             fmt::format("variable-offset read through {} may read part of a spilled pointer at r10{:+}", reg_text(s, r),
                         i - kStackBytes),
             s);
      break;
    }
    if (b.kind == ByteKind::Uninit) {
      report("stack.uninit", pc,
             fmt::format("variable-offset read of {} bytes through {}{:+} may read uninitialised stack byte r10{:+}", n,
                         reg_text(s, r), off, i - kStackBytes),
             s);
      break;
    }
  }
  return Value::scalar(unknown);
}

// Writes v (n bytes) at p + off. `definite` bytes from the lowest possible address are
// surely written (variable offsets: 0), the rest maybe.
void Analyzer::stack_write(State& s, size_t pc, const Value& p, int64_t off, unsigned n, const Value& v,
                           uint64_t definite) {
  const auto f = static_cast<size_t>(p.object);
  StackFrame& fr = s.frame_mut(f);
  // Bytes surely written exist only when the address is known: a variable-offset store writes
  // somewhere in its range, so no single byte of it is surely written.
  if (!is_const(p.num)) definite = 0;
  const bool exact = is_const(p.num) && definite >= n;
  const int lo = static_cast<int>(smin(p.num) + off) + kStackBytes;
  const int hi = static_cast<int>(smax(p.num) + off) + static_cast<int>(n) + kStackBytes;
  for (int slot = lo / 8; slot <= (hi - 1) / 8; ++slot) rel_drop(s, slot_cell(static_cast<int>(f), slot));
  if (exact && n == 8 && lo % 8 == 0) {
    for (int i = 0; i < 8; ++i) fr.kind[static_cast<size_t>(lo + i)] = ByteKind::Spill;
    fr.spill[static_cast<size_t>(lo / 8)] = v;
    return;
  }
  if (exact && n == 4 && lo % 4 == 0 && v.is_scalar() && !is_const(v.num)) {
    // A 4-byte spill keeps its scalar (zero-extended) for a 4-byte (or narrower) reload.
    if (fr.kind[static_cast<size_t>(lo / 8 * 8)] == ByteKind::Spill) unspill(fr, lo / 8);
    for (int i = 0; i < 4; ++i) fr.kind[static_cast<size_t>(lo + i)] = ByteKind::Spill32;
    fr.spill32[static_cast<size_t>(lo / 4)] = dm::scalar_load_result<uint64_t>(v.num, 4, false);
    return;
  }
  if (v.is_pointer() || v.type == Value::Type::Unknown) {
    report("ptr.partial", pc,
           fmt::format("{} stored {}: only aligned 8-byte stores keep a pointer on the stack", text(v),
                       exact ? fmt::format("in {} bytes at r10{:+}", n, lo - kStackBytes) : "at a variable offset"),
           s);
  }
  for (int slot = lo / 8; slot <= (hi - 1) / 8; ++slot) {
    if (fr.kind[static_cast<size_t>(slot * 8)] == ByteKind::Spill) unspill(fr, slot);
  }
  for (int half = lo / 4; half <= (hi - 1) / 4; ++half) {
    if (fr.kind[static_cast<size_t>(half * 4)] == ByteKind::Spill32) unspill32(fr, half);
  }
  const bool known = v.is_scalar() && is_const(v.num);
  for (int i = lo; i < hi; ++i) {
    auto& k = fr.kind[static_cast<size_t>(i)];
    const bool surely = static_cast<uint64_t>(i - lo) < definite;
    if (exact && known) {
      k = ByteKind::Const;
      fr.byte[static_cast<size_t>(i)] = static_cast<uint8_t>(v.num.t.value >> (8 * (i - lo)));
    } else if (surely || exact) {
      k = ByteKind::Misc;
    } else if (k == ByteKind::Const) {
      k = ByteKind::Misc;  // maybe overwritten; Uninit stays Uninit (maybe not written)
    }
  }
}

Value Analyzer::context_access(State& s, size_t pc, int r, const Value& p, int64_t off, unsigned n, bool write) {
  const Value unknown = Value::scalar(dm::scalar_unknown_load<uint64_t>(0, n, false));
  if (!is_const(p.num)) {
    report("ctx.access", pc, fmt::format("context access through {}: the offset must be a constant", reg_text(s, r)), s);
    return unknown;
  }
  const int64_t o = static_cast<int64_t>(p.num.t.value) + off;
  for (const ContextField& f : type_.context.fields) {
    if (o < f.offset || o + n > static_cast<int64_t>(f.offset) + f.size) continue;
    if (write && !f.writable) {
      report("mem.readonly", pc, fmt::format("write of {} bytes to context field {} (read-only)", n, f.name), s);
      return unknown;
    }
    if (!write && !f.readable) {
      report("ctx.access", pc, fmt::format("read of context field {}: not readable", f.name), s);
      return unknown;
    }
    if (n != f.size && (!f.narrow_loads || write || f.holds)) {
      report("ctx.access", pc, fmt::format("{}-byte access to the {}-byte context field {}", n, f.size, f.name), s);
      return unknown;
    }
    if (f.holds && !write) {
      Value v = Value::pointer(*f.holds, 0, scalar_const(0));
      return v;
    }
    return unknown;
  }
  report("ctx.access", pc,
         fmt::format("{} of {} bytes at context offset {}: no field of {} allows it", write ? "write" : "read", n, o,
                     type_.context.name.empty() ? "the context" : type_.context.name),
         s);
  return unknown;
}

// ---- instructions -----------------------------------------------------------------------------

void Analyzer::step(State& s, size_t pc) {
  const semantics::Encoding& row = prog_.row(pc);
  switch (row.kind) {
    case Kind::Alu: alu_insn(s, pc); break;
    case Kind::Load: load_insn(s, pc); break;
    case Kind::Store: store_insn(s, pc); break;
    case Kind::Atomic: atomic_insn(s, pc); break;
    case Kind::LoadImm64: lddw_insn(s, pc); break;
    case Kind::PacketLoad: packet_load_insn(s, pc); break;
    case Kind::Call: call_insn(s, pc); break;
    case Kind::Jump:
    case Kind::Exit:
    case Kind::WideSlot: break;
  }
}

void Analyzer::fresh_id(State& s, uint32_t id) {
  auto forget = [&](Value& v) {
    if (v.is_pointer() && v.id == id) v.id = kOpaqueId;
  };
  for (Value& v : s.regs) forget(v);
  for (size_t f = 0; f < s.frames.size(); ++f) {
    const StackFrame& fr = *s.frames[f];
    bool has = false;
    for (const Value& v : fr.spill) has = has || (v.is_pointer() && v.id == id);
    if (!has) continue;
    for (Value& v : s.frame_mut(f).spill) forget(v);
  }
  std::erase_if(s.packet, [&](const PacketRange& r) { return r.id == id; });
}

// Gives the scalar in r an id (if it has none) that its copies will share.
void Analyzer::share_scalar(State& s, int r, size_t pc) {
  Value& v = s.regs[static_cast<size_t>(r)];
  if (!v.is_scalar() || v.id != 0) return;
  const uint32_t id = kScalarIdBase + static_cast<uint32_t>(pc);
  auto forget = [&](Value& x) {
    if (x.is_scalar() && x.id == id) {
      x.id = 0;
      x.delta = 0;
    }
  };
  for (Value& x : s.regs) forget(x);
  for (size_t f = 0; f < s.frames.size(); ++f) {
    bool has = false;
    for (const Value& x : s.frames[f]->spill) has = has || (x.is_scalar() && x.id == id);
    if (has) {
      for (Value& x : s.frame_mut(f).spill) forget(x);
    }
  }
  v.id = id;
  v.delta = 0;
}

// After a branch refined a scalar, its copies (same id) hold the same value: meet them with it.
// Returns false when a copy's value and the refined one are disjoint (the path is infeasible).
bool Analyzer::propagate_scalar(State& s, const Value& refined) {
  if (!refined.is_scalar() || refined.id == 0) return true;
  bool ok = true;
  auto meet = [&](Value& x) {
    if (!x.is_scalar() || x.id != refined.id) return;
    // x = refined - refined.delta + x.delta (mod 2^64).
    const Scalar shifted =
        x.delta == refined.delta
            ? refined.num
            : alu(AluOp::Add, Width::W64, refined.num,
                  scalar_const(static_cast<uint64_t>(x.delta) - static_cast<uint64_t>(refined.delta)));
    if (scalar_eq(x.num, shifted)) return;
    const dm::Refined<uint64_t> m = dm::scalar_refine<uint64_t>(JmpOp::Jeq, Width::W64, true, x.num, shifted);
    const dm::Tightened<uint64_t> t = dm::scalar_tighten<uint64_t>(m.dst);
    if (!m.feasible || !t.nonempty) {
      ok = false;
      return;
    }
    x.num = t.s;
  };
  for (Value& x : s.regs) meet(x);
  for (size_t f = 0; f < s.frames.size(); ++f) {
    bool has = false;
    for (const Value& x : s.frames[f]->spill) has = has || (x.is_scalar() && x.id == refined.id);
    if (has) {
      for (Value& x : s.frame_mut(f).spill) meet(x);
    }
  }
  return ok;
}

void Analyzer::pointer_arith(State& s, size_t pc, const Value& ptr, const Scalar& x, bool subtract, Value& out) {
  switch (ptr.region) {
    case PointerKind::PacketEnd:
    case PointerKind::MapHandle:
    case PointerKind::Code:
      report("ptr.arith", pc, fmt::format("arithmetic on {}: only comparisons are allowed", text(ptr)), s);
      out = Value::scalar(scalar_top());
      return;
    default: break;
  }
  if (ptr.nullable) {
    report("ptr.arith", pc, fmt::format("arithmetic on {}, which may be null: check it against 0 first", text(ptr)), s);
    out = Value::scalar(scalar_top());
    return;
  }
  if (ptr.region == PointerKind::Context && !is_const(x)) {
    report("ptr.arith", pc, fmt::format("variable offset {} added to the context pointer", describe(x)), s);
    out = Value::scalar(scalar_top());
    return;
  }
  out = ptr;
  out.num = alu(subtract ? AluOp::Sub : AluOp::Add, Width::W64, ptr.num, x);
  if (is_packet(ptr.region)) {
    if (is_const(x)) {
      if (ptr.id != 0 && ptr.id != kOpaqueId) {
        out.delta = subtract ? ptr.delta - static_cast<int64_t>(x.t.value) : ptr.delta + static_cast<int64_t>(x.t.value);
      }
    } else {
      const uint32_t id = kPacketIdBase + static_cast<uint32_t>(pc);
      fresh_id(s, id);
      out.id = id;
      out.delta = 0;
    }
  }
}

void Analyzer::alu_insn(State& s, size_t pc) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const AluOp op = row.alu_op();
  const Width w = row.width;
  const bool reg_operand = row.operand == Operand::Reg;
  const int dst = insn.dst;
  const bool reads_dst = op != AluOp::Mov && op != AluOp::Movsx;
  if (reg_operand) read_reg(s, pc, insn.src);
  if (reads_dst) read_reg(s, pc, dst);
  Value& d = s.regs[static_cast<size_t>(dst)];
  const Value src = reg_operand ? s.regs[static_cast<size_t>(insn.src)]
                                : Value::scalar(scalar_const(semantics::imm_operand(insn.imm)));
  auto not_scalar = [&](const Value& v, int r, const char* what) {
    report("ptr.arith", pc,
           fmt::format("{} of r{} = {}: {}", what, r, text(v),
                       v.type == Value::Type::Unknown ? "the value may be a pointer" : "not allowed on a pointer"),
           s);
  };
  const auto dst_cell = static_cast<uint32_t>(dst);
  if (op == AluOp::Mov) {
    if (w == Width::W64) {
      if (reg_operand && src.is_scalar() && insn.src != dst) {
        share_scalar(s, insn.src, pc);
        s.regs[static_cast<size_t>(dst)] = s.regs[static_cast<size_t>(insn.src)];
      } else {
        d = src;
      }
      if (reg_operand) {
        rel_copy(s, static_cast<uint32_t>(insn.src), dst_cell, false);
      } else {
        rel_drop(s, dst_cell);
      }
      return;
    }
    if (!src.is_scalar()) {
      if (!plat_.allow_pointer_leaks) not_scalar(src, insn.src, "32-bit move");
      d = Value::scalar(alu(AluOp::Mov, Width::W32, scalar_top(), scalar_top()));
      rel_drop(s, dst_cell);
      return;
    }
    d = Value::scalar(alu(AluOp::Mov, Width::W32, src.num, src.num));
    if (reg_operand) {
      rel_copy(s, static_cast<uint32_t>(insn.src), dst_cell, true);
    } else {
      rel_drop(s, dst_cell);
    }
    return;
  }
  if (op == AluOp::Movsx) {
    rel_drop(s, dst_cell);
    if (!src.is_scalar()) not_scalar(src, insn.src, "sign-extending move");
    d = Value::scalar(alu(op, w, scalar_top(), src.is_scalar() ? src.num : scalar_top(), row.size));
    return;
  }
  if (op == AluOp::Neg || op == AluOp::ToLe || op == AluOp::ToBe || op == AluOp::Bswap) {
    rel_drop(s, dst_cell);
    if (!d.is_scalar()) {
      not_scalar(d, dst, "unary operation");
      d = Value::scalar(scalar_top());
    }
    d = Value::scalar(alu(op, w, d.num, d.num, row.size));
    return;
  }
  if (d.is_scalar() && src.is_scalar()) {
    // x += K keeps x linked to its copies (with K more); anything else makes a new value.
    const bool keeps_link = d.id != 0 && w == Width::W64 && (op == AluOp::Add || op == AluOp::Sub) && is_const(src.num);
    const uint32_t link = d.id;
    const int64_t k = static_cast<int64_t>(src.num.t.value);
    const int64_t delta = op == AluOp::Add ? static_cast<int64_t>(static_cast<uint64_t>(d.delta) + static_cast<uint64_t>(k))
                                           : static_cast<int64_t>(static_cast<uint64_t>(d.delta) - static_cast<uint64_t>(k));
    d = Value::scalar(alu(op, w, d.num, src.num));
    if (keeps_link) {
      d.id = link;
      d.delta = delta;
    }
    if (op == AluOp::Add || op == AluOp::Sub) {
      rel_shift(s, dst_cell, op, src.num, w);
    } else {
      rel_drop(s, dst_cell);
    }
    return;
  }
  const bool additive = (op == AluOp::Add || op == AluOp::Sub) && w == Width::W64;
  if (additive && d.is_pointer() && src.is_scalar()) {
    Value out;
    pointer_arith(s, pc, d, src.num, op == AluOp::Sub, out);
    s.regs[static_cast<size_t>(dst)] = out;
    if (out.is_pointer()) {
      rel_shift(s, dst_cell, op, src.num, w);
    } else {
      rel_drop(s, dst_cell);
    }
    return;
  }
  rel_drop(s, dst_cell);
  if (op == AluOp::Add && w == Width::W64 && d.is_scalar() && src.is_pointer()) {
    Value out;
    pointer_arith(s, pc, src, d.num, false, out);
    s.regs[static_cast<size_t>(dst)] = out;
    return;
  }
  if (op == AluOp::Sub && w == Width::W64 && d.is_pointer() && src.is_pointer()) {
    const bool same_base = d.same_object(src) && d.id == src.id && d.id != kOpaqueId &&
                           d.region != PointerKind::MapHandle && d.region != PointerKind::Code &&
                           d.region != PointerKind::PacketEnd;
    const bool packet_pair = (is_packet(d.region) || d.region == PointerKind::PacketEnd) &&
                             (is_packet(src.region) || src.region == PointerKind::PacketEnd);
    if (packet_pair && d.region != src.region) {
      d = Value::scalar(scalar_top());  // a distance to packet end: the length is unknown
      return;
    }
    if (same_base || packet_pair) {
      d = Value::scalar(alu(AluOp::Sub, Width::W64, d.num, src.num));
      return;
    }
    if (!plat_.allow_pointer_leaks) {
      report("ptr.arith", pc, fmt::format("subtraction of pointers into different objects: {} - {}", text(d), text(src)),
             s);
    }
    d = Value::scalar(scalar_top());
    return;
  }
  // Any other operation involving a pointer or a value of unknown type.
  if (!d.is_scalar()) {
    not_scalar(d, dst, fmt::format("{}-bit {}", w == Width::W64 ? 64 : 32, row.id).c_str());
  } else {
    not_scalar(src, insn.src, fmt::format("{}-bit {} with operand", w == Width::W64 ? 64 : 32, row.id).c_str());
  }
  d = Value::scalar(scalar_top());
}

void Analyzer::load_insn(State& s, size_t pc) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const unsigned n = row.size;
  Value result = Value::scalar(dm::scalar_unknown_load<uint64_t>(0, n, row.sign_extend));
  if (!read_reg(s, pc, insn.src)) {
    s.regs[static_cast<size_t>(insn.dst)] = result;
    rel_drop(s, insn.dst);
    return;
  }
  const Value p = s.regs[static_cast<size_t>(insn.src)];
  if (check_access(s, pc, insn.src, p, insn.off, n, AccessKind::Read)) {
    if (p.region == PointerKind::Stack) {
      result = stack_read(s, pc, insn.src, p, insn.off, n, row.sign_extend);
    } else if (p.region == PointerKind::Context) {
      result = context_access(s, pc, insn.src, p, insn.off, n, false);
      if (row.sign_extend && result.is_scalar()) result = Value::scalar(dm::scalar_unknown_load<uint64_t>(0, n, true));
    } else if (p.region == PointerKind::MapValue) {
      if (auto v = frozen_read(p, insn.off, n, row.sign_extend)) result = *v;
    }
  }
  s.regs[static_cast<size_t>(insn.dst)] = result;
  rel_drop(s, insn.dst);
  if (result.is_pointer() || result.type == Value::Type::Unknown) {
    // A reloaded 8-byte spill: its relations come back with it.
    if (p.is_pointer() && p.region == PointerKind::Stack && is_const(p.num)) {
      const int start = static_cast<int>(static_cast<int64_t>(p.num.t.value) + insn.off) + kStackBytes;
      if (start % 8 == 0) rel_copy(s, slot_cell(static_cast<int>(p.object), start / 8), insn.dst, false);
    }
  } else if (n == 8 && p.is_pointer() && p.region == PointerKind::Stack && is_const(p.num) &&
             p.object < static_cast<int64_t>(s.frames.size())) {
    const int start = static_cast<int>(static_cast<int64_t>(p.num.t.value) + insn.off) + kStackBytes;
    if (start >= 0 && start % 8 == 0 && start < kStackBytes) {
      rel_copy(s, slot_cell(static_cast<int>(p.object), start / 8), insn.dst, false);
    }
  }
}

void Analyzer::store_insn(State& s, size_t pc) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const bool reg_value = row.operand == Operand::Reg;
  const bool have_ptr = read_reg(s, pc, insn.dst);
  if (reg_value) read_reg(s, pc, insn.src);
  if (!have_ptr) return;
  const Value p = s.regs[static_cast<size_t>(insn.dst)];
  const Value v = reg_value ? s.regs[static_cast<size_t>(insn.src)]
                            : Value::scalar(scalar_const(semantics::imm_operand(insn.imm)));
  const unsigned n = row.size;
  if (!check_access(s, pc, insn.dst, p, insn.off, n, AccessKind::Write)) return;
  const Value stored = v.is_scalar() ? Value::scalar(alu(AluOp::ToLe, Width::W64, v.num, v.num, n * 8)) : v;
  if (p.region == PointerKind::Stack) {
    Value spilled = n == 8 ? v : stored;
    if (reg_value && n == 8 && v.is_scalar()) {
      share_scalar(s, insn.src, pc);
      spilled = s.regs[static_cast<size_t>(insn.src)];
    }
    stack_write(s, pc, p, insn.off, n, spilled, n);
    if (reg_value && n == 8 && is_const(p.num)) {
      const int start = static_cast<int>(static_cast<int64_t>(p.num.t.value) + insn.off) + kStackBytes;
      if (start % 8 == 0) rel_copy(s, insn.src, slot_cell(static_cast<int>(p.object), start / 8), false);
    }
    return;
  }
  if (!v.is_scalar() && !plat_.allow_pointer_leaks) {
    report("ptr.leak", pc,
           fmt::format("r{} = {} stored into {}: the platform forbids storing pointers where they can be read back",
                       insn.src, text(v), text(p)),
           s);
  }
  if (p.region == PointerKind::Context) context_access(s, pc, insn.dst, p, insn.off, n, true);
}

void Analyzer::atomic_insn(State& s, size_t pc) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const AtomicOp op = row.atomic_op();
  const bool have_ptr = read_reg(s, pc, insn.dst);
  read_reg(s, pc, insn.src);
  if (op == AtomicOp::Cmpxchg) read_reg(s, pc, 0);
  const Value p = s.regs[static_cast<size_t>(insn.dst)];
  const Value v = s.regs[static_cast<size_t>(insn.src)];
  const unsigned n = row.size;
  if (!v.is_scalar()) {
    report(plat_.allow_pointer_leaks ? "ptr.arith" : "ptr.leak", pc,
           fmt::format("atomic operation with r{} = {}: the operand must be a scalar", insn.src, text(v)), s);
  }
  if (op == AtomicOp::Cmpxchg && !s.regs[0].is_scalar()) {
    report("ptr.leak", pc, fmt::format("cmpxchg compares with r0 = {}: must be a scalar", text(s.regs[0])), s);
  }
  if (have_ptr && check_access(s, pc, insn.dst, p, insn.off, n, AccessKind::Atomic) && p.region == PointerKind::Stack) {
    // The old value is read: it must be initialised scalar data.
    const Value old = stack_read(s, pc, insn.dst, p, insn.off, n, false);
    if (!old.is_scalar()) {
      report("ptr.arith", pc,
             fmt::format("atomic operation on {}{:+}, which holds {}: arithmetic on a pointer", reg_text(s, insn.dst),
                         insn.off, text(old)),
             s);
    }
    stack_write(s, pc, p, insn.off, n, Value::scalar(dm::scalar_unknown_load<uint64_t>(0, n, false)), n);
  }
  if (row.fetch) {
    const int r = op == AtomicOp::Cmpxchg ? 0 : insn.src;
    s.regs[static_cast<size_t>(r)] = Value::scalar(dm::scalar_unknown_load<uint64_t>(0, n, false));
    rel_drop(s, static_cast<uint32_t>(r));
  }
}

void Analyzer::lddw_insn(State& s, size_t pc) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const int32_t next = prog_.lddw_next_imm(pc);
  Value& d = s.regs[insn.dst];
  rel_drop(s, insn.dst);
  auto find_map = [&](bool by_fd) -> std::optional<size_t> {
    for (size_t i = 0; i < in_.maps.size(); ++i) {
      if (by_fd ? (in_.maps[i].fd && *in_.maps[i].fd == insn.imm) : static_cast<int64_t>(i) == insn.imm) return i;
    }
    return std::nullopt;
  };
  switch (row.lddw_kind()) {
    case LddwKind::Imm: d = Value::scalar(scalar_const(semantics::lddw_value(insn.imm, next))); return;
    case LddwKind::MapFd:
    case LddwKind::MapIdx:
    case LddwKind::MapValue:
    case LddwKind::MapIdxValue: {
      const bool by_fd = row.lddw_kind() == LddwKind::MapFd || row.lddw_kind() == LddwKind::MapValue;
      const auto m = find_map(by_fd);
      if (!m) {
        report("map.unknown", pc, fmt::format("{}: no map with {} {}", row.id, by_fd ? "fd" : "index", insn.imm), s);
        d = Value::scalar(scalar_top());
        return;
      }
      if (row.lddw_kind() == LddwKind::MapFd || row.lddw_kind() == LddwKind::MapIdx) {
        d = Value::pointer(PointerKind::MapHandle, static_cast<int64_t>(*m), scalar_const(0));
        return;
      }
      const MapDescriptor& md = in_.maps[*m];
      const MapTypeInfo* info = nullptr;
      if (auto it = plat_.map_types.find(md.type); it != plat_.map_types.end()) info = &it->second;
      if (info == nullptr || !info->array_like || !info->lookup_returns_value || next < 0 ||
          static_cast<uint32_t>(next) >= md.value_size) {
        report("map.direct_value", pc,
               fmt::format("{}: offset {} into map '{}' ({} bytes of value, {}): needs an array map and an offset inside "
                           "its value",
                           row.id, next, md.name, md.value_size, info ? info->name : "unknown type"),
               s);
        d = Value::scalar(scalar_top());
        return;
      }
      d = Value::pointer(PointerKind::MapValue, static_cast<int64_t>(*m), scalar_const(static_cast<uint64_t>(next)));
      return;
    }
    case LddwKind::VarAddr: {
      for (const VariableDescriptor& v : in_.variables) {
        if (v.id == insn.imm) {
          d = Value::pointer(PointerKind::Variable, v.id, scalar_const(0));
          return;
        }
      }
      report("map.unknown", pc, fmt::format("{}: no variable with id {}", row.id, insn.imm), s);
      d = Value::scalar(scalar_top());
      return;
    }
    case LddwKind::CodeAddr: {
      const int64_t target = semantics::branch_target(insn, row, pc);
      d = Value::pointer(PointerKind::Code, target, scalar_const(0));
      return;
    }
  }
}

void Analyzer::packet_load_insn(State& s, size_t pc) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  if (!type_.legacy_packet_loads) {
    report("insn.forbidden", pc,
           fmt::format("{}: legacy packet loads are not allowed for program type {}", row.id, type_.name), s);
  } else if (type_.entry == ProgramType::Entry::Context) {
    const Value& r6 = s.regs[6];
    if (!r6.is_pointer() || r6.region != PointerKind::Context) {
      report("insn.forbidden", pc, fmt::format("{} needs the context in r6; {}", row.id, reg_text(s, 6)), s);
    }
  }
  if (row.operand == Operand::Reg) {
    read_reg(s, pc, insn.src);
    if (!s.regs[insn.src].is_scalar()) {
      report("mem.type", pc, fmt::format("{}: the offset register {} must be a scalar", row.id, reg_text(s, insn.src)), s);
    }
  }
  const unsigned n = row.size;
  s.regs[0] = Value::scalar(scalar_range(0, n >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * n)) - 1));
  rel_drop(s, 0);
  if (type_.entry == ProgramType::Entry::Context) {
    for (int r = 1; r <= 5; ++r) {
      s.regs[static_cast<size_t>(r)] = Value::uninit();
      rel_drop(s, static_cast<uint32_t>(r));
    }
  }
  // Out of bounds, the load ends the program with r0 = 0.
  if (check_) {
    exit_r0_ = exit_r0_ ? dm::scalar_join<uint64_t>(*exit_r0_, scalar_const(0)) : scalar_const(0);
    if (type_.return_range && (type_.return_range->first > 0 || type_.return_range->second < 0)) {
      report("exit.r0", pc, fmt::format("{} may end the program with r0 = 0, outside the return range [{}, {}]", row.id,
                                        type_.return_range->first, type_.return_range->second),
             s);
    }
  }
}

void Analyzer::exit_insn(State& s, size_t pc) {
  const Value& r0 = s.regs[0];
  if (s.depth() > 0) {
    if (!r0.is_init()) {
      report("exit.r0", pc, "r0 is not initialised when the function returns", s);
      s.regs[0] = Value::scalar(scalar_top());  // reported once, here
    }
    if (r0.is_pointer() && r0.region == PointerKind::Stack && r0.object == s.depth()) {
      report("exit.stack_pointer", pc, fmt::format("the function returns {}, a pointer into its own frame", text(r0)), s);
    }
    return;
  }
  if (!r0.is_init()) {
    report("exit.r0", pc, "r0 is not initialised at the program's exit", s);
  } else if (!r0.is_scalar()) {
    report("exit.r0", pc, fmt::format("the program returns {}: only scalars may be returned", text(r0)), s);
  } else if (type_.return_range) {
    const auto [lo, hi] = *type_.return_range;
    if (smin(r0.num) < lo || smax(r0.num) > hi) {
      report("exit.r0", pc,
             fmt::format("the program returns r0 = {}, outside the return range [{}, {}] of {}", describe(r0.num), lo, hi,
                         type_.name),
             s);
    }
  }
  if (check_) {
    if (r0.is_scalar()) {
      exit_r0_ = exit_r0_ ? dm::scalar_join<uint64_t>(*exit_r0_, r0.num) : r0.num;
    } else {
      exit_r0_bad_ = true;
    }
  }
}

// ---- branches -----------------------------------------------------------------------------------

void Analyzer::learn_packet_range(State& s, const Value& p, int64_t extra) {
  if (!sane(p.num)) return;
  auto learn = [&](uint32_t id, int64_t r) {
    for (PacketRange& x : s.packet) {
      if (x.id == id) {
        x.range = std::max(x.range, r);
        return;
      }
    }
    s.packet.push_back({id, r});
    std::sort(s.packet.begin(), s.packet.end(), [](const PacketRange& a, const PacketRange& b) { return a.id < b.id; });
  };
  // The packet holds at least the smallest offset the pointer may have (+ extra).
  learn(0, smin(p.num) + extra);
  if (p.id != 0 && p.id != kOpaqueId) learn(p.id, p.delta + extra);
}

void Analyzer::branch(const State& in, size_t pc, State& fall, State& taken) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  const JmpOp op = row.jmp_op();
  const Width w = row.width;
  const bool reg_operand = row.operand == Operand::Reg;
  State s = in;
  read_reg(s, pc, insn.dst);
  if (reg_operand) read_reg(s, pc, insn.src);
  const Value a = s.regs[insn.dst];
  const Value b = reg_operand ? s.regs[insn.src] : Value::scalar(scalar_const(semantics::imm_operand(insn.imm)));
  fall = s;
  taken = s;
  if (a.is_scalar() && b.is_scalar()) {
    for (int dir = 0; dir < 2; ++dir) {
      State& out = dir == 1 ? taken : fall;
      const dm::Refined<uint64_t> r = dm::scalar_refine<uint64_t>(op, w, dir == 1, a.num, b.num);
      const dm::Tightened<uint64_t> td = dm::scalar_tighten<uint64_t>(r.dst);
      const dm::Tightened<uint64_t> ts = dm::scalar_tighten<uint64_t>(r.src);
      if (!r.feasible || !td.nonempty || !ts.nonempty) {
        out = State{};
        continue;
      }
      out.regs[insn.dst].num = td.s;
      if (reg_operand && insn.src != insn.dst) out.regs[insn.src].num = ts.s;
      if (!propagate_scalar(out, out.regs[insn.dst]) ||
          (reg_operand && insn.src != insn.dst && !propagate_scalar(out, out.regs[insn.src]))) {
        out = State{};
      }
    }
    // `if (x != K)`: on the unequal side, a loop counter related to x (stride +-1) is not at the
    // value E that would make x == K. E is exact when d and K are constants; it is one value
    // fixed for this entry into the loop (bounded by an interval) when d is invariant and K is
    // a constant or a register the loop never writes. Also the other spellings of x != 0:
    // jset x, -1; jgt x, 0; jge x, 1 (taken) and jle x, 0; jlt x, 1 (not taken).
    const uint64_t ones = w == Width::W64 ? ~uint64_t{0} : 0xffffffffull;
    const uint64_t bval = is_const(b.num) ? b.num.t.value & ones : 1;
    State* ne_side = nullptr;
    bool k_is_zero = false;
    if (op == JmpOp::Jne) ne_side = &taken;
    if (op == JmpOp::Jeq) ne_side = &fall;
    if (is_const(b.num)) {
      if ((op == JmpOp::Jset && bval == ones) || (op == JmpOp::Jgt && bval == 0) || (op == JmpOp::Jge && bval == 1)) {
        ne_side = &taken;
        k_is_zero = true;
      }
      if ((op == JmpOp::Jle && bval == 0) || (op == JmpOp::Jlt && bval == 1)) {
        ne_side = &fall;
        k_is_zero = true;
      }
    }
    if (ne_side != nullptr && !ne_side->bottom) {
      State& ne = *ne_side;
      // (counter register, the other operand's register or -1 for the immediate)
      std::vector<std::pair<int, int>> pairs{{insn.dst, reg_operand && !k_is_zero ? insn.src : -1}};
      if (reg_operand && !k_is_zero && insn.src != insn.dst) pairs.emplace_back(insn.src, insn.dst);
      for (const auto& [x, y] : pairs) {
        for (Relation& rel : ne.relations) {
          if (rel.cell != static_cast<uint32_t>(x) || (rel.k != 1 && rel.k != -1)) continue;
          if (w == Width::W64 && !rel.wide) continue;
          // K: the immediate (or 0), or a register whose value the loop never changes.
          std::optional<Scalar> kv;
          if (k_is_zero) {
            kv = scalar_const(0);
          } else if (y < 0) {
            kv = b.num;
          } else if ((loop_writes_[rel.header] >> y & 1) == 0 && in.regs[static_cast<size_t>(y)].is_scalar()) {
            kv = in.regs[static_cast<size_t>(y)].num;
          }
          if (!kv) continue;
          if (is_const(rel.d) && is_const(*kv)) {
            const uint64_t kval = kv->t.value & ones, dval = rel.d.t.value;
            const uint64_t e = rel.k == 1 ? kval - dval : dval - kval;
            rel.excl_kind = w == Width::W64 ? 1 : 2;
            rel.excl = e & ones;
          } else if (rel.invariant) {
            const Scalar e = rel.k == 1 ? alu(AluOp::Sub, w, *kv, rel.d) : alu(AluOp::Sub, w, rel.d, *kv);
            rel.excl_kind = w == Width::W64 ? 3 : 4;
            rel.excl = w == Width::W64 ? e.umax : e.u32max;
          }
        }
      }
    }
    return;
  }
  auto is_null = [](const Value& v) { return v.is_scalar() && is_const(v.num) && v.num.t.value == 0; };
  // Null checks: a pointer against 0.
  if ((a.is_pointer() && is_null(b)) || (b.is_pointer() && is_null(a))) {
    const int preg = a.is_pointer() ? insn.dst : insn.src;
    const Value p = s.regs[static_cast<size_t>(preg)];
    if (w == Width::W64 && (op == JmpOp::Jeq || op == JmpOp::Jne)) {
      State& eq = op == JmpOp::Jeq ? taken : fall;
      State& ne = op == JmpOp::Jeq ? fall : taken;
      if (p.nullable) {
        auto refine = [&](State& st, bool null) {
          auto apply = [&](Value& v) {
            if (!v.is_pointer() || !v.nullable) return;
            if (null) {
              v = Value::scalar(scalar_const(0));
            } else {
              v.nullable = false;
            }
          };
          const bool shared = p.id != 0 && p.id != kOpaqueId;
          for (size_t r = 0; r < st.regs.size(); ++r) {
            if (static_cast<int>(r) == preg || (shared && st.regs[r].is_pointer() && st.regs[r].id == p.id)) apply(st.regs[r]);
          }
          if (!shared) return;
          for (size_t f = 0; f < st.frames.size(); ++f) {
            bool has = false;
            for (const Value& v : st.frames[f]->spill) has = has || (v.is_pointer() && v.nullable && v.id == p.id);
            if (!has) continue;
            for (Value& v : st.frame_mut(f).spill) {
              if (v.is_pointer() && v.id == p.id) apply(v);
            }
          }
        };
        refine(eq, true);
        refine(ne, false);
      } else if (surely_nonnull(p.num) && p.region != PointerKind::Memory) {
        eq = State{};
      } else if (surely_nonnull(p.num) && p.region == PointerKind::Memory && (p.object != 0 || in_.memory_size.value_or(0) > 0)) {
        eq = State{};
      }
    }
    return;
  }
  if (a.is_pointer() && b.is_pointer()) {
    const bool a_pkt = a.region == PointerKind::Packet, b_pkt = b.region == PointerKind::Packet;
    const bool a_end = a.region == PointerKind::PacketEnd, b_end = b.region == PointerKind::PacketEnd;
    if (w == Width::W64 && ((a_pkt && b_end) || (a_end && b_pkt))) {
      // data + n compared with data_end: the side where the pointer is <= end (or < end)
      // proves the packet holds its bytes.
      if (a_pkt) {  // if (p op end)
        switch (op) {
          case JmpOp::Jgt: learn_packet_range(fall, a, 0); break;
          case JmpOp::Jge: learn_packet_range(fall, a, 1); break;
          case JmpOp::Jlt: learn_packet_range(taken, a, 1); break;
          case JmpOp::Jle: learn_packet_range(taken, a, 0); break;
          case JmpOp::Jeq: learn_packet_range(taken, a, 0); break;
          case JmpOp::Jne: learn_packet_range(fall, a, 0); break;
          default: break;
        }
      } else {  // if (end op p)
        switch (op) {
          case JmpOp::Jgt: learn_packet_range(taken, b, 1); break;
          case JmpOp::Jge: learn_packet_range(taken, b, 0); break;
          case JmpOp::Jlt: learn_packet_range(fall, b, 0); break;
          case JmpOp::Jle: learn_packet_range(fall, b, 1); break;
          case JmpOp::Jeq: learn_packet_range(taken, b, 0); break;
          case JmpOp::Jne: learn_packet_range(fall, b, 0); break;
          default: break;
        }
      }
      return;
    }
    const bool a_meta = a.region == PointerKind::PacketMeta, b_meta = b.region == PointerKind::PacketMeta;
    if (w == Width::W64 && ((a_meta && b_pkt) || (a_pkt && b_meta))) {
      // data_meta + o compared with data + c (c constant): data = data_meta + meta_len, so the
      // side where the meta pointer is <= data (or <) proves meta_len >= smin(o) - c (+1).
      const Value& m = a_meta ? a : b;
      const Value& d = a_meta ? b : a;
      if (!sane(m.num) || !is_const(d.num) || d.id != 0 || !sane(d.num)) return;
      const int64_t base = smin(m.num) - smin(d.num);
      auto learn = [&](State& st, int64_t extra) {
        if (st.bottom || base + extra <= 0) return;
        for (PacketRange& x : st.packet) {
          if (x.id == kMetaRangeId) {
            x.range = std::max(x.range, base + extra);
            return;
          }
        }
        st.packet.push_back({kMetaRangeId, base + extra});
        std::sort(st.packet.begin(), st.packet.end(), [](const PacketRange& x, const PacketRange& y) { return x.id < y.id; });
      };
      // Normalised to "if (meta op data)".
      JmpOp o = op;
      if (!a_meta) {
        switch (op) {
          case JmpOp::Jgt: o = JmpOp::Jlt; break;
          case JmpOp::Jge: o = JmpOp::Jle; break;
          case JmpOp::Jlt: o = JmpOp::Jgt; break;
          case JmpOp::Jle: o = JmpOp::Jge; break;
          default: break;
        }
      }
      switch (o) {
        case JmpOp::Jgt: learn(fall, 0); break;   // fall: meta <= data
        case JmpOp::Jge: learn(fall, 1); break;   // fall: meta < data
        case JmpOp::Jlt: learn(taken, 1); break;
        case JmpOp::Jle: learn(taken, 0); break;
        case JmpOp::Jeq: learn(taken, 0); break;
        case JmpOp::Jne: learn(fall, 0); break;
        default: break;
      }
      return;
    }
    const bool same_base = a.same_object(b) && a.region != PointerKind::MapHandle && a.region != PointerKind::Code &&
                           a.region != PointerKind::PacketEnd && !a.nullable && !b.nullable &&
                           (is_packet(a.region) || (a.id == b.id && a.id != kOpaqueId));
    if (same_base && w == Width::W64 && op != JmpOp::Jset && sane(a.num) && sane(b.num)) {
      const JmpOp sop = signed_version(op);
      for (int dir = 0; dir < 2; ++dir) {
        State& out = dir == 1 ? taken : fall;
        const dm::Refined<uint64_t> r = dm::scalar_refine<uint64_t>(sop, w, dir == 1, a.num, b.num);
        if (!r.feasible) {
          out = State{};
          continue;
        }
        out.regs[insn.dst].num = r.dst;
        if (insn.src != insn.dst) out.regs[insn.src].num = r.src;
      }
      return;
    }
    if (same_base || (a_end && b_end)) return;  // comparable, nothing learnt
  }
  if (!plat_.allow_pointer_leaks) {
    report("ptr.compare", pc,
           fmt::format("{} compares {} with {}: pointers are compared only with 0 or with pointers into the same object",
                       row.id, text(a), text(b)),
           s);
  }
}

// ---- calls --------------------------------------------------------------------------------------

void Analyzer::havoc_call(State& s) {
  s.regs[0] = Value::scalar(scalar_top());
  for (int r = 1; r <= 5; ++r) s.regs[static_cast<size_t>(r)] = Value::uninit();
  for (uint32_t r = 0; r <= 5; ++r) rel_drop(s, r);
}

// After a helper that may move packet data: packet pointers become unusable (Linux's
// clear_all_pkt_pointers), in registers and spills of every frame, and proven ranges go.
void Analyzer::invalidate_packet(State& s) {
  packet_changed_ = true;
  s.packet.clear();
  auto stale = [](const Value& v) { return v.is_pointer() && (is_packet(v.region) || v.region == PointerKind::PacketEnd); };
  for (uint32_t r = 0; r <= 10; ++r) {
    if (!stale(s.regs[r])) continue;
    s.regs[r] = Value::uninit();
    rel_drop(s, r);
  }
  for (size_t f = 0; f < s.frames.size(); ++f) {
    for (int slot = 0; slot < kStackSlots; ++slot) {
      const StackFrame& fr = *s.frames[f];
      if (fr.kind[static_cast<size_t>(slot * 8)] != ByteKind::Spill || !stale(fr.spill[static_cast<size_t>(slot)])) continue;
      unspill(s.frame_mut(f), slot);  // not byte-addressable: the bytes become unreadable
      rel_drop(s, slot_cell(static_cast<int>(f), slot));
    }
  }
}

// bpf_loop(nr_loops, callback_fn, callback_ctx, flags) calls callback_fn(index, callback_ctx)
// up to min(nr_loops, 2^23) times (u32 nr_loops; Linux's BPF_MAX_LOOPS), index counting from 0,
// until it returns 1. The callback runs as a local call from this pc, with r1 = index (bounded
// by nr_loops), r2 = callback_ctx and r3-r5 unset; what it does to the caller's frames (through
// callback_ctx) is iterated to a fixpoint over any number of calls, joined with zero calls.
// Linux requires the callback to return 0 or 1.
void Analyzer::loop_callback(State& s, size_t pc, size_t target_pc) {
  const Value nr = s.regs[1];
  const Value ctx = s.regs[3];
  Scalar index = scalar_range(0, (uint64_t{1} << 23) - 1);
  if (nr.is_scalar()) {
    const uint64_t n = std::min<uint64_t>(nr.num.u32max, uint64_t{1} << 23);
    if (n == 0) return;  // no call
    index = scalar_range(0, n - 1);
  }
  auto call_once = [&](const State& from, bool& changed_packet) {
    State cs = from;
    cs.regs[1] = Value::scalar(index);
    cs.regs[2] = ctx;
    for (int r = 3; r <= 5; ++r) cs.regs[static_cast<size_t>(r)] = Value::uninit();
    for (uint32_t r = 1; r <= 5; ++r) rel_drop(cs, r);
    const bool saved = packet_changed_;
    packet_changed_ = false;
    local_call(cs, pc, target_pc);
    changed_packet = packet_changed_;
    packet_changed_ = saved || packet_changed_;
    return cs;
  };
  // The caller's state after some calls: only frames and packet facts change (r6-r9 are
  // restored, r0-r5 are set by the helper's result afterwards).
  auto merge = [&](const State& base, const State& after) {
    State m = base;
    if (after.bottom) return m;
    m.frames = after.frames;
    m.packet = after.packet;
    std::erase_if(m.relations, [&](const Relation& rel) {
      if (rel.cell < kRegisterCells) return false;
      const size_t f = (rel.cell - kRegisterCells) / kStackSlots;
      return f >= m.frames.size() || f >= base.frames.size() || m.frames[f] != base.frames[f];
    });
    return state_join(base, m);
  };
  const bool saved_check = check_;
  check_ = false;
  State cur = s;
  bool changed_packet = false;
  bool stable = false;
  for (int iter = 0; iter < 256; ++iter) {
    bool changed = false;
    const State after = call_once(cur, changed);
    changed_packet = changed_packet || changed;
    if (changed) invalidate_packet(cur);
    State next = merge(cur, after);
    if (state_leq(next, cur)) {
      stable = true;
      break;
    }
    if (iter >= in_.options.widening_delay) {
      cur = state_widen(cur, next, iter < 16 ? &thresholds_ : nullptr);
      ++stats_.widenings;
    } else {
      cur = std::move(next);
    }
  }
  check_ = saved_check;
  if (!stable) {
    // Not expected (widening stabilises); if it happens nothing is proven.
    report("analysis.budget", pc, fmt::format("the effects of bpf_loop's callback (pc {}) did not stabilise", target_pc), s);
    return;
  }
  if (check_) {
    bool changed = false;
    const State after = call_once(cur, changed);
    const Value& r0 = after.regs[0];
    if (!after.bottom && (!r0.is_scalar() || r0.num.umax > 1)) {
      report("helper.arg", pc,
             fmt::format("bpf_loop's callback (pc {}) must return 0 or 1; it returns {}", target_pc, text(r0)), s);
    }
  }
  if (changed_packet) invalidate_packet(cur);
  s.frames = cur.frames;
  s.packet = cur.packet;
  s.relations = cur.relations;
  for (int r = 6; r <= 9; ++r) s.regs[static_cast<size_t>(r)] = cur.regs[static_cast<size_t>(r)];
}

void Analyzer::call_insn(State& s, size_t pc) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  switch (row.call_kind()) {
    case CallKind::Local:
      local_call(s, pc, static_cast<size_t>(semantics::branch_target(insn, row, pc)));
      return;
    case CallKind::Helper:
    case CallKind::Kfunc: {
      const bool kfunc = row.call_kind() == CallKind::Kfunc;
      const HelperPrototype* p = kfunc ? plat_.find_kfunc(insn.imm) : plat_.find_helper(insn.imm);
      const bool allowed =
          kfunc || type_.helpers.empty() || std::find(type_.helpers.begin(), type_.helpers.end(), insn.imm) != type_.helpers.end();
      if (p == nullptr || !allowed) {
        report("helper.unknown", pc,
               p == nullptr ? fmt::format("{} {} is not part of platform {}", kfunc ? "kfunc" : "helper", insn.imm, plat_.name)
                            : fmt::format("helper {} ({}) is not allowed for program type {}", insn.imm, p->name, type_.name),
               s);
        havoc_call(s);
        return;
      }
      helper_call(s, pc, *p, kfunc);
      return;
    }
    case CallKind::Indirect: {
      read_reg(s, pc, insn.dst);
      const Value t = s.regs[insn.dst];
      if (t.is_pointer() && t.region == PointerKind::Code && cfg_.subprogram_at(static_cast<size_t>(t.object)) != kNoBlock) {
        local_call(s, pc, static_cast<size_t>(t.object));
        return;
      }
      if (t.is_scalar() && is_const(t.num) && t.num.t.value <= INT32_MAX) {
        const auto id = static_cast<int32_t>(t.num.t.value);
        const HelperPrototype* p = plat_.find_helper(id);
        if (p != nullptr) {
          helper_call(s, pc, *p, false);
          return;
        }
        report("helper.unknown", pc, fmt::format("callx r{} = helper {}: not part of platform {}", insn.dst, id, plat_.name), s);
        havoc_call(s);
        return;
      }
      report("call.indirect", pc,
             fmt::format("callx {}: the target must be a known code address or a constant helper id", reg_text(s, insn.dst)),
             s);
      havoc_call(s);
      return;
    }
  }
}

void Analyzer::local_call(State& s, size_t pc, size_t target_pc) {
  const size_t callee = cfg_.subprogram_at(target_pc);
  if (callee == kNoBlock) {
    report("call.indirect", pc, fmt::format("call to pc {}, which starts no function", target_pc), s);
    havoc_call(s);
    return;
  }
  if (static_cast<int>(s.frames.size()) + 1 > plat_.max_call_frames) {
    report("call.depth", pc,
           fmt::format("call to the function at pc {} would need frame {} of at most {}", target_pc, s.frames.size() + 1,
                       plat_.max_call_frames),
           s);
    havoc_call(s);
    return;
  }
  if (std::find(sub_stack_.begin(), sub_stack_.end(), callee) != sub_stack_.end()) {
    report("call.recursion", pc, fmt::format("recursive call to the function at pc {}", target_pc), s);
    havoc_call(s);
    return;
  }
  State e;
  e.bottom = false;
  for (int r = 1; r <= 5; ++r) e.regs[static_cast<size_t>(r)] = s.regs[static_cast<size_t>(r)];
  e.frames = s.frames;
  // A callee's frame holds what earlier calls left there when the platform zeroes the stack
  // once per run (initialised scalar bytes), and nothing known otherwise.
  e.frames.push_back(plat_.zeroed_stack ? misc_frame_ : empty_frame_);
  e.regs[10] = Value::pointer(PointerKind::Stack, e.depth(), scalar_const(0));
  e.packet = s.packet;
  call_string_.push_back(pc);
  sub_stack_.push_back(callee);
  if (check_) chains_.emplace_back(pc, sub_stack_);
  State exit;
  const bool saved_packet_changed = packet_changed_;
  packet_changed_ = false;
  if (check_) {
    exit = analyze_function(callee, e, true);
  } else {
    auto it = memo_.find(call_string_);
    if (it != memo_.end() && state_leq(e, it->second.entry) && state_leq(it->second.entry, e)) {
      exit = it->second.exit;
      packet_changed_ = it->second.changes_packet;
    } else {
      exit = analyze_function(callee, e, false);
      memo_[call_string_] = Memo{e, exit, packet_changed_};
    }
  }
  const bool callee_changed_packet = packet_changed_;
  packet_changed_ = saved_packet_changed || callee_changed_packet;
  call_string_.pop_back();
  sub_stack_.pop_back();
  if (exit.bottom) {
    s = State{};
    return;
  }
  State r = std::move(exit);
  r.frames.pop_back();
  const int depth = r.depth();
  auto dangling = [&](Value& v) {
    if (v.is_pointer() && v.region == PointerKind::Stack && v.object > depth) v = Value::unknown();
  };
  dangling(r.regs[0]);
  for (size_t f = 0; f < r.frames.size(); ++f) {
    bool has = false;
    for (const Value& v : r.frames[f]->spill) has = has || (v.is_pointer() && v.region == PointerKind::Stack && v.object > depth);
    if (has) {
      for (Value& v : r.frame_mut(f).spill) dangling(v);
    }
  }
  for (int i = 1; i <= 5; ++i) r.regs[static_cast<size_t>(i)] = Value::uninit();
  for (int i = 6; i <= 10; ++i) r.regs[static_cast<size_t>(i)] = s.regs[static_cast<size_t>(i)];
  if (callee_changed_packet) {
    // The callee may have moved packet data: the restored registers' packet pointers are stale
    // (spills in the caller's frames were invalidated in the callee's state already).
    for (int i = 6; i <= 9; ++i) {
      Value& v = r.regs[static_cast<size_t>(i)];
      if (v.is_pointer() && (is_packet(v.region) || v.region == PointerKind::PacketEnd)) v = Value::uninit();
    }
  }
  // Ids are made from the pc that creates them, and the callee's own state forgot older holders
  // when it re-created one; r6-r9 were outside that state. An id created in the caller's own
  // function cannot be re-created by the callee (no recursion); any other is dropped.
  const size_t caller = sub_stack_.back();
  auto created_here = [&](int64_t at) {
    return at >= 0 && static_cast<size_t>(at) < prog_.size() && cfg_.block_of_pc[static_cast<size_t>(at)] != kNoBlock &&
           cfg_.blocks[cfg_.block_of_pc[static_cast<size_t>(at)]].subprogram == caller;
  };
  for (int i = 6; i <= 9; ++i) {
    Value& v = r.regs[static_cast<size_t>(i)];
    if (v.id == 0 || v.id == kOpaqueId) continue;
    if (v.is_scalar()) {
      if (!created_here(static_cast<int64_t>(v.id) - kScalarIdBase)) {
        v.id = 0;
        v.delta = 0;
      }
    } else if (v.is_pointer()) {
      const int64_t origin = is_packet(v.region) ? static_cast<int64_t>(v.id) - kPacketIdBase
                             : v.id >= kEntryIdBase ? -1  // entry ids, never re-created
                                                   : static_cast<int64_t>(v.id) - 1;
      if (origin >= 0 && !created_here(origin)) {
        v.id = kOpaqueId;
        if (is_packet(v.region)) v.delta = 0;
      }
    }
  }
  // The caller's relations survive for restored registers and untouched frames.
  r.relations.clear();
  for (const Relation& rel : s.relations) {
    if (rel.cell >= 6 && rel.cell <= 9) {
      r.relations.push_back(rel);
    } else if (rel.cell >= kRegisterCells) {
      const size_t f = (rel.cell - kRegisterCells) / kStackSlots;
      if (f < r.frames.size() && r.frames[f] == s.frames[f]) r.relations.push_back(rel);
    }
  }
  s = std::move(r);
}

void Analyzer::helper_call(State& s, size_t pc, const HelperPrototype& p, bool kfunc) {
  const std::string name = fmt::format("{} {} ({})", kfunc ? "kfunc" : "helper", p.id, p.name);
  std::optional<Scalar> ret_size;
  if (p.ret_size_arg && *p.ret_size_arg >= 0 && *p.ret_size_arg < 5) {
    const Value& v = s.regs[static_cast<size_t>(*p.ret_size_arg + 1)];
    if (v.is_scalar()) ret_size = v.num;
  }
  std::optional<size_t> map;
  std::vector<Value> stack_args;  // ArgType::Stack arguments, havocked after the call
  int pending_reg = -1;  // memory argument awaiting its size
  bool pending_write = false;
  int format_reg = -1;
  std::optional<uint64_t> format_size;
  bool format_reported = false;  // the format's bytes were already reported unreadable
  std::optional<size_t> callback;  // bpf_loop: the callback's pc
  auto arg_error = [&](int r, const std::string& what) {
    report("helper.arg", pc, fmt::format("{} argument r{}: {}; {}", name, r, what, reg_text(s, r)), s);
  };
  auto mem_check = [&](int r, uint64_t lo_n, uint64_t hi_n, bool write) {
    Value& v = s.regs[static_cast<size_t>(r)];
    if (hi_n == 0) return;
    if (!v.is_pointer()) {
      arg_error(r, fmt::format("expected a pointer to {} {} bytes", write ? "writable" : "readable", hi_n));
      return;
    }
    if (!check_access(s, pc, r, v, 0, hi_n, write ? AccessKind::HelperWrite : AccessKind::HelperRead)) return;
    if (v.region != PointerKind::Stack) {
      if (!write) return;
      return;
    }
    const int lo = static_cast<int>(smin(v.num)) + kStackBytes;
    const int hi = static_cast<int>(smax(v.num)) + static_cast<int>(hi_n) + kStackBytes;
    const StackFrame& fr = *s.frames[static_cast<size_t>(v.object)];
    if (!write) {
      for (int i = lo; i < hi; ++i) {
        const ByteView b = byte_at(fr, i);
        if (b.kind == ByteKind::Uninit) {
          // The catalogue's stack.uninit: "read by a load or a helper".
          report("stack.uninit", pc,
                 fmt::format("{} argument r{} reads {} bytes of stack, but byte r10{:+} is not initialised; {}", name, r,
                             hi_n, i - kStackBytes, reg_text(s, r)),
                 s);
          if (r == format_reg) format_reported = true;
          return;
        }
        if (b.pointer && !plat_.allow_pointer_leaks) {
          report("ptr.leak", pc, fmt::format("{} reads the spilled pointer at r10{:+} as data", name, (i - kStackBytes) & ~7), s);
          return;
        }
      }
      return;
    }
    const uint64_t definite = is_const(v.num) ? lo_n : 0;
    stack_write(s, pc, v, 0, static_cast<unsigned>(hi_n), Value::scalar(scalar_top()), definite);
  };
  for (int i = 0; i < 5; ++i) {
    const int r = i + 1;
    const ArgType t = p.args[static_cast<size_t>(i)];
    if (t == ArgType::None) continue;
    if (!read_reg(s, pc, r)) continue;
    const Value v = s.regs[static_cast<size_t>(r)];
    switch (t) {
      case ArgType::None: break;
      case ArgType::Anything:
        if (!v.is_scalar() && !plat_.allow_pointer_leaks) {
          report("ptr.leak", pc, fmt::format("{} receives {} as a plain value: the platform forbids leaking pointers", name, reg_text(s, r)), s);
        }
        break;
      case ArgType::Scalar:
        if (!v.is_scalar()) arg_error(r, "expected a scalar");
        break;
      case ArgType::MapHandle:
      case ArgType::ProgArray:
        if (!v.is_pointer() || v.region != PointerKind::MapHandle) {
          arg_error(r, "expected a map (LDDW of a map fd or index)");
          break;
        }
        map = static_cast<size_t>(v.object);
        if (t == ArgType::ProgArray && in_.maps[*map].type != 3) arg_error(r, "expected a prog_array map");
        break;
      case ArgType::MapKey:
      case ArgType::MapValue: {
        if (!map) {
          arg_error(r, "no map argument precedes it");
          break;
        }
        const MapDescriptor& md = in_.maps[*map];
        const uint64_t n = t == ArgType::MapKey ? md.key_size : md.value_size;
        if (!v.is_pointer()) {
          arg_error(r, fmt::format("expected a pointer to the map's {} ({} bytes)", t == ArgType::MapKey ? "key" : "value", n));
          break;
        }
        mem_check(r, n, n, false);
        break;
      }
      case ArgType::Context:
        if (!v.is_pointer() || v.region != PointerKind::Context || !is_const(v.num) || v.num.t.value != 0) {
          arg_error(r, "expected the context pointer, unmodified");
        }
        break;
      case ArgType::Stack:
        if (!v.is_pointer() || v.region != PointerKind::Stack || v.object > s.depth()) {
          arg_error(r, "expected a stack pointer");
        } else {
          stack_args.push_back(v);
        }
        break;
      case ArgType::Function:
        // The helper runs the callback. bpf_loop's is analysed (loop_callback); for the other
        // helpers, rather than accept code nobody checked, reject.
        if (!v.is_pointer() || v.region != PointerKind::Code) {
          arg_error(r, "expected a code address (LDDW src 4)");
        } else if (p.name == "bpf_loop" && r == 2 && cfg_.subprogram_at(static_cast<size_t>(v.object)) != kNoBlock) {
          callback = static_cast<size_t>(v.object);
        } else {
          arg_error(r, "callbacks are not analysed by this verifier (bpf_loop's excepted), so the call cannot be "
                       "proven safe");
        }
        break;
      case ArgType::ReadableMemory:
      case ArgType::WritableMemory:
        if (!v.is_pointer()) {
          arg_error(r, "expected a pointer to memory");
          break;
        }
        pending_reg = r;
        pending_write = t == ArgType::WritableMemory;
        if (p.format_string && format_reg < 0) format_reg = r;
        break;
      case ArgType::ConstSize:
      case ArgType::ConstSizeOrZero: {
        if (!v.is_scalar()) {
          arg_error(r, "expected a size (scalar)");
          break;
        }
        if (t == ArgType::ConstSize && v.num.umin == 0) {
          arg_error(r, "the size may be 0");
          break;
        }
        if (v.num.umax > (uint64_t{1} << 29)) {
          arg_error(r, "the size is not bounded");
          break;
        }
        if (pending_reg < 0) {
          arg_error(r, "no memory argument precedes this size");
          break;
        }
        if (pending_reg == format_reg && is_const(v.num)) format_size = v.num.umax;
        mem_check(pending_reg, v.num.umin, v.num.umax, pending_write);
        pending_reg = -1;
        break;
      }
    }
  }
  if (p.format_string && format_reg > 0) {
    // The format must be bytes the analysis knows (constants on the stack or in frozen read-only
    // data), as bpf_snprintf's ARG_PTR_TO_CONST_STR asks in Linux: stricter than Linux's
    // bpf_trace_printk, which checks its format at run time. No conversion needs a proof: %s
    // prints an empty string when its bytes fault (Linux's strncpy_from_kernel_nofault, and
    // bpfcert's helper), the others read only the arguments.
    const Value& f = s.regs[static_cast<size_t>(format_reg)];
    bool known = false;
    const std::vector<uint8_t>* frozen = frozen_bytes(f);
    if (frozen != nullptr && is_const(f.num) && format_size) {
      // A format in frozen read-only data (.rodata, where clang puts string literals).
      const uint64_t start = f.num.t.value;
      known = start <= frozen->size() && frozen->size() - start >= *format_size;
    } else if (f.is_pointer() && f.region == PointerKind::Stack && is_const(f.num) && format_size && f.object <= s.depth()) {
      const StackFrame& fr = *s.frames[static_cast<size_t>(f.object)];
      const int start = static_cast<int>(static_cast<int64_t>(f.num.t.value)) + kStackBytes;
      known = start >= 0 && start + static_cast<int>(*format_size) <= kStackBytes;
      for (int i = 0; known && i < static_cast<int>(*format_size); ++i) {
        if (byte_at(fr, start + i).kind != ByteKind::Const) known = false;
      }
    }
    if (!known && !format_reported) {
      report("helper.arg", pc,
             fmt::format("{}: the format must be constant bytes on the stack or in frozen read-only data", name), s);
    }
  }
  if (callback) {
    loop_callback(s, pc, *callback);
    stack_args.clear();  // the callback's context: bpf_loop itself does not touch it
  }
  // A stack argument without a size: the helper may read or write any byte of that frame at or
  // above the pointer, so what the state knows of them is forgotten (still initialised scalar
  // bytes; spilled pointers become unreadable).
  for (const Value& v : stack_args) {
    const auto f = static_cast<size_t>(v.object);
    const int64_t lo = std::max<int64_t>(smin(v.num), -static_cast<int64_t>(plat_.stack_size));
    if (lo >= 0) continue;
    StackFrame& fr = s.frame_mut(f);
    for (int slot = static_cast<int>(lo + kStackBytes) / 8; slot < kStackSlots; ++slot) {
      rel_drop(s, slot_cell(static_cast<int>(f), slot));
      if (fr.kind[static_cast<size_t>(slot * 8)] == ByteKind::Spill) unspill(fr, slot);
      for (int half = slot * 2; half < slot * 2 + 2; ++half) {
        if (fr.kind[static_cast<size_t>(half * 4)] == ByteKind::Spill32) unspill32(fr, half);
      }
    }
    for (int i = static_cast<int>(lo + kStackBytes); i < kStackBytes; ++i) {
      if (fr.kind[static_cast<size_t>(i)] == ByteKind::Const) fr.kind[static_cast<size_t>(i)] = ByteKind::Misc;
    }
  }
  // Results.
  if (p.changes_packet_data) invalidate_packet(s);
  for (int r = 1; r <= 5; ++r) s.regs[static_cast<size_t>(r)] = Value::uninit();
  for (uint32_t r = 0; r <= 5; ++r) rel_drop(s, r);
  switch (p.ret) {
    case RetType::Integer:
    case RetType::NoReturnOnSuccess:
      if (p.ret_range) {
        Scalar x = scalar_top();
        x.smin = static_cast<uint64_t>(p.ret_range->first);
        x.smax = static_cast<uint64_t>(p.ret_range->second);
        s.regs[0] = Value::scalar(dm::scalar_sync(x));
      } else {
        s.regs[0] = Value::scalar(scalar_top());
      }
      break;
    case RetType::Void: s.regs[0] = Value::uninit(); break;
    case RetType::MapValueOrNull: {
      const MapTypeInfo* info = nullptr;
      if (map) {
        if (auto it = plat_.map_types.find(in_.maps[*map].type); it != plat_.map_types.end()) info = &it->second;
      }
      if (!map || info == nullptr || !info->lookup_returns_value) {
        s.regs[0] = Value::scalar(scalar_top());
        break;
      }
      const auto id = static_cast<uint32_t>(pc) + 1;
      fresh_id(s, id);
      Value v = Value::pointer(PointerKind::MapValue, static_cast<int64_t>(*map), scalar_const(0));
      v.nullable = true;
      v.id = id;
      s.regs[0] = v;
      break;
    }
    case RetType::MemoryOrNull: {
      // Memory of the size the size argument holds (a constant), or NULL.
      if (!ret_size || !is_const(*ret_size) || ret_size->t.value == 0 || ret_size->t.value > (uint64_t{1} << 29)) {
        report("helper.arg", pc, fmt::format("{}: the size of the memory it returns must be a non-zero constant", name), s);
        s.regs[0] = Value::scalar(scalar_top());
        break;
      }
      const auto id = static_cast<uint32_t>(pc) + 1;
      fresh_id(s, id);
      Value v = Value::pointer(PointerKind::Memory, static_cast<int64_t>(pc) + 1, scalar_const(0));
      v.size = ret_size->t.value;
      v.nullable = true;
      v.id = id;
      s.regs[0] = v;
      break;
    }
  }
}

VerificationResult Analyzer::run() {
  const auto t0 = std::chrono::steady_clock::now();
  VerificationResult result;
  for (const CfgProblem& p : cfg_.problems) {
    Finding f;
    f.check = p.check;
    f.pc = static_cast<int64_t>(p.pc);
    f.message = p.message;
    if (const CheckInfo* info = find_check(p.check)) f.severity = info->severity;
    findings_.emplace(std::make_pair(f.pc, f.check), f);
  }
  const bool structural = std::any_of(cfg_.problems.begin(), cfg_.problems.end(),
                                      [](const CfgProblem& p) { return p.check != "cfg.unreachable"; });
  loop_bound_.assign(cfg_.loops.size(), std::nullopt);
  loop_failed_.assign(cfg_.loops.size(), false);
  stack_usage_.assign(cfg_.subprograms.size(), 0);
  if (in_.options.collect_invariants) invariants_.assign(prog_.size(), State{});
  // Candidate strides per loop: +1 and -1, and the constants the loop adds to or subtracts
  // from registers its conditional jumps compare (the likely induction variables), first.
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
  // Registers each loop may write (for loop-invariant operands of exit tests).
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
  // Widening thresholds: the constants jumps compare with (and their neighbours), region sizes.
  {
    std::set<int64_t> th{0, -1, 1, static_cast<int64_t>(plat_.stack_size), -static_cast<int64_t>(plat_.stack_size)};
    for (size_t pc = 0; pc < prog_.size(); ++pc) {
      const auto& row = prog_.row(pc);
      if (row.kind == Kind::Jump && row.operand == Operand::Imm) {
        const int64_t k = prog_.insns[pc].imm;
        for (int64_t d = -1; d <= 1; ++d) th.insert(k + d);
      }
    }
    if (in_.memory_size) th.insert(static_cast<int64_t>(*in_.memory_size));
    for (const MapDescriptor& m : in_.maps) th.insert(m.value_size);
    for (const VariableDescriptor& v : in_.variables) th.insert(v.size);
    th.insert(type_.context.size);
    for (int64_t x : th) {
      thresholds_.s.push_back(x);
      thresholds_.u.push_back(static_cast<uint64_t>(x));
    }
    std::sort(thresholds_.u.begin(), thresholds_.u.end());
  }
  if (!structural) {
    State entry;
    entry.bottom = false;
    entry.frames.push_back(plat_.zeroed_stack ? zero_frame_ : empty_frame_);
    entry.regs[10] = Value::pointer(PointerKind::Stack, 0, scalar_const(0));
    if (type_.entry != ProgramType::Entry::Context) {
      Value mem = Value::pointer(PointerKind::Memory, 0, scalar_const(0));
      mem.nullable = in_.memory_size.value_or(0) == 0;
      mem.id = mem.nullable ? kEntryIdBase : 0;
      entry.regs[1] = mem;
      entry.regs[2] = Value::scalar(in_.memory_size ? scalar_const(*in_.memory_size) : scalar_range(0, 0xffffffffull));
      if (type_.entry == ProgramType::Entry::MemoryAndContext) {
        Value ctx = Value::pointer(PointerKind::Context, 0, scalar_const(0));
        ctx.nullable = type_.context.size == 0;
        ctx.id = ctx.nullable ? kEntryIdBase + 1 : 0;
        entry.regs[3] = ctx;
        entry.regs[4] = Value::scalar(scalar_const(type_.context.size));
      }
    } else {
      entry.regs[1] = Value::pointer(PointerKind::Context, 0, scalar_const(0));
    }
    sub_stack_.push_back(0);
    try {
      check_ = true;
      (void)analyze_function(0, entry, true);
    } catch (const BudgetExceeded&) {
      check_ = true;
      Finding f;
      f.check = "analysis.budget";
      f.pc = -1;
      f.message = fmt::format("the analysis exceeded {} instruction transfers; nothing is proven",
                              in_.options.max_transfers);
      findings_.emplace(std::make_pair(f.pc, f.check), f);
    }
    // Combined stack of every call chain (Linux's rule: frames rounded up to 32 bytes).
    for (const auto& [pc, subs] : chains_) {
      uint64_t total = 0;
      std::string parts;
      for (size_t sp : subs) {
        const uint64_t used = (static_cast<uint64_t>(std::max<int64_t>(stack_usage_[sp], 1)) + 31) / 32 * 32;
        total += used;
        parts += fmt::format("{}pc {}: {}", parts.empty() ? "" : ", ", cfg_.subprograms[sp].entry_pc, used);
      }
      if (plat_.combined_stack_size != 0 && total > plat_.combined_stack_size &&
          findings_.count({static_cast<int64_t>(pc), "frame.size"}) == 0) {
        Finding f;
        f.check = "frame.size";
        f.pc = static_cast<int64_t>(pc);
        f.message = fmt::format("the call chain reaching this call uses {} bytes of stack ({}), more than {}", total,
                                parts, plat_.combined_stack_size);
        findings_.emplace(std::make_pair(f.pc, f.check), f);
      }
    }
  }
  for (auto& [k, f] : findings_) result.findings.push_back(std::move(f));
  result.accepted = std::none_of(result.findings.begin(), result.findings.end(),
                                 [](const Finding& f) { return f.severity == Severity::Error; });
  if (!structural && !exit_r0_bad_) result.exit_r0 = exit_r0_;
  for (size_t l = 0; l < cfg_.loops.size(); ++l) {
    result.loops.push_back({cfg_.blocks[cfg_.loops[l].header].first, loop_failed_[l] ? std::nullopt : loop_bound_[l]});
  }
  if (in_.options.collect_invariants) {
    for (size_t pc = 0; pc < invariants_.size(); ++pc) {
      const State& st = invariants_[pc];
      if (st.bottom) continue;
      Invariant inv;
      inv.pc = pc;
      for (size_t r = 0; r < 11; ++r) inv.registers[r] = view(st.regs[r], &in_);
      inv.stack = describe_stack(st, &in_);
      result.invariants.push_back(std::move(inv));
    }
  }
  stats_.instructions = prog_.size();
  stats_.blocks = cfg_.blocks.size();
  stats_.loops = cfg_.loops.size();
  stats_.subprograms = cfg_.subprograms.size();
  stats_.contexts = contexts_.size();
  stats_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.stats = stats_;
  return result;
}

}  // namespace

semantics::Result<VerificationResult> verify(const VerifierInput& input) {
  using semantics::Error;
  using semantics::ErrorCode;
  if (input.program == nullptr || input.platform == nullptr || input.program->size() == 0) {
    return Error{ErrorCode::UsageError, {}, "verify: no program or no platform"};
  }
  const ProgramType* type = input.platform->find_program_type(input.program_type);
  if (type == nullptr) {
    return Error{ErrorCode::UsageError, {},
                 fmt::format("platform {} has no program type '{}'", input.platform->name, input.program_type)};
  }
  if (input.platform->stack_size > static_cast<uint32_t>(kStackBytes) || input.platform->max_call_frames < 1) {
    return Error{ErrorCode::UsageError, {}, "platform stack size above 512 bytes or no call frames"};
  }
  const auto t0 = std::chrono::steady_clock::now();
  Cfg cfg = Cfg::build(*input.program);
  cfg.duplicate_tails(*input.program, kMaxDuplicatedTail, std::max<size_t>(256, input.program->size()));
  Analyzer analyzer(input, *type, cfg);
  VerificationResult r = analyzer.run();
  r.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace bpfcert::verifier
