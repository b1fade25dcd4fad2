// The analyzer's inside, shared by the files that implement it (not part of the API, analyzer.h
// is). One Analyzer runs per verify() call; its methods live in the file of their seam:
//   fixpoint.cpp  the weak-topological iteration, widening and narrowing (path sensitivity)
//   checker.cpp   assertions -> findings: the only place that reports on an instruction's state
//   transfer.cpp  what instructions compute (ALU, loads, stores, atomics, LDDW, exit)
//   memory.cpp    regions: sizes, packet ranges, stack bytes, context fields, frozen maps
//   branch.cpp    conditional jumps: refinement of scalars, null checks, packet ranges
//   calls.cpp     local calls, callx, bpf_loop's callback (context sensitivity)
//   helpers.cpp   helper and kfunc calls: arguments by prototype, results
//   loops.cpp     termination: counter relations, loop bounds, bounded unrolling
//   references.cpp references the program must release (ring buffer records)
//   analyzer.cpp  setup (strides, thresholds, entry state), the stack of call chains, verify()
// Each file opens with the reasoning behind its part of the design.
#pragma once

#include <fmt/format.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "semantics/operations.h"
#include "verifier/access_rules.h"
#include "verifier/analyzer.h"
#include "verifier/assertions.h"
#include "verifier/cfg.h"
#include "verifier/domain/tighten.h"
#include "verifier/state.h"

namespace bpfcert::verifier::detail {

using semantics::AluOp;
using semantics::AtomicOp;
using semantics::CallKind;
using semantics::Insn;
using semantics::JmpOp;
using semantics::Kind;
using semantics::LddwKind;
using semantics::Operand;
using semantics::Width;

namespace dm = domain;

struct BudgetExceeded {};

// Ids by origin: lookups and helper memory pc + 1; linked scalars, packet variable offsets,
// entry pointers that may be null: their own ranges, so no two meanings share an id.
inline constexpr uint32_t kPacketIdBase = 0x40000000u;
inline constexpr uint32_t kScalarIdBase = 0x20000000u;
// PacketRange id of the metadata: data_meta + range <= data (no packet pointer has this id).
inline constexpr uint32_t kMetaRangeId = 0x3fffffffu;
inline constexpr uint32_t kRegisterCells = 16;
// Memory object of a context field that points to memory (flow dissector's flow_keys): helper
// memory objects are pc + 1, so this id is never theirs.
inline constexpr int64_t kContextMemoryObject = int64_t{1} << 40;  // cells 0..10 are registers; stack slots from 16
using access_rules::kSaneOffset;

// Bounded unrolling (unroll_bound): at most this many rounds, and this many transfers per loop.
inline constexpr uint64_t kMaxUnrolledRounds = 256;
inline constexpr uint64_t kMaxUnrolledTransfers = 1'000'000;

inline bool sane(const Scalar& o) { return access_rules::sane_offsets<uint64_t>(o.smin, o.smax); }
inline bool surely_nonnull(const Scalar& o) { return smin(o) > -65536 && smax(o) < (int64_t{1} << 40); }

inline Scalar alu(AluOp op, Width w, const Scalar& a, const Scalar& b, unsigned ext = 0) {
  return dm::scalar_alu<uint64_t>(op, w, a, b, ext);
}

inline uint32_t slot_cell(int frame, int slot) {
  return kRegisterCells + static_cast<uint32_t>(frame * kStackSlots + slot);
}

using semantics::next_pc;

inline bool is_packet(PointerKind k) { return k == PointerKind::Packet || k == PointerKind::PacketMeta; }

// A packet pointer or packet end: stale once a helper may have moved packet data.
inline bool is_packet_or_end(const Value& v) {
  return v.is_pointer() && (is_packet(v.region) || v.region == PointerKind::PacketEnd);
}

// Findings are listed by pc, then by the check's name.
struct FindingKey {
  int64_t pc;
  CheckId check;
  bool operator<(const FindingKey& o) const {
    if (pc != o.pc) return pc < o.pc;
    return std::string_view(to_string(check)) < std::string_view(to_string(o.check));
  }
};

std::string range_text(__int128 lo, __int128 hi);

// The byte at i as a reader sees it: spilled scalars read as their bytes.
struct ByteView {
  ByteKind kind;
  uint8_t value;
  bool pointer;  // part of a spilled non-scalar
};
ByteView byte_at(const StackFrame& f, int i);

// How a load of n bytes at frame byte `start` (a known address) reads the frame: a whole spill
// (8 bytes, or a scalar's low bytes), a 4-byte spill, plain bytes, or a fault at the first byte
// that is not initialised or is part of a spilled pointer. The checker reports the fault; the
// transfer reads the value.
struct StackLoad {
  enum class Kind : uint8_t { Spill, Spill32, Bytes, Fault } kind;
  int bad;       // Fault: the byte
  bool pointer;  // Fault: that byte is part of a spilled pointer
};
StackLoad stack_load(const StackFrame& fr, int start, unsigned n);

inline bool is_null(const Value& v) { return v.is_scalar() && is_const(v.num) && v.num.t.value == 0; }
// Two pointers into one object, whose offsets compare as their addresses do (a nullable
// pointer may be null, map handles and code addresses are not in memory).
bool same_base(const Value& a, const Value& b);
// Why pointer + x (or - x) is not allowed, if it is not.
enum class ArithFault : uint8_t { None, NotAddressable, Nullable, ContextVariable };
ArithFault pointer_arith_fault(const Value& ptr, const Scalar& x);
// Two pointers whose difference is a number the analysis knows something of: into one object,
// or packet pointers and packet end (whose distance is unknown but a scalar).
bool pointers_subtract(const Value& a, const Value& b);
// What a conditional jump may compare (the Comparable assertion): see branch.cpp.
bool comparable(const Value& a, const Value& b, Width w);

// What the checker found of an instruction's memory access, for its transfer.
struct Checked {
  // The base register was initialised and the access lies inside a region that allows it
  // (type, null, bounds, read-only): the memory it names exists.
  bool region = false;
  // Also what it reads or writes is allowed (initialised stack bytes, whole spills, a context
  // field of that size): the transfer may compute the value.
  bool access = false;
};

// What a helper call's arguments have told so far (helpers.cpp reads them left to right).
struct HelperArgs {
  std::string name;                 // "helper 1 (map_lookup_elem)"
  std::optional<size_t> map;        // the map argument's map (the lowest of a set)
  std::vector<size_t> maps;         // every map the map argument may be
  uint64_t map_mask = 0;            // a set of maps: its mask (Value::size); 0 for one map
  std::vector<Value> stack_args;    // ArgType::Stack arguments, forgotten after the call
  int pending_reg = -1;             // memory argument awaiting its size
  bool pending_write = false;
  bool pending_null = false;        // that argument is NULL: its size must be 0
  int format_reg = -1;              // the format of a format_string helper
  std::optional<uint64_t> format_size;
  bool format_reported = false;     // the format's bytes were already reported unreadable
  std::optional<size_t> callback;   // bpf_loop: the callback's pc
  std::optional<int64_t> released;  // the record a release argument gives back
};

class Analyzer {
 public:
  Analyzer(const VerifierInput& in, const ProgramType& type, const Cfg& cfg)
      : in_(in),
        prog_(*in.program),
        plat_(*in.platform),
        type_(type),
        cfg_(cfg),
        allow_leaks_(in.platform->allow_pointer_leaks || type.pointer_leaks) {}

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
    // Blocks outside loops: per successor edge, the parts of out's state kept apart (see
    // fixpoint.cpp, "Paths kept apart"); empty when out's state is the only part.
    std::vector<std::vector<std::vector<State>>> parts;
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

  // ---- checker (checker.cpp) ----
  // Records a finding (in a checking pass, once per pc and check) with the registers of s.
  void report(CheckId check, size_t pc, std::string message, const State& s, const Assertion* about = nullptr);
  void add_finding(Finding f);
  std::string text(const Value& v) const { return describe(v, &in_); }
  std::string reg_text(const State& s, int r) const {
    return fmt::format("r{} = {}", r, text(s.regs[static_cast<size_t>(r)]));
  }
  // Evaluates instruction pc's assertions (assertions_of) against s in order, reporting each
  // that fails and assuming it afterwards.
  Checked check_insn(State& s, size_t pc);
  // Register r initialised; if not, reports and assumes it holds some scalar.
  bool check_initialized(State& s, size_t pc, int r, const Assertion* about = nullptr);
  bool check_region(State& s, size_t pc, const Access& a, const Value& p, const Assertion* about);
  bool check_packet_meta(const State& s, size_t pc, const Access& a, const Value& p, const Assertion* about);
  bool check_sized_region(State& s, size_t pc, const Access& a, const Value& p, const Assertion* about);
  bool check_stack_read(const State& s, size_t pc, const Access& a, const Value& p, const Assertion* about);
  bool check_context_field(const State& s, size_t pc, const Access& a, const Value& p, const Assertion* about);
  bool check_kernel_access(const State& s, size_t pc, const Access& a, const Value& p, const Assertion* about);
  Checked check_access(State& s, size_t pc, const Access& a, const Assertion* about);
  void check_store(const State& s, size_t pc, const ValidStore& a, const Assertion* about);
  void check_arithmetic(const State& s, size_t pc, const ValidArithmetic& a, const Assertion* about);
  void check_comparable(const State& s, size_t pc, const Comparable& c, const Assertion* about);
  void check_return(State& s, size_t pc, const Assertion* about);

  // ---- fixpoint (fixpoint.cpp) ----
  State analyze_function(size_t sub, const State& entry, bool check);
  void stabilize(FnRun& run, const std::vector<WtoElement>& order, bool top);
  void process_block(FnRun& run, size_t b, State s);
  State compute_in(FnRun& run, size_t b, bool entries_only = false);
  std::vector<State> compute_in_parts(FnRun& run, size_t b);
  void process_parts(FnRun& run, size_t b, std::vector<State> parts);
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

  // ---- transfer (transfer.cpp) ----
  void step(State& s, size_t pc);
  void exit_insn(State& s, size_t pc);
  void alu_insn(State& s, size_t pc);
  void alu_move(State& s, size_t pc);
  void load_insn(State& s, size_t pc, const Checked& c);
  void store_insn(State& s, size_t pc, const Checked& c);
  void atomic_insn(State& s, size_t pc, const Checked& c);
  void lddw_insn(State& s, size_t pc);
  void packet_load_insn(State& s, size_t pc);
  void pointer_arith(State& s, size_t pc, const Value& ptr, const Scalar& x, bool subtract, Value& out);
  void fresh_id(State& s, uint32_t id);
  void share_scalar(State& s, int r, size_t pc);
  bool propagate_scalar(State& s, const Value& refined);

  // ---- memory (memory.cpp) ----
  uint64_t region_size(const Value& p, bool& known) const;
  bool packet_in_range(const State& s, const Value& p, int64_t off, uint64_t n, std::string& why) const;
  const std::vector<uint8_t>* frozen_bytes(const Value& p) const;
  std::optional<Value> frozen_read(const Value& p, int64_t off, unsigned n, bool sx) const;
  Value stack_read(const State& s, const Value& p, int64_t off, unsigned n, bool sx) const;
  void stack_write(State& s, const Value& p, int64_t off, unsigned n, const Value& v, uint64_t definite);
  const ContextField* context_field(int64_t offset, unsigned n) const;
  Value context_read(const Value& p, int64_t off, unsigned n) const;
  Value kernel_read(const Value& p, int64_t off, unsigned n, bool sx) const;

  // ---- branches (branch.cpp) ----
  void branch(const State& s, size_t pc, State& fall, State& taken);
  void branch_scalars(const State& in, size_t pc, const Value& a, const Value& b, State& fall, State& taken);
  void learn_exclusion(const State& in, size_t pc, const Value& b, State* ne, bool k_is_zero);
  void branch_null(const State& s, size_t pc, const Value& a, const Value& b, State& fall, State& taken);
  void branch_pointers(size_t pc, const Value& a, const Value& b, State& fall, State& taken);
  void learn_packet_range(State& s, const Value& p, int64_t extra);
  void learn_meta_range(JmpOp op, const Value& a, const Value& b, State& fall, State& taken);

  // ---- calls (calls.cpp) and helpers (helpers.cpp) ----
  void call_insn(State& s, size_t pc);
  void local_call(State& s, size_t pc, size_t target_pc);
  State return_from_call(const State& caller, State exit, bool callee_changed_packet);
  void havoc_call(State& s);
  void invalidate_packet(State& s);
  void loop_callback(State& s, size_t pc, size_t target_pc);
  void helper_call(State& s, size_t pc, const HelperPrototype& p, bool kfunc);
  void helper_arg(State& s, size_t pc, const HelperPrototype& p, int r, ArgType t, HelperArgs& h);
  void helper_arg_error(const State& s, size_t pc, const HelperArgs& h, int r, const std::string& what);
  void helper_memory(State& s, size_t pc, HelperArgs& h, int r, uint64_t lo_n, uint64_t hi_n, bool write);
  void check_format(const State& s, size_t pc, const HelperArgs& h);
  void forget_stack_args(State& s, const std::vector<Value>& stack_args);
  void helper_result(State& s, size_t pc, const HelperPrototype& p, const HelperArgs& h, std::optional<Scalar> ret_size);

  // ---- references (references.cpp) ----
  bool is_record(const Value& v) const;
  static bool holds(const State& s, int64_t object);
  void acquire(State& s, size_t pc, const HelperArgs& h, int64_t object);
  static void drop_reference(State& s, int64_t object);
  void release(State& s, int64_t object);
  // Marks released every record pointer whose reference the state no longer holds.
  void settle_released(State& s) const;
  // A finding if some path may hold a reference at pc, which `what` ends the program.
  void check_no_references(const State& s, size_t pc, std::string_view what);

  // ---- loops and termination (loops.cpp) ----
  void rel_drop(State& s, uint32_t cell);
  void rel_copy(State& s, uint32_t from, uint32_t to, bool narrow);
  void rel_shift(State& s, uint32_t cell, AluOp op, const Scalar& x, Width w);
  CounterFacts loop_bound(const State& s, size_t loop) const;
  static std::optional<uint64_t> edges_bound(const std::vector<FnRun::EdgeBound>& edges,
                                             const FnRun::EdgeBound** unbounded);
  std::optional<uint64_t> current_bound(const FnRun& run, size_t l) const;
  void counter_narrow(const FnRun& run, State& s, size_t l) const;
  void check_back_edge(const State& s, size_t latch, size_t header);
  void evaluate_loops(FnRun& run);
  bool bounded_by_may_goto(size_t l) const;
  std::optional<uint64_t> unroll_bound(FnRun& run, size_t l);
  const Value* cell_value(const State& s, uint32_t cell) const;
  void find_strides();
  void find_loop_writes();

  // ---- setup and results (analyzer.cpp) ----
  void find_thresholds();
  State entry_state() const;
  void check_call_chains();
  VerificationResult results();

  const VerifierInput& in_;
  const semantics::Program& prog_;
  const Platform& plat_;
  const ProgramType& type_;
  const Cfg& cfg_;
  // Pointers may become values the program's output shows (the platform, or a type whose
  // loader has CAP_PERFMON).
  const bool allow_leaks_;
  bool check_ = false;
  FnRun* run_ = nullptr;  // the function being processed
  std::map<FindingKey, Finding> findings_;
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
  std::vector<bool> probe_load_;  // by pc: a load through a Kernel pointer (checked)
  bool exit_r0_bad_ = false;
  // Set when a helper that changes packet data is called (local_call scopes it per callee).
  bool packet_changed_ = false;
  // Memory objects that are ring buffer records (an acquiring helper's pc + 1).
  std::set<int64_t> records_;
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

}  // namespace bpfcert::verifier::detail
