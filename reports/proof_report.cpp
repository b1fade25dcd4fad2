#include "reports/proof_report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>

namespace bpfcert::reports {

using nlohmann::json;

namespace {

json optional_width(const std::optional<unsigned>& w) { return w ? json(*w) : json(nullptr); }

json replay_json(const ProofReplay& r) {
  json j{{"assembly", r.assembly}, {"memory", r.memory_hex}, {"reproduced", r.reproduced}, {"note", r.note}};
  j["interpreter_r0"] = r.interpreter_r0 ? json(fmt::format("{:#x}", *r.interpreter_r0)) : json(nullptr);
  if (!r.file.empty()) j["file"] = r.file;
  return j;
}

}  // namespace

json to_json(const ProofReport& r) {
  json j;
  j["schema"] = kProofSchemaId;
  j["tool"] = {{"name", "bpfcert"}, {"version", r.tool_version}};
  j["z3_version"] = r.z3_version;
  j["date"] = r.date;
  j["command"] = r.command;
  j["settings"] = {{"widths", r.widths},
                   {"stop_at_first_failure", r.stop_at_first_failure},
                   {"timeout_seconds", r.timeout_seconds},
                   {"jobs", r.jobs}};
  j["method"] = r.method;
  j["seconds"] = r.seconds;
  j["summary"] = {{"obligations", r.obligations.size()},
                  {"proven", r.proven},
                  {"refuted", r.refuted},
                  {"unresolved", r.unresolved},
                  {"complete", r.complete}};
  json ops = json::array();
  for (const ProofOperator& o : r.operators) {
    json x{{"name", o.name},
           {"kind", o.kind},
           {"status", o.status},
           {"obligations", o.obligations},
           {"proven_width", optional_width(o.proven_width)},
           {"composed_width", optional_width(o.composed_width)},
           {"reduces", o.reduces},
           {"seconds", o.seconds}};
    if (o.has_tnum_induction) x["tnum_by_induction_width"] = optional_width(o.tnum_by_induction_width);
    ops.push_back(x);
  }
  j["operators"] = ops;
  json obs = json::array();
  for (const ProofObligation& o : r.obligations) {
    json attempts = json::array();
    for (const ProofAttempt& a : o.attempts) {
      json x{{"width", a.width}, {"verdict", a.verdict}, {"seconds", a.seconds}};
      if (!a.detail.empty()) x["detail"] = a.detail;
      attempts.push_back(x);
    }
    json x{{"op", o.op}, {"lemma", o.lemma}, {"component", o.component}, {"attempts", attempts},
           {"proven_width", optional_width(o.proven_width)}};
    if (o.counterexample) {
      const ProofCounterexample& c = *o.counterexample;
      json values = json::object();
      for (const auto& [k, v] : c.values) values[k] = fmt::format("{:#x}", v);
      json cj{{"width", c.width}, {"values", values}, {"explanation", c.explanation}};
      if (c.replay) cj["replay"] = replay_json(*c.replay);
      x["counterexample"] = cj;
    }
    obs.push_back(x);
  }
  j["obligations"] = obs;
  return j;
}

std::string to_text(const ProofReport& r) {
  std::string out;
  for (const ProofObligation& o : r.obligations) {
    if (!o.counterexample) continue;
    out += fmt::format("REFUTED: {}/{}/{} at {} bits: {}\n", o.op, o.lemma, o.component, o.counterexample->width,
                       o.counterexample->explanation);
    if (o.counterexample->replay) {
      const ProofReplay& p = *o.counterexample->replay;
      out += fmt::format("  program (memory {}):\n", p.memory_hex);
      for (size_t start = 0; start < p.assembly.size();) {
        const size_t end = p.assembly.find('\n', start);
        out += "    " + p.assembly.substr(start, end - start) + "\n";
        if (end == std::string::npos) break;
        start = end + 1;
      }
      out += fmt::format("  replay: {}\n", p.note);
    }
  }
  out += fmt::format("{:<18} {:<8} {:>5} {:>10} {:>10} {:>9}  {}\n", "operator", "kind", "obl", "proven at",
                     "with sync", "seconds", "status");
  for (const ProofOperator& o : r.operators) {
    auto w = [](const std::optional<unsigned>& v) { return v ? fmt::format("{} bits", *v) : std::string("-"); };
    out += fmt::format("{:<18} {:<8} {:>5} {:>10} {:>10} {:>9.2f}  {}\n", o.name, o.kind, o.obligations,
                       w(o.proven_width), o.reduces ? w(o.composed_width) : std::string("n/a"), o.seconds, o.status);
  }
  for (const ProofOperator& o : r.operators) {
    if (!o.has_tnum_induction) continue;
    out += o.tnum_by_induction_width
               ? fmt::format("{}: tnum proven at {} bits by induction over tnum_mul's steps (lemmas tnum_mul.*)\n", o.name,
                             *o.tnum_by_induction_width)
               : fmt::format("{}: tnum by induction over tnum_mul's steps: not proven (lemmas tnum_mul.*)\n", o.name);
  }
  out += fmt::format("{} obligations: {} proven, {} refuted, {} unresolved (timeout or error); {:.1f} s; {}\n",
                     r.obligations.size(), r.proven, r.refuted, r.unresolved, r.seconds,
                     r.complete ? "everything asked for is proven" : "NOT everything asked for is proven");
  return out;
}

}  // namespace bpfcert::reports
