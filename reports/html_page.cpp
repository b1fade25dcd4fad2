#include "reports/html_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "semantics/assembly.h"

namespace bpfcert::reports {

namespace {

std::string html(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON inside <script>: "</" would end the element.
std::string script_json(const nlohmann::json& j) {
  std::string s = j.dump();
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<') {
      out += "\\u003c";
    } else {
      out += s[i];
    }
  }
  return out;
}

constexpr const char* kStyle = R"(
:root { --err: #ffd6d6; --warn: #fff0c2; --sel: #cfe3ff; --line: #eef3fa; --ink: #1d232b; --dim: #6a7380; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--ink); background: #fafbfc; }
header { padding: 12px 20px; background: #1d232b; color: #fff; }
header h1 { margin: 0; font-size: 18px; }
.verdict { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; margin-left: 8px; }
.accepted { background: #2e7d32; color: #fff; } .rejected { background: #c0141b; color: #fff; }
section.program { margin: 16px 20px 28px; }
section.program h2 { font-size: 16px; margin: 8px 0; }
.summary { color: var(--dim); margin-bottom: 8px; }
.panes { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr) minmax(260px, 0.7fr); gap: 12px; align-items: start; }
.pane { background: #fff; border: 1px solid #d8dde3; border-radius: 6px; overflow: auto; max-height: 80vh; }
.pane h3 { margin: 0; padding: 6px 10px; font-size: 13px; background: #f0f2f5; border-bottom: 1px solid #d8dde3; position: sticky; top: 0; }
pre, .code { font: 12.5px/1.5 ui-monospace, monospace; margin: 0; }
.row { display: flex; white-space: pre; padding: 0 8px; cursor: pointer; }
.row:hover { background: var(--line); }
.row .no { color: var(--dim); min-width: 4.5em; text-align: right; padding-right: 10px; user-select: none; }
.row.error { background: var(--err); } .row.warning { background: var(--warn); }
.row.selected { background: var(--sel) !important; outline: 1px solid #7aa7e6; }
/* A related row keeps its finding's colour: marked at its left edge. */
.row.related { box-shadow: inset 3px 0 0 #7aa7e6; }
.row.related:not(.error):not(.warning) { background: var(--line); }
.finding { margin: 2px 8px 6px 5.5em; padding: 6px 8px; border-left: 4px solid #c0141b; background: #fff5f5; white-space: normal; font: 13px/1.4 system-ui, sans-serif; }
.finding.warning { border-color: #c48a00; background: #fffaf0; }
.finding .check { font-weight: 600; } .finding .help, .finding .witness { color: #333; margin-top: 3px; }
.finding .witness { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
#state-panel .body { padding: 8px 10px; font: 12.5px/1.5 ui-monospace, monospace; }
#state-panel .body div { white-space: pre-wrap; }
.hint { color: var(--dim); font-family: system-ui, sans-serif; }
)";

constexpr const char* kScript = R"(
(function () {
  const data = JSON.parse(document.getElementById('bpfcert-data').textContent);
  const panel = document.querySelector('#state-panel .body');
  function clear() {
    document.querySelectorAll('.selected, .related').forEach(e => e.classList.remove('selected', 'related'));
  }
  function show(p, pc) {
    clear();
    const prog = data.programs[p];
    const row = document.getElementById('p' + p + '-pc' + pc);
    if (!row) return;
    row.classList.add('selected');
    const line = row.dataset.line;
    if (line) document.querySelectorAll('.src-p' + p + '[data-line="' + line + '"]').forEach(e => e.classList.add('related'));
    const inv = prog.invariants[pc];
    // Built as DOM nodes, never as markup: names and values come from the object.
    panel.replaceChildren();
    const add = (text, cls) => {
      const d = document.createElement('div');
      if (cls) d.className = cls;
      d.textContent = text;
      panel.appendChild(d);
      return d;
    };
    add(prog.name + ', before pc ' + pc).style.fontWeight = '600';
    add(row.querySelector('.text').textContent);
    panel.appendChild(document.createElement('hr'));
    if (!inv) {
      add('no state: the instruction is unreachable, or the analysis stopped before it', 'hint');
    } else {
      inv.registers.forEach(r => add(r));
      if (inv.stack.length) add('stack', 'hint');
      inv.stack.forEach(s => add(s));
    }
    panel.dataset.pc = pc;
    panel.dataset.program = p;
  }
  // A source line: the state before its first instruction, and all its instructions marked.
  function showLine(p, line) {
    const rows = document.querySelectorAll('.insn-p' + p + '[data-line="' + line + '"]');
    if (!rows.length) return;
    show(p, +rows[0].dataset.pc);
    rows.forEach(e => { if (!e.classList.contains('selected')) e.classList.add('related'); });
  }
  document.querySelectorAll('.insn').forEach(e => e.addEventListener('click', () => {
    history.replaceState(null, '', '#' + e.id);
    show(+e.dataset.program, +e.dataset.pc);
  }));
  document.querySelectorAll('.src').forEach(e => e.addEventListener('click', () => showLine(+e.dataset.program, +e.dataset.line)));
  const m = /^#p(\d+)-pc(\d+)$/.exec(location.hash);
  if (m) { show(+m[1], +m[2]); document.getElementById('p' + m[1] + '-pc' + m[2]).scrollIntoView({block: 'center'}); }
})();
)";

std::string registers_line(const RegisterValue& r) { return fmt::format("r{:<2} = {}", r.reg, r.text); }

std::string finding_html(const VerificationFinding& f, const VerificationReport& r) {
  std::string out = fmt::format("<div class=\"finding {}\"><span class=\"check\">{}[{}]</span> pc {}: {}", f.severity,
                                f.severity, html(f.check), f.pc, html(f.message));
  if (const std::string help = finding_help(r, f); !help.empty()) {
    out += fmt::format("<div class=\"help\">help: {}</div>", html(help));
  }
  if (f.witness) out += fmt::format("<div class=\"witness\">witness: {}</div>", html(witness_text(*f.witness)));
  return out + "</div>";
}

std::string program_html(size_t index, const HtmlProgram& p, const HtmlPage& page, nlohmann::json& data) {
  const VerificationReport& r = *p.report;
  const std::string name = r.program_name ? *r.program_name : r.input;
  std::map<int64_t, std::vector<const VerificationFinding*>> by_pc;
  std::map<std::pair<std::string, int>, std::string> severity_of_line;  // worst severity per source line
  for (const VerificationFinding& f : r.findings) {
    by_pc[f.pc].push_back(&f);
    if (f.line > 0) {
      std::string& s = severity_of_line[{f.source_file, f.line}];
      if (s != "error") s = f.severity;
    }
  }
  size_t errors = 0, warnings = 0;
  for (const VerificationFinding& f : r.findings) (f.severity == "error" ? errors : warnings)++;

  std::string out = fmt::format("<section class=\"program\" id=\"p{}\">\n<h2>{}{} <span class=\"verdict {}\">{}</span></h2>\n",
                                index, html(name), r.section ? html(fmt::format(" (section {})", *r.section)) : "",
                                r.accepted ? "accepted" : "rejected", r.accepted ? "accepted" : "rejected");
  out += fmt::format("<div class=\"summary\">{} error{}, {} warning{}; platform {}, program type {}; {} instructions</div>\n",
                     errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s", html(r.platform),
                     html(r.program_type), p.insns.size());
  out += "<div class=\"panes\">\n";

  // The source: the files the line info names, whole when readable, in order of appearance.
  std::vector<std::string> files;
  std::map<std::string, std::map<int, std::string>> known_lines;  // from the line info
  for (const InstructionSource& s : p.sources) {
    if (s.line <= 0) continue;
    const std::string file = s.file.empty() ? r.input : s.file;
    if (std::find(files.begin(), files.end(), file) == files.end()) files.push_back(file);
    known_lines[file][s.line] = s.text;
  }
  out += "<div class=\"pane\"><h3>source</h3><div class=\"code\">\n";
  if (files.empty()) out += "<div class=\"row hint\">no source lines (bytecode input, or an object without -g)</div>\n";
  for (const std::string& file : files) {
    out += fmt::format("<div class=\"row hint\">{}</div>\n", html(file));
    std::vector<std::pair<int, std::string>> lines;
    if (const auto it = page.files.find(file); it != page.files.end()) {
      std::string_view text = it->second;
      for (int n = 1; !text.empty(); ++n) {
        const size_t nl = text.find('\n');
        std::string_view l = text.substr(0, nl);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        lines.emplace_back(n, std::string(l));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
      }
    } else {
      for (const auto& [n, text] : known_lines[file]) lines.emplace_back(n, text);
    }
    for (const auto& [n, text] : lines) {
      const auto sev = severity_of_line.find({file, n});
      const bool mapped = known_lines[file].count(n) != 0;
      out += fmt::format("<div class=\"row src src-p{} {}\" data-program=\"{}\" data-line=\"{}\"{}><span class=\"no\">{}</span><span>{}</span></div>\n",
                         index, sev != severity_of_line.end() ? sev->second : "", index, mapped ? std::to_string(n) : "",
                         mapped ? "" : " style=\"cursor:default\"", n, html(text));
    }
  }
  out += "</div></div>\n";

  // The BPF code, findings under their instruction.
  out += fmt::format("<div class=\"pane\"><h3>BPF code ({} syntax)</h3><div class=\"code\">\n", semantics::to_string(p.syntax));
  for (size_t pc = 0; pc < p.insns.size(); ++pc) {
    const semantics::Insn* second = pc + 1 < p.insns.size() ? &p.insns[pc + 1] : nullptr;
    const std::string text = semantics::disassemble_one(p.insns[pc], second, p.syntax);
    const auto fs = by_pc.find(static_cast<int64_t>(pc));
    std::string cls;
    if (fs != by_pc.end()) {
      cls = "warning";
      for (const VerificationFinding* f : fs->second) {
        if (f->severity == "error") cls = "error";
      }
    }
    const int line = pc < p.sources.size() ? p.sources[pc].line : 0;
    out += fmt::format("<div class=\"row insn insn-p{} {}\" id=\"p{}-pc{}\" data-program=\"{}\" data-pc=\"{}\" data-line=\"{}\">"
                       "<span class=\"no\">{}</span><span class=\"text\">{}</span></div>\n",
                       index, cls, index, pc, index, pc, line > 0 ? std::to_string(line) : "", pc, html(text));
    if (fs != by_pc.end()) {
      for (const VerificationFinding* f : fs->second) out += finding_html(*f, r);
    }
    if (p.insns[pc].opcode == 0x18) ++pc;
  }
  for (const VerificationFinding& f : r.findings) {
    if (f.pc < 0) out += finding_html(f, r);  // about the whole program
  }
  out += "</div></div>\n";
  if (index == 0) {
    out += "<div class=\"pane\" id=\"state-panel\"><h3>abstract state</h3><div class=\"body\"><span class=\"hint\">"
           "click an instruction (or a source line) to see the state before it</span></div></div>\n";
  } else {
    out += "<div></div>\n";
  }
  out += "</div>\n</section>\n";

  nlohmann::json invariants = nlohmann::json::object();
  if (r.invariants) {
    for (const VerificationInvariant& inv : *r.invariants) {
      nlohmann::json regs = nlohmann::json::array(), stack = nlohmann::json::array();
      for (const RegisterValue& v : inv.registers) regs.push_back(registers_line(v));
      for (const StackEntry& s : inv.stack) {
        stack.push_back(fmt::format("{}r10{:+} ({} bytes) = {}", s.frame == 0 ? "" : fmt::format("frame {}: ", s.frame),
                                    s.offset, s.size, s.text));
      }
      invariants[std::to_string(inv.pc)] = {{"registers", regs}, {"stack", stack}};
    }
  }
  data["programs"].push_back({{"name", name}, {"invariants", invariants}});
  return out;
}

}  // namespace

std::string to_html(const HtmlPage& page) {
  bool accepted = true;
  for (const HtmlProgram& p : page.programs) accepted = accepted && p.report->accepted;
  nlohmann::json data{{"title", page.title}, {"programs", nlohmann::json::array()}};
  std::string body;
  for (size_t i = 0; i < page.programs.size(); ++i) body += program_html(i, page.programs[i], page, data);
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += fmt::format("<title>bpfcert verify: {}</title>\n<style>{}</style>\n</head>\n<body>\n", html(page.title), kStyle);
  out += fmt::format("<header><h1>bpfcert verify {} <span class=\"verdict {}\">{}</span></h1></header>\n", html(page.title),
                     accepted ? "accepted" : "rejected", accepted ? "accepted" : "rejected");
  out += body;
  out += fmt::format("<script type=\"application/json\" id=\"bpfcert-data\">{}</script>\n", script_json(data));
  out += fmt::format("<script>{}</script>\n</body>\n</html>\n", kScript);
  return out;
}

}  // namespace bpfcert::reports
