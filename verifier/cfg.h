// The control-flow graph the analyzer iterates over: basic blocks, subprograms (from local
// calls and code addresses), loops from dominators and back edges, and a weak topological
// order (Bourdoncle) per subprogram. Built with Boost.Graph.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "semantics/program.h"
#include "verifier/checks.h"

namespace bpfcert::verifier {

inline constexpr size_t kNoBlock = static_cast<size_t>(-1);

struct BasicBlock {
  size_t first = 0;  // pc of the first instruction
  size_t last = 0;   // pc of the last instruction (inclusive; an LDDW's first slot)
  size_t subprogram = 0;   // the function that owns it (by pc range when unreachable)
  bool reachable = false;  // from its subprogram's entry
  std::vector<size_t> succs;  // block indexes; for a conditional jump: [fall-through, target]
  std::vector<size_t> preds;
  // Innermost loop (index into Cfg::loops) containing the block, or kNoBlock.
  size_t loop = kNoBlock;
};

struct Loop {
  size_t header = 0;               // block
  std::vector<size_t> latches;     // blocks with a back edge to the header
  std::vector<size_t> blocks;      // the natural loop (header included), ascending
  size_t parent = kNoBlock;        // enclosing loop
  int depth = 1;
};

// One element of a weak topological order: a block, or a component (a loop head and the
// order of its body) that the analyzer stabilises before moving on.
struct WtoElement {
  size_t block = 0;
  std::vector<WtoElement> body;  // empty for a plain block
  bool component = false;
};

struct Subprogram {
  size_t entry_pc = 0;
  size_t entry_block = 0;
  // The blocks its entry reaches without calls, ascending (a function need not be contiguous).
  std::vector<size_t> blocks;
  std::vector<WtoElement> wto;         // reachable blocks only
  bool called = false;                 // the main program, or the target of a call / code address
};

// A structural problem found while building the graph; the analyzer turns each into a finding.
struct CfgProblem {
  CheckId check = CheckId::CfgJump;  // CfgJump, LoopIrreducible or CfgUnreachable
  size_t pc = 0;
  std::string message;
};

class Cfg {
 public:
  static Cfg build(const semantics::Program& program);

  std::vector<BasicBlock> blocks;
  std::vector<Subprogram> subprograms;  // [0] is the main program
  std::vector<Loop> loops;
  std::vector<size_t> block_of_pc;      // kNoBlock for second LDDW slots
  std::vector<size_t> local_index;      // position of a block in its subprogram's blocks, or kNoBlock
  std::vector<CfgProblem> problems;

  // Subprogram whose entry is pc, or kNoBlock.
  size_t subprogram_at(size_t pc) const;
  // Whether block b lies in loop l (or a loop nested in it).
  bool in_loop(size_t b, size_t l) const;
  // Whether the edge from -> to is a back edge (to is the header of a loop containing from).
  bool is_back_edge(size_t from, size_t to) const;
  size_t loop_of_header(size_t b) const;  // loop whose header is b, or kNoBlock

  // Tail duplication, for precision: a join block outside loops whose tail (every block it
  // reaches) is loop-free and at most `max_tail_insns` instructions gets a copy of that tail
  // per extra predecessor, so each path reaches its exits without a join (clang merges the
  // ends of if/else branches: a helper call whose arguments differ per branch). Copies are
  // new blocks over the same pcs (block_of_pc keeps naming the original). At most
  // `max_added_insns` instructions are added in all.
  void duplicate_tails(const semantics::Program& program, size_t max_tail_insns, size_t max_added_insns);
};

}  // namespace bpfcert::verifier
