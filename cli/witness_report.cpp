#include "cli/witness_report.h"

namespace bpfcert::cli {

using verifier::smt::hex_bytes;

reports::FindingWitness witness_report(const verifier::smt::Witness& w) {
  reports::FindingWitness out;
  out.status = verifier::smt::to_string(w.status);
  out.depth = w.depth;
  out.reason = w.reason;
  if (w.input) {
    const verifier::smt::WitnessInput& in = *w.input;
    out.has_input = true;
    if (in.memory) out.memory = hex_bytes(*in.memory);
    if (in.context) out.context = hex_bytes(*in.context);
    if (in.packet) out.packet = hex_bytes(*in.packet);
    if (!in.headroom.empty()) out.headroom = hex_bytes(in.headroom);
    for (const verifier::smt::WitnessMap& m : in.maps) {
      reports::FindingWitness::Map x;
      x.name = m.name;
      x.index = m.index;
      for (const verifier::smt::WitnessMapEntry& e : m.entries) x.entries.push_back({hex_bytes(e.key), hex_bytes(e.value)});
      out.maps.push_back(std::move(x));
    }
    for (const verifier::smt::WitnessVariable& v : in.variables) out.variables.push_back({v.id, v.name, hex_bytes(v.bytes)});
    for (const verifier::smt::WitnessHelperResult& h : in.helpers) {
      out.helpers.push_back({h.pc, h.id, h.name, h.r0, h.buffer_register, hex_bytes(h.buffer)});
    }
  }
  if (w.replay) {
    reports::FindingWitness::Replay r;
    if (w.replay->trapped) r.trap = w.replay->trap;
    r.message = w.replay->message;
    r.pc = w.replay->pc;
    if (!w.replay->trapped && !w.replay->stopped_at_pc) r.r0 = w.replay->r0;
    r.steps = w.replay->steps;
    r.stopped_at_pc = w.replay->stopped_at_pc;
    out.replay = r;
  }
  out.seconds = w.stats.seconds;
  out.paths = w.stats.paths;
  out.solver_checks = w.stats.solver_checks;
  out.complete = w.stats.complete;
  out.replay_mismatch = w.replay_mismatch;
  return out;
}

void add_witnesses(reports::VerificationReport& report, const std::vector<verifier::smt::Witness>& witnesses) {
  for (size_t i = 0; i < report.findings.size() && i < witnesses.size(); ++i) {
    if (report.findings[i].severity != "error") continue;
    report.findings[i].witness = witness_report(witnesses[i]);
  }
}

}  // namespace bpfcert::cli
