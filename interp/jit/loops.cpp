// Loop versioning analysis (loops.h): basic blocks, dominators (Cooper, Harvey and Kennedy's
// iterative algorithm over the reverse postorder), natural loops, induction registers, affine
// addresses, and the trip-count bound of the latch.
#include "interp/jit/loops.h"

#include <algorithm>
#include <array>
#include <optional>

#include "semantics/machine.h"
#include "semantics/operations.h"

namespace bpfcert::interp::jit {

using semantics::AluOp;
using semantics::JmpOp;
using semantics::Kind;
using semantics::Width;

namespace {

// Offsets stay far from int64 overflow and fit the x86 displacements the check uses.
constexpr int64_t kMaxOffset = int64_t{1} << 30;

struct Block {
  size_t first = 0, last = 0;  // pcs of its first and last instruction
  std::vector<size_t> succ, pred;
};

// A register's value inside a loop: base + counter_start + c, or unknown.
struct Affine {
  bool known = false;
  int8_t base = -1, counter = -1;
  int64_t c = 0;
  bool operator==(const Affine&) const = default;
};
using State = std::array<Affine, 11>;

Affine constant(int64_t c) {
  if (c <= -kMaxOffset || c >= kMaxOffset) return {};
  return {true, -1, -1, c};
}

Affine add(const Affine& a, const Affine& b) {
  if (!a.known || !b.known || (a.base >= 0 && b.base >= 0) || (a.counter >= 0 && b.counter >= 0)) return {};
  Affine r = constant(a.c + b.c);
  if (!r.known) return r;
  r.base = a.base >= 0 ? a.base : b.base;
  r.counter = a.counter >= 0 ? a.counter : b.counter;
  return r;
}

// Registers whose value the instruction may change (bit r): a loop invariant is a register no
// instruction of the loop clobbers.
uint32_t defs(const semantics::Program& prog, size_t pc) {
  return semantics::registers_clobbered(prog.row(pc), prog.insns[pc]);
}

JmpOp swapped(JmpOp op) {
  switch (op) {
    case JmpOp::Jlt: return JmpOp::Jgt;
    case JmpOp::Jgt: return JmpOp::Jlt;
    case JmpOp::Jle: return JmpOp::Jge;
    case JmpOp::Jge: return JmpOp::Jle;
    default: return op;
  }
}

bool power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

class LoopFinder {
 public:
  LoopFinder(const semantics::Program& prog, const std::function<int(size_t, uint8_t)>& region_of,
             const std::function<bool(int)>& versionable)
      : prog_(prog), region_of_(region_of), versionable_(versionable) {}

  std::vector<VersionedLoop> run() {
    std::vector<VersionedLoop> loops;
    if (!has_backward_jump()) return loops;
    build_blocks();
    compute_dominators();
    for (size_t u = 0; u < blocks_.size(); ++u) {
      if (rpo_index_[u] < 0) continue;
      for (size_t h : blocks_[u].succ) {
        if (dominates(h, u)) {
          if (auto loop = version(h, u)) loops.push_back(std::move(*loop));
        }
      }
    }
    return loops;
  }

 private:
  size_t next_pc(size_t pc) const { return pc + (prog_.row(pc).kind == Kind::LoadImm64 ? 2 : 1); }

  bool has_backward_jump() const {
    for (size_t pc = 0; pc < prog_.size(); pc = next_pc(pc)) {
      const auto& row = prog_.row(pc);
      if (row.kind == Kind::Jump && semantics::branch_target(prog_.insns[pc], row, pc) <= static_cast<int64_t>(pc)) {
        return true;
      }
    }
    return false;
  }

  void build_blocks() {
    const size_t n = prog_.size();
    std::vector<uint8_t> leader(n, 0);
    leader[0] = 1;
    for (size_t pc = 0; pc < n; pc = next_pc(pc)) {
      const auto& row = prog_.row(pc);
      if (semantics::has_branch_target(row)) {
        const auto t = static_cast<size_t>(semantics::branch_target(prog_.insns[pc], row, pc));
        leader[t] = 1;
        if (row.kind == Kind::Call) entries_.push_back(t);
      }
      const bool ends = row.kind == Kind::Jump || row.kind == Kind::Exit || row.kind == Kind::Call ||
                        row.kind == Kind::PacketLoad;
      if (ends && next_pc(pc) < n) leader[next_pc(pc)] = 1;
    }
    block_of_.assign(n, 0);
    for (size_t pc = 0; pc < n; pc = next_pc(pc)) {
      if (leader[pc]) blocks_.push_back({pc, pc, {}, {}});
      blocks_.back().last = pc;
      block_of_[pc] = blocks_.size() - 1;
      if (prog_.row(pc).kind == Kind::LoadImm64 && pc + 1 < n) block_of_[pc + 1] = blocks_.size() - 1;
    }
    for (size_t b = 0; b < blocks_.size(); ++b) {
      const size_t last = blocks_[b].last;
      const auto& row = prog_.row(last);
      auto edge = [&](size_t to) {
        blocks_[b].succ.push_back(to);
        blocks_[to].pred.push_back(b);
      };
      if (row.kind == Kind::Jump) edge(block_of_[static_cast<size_t>(semantics::branch_target(prog_.insns[last], row, last))]);
      const bool falls = row.kind == Kind::Call || (row.kind != Kind::Exit && semantics::falls_through(row));
      if (falls && next_pc(last) < prog_.size()) edge(block_of_[next_pc(last)]);
    }
  }

  // Dominators of the blocks reachable from pc 0 and the function entries (each a root of its
  // own: local calls are not edges of this graph).
  void compute_dominators() {
    const size_t nb = blocks_.size();
    rpo_index_.assign(nb, -1);
    std::vector<uint8_t> seen(nb, 0);
    std::vector<size_t> postorder;
    std::vector<size_t> roots{0};
    for (size_t e : entries_) roots.push_back(block_of_[e]);
    for (size_t root : roots) {
      if (seen[root]) continue;
      std::vector<std::pair<size_t, size_t>> stack{{root, 0}};
      seen[root] = 1;
      while (!stack.empty()) {
        auto& [b, i] = stack.back();
        if (i < blocks_[b].succ.size()) {
          const size_t s = blocks_[b].succ[i++];
          if (!seen[s]) {
            seen[s] = 1;
            stack.push_back({s, 0});
          }
        } else {
          postorder.push_back(b);
          stack.pop_back();
        }
      }
    }
    rpo_.assign(postorder.rbegin(), postorder.rend());
    for (size_t i = 0; i < rpo_.size(); ++i) rpo_index_[rpo_[i]] = static_cast<int64_t>(i);
    constexpr size_t kNone = ~size_t{0};
    idom_.assign(nb, kNone);
    std::vector<uint8_t> is_root(nb, 0);
    for (size_t root : roots) {
      is_root[root] = 1;
      idom_[root] = root;
    }
    auto intersect = [&](size_t a, size_t b) {
      while (a != b) {
        while (rpo_index_[a] > rpo_index_[b]) {
          if (idom_[a] == a) return kNone;  // different roots
          a = idom_[a];
        }
        while (rpo_index_[b] > rpo_index_[a]) {
          if (idom_[b] == b) return kNone;
          b = idom_[b];
        }
      }
      return a;
    };
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t b : rpo_) {
        if (is_root[b]) continue;
        size_t d = kNone;
        bool conflict = false;
        for (size_t p : blocks_[b].pred) {
          if (rpo_index_[p] < 0 || idom_[p] == kNone) continue;
          if (d == kNone) {
            d = p;
          } else {
            const size_t i = intersect(p, d);
            if (i == kNone) conflict = true;
            d = i == kNone ? d : i;
          }
        }
        // Reached from two roots (a function entry also reached by a jump): dominated by
        // nothing but itself, so it heads no loop body of another block.
        if (conflict) d = b;
        if (d != kNone && idom_[b] != d) {
          idom_[b] = d;
          changed = true;
        }
      }
    }
  }

  bool dominates(size_t a, size_t b) const {
    if (rpo_index_[a] < 0 || rpo_index_[b] < 0) return false;
    for (size_t x = b;; x = idom_[x]) {
      if (x == a) return true;
      if (idom_[x] == x || idom_[x] == ~size_t{0}) return false;
    }
  }

  std::optional<VersionedLoop> version(size_t h, size_t u) {
    const size_t latch = blocks_[u].last;
    const auto& lrow = prog_.row(latch);
    const auto& lin = prog_.insns[latch];
    // A conditional 64-bit jump whose taken edge is the only way back to the header.
    if (lrow.kind != Kind::Jump || lrow.jmp_op() == JmpOp::Ja || lrow.width != Width::W64) return std::nullopt;
    if (static_cast<size_t>(semantics::branch_target(lin, lrow, latch)) != blocks_[h].first) return std::nullopt;
    if (next_pc(latch) >= prog_.size() || block_of_[next_pc(latch)] == h) return std::nullopt;
    if (blocks_[h].first == 0 || std::find(entries_.begin(), entries_.end(), blocks_[h].first) != entries_.end()) {
      return std::nullopt;  // the prologue and local calls enter there directly
    }
    // The body: blocks reaching the latch without passing the header.
    std::vector<uint8_t> in(blocks_.size(), 0);
    std::vector<size_t> work{u};
    in[h] = in[u] = 1;
    while (!work.empty()) {
      const size_t b = work.back();
      work.pop_back();
      if (b == h) continue;
      for (size_t p : blocks_[b].pred) {
        if (!in[p]) {
          in[p] = 1;
          work.push_back(p);
        }
      }
    }
    std::vector<size_t> body;  // in reverse postorder
    for (size_t b : rpo_) {
      if (in[b]) body.push_back(b);
    }
    // Innermost, one back edge, no calls: every other edge inside goes forward in RPO.
    for (size_t b : body) {
      for (size_t s : blocks_[b].succ) {
        if (!in[s]) continue;
        if (s == h && b == u) continue;
        if (rpo_index_[s] <= rpo_index_[b]) return std::nullopt;
      }
      for (size_t pc = blocks_[b].first; pc <= blocks_[b].last; pc = next_pc(pc)) {
        const Kind k = prog_.row(pc).kind;
        if (k == Kind::Call || k == Kind::PacketLoad || k == Kind::Exit) return std::nullopt;
      }
    }
    // Registers the loop writes, and its counters: one `r += imm` that runs in every
    // iteration reaching the latch (its block dominates the latch's).
    uint32_t written = 0;
    std::array<int, 11> def_count{};
    std::array<int64_t, 11> stride{};
    for (size_t b : body) {
      for (size_t pc = blocks_[b].first; pc <= blocks_[b].last; pc = next_pc(pc)) {
        const uint32_t d = defs(prog_, pc);
        written |= d;
        for (int r = 0; r < 11; ++r) {
          if (!(d & (1u << r))) continue;
          ++def_count[static_cast<size_t>(r)];
          const auto& row = prog_.row(pc);
          const auto& insn = prog_.insns[pc];
          const bool step = row.kind == Kind::Alu && row.width == Width::W64 &&
                            row.operand == semantics::Operand::Imm &&
                            (row.alu_op() == AluOp::Add || row.alu_op() == AluOp::Sub) && dominates(b, u);
          stride[static_cast<size_t>(r)] =
              step ? (row.alu_op() == AluOp::Add ? int64_t{insn.imm} : -int64_t{insn.imm}) : 0;
        }
      }
    }
    // Strides stay within 2^30 so that N * stride (N < 2^32) cannot overflow the check's arithmetic.
    auto is_counter = [&](int r) {
      const int64_t t = stride[static_cast<size_t>(r)];
      return def_count[static_cast<size_t>(r)] == 1 && t != 0 && t >= -kMaxOffset && t <= kMaxOffset;
    };
    auto invariant = [&](int r) { return !(written & (1u << r)); };

    VersionedLoop loop;
    loop.header = blocks_[h].first;
    loop.latch = latch;
    // The latch's condition, the counter on the left.
    const bool reg = lrow.operand == semantics::Operand::Reg;
    JmpOp op = lrow.jmp_op();
    if (is_counter(lin.dst) && (!reg || invariant(lin.src))) {
      loop.counter = lin.dst;
      loop.bound_is_reg = reg;
      loop.bound_reg = lin.src;
    } else if (reg && is_counter(lin.src) && invariant(lin.dst)) {
      loop.counter = lin.src;
      loop.bound_is_reg = true;
      loop.bound_reg = lin.dst;
      op = swapped(op);
    } else {
      return std::nullopt;
    }
    loop.bound_imm = lin.imm;
    loop.op = op;
    loop.counter_stride = stride[loop.counter];
    const int64_t s = loop.counter_stride;
    const uint64_t m = s > 0 ? static_cast<uint64_t>(s) : static_cast<uint64_t>(-s);
    if (!power_of_two(m) || m > (uint64_t{1} << 30)) return std::nullopt;
    const bool up = s > 0;
    if (!(op == JmpOp::Jne || (up && (op == JmpOp::Jlt || op == JmpOp::Jle)) ||
          (!up && (op == JmpOp::Jgt || op == JmpOp::Jge)))) {
      return std::nullopt;
    }

    // Affine forms through the body in reverse postorder (its edges go forward, but the back edge).
    std::vector<std::optional<State>> at_entry(blocks_.size());
    State start;
    for (int r = 0; r < 11; ++r) {
      if (is_counter(r)) start[static_cast<size_t>(r)] = {true, -1, static_cast<int8_t>(r), 0};
      if (invariant(r)) start[static_cast<size_t>(r)] = {true, static_cast<int8_t>(r), -1, 0};
    }
    at_entry[h] = start;
    loop.range_of.assign(prog_.size(), -1);
    for (size_t b : body) {
      if (!at_entry[b]) continue;  // not reached inside the loop (cannot happen, but be safe)
      State st = *at_entry[b];
      for (size_t pc = blocks_[b].first; pc <= blocks_[b].last; pc = next_pc(pc)) {
        loop.pcs.push_back(pc);
        note_access(loop, st, pc);
        transfer(st, pc);
      }
      for (size_t s2 : blocks_[b].succ) {
        if (!in[s2] || s2 == h) continue;
        if (!at_entry[s2]) {
          at_entry[s2] = st;
        } else {
          for (size_t r = 0; r < 11; ++r) {
            if (!((*at_entry[s2])[r] == st[r])) (*at_entry[s2])[r] = {};
          }
        }
      }
    }
    if (loop.ranges.empty()) return std::nullopt;
    for (AccessRange& range : loop.ranges) {
      if (range.counter >= 0) range.stride = stride[static_cast<size_t>(range.counter)];
    }
    std::sort(loop.pcs.begin(), loop.pcs.end());
    // The iteration as a path from the header to the latch, when there is only one.
    for (size_t b = h;;) {
      for (size_t pc = blocks_[b].first; pc <= blocks_[b].last; pc = next_pc(pc)) loop.path.push_back(pc);
      if (b == u) break;
      size_t inside = 0, next = 0;
      for (size_t s2 : blocks_[b].succ) {
        if (in[s2]) {
          ++inside;
          next = s2;
        }
      }
      if (inside != 1 || next == h || loop.path.size() > loop.pcs.size()) {
        loop.path.clear();
        break;
      }
      b = next;
    }
    if (loop.path.size() != loop.pcs.size()) loop.path.clear();
    return loop;
  }

  void transfer(State& st, size_t pc) const {
    const auto& row = prog_.row(pc);
    const auto& in = prog_.insns[pc];
    const uint32_t d = defs(prog_, pc);
    if (d == 0) return;
    const bool affine_op = row.kind == Kind::Alu && row.width == Width::W64;
    const bool imm = row.operand == semantics::Operand::Imm;
    Affine result;
    if (affine_op && row.alu_op() == AluOp::Mov) {
      result = imm ? constant(in.imm) : st[in.src];
    } else if (affine_op && row.alu_op() == AluOp::Add) {
      result = add(st[in.dst], imm ? constant(in.imm) : st[in.src]);
    } else if (affine_op && row.alu_op() == AluOp::Sub && imm) {
      result = add(st[in.dst], constant(-int64_t{in.imm}));
    }
    for (size_t r = 0; r < 11; ++r) {
      if (d & (1u << r)) st[r] = {};
    }
    if (row.kind == Kind::Alu) st[in.dst] = result;
  }

  // A load or store through a register with an affine value joins the range of its base,
  // counter and region.
  void note_access(VersionedLoop& loop, const State& st, size_t pc) const {
    const auto& row = prog_.row(pc);
    const auto& in = prog_.insns[pc];
    if (row.kind != Kind::Load && row.kind != Kind::Store) return;
    const uint8_t reg = row.kind == Kind::Load ? in.src : in.dst;
    const Affine& a = st[reg];
    if (!a.known || (a.base < 0 && a.counter < 0)) return;
    const int region = region_of_(pc, reg);
    if (!versionable_(region)) return;
    const int64_t lo = a.c + in.off, hi = lo + row.size;
    int index = -1;
    for (size_t i = 0; i < loop.ranges.size(); ++i) {
      const AccessRange& r = loop.ranges[i];
      if (r.base == a.base && r.counter == a.counter && r.region == region) index = static_cast<int>(i);
    }
    if (index < 0) {
      loop.ranges.push_back({a.base, a.counter, 0, lo, hi, false, region});
      index = static_cast<int>(loop.ranges.size() - 1);
    }
    AccessRange& r = loop.ranges[static_cast<size_t>(index)];
    r.lo = std::min(r.lo, lo);
    r.hi = std::max(r.hi, hi);
    r.write |= row.kind == Kind::Store;
    loop.range_of[pc] = index;
  }

  const semantics::Program& prog_;
  const std::function<int(size_t, uint8_t)>& region_of_;
  const std::function<bool(int)>& versionable_;
  std::vector<Block> blocks_;
  std::vector<size_t> block_of_;
  std::vector<size_t> entries_;  // local call targets
  std::vector<size_t> rpo_;
  std::vector<int64_t> rpo_index_;
  std::vector<size_t> idom_;
};

}  // namespace

std::vector<VersionedLoop> find_versioned_loops(const semantics::Program& prog,
                                                const std::function<int(size_t pc, uint8_t reg)>& region_of,
                                                const std::function<bool(int region)>& versionable_region) {
  return LoopFinder(prog, region_of, versionable_region).run();
}

}  // namespace bpfcert::interp::jit
