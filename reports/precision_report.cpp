#include "reports/precision_report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace bpfcert::reports {

using nlohmann::json;

uint64_t PrecisionReport::unsound() const {
  uint64_t n = 0;
  for (const PrecisionResult& r : results) n += r.unsound;
  return n;
}

std::string percent(uint64_t part, uint64_t whole) {
  if (whole == 0) return "-";
  // Truncated in integer arithmetic: 43046720 of 43046721 is 99.99, never 100.00.
  const unsigned __int128 hundredths = static_cast<unsigned __int128>(part) * 10000 / whole;
  const auto h = static_cast<uint64_t>(hundredths);
  return fmt::format("{}.{:02}", h / 100, h % 100);
}

json to_json(const PrecisionReport& r) {
  json j;
  j["schema"] = kPrecisionSchemaId;
  j["tool"] = {{"name", "bpfcert"}, {"version", r.tool_version}};
  j["date"] = r.date;
  j["command"] = r.command;
  j["options"] = {{"width", r.width},
                  {"interval_width", r.interval_width},
                  {"single_input_width", r.single_input_width},
                  {"samples", r.samples},
                  {"seed", r.seed},
                  {"jobs", r.jobs}};
  j["seconds"] = r.seconds;
  j["sound"] = r.sound();
  j["unsound"] = r.unsound();
  json ops = json::array();
  for (const PrecisionTiming& t : r.timings) ops.push_back({{"operator", t.op}, {"seconds", t.seconds}});
  j["operators"] = ops;
  json results = json::array();
  for (const PrecisionResult& x : r.results) {
    json e{{"operator", x.op},
           {"kind", x.kind},
           {"direction", x.direction},
           {"operand", x.operand},
           {"component", x.component},
           {"inputs", x.inputs},
           {"width", x.width},
           {"mode", x.mode},
           {"compared", x.compared},
           {"optimal", x.optimal},
           {"unsound", x.unsound},
           {"empty", x.empty},
           {"empty_detected", x.empty_detected},
           {"optimal_share", x.optimal_share()},
           {"sound_share", x.sound_share()},
           {"mean_imprecision_bits", x.mean_imprecision_bits},
           {"max_imprecision_bits", x.max_imprecision_bits}};
    if (!x.violation.empty()) e["violation"] = x.violation;
    if (!x.note.empty()) e["note"] = x.note;
    results.push_back(std::move(e));
  }
  j["results"] = std::move(results);
  return j;
}

std::string to_text(const PrecisionReport& r) {
  std::string out = fmt::format("{:<10} {:<14} {:<5} {:<14} {:>5} {:<14} {:>10} {:>9} {:>8} {:>11}\n", "operator",
                                "output", "comp", "inputs", "width", "mode", "compared", "optimal%", "sound%",
                                "imprecision");
  for (const PrecisionResult& x : r.results) {
    const std::string output = x.direction == "none" ? x.operand : x.direction + " " + x.operand;
    if (x.mode == "not-applicable") {
      out += fmt::format("{:<10} {:<14} {:<5} {:<14} {:>5} {:<14} {}\n", x.op, "-", x.component, x.inputs, "-", x.mode,
                         x.note);
      continue;
    }
    out += fmt::format("{:<10} {:<14} {:<5} {:<14} {:>5} {:<14} {:>10} {:>9} {:>8} {:>11.3f}\n", x.op, output,
                       x.component, x.inputs, x.width, x.mode, x.compared, percent(x.optimal, x.compared),
                       percent(x.compared - x.unsound, x.compared), x.mean_imprecision_bits);
  }
  out += "(imprecision: mean log2 of |gamma(result)| / |gamma(best)| in the component, in bits)\n";
  if (r.sound()) {
    out += fmt::format("{} results, every compared result sound\n", r.results.size());
  } else {
    out += fmt::format("UNSOUND: {} compared results contain less than the best abstraction:\n", r.unsound());
    for (const PrecisionResult& x : r.results) {
      if (x.unsound == 0) continue;
      out += fmt::format("  {} {} {} ({}, {} bits, {}): {} unsound; first: {}\n", x.op,
                         x.direction == "none" ? x.operand : x.direction + " " + x.operand, x.component, x.inputs,
                         x.width, x.mode, x.unsound, x.violation);
    }
  }
  return out;
}

}  // namespace bpfcert::reports
