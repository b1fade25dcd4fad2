// The bounded symbolic executor behind witnesses: it runs a validated program as the reference
// interpreter would (pc, local calls, frames, regions, helpers), with every value a z3
// bit-vector computed by the semantics templates (alu<Z3Word>, jump_taken, load_result,
// store_value, atomic_new_value, packet_load_result) and every access, frame and trap decided
// by the machine model's (semantics/machine.h, over Z3Word), and looks for a feasible path
// that reaches a pc in a state violating a check. Depth-first, incremental (push/pop), pruning
// infeasible branches; loops are unrolled up to a depth, the search is bounded in paths, steps
// and time.
#pragma once

#include <z3++.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "verifier/smt/witness.h"
#include "verifier/smt/witness_setup.h"
#include "verifier/smt/z3_word.h"

namespace bpfcert::verifier::smt::detail {

inline Z3Word w(const z3::expr& e) { return Z3Word{e}; }
inline bool numeral(const z3::expr& e, uint64_t& out) { return e.is_numeral() && e.is_numeral_u64(out); }

// What a violation at the target pc is, so that a finding's check selects the relevant ones.
enum class Violation : uint8_t {
  Bounds,       // a pointer access outside its region (the VM traps out-of-bounds)
  // An access outside the object the pointer was derived from (its map value, its stack frame)
  // that stays in memory the VM lets it touch (the next map element, the caller's frame): the
  // VM does not trap, so the replay shows the path, as for uninitialised reads.
  ObjectBounds,
  Null,         // an access through the null a map lookup returned
  Type,         // an access through a scalar (not a pointer)
  ReadOnly,     // a store into a region the VM keeps read-only
  HelperArg,    // a helper argument its implementation refuses (not a map, not the context, size)
  StackUninit,  // stack bytes read (by a load or a helper) before any write on the path
  RegUninit,    // a register read before any write on the path
  ExitR0,       // r0 at an exit uninitialised, a pointer, or outside the return range
};

using ViolationSet = std::set<Violation>;

// ---- symbolic state ----------------------------------------------------------------------

enum class RegionRole : uint8_t { Stack, Memory, Context, Packet, Map, Variable };

// A register or spilled value: a scalar, or a pointer into a region (offset from its start).
// The interpreter's registers hold host addresses; a pointer's base is left abstract and only
// base-independent operations are modelled (adding scalars, differences and comparisons within
// a region, comparison with null).
struct SymValue {
  z3::expr v;
  int region = -1;  // -1: a scalar
  bool init = false;
  // Pointers into an object smaller than their region (a map element, a stack frame): where it
  // starts (an offset in the region) and its size.
  std::optional<z3::expr> object{};
  std::optional<z3::expr> object_size{};
  bool is_ptr() const { return region >= 0; }
};

struct SymRegion {
  RegionRole role = RegionRole::Memory;
  std::string name;
  int64_t object = 0;         // map index, variable id
  z3::expr bytes;             // Array(BV64 -> BV8): contents, indexed by offset
  z3::expr initial;           // the contents at entry (inputs are constants of the model)
  bool input = false;         // `initial` is a witness input
  // Valid offsets [lo, lo + size) (the packet: headroom before data, up to data_end); the
  // stack's depend on the active frames and are computed.
  z3::expr lo;
  z3::expr size;
  uint64_t stride = 0, elem_size = 0;  // map slabs: accesses stay inside one element
  bool writable = true;
  // Pointers stored at constant offsets (8 bytes each); bytes of a pointer partly overwritten
  // hold part of an address, which the model cannot know.
  std::map<int64_t, SymValue> spills;
  std::set<int64_t> poisoned;
};

// Hash maps: the keys the path has looked up, with where their entries live. Entries present at
// entry are witness inputs, given slots in discovery order as the VM's free list hands them out
// when the replay inserts them; once the program itself inserts or deletes, no further entry
// can be assumed present at entry (the slots would no longer match).
struct HashKey {
  z3::expr key;  // key_size * 8 bits
  bool present = false;
  uint32_t slot = 0;
  bool initial = false;  // present at entry (an input)
};

struct HashState {
  std::vector<HashKey> keys;
  std::vector<uint32_t> free_slots;  // the VM's free list (back is next)
  bool frozen = false;
};

struct Frame {
  std::vector<SymValue> saved;  // r6-r9
  SymValue saved_r10;
  size_t return_pc = 0;
  std::map<size_t, unsigned> back_edges;  // the caller's counts
};

struct HelperCallRecord {
  size_t pc = 0;
  int32_t id = 0;
  std::string name;
  z3::expr r0;
  int buffer_register = 0;
  std::vector<z3::expr> buffer;  // bytes written (BV8)
};

struct ReadRecord {
  int region = 0;
  z3::expr offset;
  unsigned size = 0;
};

// A persistent list (shared tails), so that forking a state does not copy its history.
template <class T>
struct LogNode {
  T item;
  std::shared_ptr<const LogNode> next;
};
template <class T>
using Log = std::shared_ptr<const LogNode<T>>;
template <class T>
Log<T> push_log(const Log<T>& l, T item) {
  return std::make_shared<const LogNode<T>>(LogNode<T>{std::move(item), l});
}
template <class T>
std::vector<T> log_items(const Log<T>& l) {
  std::vector<T> out;
  for (const LogNode<T>* n = l.get(); n != nullptr; n = n->next.get()) out.push_back(n->item);
  return {out.rbegin(), out.rend()};
}

struct SymState {
  size_t pc = 0;
  std::vector<SymValue> regs;            // r0..r10
  std::vector<SymRegion> regions;        // [0] is the stack
  std::vector<z3::expr> stack_init;      // per frame depth: Array(BV64 -> Bool) by offset in the frame
  std::vector<Frame> frames;             // active local calls
  std::map<size_t, unsigned> back_edges; // of the current frame: backward jumps taken, by target
  std::vector<HashState> hashes;         // per map (unused for other types)
  uint64_t steps = 0;                    // instructions the interpreter would have executed
  // Linux packets: where data and data_meta are, as offsets from data at entry (helpers such as
  // bpf_xdp_adjust_head move them; data_end stays at the packet length).
  std::optional<z3::expr> data_off, meta_off;
  Log<HelperCallRecord> helpers;
  Log<ReadRecord> reads;
  // Fork decisions of the instruction at pc: a helper that forks (a lookup's null and non-null
  // results, ...) makes one child per outcome, each re-running the instruction with its
  // decisions queued here.
  std::vector<int> choices;
  std::vector<int> decided;
};

// ---- the search ---------------------------------------------------------------------------

struct SearchResult {
  bool found = false;
  std::optional<z3::model> model;
  std::optional<SymState> state;  // at the violation
  Violation violation = Violation::Bounds;
  Expectation expect;             // r0 is filled from the model by the caller for exits
  std::optional<z3::expr> exit_r0;
  WitnessStatistics stats;
  std::string budget;             // which budget ended the search, if one did
  std::set<std::string> abandoned;  // why paths were abandoned (distinct reasons)
};

class SymbolicExecutor {
 public:
  SymbolicExecutor(z3::context& ctx, const WitnessSetup& setup, const WitnessOptions& options);
  SearchResult search(size_t target_pc, const ViolationSet& wanted);

  // Entry regions, for extracting a model's input.
  int memory_region() const { return memory_region_; }
  int context_region() const { return context_region_; }
  int packet_region() const { return packet_region_; }
  const std::vector<int>& map_regions() const { return map_regions_; }
  const std::vector<int>& variable_regions() const { return variable_regions_; }
  const z3::expr& packet_length() const { return packet_len_; }

 private:
  struct Item {
    SymState state;
    unsigned scope;
    std::optional<z3::expr> cond;
  };
  enum class Flow : uint8_t { Continue, Ended, Forked, Found };

  SymState initial_state();
  std::vector<bool> can_reach(size_t target) const;
  Flow run(SymState& s);
  Flow step(SymState& s);
  Flow alu(SymState& s, const semantics::Insn& insn, const semantics::Encoding& row);
  Flow jump(SymState& s, const semantics::Insn& insn, const semantics::Encoding& row);
  Flow load(SymState& s, const semantics::Insn& insn, const semantics::Encoding& row);
  Flow store(SymState& s, const semantics::Insn& insn, const semantics::Encoding& row);
  Flow atomic(SymState& s, const semantics::Insn& insn, const semantics::Encoding& row);
  Flow packet_load(SymState& s, const semantics::Insn& insn, const semantics::Encoding& row);
  Flow lddw(SymState& s, const semantics::Insn& insn, const semantics::Encoding& row);
  Flow call(SymState& s, const semantics::Insn& insn, const semantics::Encoding& row);
  Flow local_call(SymState& s, size_t target);
  Flow callx(SymState& s, const semantics::Insn& insn);
  Flow helper_call(SymState& s, int32_t id, bool kfunc);
  Flow exit_insn(SymState& s);
  Flow advance(SymState& s, size_t next_pc);

  // Helpers, by what they do.
  Flow map_lookup(SymState& s, size_t map);
  Flow map_update(SymState& s, size_t map);
  Flow map_delete(SymState& s, size_t map);
  Flow generic_helper(SymState& s, int32_t id, const std::string& name, const HelperPrototype& p);
  Flow packet_helper(SymState& s, const std::string& name);
  void invalidate_packet_pointers(SymState& s);
  SymValue packet_pointer(const SymState& s, PointerKind kind) const;
  Flow finish_call(SymState& s, const SymValue& r0);

  // Memory.
  struct Place {
    int region;
    z3::expr offset;
    z3::expr in_bounds;  // the VM's region check
  };
  Place resolve(const SymState& s, const SymValue& base, int64_t off, const z3::expr& n) const;
  // The memory access of the instruction at s.pc: at the target pc, offers the violations it
  // can show; then keeps to the executions on which the VM does not trap there. Continue with
  // `place` set, or the flow that ends the path.
  Flow access(SymState& s, semantics::Access kind, const SymValue& base, int64_t off, unsigned n,
              std::optional<Place>& place);
  z3::expr region_contains(const SymState& s, int region, const z3::expr& off, const z3::expr& n) const;
  std::vector<z3::expr> read_bytes(SymState& s, int region, const z3::expr& off, unsigned n);
  void write_bytes(SymState& s, int region, const z3::expr& off, const std::vector<z3::expr>& bytes);
  z3::expr stack_uninit(const SymState& s, const z3::expr& off, const z3::expr& n, unsigned max_n) const;
  void mark_stack_init(SymState& s, const z3::expr& off, unsigned n);
  // Spilled pointers: nullopt when the access keeps clear of them; otherwise the abandonment
  // reason ("" when an exact 8-byte reload of a spill, returned in `spill`).
  std::optional<std::string> spill_conflict(SymState& s, int region, const z3::expr& off, unsigned n, bool write,
                                            std::optional<SymValue>* spill);

  // Helper arguments: the VM's readable/writable checks as fault conditions.
  struct Fault {
    Violation kind;
    z3::expr cond;
  };
  // `quiet` collects violations the VM does not trap on (uninitialised stack bytes, object
  // overflows), offered with a Reach expectation.
  void memory_arg(const SymState& s, int reg, const z3::expr& n, bool write, std::vector<Fault>& faults,
                  std::vector<Fault>* quiet);
  z3::expr object_overflow(const SymValue& base, const z3::expr& off, const z3::expr& n) const;
  std::optional<size_t> map_arg(const SymState& s, int reg, std::vector<Fault>& faults, std::string& why);
  bool context_arg(const SymState& s, int reg, std::vector<Fault>& faults);
  // At the target pc: checks each offered violation; otherwise assumes none happens.
  Flow faults_at(SymState& s, std::vector<Fault>& faults, const Expectation& expect);

  // The solver.
  z3::check_result check();                   // within what is left of the time budget
  // Whether the last model (of a subset of the current path's constraints and, by then, of all
  // of them) satisfies c: then the path with c is feasible and needs no query.
  bool satisfied(const z3::expr& c) const;
  bool feasible(const z3::expr& c);           // a temporary query
  bool assume(const z3::expr& c);             // adds c to the path if it stays feasible
  int choose(SymState& s, const std::vector<z3::expr>& conds);  // forks; -1 when it did
  bool offer(SymState& s, Violation v, const z3::expr& cond, const Expectation& expect);
  bool at_target(const SymState& s) const { return s.pc == target_pc_ && s.choices.empty() && s.decided.empty(); }
  bool wants(Violation v) const { return wanted_.count(v) != 0; }
  void abandon(const std::string& why);
  bool out_of_budget();

  z3::expr bv(uint64_t v) const { return ctx_.bv_val(v, 64); }
  z3::expr fresh(const std::string& name, unsigned bits);
  SymValue scalar(const z3::expr& v) const { return SymValue{v, -1, true}; }
  std::vector<int> registers_read(const SymState& s) const;

  z3::context& ctx_;
  const WitnessSetup& setup_;
  const semantics::Program& prog_;
  WitnessOptions options_;
  z3::solver solver_;
  unsigned scopes_ = 0;
  std::optional<z3::model> model_;  // satisfies every constraint asserted now
  z3::sort byte_array_;
  z3::sort bool_array_;
  int memory_region_ = -1, context_region_ = -1, packet_region_ = -1;
  std::vector<int> map_regions_;       // per map index, -1 when the map has no value slab
  std::vector<int> variable_regions_;  // per variable descriptor
  z3::expr packet_len_;
  uint64_t names_ = 0;

  size_t target_pc_ = 0;
  std::vector<bool> reaches_target_;
  ViolationSet wanted_;
  std::vector<Item> work_;
  SearchResult result_;
  double deadline_ = 0;
};

}  // namespace bpfcert::verifier::smt::detail
