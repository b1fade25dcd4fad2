#include "reports/run_report.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace bpfcert::reports {

using nlohmann::json;

bool RunReport::trapped() const {
  return std::any_of(runs.begin(), runs.end(), [](const RunOutcome& r) { return r.trapped; });
}

std::string to_json_text(const RunReport& r) {
  json j{{"schema", kRunSchemaId},
         {"tool", {{"name", "bpfcert"}, {"version", r.tool_version}}},
         {"input", {{"path", r.input}, {"kind", r.input_kind}}},
         {"engine", r.engine}};
  if (r.program_name) {
    j["program"] = {{"name", *r.program_name}, {"section", r.section.value_or("")}, {"type", r.program_type.value_or("")}};
  }
  json runs = json::array();
  for (const RunOutcome& o : r.runs) {
    json x{{"result", o.trapped ? "trap" : "exit"}, {"steps", o.steps}};
    if (o.packet) x["packet"] = *o.packet;
    if (!o.trapped) x["r0"] = o.r0;
    if (!o.verdict.empty()) x["verdict"] = o.verdict;
    if (o.trap) {
      json t{{"kind", o.trap->kind}, {"pc", o.trap->pc}, {"message", o.trap->message}};
      if (!o.trap->source_file.empty()) {
        t["source"] = {{"file", o.trap->source_file}, {"line", o.trap->line}, {"column", o.trap->column}, {"text", o.trap->source_text}};
      }
      x["trap"] = std::move(t);
    }
    if (o.packet_out) x["packet_out"] = *o.packet_out;
    if (!o.trace.empty()) x["trace"] = o.trace;
    runs.push_back(std::move(x));
  }
  j["runs"] = std::move(runs);
  if (r.maps) {
    json maps = json::array();
    for (const RunMapEntry& e : *r.maps) maps.push_back({{"map", e.map}, {"key", e.key}, {"value", e.value}});
    j["maps"] = std::move(maps);
  }
  j["verdict"] = r.trapped() ? "trap" : "exit";
  return j.dump(2) + "\n";
}

}  // namespace bpfcert::reports
