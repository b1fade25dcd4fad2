#include "reports/verification_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace bpfcert::reports {

using nlohmann::json;

namespace {

json scalar_json(const ScalarBounds& b) {
  return json{{"tnum", {{"value", fmt::format("{:#x}", b.tnum_value)}, {"mask", fmt::format("{:#x}", b.tnum_mask)}}},
              {"umin", b.umin},
              {"umax", b.umax},
              {"smin", b.smin},
              {"smax", b.smax},
              {"u32min", b.u32min},
              {"u32max", b.u32max},
              {"s32min", b.s32min},
              {"s32max", b.s32max}};
}

json register_json(const RegisterValue& r) {
  json j{{"reg", fmt::format("r{}", r.reg)}, {"type", r.type}, {"text", r.text}};
  if (r.value) j[r.type == "pointer" ? "offset" : "value"] = scalar_json(*r.value);
  if (r.region) j["region"] = *r.region;
  if (r.object) j["object"] = *r.object;
  if (r.type == "pointer") j["nullable"] = r.nullable;
  return j;
}

json registers_json(const std::vector<RegisterValue>& regs) {
  json a = json::array();
  for (const RegisterValue& r : regs) a.push_back(register_json(r));
  return a;
}

std::string registers_text(const std::vector<RegisterValue>& regs) {
  std::string out;
  for (const RegisterValue& r : regs) out += fmt::format("{}r{} = {}", out.empty() ? "" : ", ", r.reg, r.text);
  return out;
}

// Long byte strings are cut in the text output; the JSON report has them whole.
std::string short_hex(const std::string& hex) {
  constexpr size_t kMax = 64 * 3 - 1;
  if (hex.size() <= kMax) return hex;
  return fmt::format("{} ... ({} bytes)", hex.substr(0, kMax), (hex.size() + 1) / 3);
}

}  // namespace

json to_json(const FindingWitness& w) {
  json j{{"status", w.status}, {"depth", w.depth}, {"reason", w.reason}};
  if (w.has_input) {
    json in = json::object();
    if (w.memory) in["memory"] = *w.memory;
    if (w.context) in["context"] = *w.context;
    if (w.packet) in["packet"] = *w.packet;
    if (w.headroom) in["headroom"] = *w.headroom;
    json maps = json::array();
    for (const FindingWitness::Map& m : w.maps) {
      json entries = json::array();
      for (const FindingWitness::MapEntry& e : m.entries) entries.push_back({{"key", e.key}, {"value", e.value}});
      maps.push_back({{"name", m.name}, {"index", m.index}, {"entries", std::move(entries)}});
    }
    in["maps"] = std::move(maps);
    json vars = json::array();
    for (const FindingWitness::Variable& v : w.variables) vars.push_back({{"id", v.id}, {"name", v.name}, {"bytes", v.bytes}});
    in["variables"] = std::move(vars);
    json helpers = json::array();
    for (const FindingWitness::HelperResult& h : w.helpers) {
      json x{{"pc", h.pc}, {"id", h.id}, {"name", h.name}, {"r0", h.r0}};
      if (h.buffer_register != 0) {
        x["buffer_register"] = fmt::format("r{}", h.buffer_register);
        x["buffer"] = h.buffer;
      }
      helpers.push_back(std::move(x));
    }
    in["helpers"] = std::move(helpers);
    j["input"] = std::move(in);
  }
  if (w.replay) {
    json rp{{"trap", w.replay->trap ? json(*w.replay->trap) : json(nullptr)},
            {"pc", w.replay->pc},
            {"steps", w.replay->steps},
            {"stopped_at_pc", w.replay->stopped_at_pc}};
    if (w.replay->r0) rp["r0"] = *w.replay->r0;
    if (!w.replay->message.empty()) rp["message"] = w.replay->message;
    j["replay"] = std::move(rp);
  }
  j["statistics"] = {{"seconds", w.seconds}, {"paths", w.paths}, {"solver_checks", w.solver_checks}, {"complete", w.complete}};
  if (w.replay_mismatch) j["replay_mismatch"] = true;
  return j;
}

std::string witness_text(const FindingWitness& w) {
  if (w.status == "not_applicable") return "not applicable: " + w.reason;
  if (w.status == "not_confirmed") {
    if (w.replay_mismatch) return "not confirmed: " + w.reason;
    if (w.complete) {
      return fmt::format("not confirmed: every path explored, none fails at this pc (a false alarm, or a rule the VM "
                         "does not enforce)");
    }
    return fmt::format("not confirmed within k={} (possible false alarm)", w.depth);
  }
  std::vector<std::string> parts;
  if (w.memory) parts.push_back("mem = " + (w.memory->empty() ? std::string("(empty)") : short_hex(*w.memory)));
  if (w.packet) parts.push_back(fmt::format("packet = {}", w.packet->empty() ? std::string("(empty)") : short_hex(*w.packet)));
  if (w.headroom) parts.push_back("headroom = " + short_hex(*w.headroom));
  if (w.context && w.context->find_first_not_of("0 ") != std::string::npos) parts.push_back("ctx = " + short_hex(*w.context));
  for (const FindingWitness::Map& m : w.maps) {
    for (const FindingWitness::MapEntry& e : m.entries) parts.push_back(fmt::format("map {}[{}] = {}", m.name, e.key, short_hex(e.value)));
    if (m.entries.empty()) parts.push_back(fmt::format("map {} empty", m.name));
  }
  for (const FindingWitness::Variable& v : w.variables) parts.push_back(fmt::format("var {} = {}", v.name, short_hex(v.bytes)));
  for (const FindingWitness::HelperResult& h : w.helpers) {
    parts.push_back(fmt::format("{} at pc {} returns {:#x}{}", h.name, h.pc, h.r0,
                                h.buffer_register != 0 ? fmt::format(" and writes {}", short_hex(h.buffer)) : ""));
  }
  std::string input;
  for (const std::string& p : parts) input += (input.empty() ? "" : "; ") + p;
  if (input.empty()) input = "any input";
  std::string replay;
  if (w.replay) {
    replay = w.replay->trap                ? fmt::format("trap {} at pc {}", *w.replay->trap, w.replay->pc)
             : w.replay->stopped_at_pc     ? fmt::format("reaches pc {} on this path", w.replay->pc)
             : w.replay->r0                ? fmt::format("returns r0 = {:#x} at pc {}", *w.replay->r0, w.replay->pc)
                                           : fmt::format("pc {}", w.replay->pc);
  }
  return fmt::format("confirmed: {}; replay: {}", input, replay);
}

json to_json(const VerificationReport& r) {
  json j;
  j["schema"] = kVerificationSchemaId;
  j["tool"] = {{"name", "bpfcert"}, {"version", r.tool_version}};
  j["input"] = {{"path", r.input}, {"kind", r.input_kind}};
  if (r.program_name) j["program"] = {{"name", *r.program_name}, {"section", r.section.value_or("")}};
  j["platform"] = r.platform;
  j["program_type"] = r.program_type;
  if (r.memory_size) j["memory_size"] = *r.memory_size;
  j["verdict"] = r.accepted ? "accepted" : "rejected";
  json findings = json::array();
  for (const VerificationFinding& f : r.findings) {
    json x{{"check", f.check}, {"severity", f.severity}, {"message", f.message}, {"registers", registers_json(f.registers)}};
    x["pc"] = f.pc >= 0 ? json(f.pc) : json(nullptr);
    if (f.line > 0) x["line"] = f.line;
    if (!f.instruction.empty()) x["instruction"] = f.instruction;
    if (!f.source_file.empty()) {
      x["source"] = {{"file", f.source_file}, {"line", f.line}, {"column", f.column}, {"text", f.source_text}};
    }
    if (!f.function.empty()) x["function"] = f.function;
    if (f.witness) x["witness"] = to_json(*f.witness);
    findings.push_back(std::move(x));
  }
  j["findings"] = std::move(findings);
  if (r.exit_r0) {
    json e = scalar_json(*r.exit_r0);
    e["text"] = r.exit_r0_text.value_or("");
    j["exit_r0"] = e;
  }
  json loops = json::array();
  for (const LoopSummary& l : r.loops) {
    loops.push_back({{"header_pc", l.header_pc}, {"bound", l.bound ? json(*l.bound) : json(nullptr)}});
  }
  j["loops"] = std::move(loops);
  if (r.invariants) {
    json inv = json::array();
    for (const VerificationInvariant& i : *r.invariants) {
      json x{{"pc", i.pc}, {"instruction", i.instruction}, {"registers", registers_json(i.registers)}};
      if (i.line > 0) x["line"] = i.line;
      json stack = json::array();
      for (const StackEntry& s : i.stack) {
        stack.push_back({{"frame", s.frame}, {"offset", s.offset}, {"size", s.size}, {"text", s.text}});
      }
      x["stack"] = std::move(stack);
      inv.push_back(std::move(x));
    }
    j["invariants"] = std::move(inv);
  }
  const VerificationStatistics& s = r.statistics;
  j["statistics"] = {{"seconds", s.seconds},       {"transfers", s.transfers}, {"iterations", s.iterations},
                     {"states", s.states},         {"widenings", s.widenings}, {"instructions", s.instructions},
                     {"blocks", s.blocks},         {"loops", s.loops},         {"subprograms", s.subprograms},
                     {"contexts", s.contexts}};
  return j;
}

namespace {

// RFC 3986: everything but unreserved characters and '/' percent-encoded.
std::string uri_escape(std::string_view path) {
  std::string out;
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

// Where SARIF paths are relative to: source_root (or the working directory), absolute.
std::filesystem::path sarif_root(const SarifOptions& o) {
  std::error_code ec;
  std::filesystem::path root = o.source_root.empty() ? std::filesystem::current_path(ec) : std::filesystem::path(o.source_root);
  root = std::filesystem::absolute(root, ec).lexically_normal();
  return root;
}

json artifact_location(const std::string& path, const std::filesystem::path& root) {
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::absolute(path, ec).lexically_normal();
  const std::filesystem::path rel = p.lexically_relative(root);
  if (!rel.empty() && *rel.begin() != ".." && !rel.is_absolute()) {
    return {{"uri", uri_escape(rel.generic_string())}, {"uriBaseId", "SRCROOT"}};
  }
  return {{"uri", "file://" + uri_escape(p.generic_string())}};
}

json sarif_rules(const std::vector<CheckDescription>& checks, const SarifOptions& o) {
  json rules = json::array();
  for (const CheckDescription& c : checks) {
    json rule{{"id", c.id},
              {"name", c.id},
              {"shortDescription", {{"text", c.description}}},
              {"fullDescription", {{"text", c.description}}},
              {"helpUri", fmt::format("{}/checks.md#{}", o.help_uri_base, c.id)},
              {"defaultConfiguration", {{"level", c.severity == "warning" ? "warning" : "error"}}}};
    const std::string help = c.help.empty() ? c.description : c.description + "\n\n" + c.help;
    rule["help"] = {{"text", help}, {"markdown", fmt::format("**{}**: {}", c.id, help)}};
    rules.push_back(std::move(rule));
  }
  return rules;
}

json sarif_result(const VerificationReport& r, const VerificationFinding& f, int rule_index, const std::filesystem::path& root) {
  std::string text = f.message;
  if (f.pc >= 0) text = fmt::format("pc {}: {}", f.pc, text);
  if (!f.instruction.empty()) text += fmt::format(" [{}]", f.instruction);
  if (!f.registers.empty()) text += fmt::format(" (state: {})", registers_text(f.registers));
  if (f.witness) text += fmt::format(" Witness: {}.", witness_text(*f.witness));
  json loc{{"physicalLocation", {{"artifactLocation", artifact_location(f.source_file.empty() ? r.input : f.source_file, root)}}}};
  if (!f.source_file.empty() && f.line > 0) {
    loc["physicalLocation"]["region"] = {{"startLine", f.line}};
    if (f.column > 0) loc["physicalLocation"]["region"]["startColumn"] = f.column;
    if (!f.source_text.empty()) loc["physicalLocation"]["region"]["snippet"] = {{"text", f.source_text}};
  } else if (f.line > 0) {
    loc["physicalLocation"]["region"] = {{"startLine", f.line}};
    if (f.column > 0) loc["physicalLocation"]["region"]["startColumn"] = f.column;
  } else if (f.pc >= 0 && r.input_kind == "bytecode") {
    loc["physicalLocation"]["region"] = {{"byteOffset", f.pc * 8}, {"byteLength", 8}};
  } else {
    loc["physicalLocation"]["region"] = {{"startLine", 1}};
  }
  if (f.pc >= 0) {
    const std::string name = r.program_name ? fmt::format("{}: pc {}", *r.program_name, f.pc) : fmt::format("pc {}", f.pc);
    loc["logicalLocations"] = json::array({{{"name", name}, {"kind", "instruction"}}});
  }
  const std::string program = r.program_name.value_or("");
  json res{{"ruleId", f.check},
           {"level", f.severity == "warning" ? "warning" : "error"},
           {"message", {{"text", text}}},
           {"locations", json::array({loc})},
           {"partialFingerprints",
            {{"bpfcertCheckPc/v1", program.empty() ? fmt::format("{}:{}", f.check, f.pc) : fmt::format("{}:{}:{}", program, f.check, f.pc)}}}};
  if (rule_index >= 0) res["ruleIndex"] = rule_index;
  json props = json::object();
  if (r.program_name) {
    props["object"] = r.input;
    props["program"] = *r.program_name;
    props["section"] = r.section.value_or("");
  }
  if (f.witness) props["witness"] = to_json(*f.witness);
  if (!props.empty()) res["properties"] = std::move(props);
  return res;
}

}  // namespace

json to_sarif(const std::vector<VerificationReport>& reports, const SarifOptions& o) {
  const std::filesystem::path root = sarif_root(o);
  const VerificationReport empty;
  const VerificationReport& first = reports.empty() ? empty : reports.front();
  json results = json::array();
  json artifacts = json::array();
  std::vector<std::string> artifact_paths;
  auto add_artifact = [&](const std::string& path) {
    if (path.empty() || std::find(artifact_paths.begin(), artifact_paths.end(), path) != artifact_paths.end()) return;
    artifact_paths.push_back(path);
    artifacts.push_back({{"location", artifact_location(path, root)}});
  };
  bool accepted = true;
  for (const VerificationReport& r : reports) {
    accepted = accepted && r.accepted;
    add_artifact(r.input);
    for (const VerificationFinding& f : r.findings) {
      int rule_index = -1;
      for (size_t i = 0; i < first.checks.size(); ++i) {
        if (first.checks[i].id == f.check) rule_index = static_cast<int>(i);
      }
      add_artifact(f.source_file);
      results.push_back(sarif_result(r, f, rule_index, root));
    }
  }
  json properties{{"verdict", accepted ? "accepted" : "rejected"}, {"platform", first.platform}};
  if (reports.size() == 1) properties["programType"] = first.program_type;
  json run{{"tool",
            {{"driver",
              {{"name", "bpfcert"},
               {"version", first.tool_version},
               {"semanticVersion", first.tool_version},
               {"informationUri", o.help_uri_base},
               {"rules", sarif_rules(first.checks, o)}}}}},
           {"originalUriBaseIds", {{"SRCROOT", {{"uri", "file://" + uri_escape(root.generic_string()) + (root.generic_string().ends_with('/') ? "" : "/")}}}}},
           {"artifacts", std::move(artifacts)},
           {"results", std::move(results)},
           {"properties", std::move(properties)}};
  return json{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", json::array({std::move(run)})}};
}

json to_sarif(const VerificationReport& report, const SarifOptions& options) {
  return to_sarif(std::vector<VerificationReport>{report}, options);
}

std::string to_text(const VerificationReport& r) {
  size_t errors = 0, warnings = 0;
  for (const VerificationFinding& f : r.findings) (f.severity == "error" ? errors : warnings)++;
  std::string out = fmt::format("{}{}: {}", r.input,
                                r.program_name ? fmt::format(": {} (section {})", *r.program_name, r.section.value_or("")) : "",
                                r.accepted ? "accepted" : "rejected");
  out += fmt::format(" ({} error{}, {} warning{}; platform {}, program type {})\n", errors, errors == 1 ? "" : "s", warnings,
                     warnings == 1 ? "" : "s", r.platform, r.program_type);
  for (const VerificationFinding& f : r.findings) {
    std::string where = f.source_file.empty() ? r.input : f.source_file;
    if (f.line > 0) where += fmt::format(":{}", f.line);
    if (f.column > 0) where += fmt::format(":{}", f.column);
    if (f.pc >= 0) where += fmt::format(": pc {}", f.pc);
    out += fmt::format("{}: {}[{}]: {}\n", where, f.severity, f.check, f.message);
    if (!f.source_text.empty()) out += fmt::format("    {:>5} | {}\n", f.line, f.source_text);
    if (!f.instruction.empty()) out += fmt::format("    {:>5}: {}\n", f.pc, f.instruction);
    if (!f.registers.empty()) out += fmt::format("    state: {}\n", registers_text(f.registers));
    if (f.witness) out += fmt::format("    witness: {}\n", witness_text(*f.witness));
  }
  if (r.invariants) {
    out += "invariants (state before each instruction):\n";
    for (const VerificationInvariant& i : *r.invariants) {
      out += fmt::format("  {:>5}: {}\n", i.pc, i.instruction);
      out += fmt::format("         {}\n", registers_text(i.registers));
      if (!i.stack.empty()) {
        std::string st;
        for (const StackEntry& s : i.stack) {
          st += fmt::format("{}[{}r10{:+}, {}B] {}", st.empty() ? "" : "; ", s.frame == 0 ? "" : fmt::format("frame {} ", s.frame),
                            s.offset, s.size, s.text);
        }
        out += fmt::format("         stack: {}\n", st);
      }
    }
  }
  if (r.accepted && r.exit_r0_text) out += fmt::format("r0 at exit: {}\n", *r.exit_r0_text);
  for (const LoopSummary& l : r.loops) {
    out += l.bound ? fmt::format("loop at pc {}: at most {} iterations\n", l.header_pc, *l.bound)
                   : fmt::format("loop at pc {}: no bound proven\n", l.header_pc);
  }
  const VerificationStatistics& s = r.statistics;
  auto count = [](uint64_t n, const char* one, const char* many) { return fmt::format("{} {}", n, n == 1 ? one : many); };
  out += fmt::format("{}, {}, {}, {}; {:.3f} ms, {}, {}\n", count(s.instructions, "instruction", "instructions"),
                     count(s.blocks, "block", "blocks"), count(s.loops, "loop", "loops"),
                     count(s.subprograms, "subprogram", "subprograms"), s.seconds * 1e3,
                     count(s.transfers, "transfer", "transfers"), count(s.states, "state", "states"));
  return out;
}

}  // namespace bpfcert::reports
