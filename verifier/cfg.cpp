#include "verifier/cfg.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dominator_tree.hpp>
#include <boost/graph/strong_components.hpp>
#include <functional>
#include <map>
#include <queue>
#include <set>

namespace bpfcert::verifier {

using semantics::CallKind;
using semantics::JmpOp;
using semantics::Kind;
using semantics::LddwKind;

namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;

using semantics::next_pc;

bool ends_block(const semantics::Encoding& row) { return row.kind == Kind::Jump || row.kind == Kind::Exit; }

// Targets that start a subprogram: local calls and code addresses (callbacks, callx).
bool is_function_reference(const semantics::Encoding& row) {
  return (row.kind == Kind::Call && row.call_kind() == CallKind::Local) ||
         (row.kind == Kind::LoadImm64 && row.lddw_kind() == LddwKind::CodeAddr);
}

// Dominators, back edges, natural loops (appended to cfg.loops, innermost loop per block)
// and reducibility of one subprogram with a cycle; local: its reachable blocks, index: their
// vertices. Returns the number of strongly connected components of the graph without back
// edges (local.size() when reducible).
int find_loops(Cfg& cfg, const Subprogram& sub, const std::vector<size_t>& local, const std::vector<Vertex>& index) {
  Graph g(local.size());
  for (size_t i = 0; i < local.size(); ++i) {
    for (size_t s : cfg.blocks[local[i]].succs) boost::add_edge(i, index[s], g);
  }
  std::vector<Vertex> idom(local.size(), boost::graph_traits<Graph>::null_vertex());
  auto idom_map = boost::make_iterator_property_map(idom.begin(), boost::get(boost::vertex_index, g));
  boost::lengauer_tarjan_dominator_tree(g, index[sub.entry_block], idom_map);
  // Pre/post numbers of the dominator tree make "a dominates b" an O(1) interval test.
  std::vector<std::vector<Vertex>> children(local.size());
  for (Vertex v = 0; v < local.size(); ++v) {
    if (idom[v] != boost::graph_traits<Graph>::null_vertex()) children[idom[v]].push_back(v);
  }
  std::vector<size_t> pre(local.size(), 0), post(local.size(), 0);
  {
    size_t clock = 0;
    std::vector<std::pair<Vertex, size_t>> stack{{index[sub.entry_block], 0}};
    pre[stack.back().first] = clock++;
    while (!stack.empty()) {
      auto& [v, i] = stack.back();
      if (i < children[v].size()) {
        const Vertex c = children[v][i++];
        pre[c] = clock++;
        stack.emplace_back(c, 0);
      } else {
        post[v] = clock++;
        stack.pop_back();
      }
    }
  }
  auto dominates = [&](Vertex a, Vertex b) { return pre[a] <= pre[b] && post[b] <= post[a]; };
  // Natural loops, one per header (union over its back edges).
  std::map<Vertex, std::set<Vertex>> loop_body;
  std::map<Vertex, std::vector<Vertex>> latches;
  Graph forward(local.size());
  for (Vertex u = 0; u < local.size(); ++u) {
    for (size_t s : cfg.blocks[local[u]].succs) {
      const Vertex v = index[s];
      if (dominates(v, u)) {
        auto& lat = latches[v];
        if (std::find(lat.begin(), lat.end(), u) == lat.end()) lat.push_back(u);
        auto& body = loop_body[v];
        body.insert(v);
        std::vector<Vertex> work;
        if (body.insert(u).second) work.push_back(u);
        while (!work.empty()) {
          const Vertex x = work.back();
          work.pop_back();
          for (size_t p : cfg.blocks[local[x]].preds) {
            if (!cfg.blocks[p].reachable) continue;
            const Vertex pv = index[p];
            if (body.insert(pv).second) work.push_back(pv);
          }
        }
      } else {
        boost::add_edge(u, v, forward);
      }
    }
  }
  // Reducible iff the graph without back edges is acyclic.
  std::vector<int> comp(local.size());
  const int ncomp = boost::strong_components(
      forward, boost::make_iterator_property_map(comp.begin(), boost::get(boost::vertex_index, forward)));
  if (ncomp < static_cast<int>(local.size())) {
    std::map<int, std::vector<size_t>> members;
    for (size_t i = 0; i < local.size(); ++i) members[comp[i]].push_back(cfg.blocks[local[i]].first);
    for (auto& [c, pcs] : members) {
      if (pcs.size() < 2) continue;
      std::sort(pcs.begin(), pcs.end());
      cfg.problems.push_back({CheckId::LoopIrreducible, pcs.front(),
                              fmt::format("a cycle through pcs {} has more than one entry (irreducible control "
                                          "flow): its iterations cannot be counted",
                                          fmt::join(pcs, ", "))});
    }
  }
  const size_t first_loop = cfg.loops.size();
  for (auto& [h, body] : loop_body) {
    Loop l;
    l.header = local[h];
    for (Vertex v : latches[h]) l.latches.push_back(local[v]);
    for (Vertex v : body) l.blocks.push_back(local[v]);
    std::sort(l.blocks.begin(), l.blocks.end());
    std::sort(l.latches.begin(), l.latches.end());
    cfg.loops.push_back(std::move(l));
  }
  // Nesting: the parent is the smallest other loop whose body holds the header.
  for (size_t i = first_loop; i < cfg.loops.size(); ++i) {
    size_t best = kNoBlock;
    for (size_t j = first_loop; j < cfg.loops.size(); ++j) {
      if (i == j) continue;
      const auto& bj = cfg.loops[j].blocks;
      if (!std::binary_search(bj.begin(), bj.end(), cfg.loops[i].header)) continue;
      if (best == kNoBlock || bj.size() < cfg.loops[best].blocks.size()) best = j;
    }
    cfg.loops[i].parent = best;
  }
  for (size_t i = first_loop; i < cfg.loops.size(); ++i) {
    int d = 1;
    for (size_t p = cfg.loops[i].parent; p != kNoBlock; p = cfg.loops[p].parent) ++d;
    cfg.loops[i].depth = d;
    for (size_t b : cfg.loops[i].blocks) {
      const size_t cur = cfg.blocks[b].loop;
      if (cur == kNoBlock || cfg.loops[cur].blocks.size() > cfg.loops[i].blocks.size()) cfg.blocks[b].loop = i;
    }
  }
  return ncomp;
}

}  // namespace

size_t Cfg::subprogram_at(size_t pc) const {
  for (size_t i = 0; i < subprograms.size(); ++i) {
    if (subprograms[i].entry_pc == pc) return i;
  }
  return kNoBlock;
}

bool Cfg::in_loop(size_t b, size_t l) const {
  for (size_t x = blocks[b].loop; x != kNoBlock; x = loops[x].parent) {
    if (x == l) return true;
  }
  return false;
}

size_t Cfg::loop_of_header(size_t b) const {
  const size_t l = blocks[b].loop;
  return l != kNoBlock && loops[l].header == b ? l : kNoBlock;
}

bool Cfg::is_back_edge(size_t from, size_t to) const {
  const size_t l = loop_of_header(to);
  return l != kNoBlock && in_loop(from, l);
}

Cfg Cfg::build(const semantics::Program& program) {
  Cfg cfg;
  const size_t n = program.size();
  // ---- subprograms: the main program and every function reference's target ----
  std::set<size_t> entries{0};
  for (size_t pc = 0; pc < n; ++pc) {
    const auto& row = program.row(pc);
    if (is_function_reference(row)) entries.insert(static_cast<size_t>(semantics::branch_target(program.insns[pc], row, pc)));
  }
  std::vector<size_t> entry_list(entries.begin(), entries.end());
  std::vector<size_t> sub_of_pc(n, 0);
  for (size_t i = 0; i < entry_list.size(); ++i) {
    Subprogram s;
    s.entry_pc = entry_list[i];
    const size_t end = i + 1 < entry_list.size() ? entry_list[i + 1] : n;
    for (size_t pc = s.entry_pc; pc < end; ++pc) sub_of_pc[pc] = i;  // until ownership is known
    cfg.subprograms.push_back(s);
  }

  // ---- leaders and blocks ----
  std::vector<bool> leader(n, false);
  for (size_t e : entry_list) leader[e] = true;
  for (size_t pc = 0; pc < n; pc = next_pc(program, pc)) {
    const auto& row = program.row(pc);
    if (row.kind == Kind::Jump) {
      leader[static_cast<size_t>(semantics::branch_target(program.insns[pc], row, pc))] = true;
    }
    if (ends_block(row) && next_pc(program, pc) < n) leader[next_pc(program, pc)] = true;
  }
  cfg.block_of_pc.assign(n, kNoBlock);
  for (size_t pc = 0; pc < n;) {
    BasicBlock b;
    b.first = pc;
    b.subprogram = sub_of_pc[pc];
    size_t last = pc;
    for (;;) {
      cfg.block_of_pc[last] = cfg.blocks.size();
      const size_t nx = next_pc(program, last);
      if (ends_block(program.row(last)) || nx >= n || leader[nx]) break;
      last = nx;
    }
    b.last = last;
    cfg.blocks.push_back(b);
    pc = next_pc(program, last);
  }
  // ---- edges, and which function owns each block ----
  // A function is the code its entry reaches without calls (so functions need not be
  // contiguous). Entering another function's entry or body by a jump or fall-through is a
  // structural error, and that edge is left out.
  std::vector<std::vector<size_t>> raw(cfg.blocks.size());
  for (size_t bi = 0; bi < cfg.blocks.size(); ++bi) {
    const BasicBlock& b = cfg.blocks[bi];
    const auto& row = program.row(b.last);
    const size_t nx = next_pc(program, b.last);
    if (row.kind == Kind::Exit) continue;
    if (row.kind == Kind::Jump) {
      if (row.jmp_op() != JmpOp::Ja) raw[bi].push_back(cfg.block_of_pc[nx]);
      raw[bi].push_back(cfg.block_of_pc[static_cast<size_t>(semantics::branch_target(program.insns[b.last], row, b.last))]);
      continue;
    }
    if (nx < n) raw[bi].push_back(cfg.block_of_pc[nx]);
  }
  for (auto& s : cfg.subprograms) s.entry_block = cfg.block_of_pc[s.entry_pc];
  std::vector<size_t> owner(cfg.blocks.size(), kNoBlock);
  for (size_t i = 0; i < cfg.subprograms.size(); ++i) owner[cfg.subprograms[i].entry_block] = i;
  for (size_t i = 0; i < cfg.subprograms.size(); ++i) {
    std::vector<size_t> work{cfg.subprograms[i].entry_block};
    while (!work.empty()) {
      const size_t bi = work.back();
      work.pop_back();
      BasicBlock& b = cfg.blocks[bi];
      for (size_t t : raw[bi]) {
        if (owner[t] != kNoBlock && owner[t] != i) {
          const size_t other = cfg.subprograms[owner[t]].entry_pc;
          const bool fallthrough = cfg.blocks[t].first == next_pc(program, b.last) &&
                                   (program.row(b.last).kind != Kind::Jump || t == raw[bi].front());
          cfg.problems.push_back(
              {CheckId::CfgJump, b.last,
               cfg.blocks[t].first == other
                   ? fmt::format("{} from pc {} enters the function at pc {} without a call",
                                 fallthrough ? "execution falls through" : "a jump", b.last, other)
                   : fmt::format("a {} from pc {} to pc {} enters the body of the function at pc {}",
                                 fallthrough ? "fall-through" : "jump", b.last, cfg.blocks[t].first, other)});
          continue;
        }
        b.succs.push_back(t);
        if (owner[t] == kNoBlock) {
          owner[t] = i;
          work.push_back(t);
        }
      }
    }
  }
  cfg.local_index.assign(cfg.blocks.size(), kNoBlock);
  for (size_t bi = 0; bi < cfg.blocks.size(); ++bi) {
    BasicBlock& b = cfg.blocks[bi];
    b.reachable = owner[bi] != kNoBlock;
    if (owner[bi] != kNoBlock) b.subprogram = owner[bi];
    for (size_t x : b.succs) {
      auto& preds = cfg.blocks[x].preds;
      if (std::find(preds.begin(), preds.end(), bi) == preds.end()) preds.push_back(bi);
    }
    if (b.reachable) {
      auto& list = cfg.subprograms[b.subprogram].blocks;
      cfg.local_index[bi] = list.size();
      list.push_back(bi);
    }
  }
  cfg.subprograms[0].called = true;
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& b : cfg.blocks) {
      if (!b.reachable || !cfg.subprograms[b.subprogram].called) continue;
      for (size_t pc = b.first; pc <= b.last; pc = next_pc(program, pc)) {
        const auto& row = program.row(pc);
        if (!is_function_reference(row)) continue;
        const size_t s = cfg.subprogram_at(static_cast<size_t>(semantics::branch_target(program.insns[pc], row, pc)));
        if (s != kNoBlock && !cfg.subprograms[s].called) {
          cfg.subprograms[s].called = true;
          changed = true;
        }
      }
    }
  }
  // Unreachable instructions, reported as ranges.
  {
    size_t start = kNoBlock;
    auto flush = [&](size_t end) {
      if (start == kNoBlock) return;
      cfg.problems.push_back({CheckId::CfgUnreachable, start,
                              end - 1 == start ? fmt::format("instruction {} is unreachable", start)
                                               : fmt::format("instructions {}..{} are unreachable", start, end - 1)});
      start = kNoBlock;
    };
    for (size_t pc = 0; pc < n; ++pc) {
      const size_t b = cfg.block_of_pc[pc];
      if (b == kNoBlock) continue;  // second LDDW slot: belongs with its first
      const bool live = cfg.blocks[b].reachable && cfg.subprograms[cfg.blocks[b].subprogram].called;
      if (!live && start == kNoBlock) start = pc;
      if (live) flush(pc);
    }
    flush(n);
  }

  // ---- dominators, back edges, natural loops, reducibility (per subprogram) ----
  // Tables indexed by block rather than std::map / std::set: a program has a block per few
  // instructions, and tree lookups (a cache miss each, log n deep) made building the graph
  // cost more per instruction the larger the program. Each subprogram (and each region of
  // the weak topological order) writes only the entries of its own blocks.
  std::vector<Vertex> index(cfg.blocks.size(), boost::graph_traits<Graph>::null_vertex());
  std::vector<size_t> region_stamp(cfg.blocks.size(), kNoBlock);  // last region holding the block
  std::vector<std::vector<size_t>> succ(cfg.blocks.size());        // per representative, in its region
  std::vector<int> indeg(cfg.blocks.size(), 0);
  size_t regions = 0;
  for (auto& sub : cfg.subprograms) {
    std::vector<size_t> local;  // reachable blocks
    for (size_t b : sub.blocks) {
      if (!cfg.blocks[b].reachable) continue;
      index[b] = local.size();
      local.push_back(b);
    }
    // Kahn's algorithm: a subprogram without a cycle (most of a large program's code) has
    // no back edge, no loop, and is reducible, so it needs no dominator tree (Boost's
    // allocates a deque per vertex).
    std::vector<uint32_t> deg(local.size(), 0);
    for (size_t b : local) {
      for (size_t x : cfg.blocks[b].succs) ++deg[index[x]];
    }
    std::vector<Vertex> work;
    for (Vertex v = 0; v < local.size(); ++v) {
      if (deg[v] == 0) work.push_back(v);
    }
    size_t sorted = 0;
    while (!work.empty()) {
      const Vertex v = work.back();
      work.pop_back();
      ++sorted;
      for (size_t x : cfg.blocks[local[v]].succs) {
        if (--deg[index[x]] == 0) work.push_back(index[x]);
      }
    }
    const int ncomp = sorted == local.size() ? static_cast<int>(local.size()) : find_loops(cfg, sub, local, index);

    // ---- weak topological order: by the loop nesting forest (the graph is reducible; an
    // irreducible one is rejected before analysis). A region (the subprogram, or a loop's
    // body without its header) is ordered topologically with each inner loop collapsed into
    // its header; each inner loop becomes a component ordered the same way, recursively.
    std::function<std::vector<WtoElement>(const std::vector<size_t>&, size_t)> order =
        [&](const std::vector<size_t>& region, size_t region_loop) -> std::vector<WtoElement> {
      // Representative of a block in this region: the header of the outermost loop strictly
      // inside region_loop that contains it, or the block itself.
      auto rep = [&](size_t b) {
        size_t r = b;
        for (size_t l = cfg.blocks[b].loop; l != kNoBlock && l != region_loop; l = cfg.loops[l].parent) {
          r = cfg.loops[l].header;
        }
        return r;
      };
      // The representatives' edges within the region, without repeats, and their in-degrees.
      // A block is the representative in one pending call at most (an inner region is a loop
      // body without its header, whose blocks the enclosing region represents by the header),
      // so the tables are shared by the recursive calls.
      const size_t stamp = regions++;
      for (size_t b : region) region_stamp[b] = stamp;
      std::vector<size_t> reps;
      for (size_t b : region) reps.push_back(rep(b));
      std::sort(reps.begin(), reps.end());
      reps.erase(std::unique(reps.begin(), reps.end()), reps.end());
      for (size_t r : reps) {
        succ[r].clear();
        indeg[r] = 0;
      }
      for (size_t b : region) {
        for (size_t s : cfg.blocks[b].succs) {
          if (region_stamp[s] != stamp) continue;
          const size_t rb = rep(b), rs = rep(s);
          if (rb != rs) succ[rb].push_back(rs);  // rb == rs: inside one inner loop
        }
      }
      for (size_t r : reps) {
        std::sort(succ[r].begin(), succ[r].end());
        succ[r].erase(std::unique(succ[r].begin(), succ[r].end()), succ[r].end());
        for (size_t x : succ[r]) ++indeg[x];
      }
      std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
      for (size_t r : reps) {
        if (indeg[r] == 0) ready.push(r);
      }
      std::vector<WtoElement> out;
      while (!ready.empty()) {
        const size_t r = ready.top();
        ready.pop();
        WtoElement e;
        e.block = r;
        const size_t l = cfg.loop_of_header(r);
        if (l != kNoBlock && l != region_loop) {
          e.component = true;
          std::vector<size_t> body;
          for (size_t b : cfg.loops[l].blocks) {
            if (b != r) body.push_back(b);
          }
          e.body = order(body, l);
        }
        out.push_back(std::move(e));
        for (size_t s : succ[r]) {
          if (--indeg[s] == 0) ready.push(s);
        }
      }
      return out;
    };
    if (ncomp == static_cast<int>(local.size())) {
      std::vector<size_t> region = local;
      std::sort(region.begin(), region.end());
      sub.wto = order(region, kNoBlock);
    }
  }
  return cfg;
}

void Cfg::duplicate_tails(const semantics::Program& program, size_t max_tail_insns, size_t max_added_insns) {
  auto insns_of = [&](size_t b) {
    size_t k = 0;
    for (size_t pc = blocks[b].first; pc <= blocks[b].last; pc = next_pc(program, pc)) ++k;
    return k;
  };
  // Each duplication costs the size of its tail, not of the program: a program may have a
  // join per few instructions, so rescanning the order or rebuilding every block's
  // predecessors per duplication would be quadratic. The copies are placed in each weak
  // topological order once, at the end: `after[i]` lists the groups of copies that go right
  // after top-level element i, the latest first.
  std::vector<std::vector<std::vector<std::vector<WtoElement>>>> after(subprograms.size());
  std::vector<std::vector<std::vector<WtoElement>>> at_end(subprograms.size());
  std::vector<size_t> top_of(blocks.size(), kNoBlock);  // top-level element holding the block
  std::function<void(const WtoElement&, size_t)> mark = [&](const WtoElement& e, size_t i) {
    top_of[e.block] = i;
    for (const WtoElement& x : e.body) mark(x, i);
  };
  for (size_t si = 0; si < subprograms.size(); ++si) {
    after[si].resize(subprograms[si].wto.size());
    for (size_t i = 0; i < subprograms[si].wto.size(); ++i) mark(subprograms[si].wto[i], i);
  }
  size_t added = 0;
  const size_t original = blocks.size();
  for (size_t b = 0; b < original; ++b) {
    const BasicBlock& bb = blocks[b];
    const size_t si = bb.subprogram;
    Subprogram& sub = subprograms[si];
    if (!bb.reachable || bb.loop != kNoBlock || bb.preds.size() < 2 || bb.preds.size() > 4 ||
        sub.entry_block == b || sub.wto.empty()) {
      continue;
    }
    // The tail, closed under successors; every block outside loops, so it is acyclic. It
    // holds a few blocks at most before it is too long (every join of a program is tried),
    // so a linear search finds the ones seen.
    std::vector<size_t> tail{b};
    size_t size = 0;
    bool ok = true;
    for (size_t i = 0; i < tail.size() && ok; ++i) {
      const size_t t = tail[i];
      if (blocks[t].loop != kNoBlock || (t != b && subprograms[blocks[t].subprogram].entry_block == t)) ok = false;
      size += insns_of(t);
      if (size > max_tail_insns) ok = false;
      for (size_t x : blocks[t].succs) {
        if (std::find(tail.begin(), tail.end(), x) == tail.end()) tail.push_back(x);
      }
    }
    const std::vector<size_t> preds = bb.preds;
    if (!ok || added + size * (preds.size() - 1) > max_added_insns) continue;
    // Topological order of the tail (Kahn).
    std::map<size_t, int> indeg;
    for (size_t t : tail) indeg[t] = 0;
    for (size_t t : tail) {
      for (size_t x : blocks[t].succs) ++indeg[x];
    }
    std::vector<size_t> topo{b};
    for (size_t i = 0; i < topo.size(); ++i) {
      for (size_t x : blocks[topo[i]].succs) {
        if (--indeg[x] == 0) topo.push_back(x);
      }
    }
    if (topo.size() != tail.size()) continue;  // not reachable from b alone in order: leave it
    for (size_t pi = 1; pi < preds.size(); ++pi) {
      const size_t p = preds[pi];
      std::map<size_t, size_t> clone;
      for (size_t t : topo) {
        BasicBlock c = blocks[t];
        c.succs.clear();
        c.preds.clear();
        clone[t] = blocks.size();
        blocks.push_back(std::move(c));
        top_of.push_back(kNoBlock);
      }
      for (size_t t : topo) {
        for (size_t x : blocks[t].succs) blocks[clone[t]].succs.push_back(clone.at(x));
      }
      for (size_t& x : blocks[p].succs) {
        if (x == b) x = clone[b];
      }
      for (size_t t : topo) {
        local_index.push_back(sub.blocks.size());
        sub.blocks.push_back(clone[t]);
      }
      // In the weak topological order, right after the top-level element holding p.
      std::vector<WtoElement> copies;
      for (size_t t : topo) {
        WtoElement e;
        e.block = clone[t];
        copies.push_back(e);
      }
      if (top_of[p] != kNoBlock) {
        after[si][top_of[p]].push_back(std::move(copies));
      } else {
        at_end[si].push_back(std::move(copies));
      }
      added += size;
      // Predecessors, kept as Cfg::build makes them (ascending, without repeats): p now
      // reaches the copy of b instead of b, and the copies' predecessors are copies (and p).
      std::erase(blocks[b].preds, p);
      blocks[clone[b]].preds.push_back(p);
      for (size_t t : topo) {
        for (size_t x : blocks[clone[t]].succs) {
          auto& pr = blocks[x].preds;
          if (std::find(pr.begin(), pr.end(), clone[t]) == pr.end()) pr.push_back(clone[t]);
        }
      }
    }
  }
  for (size_t si = 0; si < subprograms.size(); ++si) {
    const bool none = std::all_of(after[si].begin(), after[si].end(), [](const auto& g) { return g.empty(); });
    if (none && at_end[si].empty()) continue;
    std::vector<WtoElement> wto;
    std::vector<WtoElement>& old = subprograms[si].wto;
    for (size_t i = 0; i < old.size(); ++i) {
      wto.push_back(std::move(old[i]));
      for (auto g = after[si][i].rbegin(); g != after[si][i].rend(); ++g) wto.insert(wto.end(), g->begin(), g->end());
    }
    for (const auto& g : at_end[si]) wto.insert(wto.end(), g.begin(), g.end());
    old = std::move(wto);
  }
}

}  // namespace bpfcert::verifier
