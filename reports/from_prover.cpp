#include "reports/from_prover.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "reports/output.h"
#include "verifier/smt/counterexample.h"

namespace bpfcert::reports {

namespace smt = verifier::smt;
namespace precision = verifier::smt::precision;

namespace {

ProofObligation obligation_report(const smt::ObligationResult& r, const std::string& counterexample_dir,
                                  std::vector<std::string>* write_errors) {
  ProofObligation o;
  o.op = r.obligation.op->name;
  o.lemma = r.obligation.lemma;
  o.component = std::string(smt::to_string(r.obligation.component));
  for (const smt::Attempt& a : r.attempts) {
    o.attempts.push_back({a.width, std::string(smt::to_string(a.verdict)), a.seconds, a.detail});
  }
  o.proven_width = r.widest_proven();
  if (const smt::Attempt* a = r.refutation(); a != nullptr && a->counterexample) {
    ProofCounterexample c;
    c.width = a->width;
    c.values = a->counterexample->values;
    c.explanation = a->counterexample->explanation;
    if (std::optional<smt::ReplayProgram> p = smt::counterexample_program(r.obligation, *a->counterexample)) {
      const smt::ReplayResult replay = smt::replay(*p, r.obligation, *a->counterexample);
      ProofReplay rp;
      rp.assembly = p->assembly;
      rp.memory_hex = p->memory_hex();
      rp.interpreter_r0 = replay.r0;
      rp.reproduced = replay.reproduced;
      rp.note = replay.note;
      if (!counterexample_dir.empty()) {
        const std::string file = fmt::format("{}/{}_{}_{}_{}.data", counterexample_dir, o.op, o.lemma, o.component, a->width);
        if (std::string err = write_text_file(file, smt::regression_data_file(r.obligation, *a->counterexample, *p, replay));
            err.empty()) {
          rp.file = file;
        } else if (write_errors != nullptr) {
          write_errors->push_back(err);
        }
      }
      c.replay = rp;
    }
    o.counterexample = c;
  }
  return o;
}

}  // namespace

ProofReport make_proof_report(const ProofRun& run, const std::vector<smt::ObligationResult>& results) {
  const std::vector<const smt::Operator*>& ops = run.operators;
  auto widths_for = run.widths_for;
  ProofReport report;
  report.tool_version = run.tool_version;
  report.z3_version = run.z3_version;
  report.date = run.date;
  report.command = run.command;
  report.widths = run.widths;
  report.stop_at_first_failure = run.stop_at_first_failure;
  report.timeout_seconds = run.timeout_seconds;
  report.jobs = run.jobs;
  report.method =
      "Each operator is its unreduced transfer function followed by the reduction "
      "(verifier/domain/scalar.h); the reduction is the list kSyncSteps. Each is proven on its own, per "
      "component: for well-formed inputs holding the concrete values, the output holds the concrete result "
      "and is well formed. Well-formed gamma-preserving steps compose, so 'with sync' is the width at which "
      "the operator as the verifier calls it is proven; reduced inputs are well formed (sync's well_formed "
      "obligations), so the statement for reduced inputs follows from the one for any well-formed input. The tnum of mul and "
      "mul32 is also proven by induction over tnum_mul's steps (lemmas tnum_mul.*, verifier/smt/prover.h): "
      "'tnum_by_induction_width' is the width at which every such lemma is proven. The checks "
      "(verifier/access_rules.h, statements in verifier/smt/check_prover.cpp) are proven at 64 bits against the "
      "machine model (semantics/machine.h): access.<region>/<kind>/no_trap, an access the checker accepts is inside "
      "its region and no refused write, for every abstract offset, concrete offset in it, access offset and size, "
      "region size and base; range.*/<comparison>/holds, the range a comparison records is at most the concrete "
      "length; ptr.add, ptr.sub, ptr.diff, the new offset's abstract value holds the concrete one (with sync).";

  std::map<std::string, ProofOperator> by_name;
  for (const smt::Operator* op : ops) {
    ProofOperator o;
    o.name = op->name;
    o.kind = std::string(smt::to_string(op->kind));
    o.reduces = smt::reduces(*op);
    by_name[op->name] = o;
  }
  std::map<std::string, bool> all_proven;  // every obligation at every width asked
  std::map<std::string, bool> any_refuted;
  for (const smt::ObligationResult& r : results) {
    const std::string& name = r.obligation.op->name;
    ProofOperator& o = by_name[name];
    if (o.obligations == 0) all_proven[name] = true;
    ++o.obligations;
    for (const smt::Attempt& a : r.attempts) o.seconds += a.seconds;
    const std::optional<unsigned> w = r.widest_proven();
    // A group of statements is proven at the narrowest width all of them are; at none when one
    // is proven at none. `first`: the group had no statement yet.
    auto narrowest = [](bool first, std::optional<unsigned> group, std::optional<unsigned> one) {
      if (first) return one;
      return one && group ? std::optional(std::min(*one, *group)) : std::nullopt;
    };
    o.proven_width = narrowest(o.obligations == 1, o.proven_width, w);
    if (smt::is_tnum_mul_lemma(r.obligation)) {
      // A lemma refuted at any width proves nothing at another.
      const std::optional<unsigned> lw = r.refutation() != nullptr ? std::nullopt : w;
      o.tnum_by_induction_width = narrowest(!o.has_tnum_induction, o.tnum_by_induction_width, lw);
      o.has_tnum_induction = true;
    }
    const std::vector<unsigned> asked = widths_for(r.obligation);
    bool proven_as_asked = r.attempts.size() == asked.size();
    for (const smt::Attempt& a : r.attempts) proven_as_asked = proven_as_asked && a.verdict == smt::Verdict::Proven;
    all_proven[name] = all_proven[name] && proven_as_asked;
    if (r.refutation() != nullptr) any_refuted[name] = true;
    if (r.refutation() != nullptr) {
      ++report.refuted;
    } else if (proven_as_asked) {
      ++report.proven;
    } else {
      ++report.unresolved;
    }
    report.obligations.push_back(obligation_report(r, run.counterexamples_dir, run.write_errors));
  }
  // 0: the reduction is not proven at any width (or was not asked for).
  const unsigned sync_width = by_name.count("sync") ? by_name["sync"].proven_width.value_or(0) : 0;
  report.complete = true;
  for (const smt::Operator* op : ops) {
    ProofOperator& o = by_name[op->name];
    o.status = any_refuted[op->name] ? "refuted" : (all_proven[op->name] ? "proven" : "incomplete");
    if (o.reduces) {
      const unsigned composed = std::min(o.proven_width.value_or(0), sync_width);
      if (composed > 0) o.composed_width = composed;
    }
    report.complete = report.complete && o.status == "proven";
    report.operators.push_back(o);
  }
  report.seconds = run.seconds;
  return report;
}

PrecisionResult precision_result(const precision::PrecisionRow& r) {
  PrecisionResult x;
  x.op = r.op;
  x.kind = std::string(smt::to_string(r.kind));
  x.direction = std::string(precision::to_string(r.direction));
  x.operand = std::string(precision::to_string(r.operand));
  const bool applicable = r.mode != precision::Mode::NotApplicable;
  x.component = applicable ? std::string(precision::to_string(r.component)) : "all";
  x.inputs = std::string(precision::to_string(r.inputs));
  x.width = r.width;
  x.mode = std::string(precision::to_string(r.mode));
  x.compared = r.compared;
  x.optimal = r.optimal;
  x.unsound = r.unsound;
  x.empty = r.empty;
  x.empty_detected = r.empty_detected;
  x.mean_imprecision_bits = r.mean_imprecision();
  x.max_imprecision_bits = r.imprecision_max;
  x.violation = r.violation;
  x.note = r.note;
  return x;
}

}  // namespace bpfcert::reports
