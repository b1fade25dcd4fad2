#include "reports/cfg_dot.h"

#include <fmt/format.h>

#include <deque>
#include <map>
#include <set>

#include "semantics/assembly.h"

namespace bpfcert::reports {

namespace {

constexpr const char* kErrorFill = "#ffd6d6";
constexpr const char* kWarningFill = "#fff0c2";
constexpr const char* kLoopColor = "#1f5fbf";
constexpr const char* kPathColor = "#c0141b";

// DOT label text: quotes and backslashes escaped ("\l", added by the caller, ends a
// left-justified line).
std::string escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\l";
      continue;
    }
    out += c;
  }
  return out;
}

// The analyzer duplicates short tails for precision (Cfg::duplicate_tails); the program has
// them once, so the picture does too. A copy's pcs name the original block.
bool is_copy(const verifier::Cfg& cfg, size_t b) { return cfg.block_of_pc[cfg.blocks[b].first] != b; }

// Blocks on a shortest path from the entry of `to`'s subprogram to `to` (empty when none).
std::vector<size_t> path_to(const verifier::Cfg& cfg, size_t to) {
  const size_t entry = cfg.subprograms[cfg.blocks[to].subprogram].entry_block;
  std::map<size_t, size_t> parent{{entry, entry}};
  std::deque<size_t> queue{entry};
  while (!queue.empty() && !parent.count(to)) {
    const size_t b = queue.front();
    queue.pop_front();
    for (const size_t s : cfg.blocks[b].succs) {
      if (parent.emplace(s, b).second) queue.push_back(s);
    }
  }
  if (!parent.count(to)) return {};
  std::vector<size_t> path{to};
  while (path.back() != entry) path.push_back(parent[path.back()]);
  return {path.rbegin(), path.rend()};
}

void add_program(std::string& out, size_t index, const DotProgram& p) {
  const verifier::Cfg& cfg = *p.cfg;
  const VerificationReport& r = *p.report;
  const std::string prefix = fmt::format("p{}_", index);
  std::map<size_t, std::vector<const VerificationFinding*>> findings_of;  // block -> findings
  for (const VerificationFinding& f : r.findings) {
    if (f.pc >= 0 && static_cast<size_t>(f.pc) < cfg.block_of_pc.size() && cfg.block_of_pc[static_cast<size_t>(f.pc)] != verifier::kNoBlock) {
      findings_of[cfg.block_of_pc[static_cast<size_t>(f.pc)]].push_back(&f);
    }
  }
  std::set<std::pair<size_t, size_t>> path_edges;
  std::set<size_t> path_blocks;
  for (const auto& [block, fs] : findings_of) {
    bool error = false;
    for (const VerificationFinding* f : fs) error = error || f->severity == "error";
    if (!error) continue;
    const std::vector<size_t> path = path_to(cfg, block);
    for (size_t i = 0; i + 1 < path.size(); ++i) path_edges.insert({path[i], path[i + 1]});
    path_blocks.insert(path.begin(), path.end());
  }
  std::map<size_t, std::optional<uint64_t>> bound_of_header;
  for (const LoopSummary& l : r.loops) {
    if (l.header_pc < cfg.block_of_pc.size()) bound_of_header[cfg.block_of_pc[l.header_pc]] = l.bound;
  }

  const std::string title = r.program_name ? fmt::format("{} (section {})", *r.program_name, r.section.value_or(""))
                                           : r.input;
  out += fmt::format("  subgraph cluster_{}program {{\n    label=\"{}: {}\";\n", prefix, escape(title),
                     r.accepted ? "accepted" : "rejected");
  out += fmt::format("    color=\"{}\";\n", r.accepted ? "#2e7d32" : kPathColor);
  for (size_t b = 0; b < cfg.blocks.size(); ++b) {
    const verifier::BasicBlock& block = cfg.blocks[b];
    if (is_copy(cfg, b)) continue;
    std::string label;
    int last_line = 0;
    const bool show_source = r.input_kind == "elf";
    for (size_t pc = block.first; pc <= block.last && pc < p.insns.size(); ++pc) {
      // C lines above their instructions (as llvm-objdump -S); assembler lines would repeat them.
      if (show_source && pc < p.sources.size() && p.sources[pc].line > 0 && p.sources[pc].line != last_line && !p.sources[pc].text.empty()) {
        last_line = p.sources[pc].line;
        label += escape(fmt::format("; {}: {}", last_line, p.sources[pc].text)) + "\\l";
      }
      const semantics::Insn* second = pc + 1 < p.insns.size() ? &p.insns[pc + 1] : nullptr;
      label += escape(fmt::format("{:>4}: {}", pc, semantics::disassemble_one(p.insns[pc], second, p.syntax))) + "\\l";
      if (p.insns[pc].opcode == 0x18) ++pc;
    }
    std::string style = "filled";
    std::string fill = "white", color = "black";
    int penwidth = 1;
    const auto fs = findings_of.find(b);
    if (fs != findings_of.end()) {
      bool error = false;
      for (const VerificationFinding* f : fs->second) {
        error = error || f->severity == "error";
        label += escape(fmt::format("{}[{}] pc {}: {}", f->severity, f->check, f->pc, f->message)) + "\\l";
      }
      fill = error ? kErrorFill : kWarningFill;
    }
    if (!block.reachable) {
      style = "filled,dashed";
      color = "gray50";
    }
    if (block.loop != verifier::kNoBlock) {
      color = kLoopColor;
      penwidth = 2;
    }
    if (path_blocks.count(b)) {
      color = kPathColor;
      penwidth = 2;
    }
    out += fmt::format("    {}b{} [label=\"{}\", style=\"{}\", fillcolor=\"{}\", color=\"{}\", penwidth={}];\n", prefix, b,
                       label, style, fill, color, penwidth);
  }
  for (size_t b = 0; b < cfg.blocks.size(); ++b) {
    if (is_copy(cfg, b)) continue;
    for (const size_t succ : cfg.blocks[b].succs) {
      const size_t s = cfg.block_of_pc[cfg.blocks[succ].first];
      std::vector<std::string> attrs;
      if (cfg.is_back_edge(b, s)) {
        attrs.push_back(fmt::format("color=\"{}\"", kLoopColor));
        attrs.push_back("style=dashed");
        if (const auto it = bound_of_header.find(s); it != bound_of_header.end()) {
          // The bound counts back edges taken per entry into the loop.
          attrs.push_back(it->second ? fmt::format("label=\"taken at most {} times\"", *it->second)
                                     : std::string("label=\"no bound proven\""));
        }
      }
      if (path_edges.count({b, s})) {
        attrs.push_back(fmt::format("color=\"{}\"", kPathColor));
        attrs.push_back("penwidth=2");
      }
      std::string a;
      for (const std::string& x : attrs) a += (a.empty() ? "" : ", ") + x;
      out += fmt::format("    {}b{} -> {}b{}{};\n", prefix, b, prefix, s, a.empty() ? "" : " [" + a + "]");
    }
  }
  out += "  }\n";
}

}  // namespace

std::string to_dot(const std::string& title, const std::vector<DotProgram>& programs) {
  std::string out = fmt::format("digraph \"{}\" {{\n", escape(title));
  out += "  graph [fontname=\"monospace\", labelloc=t];\n";
  out += "  node [shape=box, fontname=\"monospace\", fontsize=10];\n";
  out += "  edge [fontname=\"monospace\", fontsize=9];\n";
  for (size_t i = 0; i < programs.size(); ++i) add_program(out, i, programs[i]);
  out += "}\n";
  return out;
}

}  // namespace bpfcert::reports
