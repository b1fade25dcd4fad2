#include "reports/verification_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace bpfcert::reports {

using nlohmann::json;

namespace {

struct Totals {
  size_t objects = 0, load_errors = 0, programs = 0, accepted = 0, rejected = 0, program_errors = 0;
  size_t compared = 0, agree = 0;
};

Totals totals(const VerificationSummary& s) {
  Totals t;
  for (const SummaryObject& o : s.objects) {
    ++t.objects;
    if (o.error) ++t.load_errors;
    for (const SummaryProgram& p : o.programs) {
      ++t.programs;
      if (p.error) {
        ++t.program_errors;
        continue;
      }
      ++(p.accepted ? t.accepted : t.rejected);
      if (p.kernel && p.kernel->status != "unavailable") {
        ++t.compared;
        if ((p.kernel->status == "accepted") == p.accepted) ++t.agree;
      }
    }
  }
  return t;
}

json finding_json(const SummaryFinding& f) {
  json j{{"check", f.check}, {"pc", f.pc}, {"message", f.message}};
  if (!f.file.empty()) j["source"] = {{"file", f.file}, {"line", f.line}};
  return j;
}

// A cell cut to `width` characters (the table stays readable with long messages).
std::string cell(const std::string& s, size_t width) {
  if (s.size() <= width) return s;
  return s.substr(0, width - 3) + "...";
}

}  // namespace

json to_json(const VerificationSummary& s) {
  json objects = json::array();
  for (const SummaryObject& o : s.objects) {
    json jo{{"object", o.object}, {"path", o.path}, {"warnings", o.warnings}};
    if (o.offset) jo["offset"] = *o.offset;
    if (o.error) jo["error"] = *o.error;
    json programs = json::array();
    for (const SummaryProgram& p : o.programs) {
      json jp{{"name", p.name},
              {"section", p.section},
              {"type", p.type},
              {"type_source", p.type_source},
              {"instructions", p.instructions},
              {"verdict", p.error ? "error" : p.accepted ? "accepted" : "rejected"},
              {"errors", p.errors},
              {"warnings", p.warnings},
              {"seconds", p.seconds}};
      if (p.error) jp["error"] = *p.error;
      if (p.first_finding) jp["first_finding"] = finding_json(*p.first_finding);
      if (p.kernel) {
        json k{{"status", p.kernel->status}, {"seconds", p.kernel->seconds}};
        if (!p.kernel->reason.empty()) k["reason"] = p.kernel->reason;
        if (p.kernel->processed_insns) k["processed_insns"] = *p.kernel->processed_insns;
        jp["kernel"] = std::move(k);
      }
      programs.push_back(std::move(jp));
    }
    jo["programs"] = std::move(programs);
    objects.push_back(std::move(jo));
  }
  const Totals t = totals(s);
  json target = json::object();
  if (!s.target_btf.empty()) target["btf"] = s.target_btf;
  if (!s.kconfig_source.empty()) target["kconfig"] = s.kconfig_source;
  json jt{{"objects", t.objects},   {"load_errors", t.load_errors}, {"programs", t.programs},
          {"accepted", t.accepted}, {"rejected", t.rejected}, {"program_errors", t.program_errors}};
  if (t.compared > 0) jt["kernel"] = {{"compared", t.compared}, {"agree", t.agree}, {"disagree", t.compared - t.agree}};
  return json{{"schema", kVerificationSummarySchemaId},
              {"tool", {{"name", "bpfcert"}, {"version", s.tool_version}}},
              {"target", std::move(target)},
              {"objects", std::move(objects)},
              {"totals", std::move(jt)}};
}

std::string to_text(const VerificationSummary& s) {
  const bool kernel = std::any_of(s.objects.begin(), s.objects.end(), [](const SummaryObject& o) {
    return std::any_of(o.programs.begin(), o.programs.end(), [](const SummaryProgram& p) { return p.kernel.has_value(); });
  });
  using Row = std::array<std::string, 8>;
  std::vector<Row> rows;
  rows.push_back({"Object", "Program", "Type", "Insns", "Verdict", "First finding", "Time (ms)", "Kernel"});
  for (const SummaryObject& o : s.objects) {
    if (o.error) {
      rows.push_back({o.object, "-", "-", "-", "error", *o.error, "-", "-"});
      continue;
    }
    if (o.programs.empty()) rows.push_back({o.object, "-", "-", "-", "-", "no programs (maps only)", "-", "-"});
    for (const SummaryProgram& p : o.programs) {
      if (p.error) {
        rows.push_back({o.object, p.name, p.type.empty() ? "(none)" : p.type, "-", "error", *p.error, "-", "-"});
        continue;
      }
      std::string first;
      if (p.first_finding) {
        const SummaryFinding& f = *p.first_finding;
        const std::string where = f.line > 0 ? fmt::format("line {}", f.line) : f.pc >= 0 ? fmt::format("pc {}", f.pc) : "";
        first = fmt::format("{}{}: {}", f.check, where.empty() ? "" : " at " + where, f.message);
      }
      std::string k = "-";
      if (p.kernel) {
        k = p.kernel->status;
        if (p.kernel->status != "unavailable" && (p.kernel->status == "accepted") != p.accepted) k += " (differs)";
      }
      rows.push_back({o.object, p.name, p.type.empty() ? "(none)" : p.type, std::to_string(p.instructions),
                      p.accepted ? "accepted" : "rejected", first, fmt::format("{:.1f}", p.seconds * 1e3), k});
    }
  }
  const size_t columns = kernel ? 8 : 7;
  const std::array<size_t, 8> limits = {48, 32, 16, 7, 8, 60, 9, 20};
  std::array<size_t, 8> width{};
  for (const Row& r : rows) {
    for (size_t c = 0; c < columns; ++c) width[c] = std::max(width[c], std::min(r[c].size(), limits[c]));
  }
  std::string out;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string line;
    for (size_t c = 0; c < columns; ++c) {
      const std::string v = cell(rows[i][c], limits[c]);
      const bool right = c == 3 || c == 6;
      line += right ? fmt::format("{:>{}}", v, width[c]) : fmt::format("{:<{}}", v, width[c]);
      if (c + 1 < columns) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
    if (i == 0) {
      size_t total = 0;
      for (size_t c = 0; c < columns; ++c) total += width[c] + (c + 1 < columns ? 2 : 0);
      out += std::string(total, '-') + "\n";
    }
  }
  const Totals t = totals(s);
  out += fmt::format("\n{} objects ({} not loaded), {} programs: {} accepted, {} rejected", t.objects, t.load_errors,
                     t.programs, t.accepted, t.rejected);
  if (t.program_errors > 0) out += fmt::format(", {} not loaded", t.program_errors);
  if (t.compared > 0) out += fmt::format("; kernel compared on {}: agrees on {}, differs on {}", t.compared, t.agree, t.compared - t.agree);
  return out + "\n";
}

}  // namespace bpfcert::reports
