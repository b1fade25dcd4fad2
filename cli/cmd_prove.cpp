// bpfcert prove: proves the verifier's abstract operators sound with Z3 (verifier/smt/prover.h),
// prints a table per operator, writes the JSON proof report, and turns counterexamples into
// programs the reference interpreter replays.
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <z3++.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <set>
#include <thread>

#include "cli/commands.h"
#include "cli/input.h"
#include "cli/options.h"
#include "reports/output.h"
#include "reports/from_prover.h"
#include "reports/proof_report.h"
#include "verifier/smt/prover.h"

namespace bpfcert::cli {

namespace {

namespace smt = verifier::smt;

struct ProveOptions {
  std::vector<std::string> ops;
  std::vector<unsigned> widths;
  bool quick = false;
  double timeout = 60;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  std::string json;
  std::string counterexamples_dir;
  bool verbose = false;
  bool quiet = false;
};

std::string z3_version() {
  unsigned major = 0, minor = 0, build = 0, revision = 0;
  Z3_get_version(&major, &minor, &build, &revision);
  return fmt::format("{}.{}.{}", major, minor, build);
}

// The operators asked for, plus the reduction when one of them reduces (an operator as the
// verifier calls it is its transfer function followed by the reduction).
std::vector<const smt::Operator*> selected_operators(const std::vector<std::string>& names, std::string* error) {
  std::vector<const smt::Operator*> out;
  if (names.empty()) {
    for (const smt::Operator& o : smt::operators()) out.push_back(&o);
    for (const smt::Operator& o : smt::check_operators()) out.push_back(&o);
    return out;
  }
  std::set<std::string> seen;
  for (const std::string& list : names) {
    size_t start = 0;
    while (start <= list.size()) {
      const size_t end = std::min(list.find(',', start), list.size());
      const std::string name = list.substr(start, end - start);
      start = end + 1;
      if (name.empty()) continue;
      const smt::Operator* op = smt::find_operator(name);
      if (op == nullptr) op = smt::find_check_operator(name);
      if (op == nullptr) {
        std::string valid;
        for (const smt::Operator& o : smt::operators()) valid += (valid.empty() ? "" : " ") + o.name;
        for (const smt::Operator& o : smt::check_operators()) valid += " " + o.name;
        *error = fmt::format("unknown operator '{}'; operators: {}", name, valid);
        return {};
      }
      if (seen.insert(name).second) out.push_back(op);
    }
  }
  const bool needs_sync = std::any_of(out.begin(), out.end(), [](const smt::Operator* o) { return smt::reduces(*o); });
  if (needs_sync && !seen.count("sync")) out.push_back(smt::find_operator("sync"));
  return out;
}

int run_prove(const ProveOptions& opt, const std::string& command_line) {
  std::string error;
  const std::vector<const smt::Operator*> ops = selected_operators(opt.ops, &error);
  if (!error.empty()) {
    std::cerr << "bpfcert prove: " << error << "\n";
    return kExitInput;
  }
  for (unsigned w : opt.widths) {
    if (w != 8 && w != 16 && w != 32 && w != 64) {
      std::cerr << "bpfcert prove: --width must be 8, 16, 32 or 64 (got " << w << ")\n";
      return kExitInput;
    }
  }
  if (opt.quick && !opt.widths.empty()) {
    std::cerr << "bpfcert prove: --quick chooses its widths; drop --width\n";
    return kExitInput;
  }

  // Which widths each operator is proven at. By default every width from 8 bits up until one
  // does not finish (the widest that does is what is proven, 8 bits always checked); explicit
  // widths and --quick attempt every width they list.
  const bool ascend = opt.widths.empty() && !opt.quick;
  auto widths_for = [&](const smt::Obligation& ob) -> std::vector<unsigned> {
    // The checks' access and range statements exist at 64 bits only (operators.h).
    if (ob.op->kind == smt::OperatorKind::Access || ob.op->kind == smt::OperatorKind::Range) return {64};
    if (opt.quick) return smt::quick_widths(ob);
    if (!opt.widths.empty()) return opt.widths;
    return {8, 16, 32, 64};
  };

  const auto start = std::chrono::steady_clock::now();
  smt::ProverOptions po;
  po.stop_at_first_failure = ascend;
  po.timeout_seconds = opt.timeout;
  po.jobs = static_cast<int>(opt.jobs);
  if (opt.verbose) {
    po.on_result = [](const smt::ObligationResult& r) {
      std::string line = r.obligation.name() + ":";
      for (const smt::Attempt& a : r.attempts) line += fmt::format(" {}b {} {:.2f}s", a.width, smt::to_string(a.verdict), a.seconds);
      std::cerr << line << "\n";
    };
  }
  // Operators sharing a width list are proven in one parallel batch.
  std::vector<smt::ObligationResult> results;
  std::map<std::vector<unsigned>, std::vector<smt::Obligation>> batches;
  for (const smt::Operator* op : ops) {
    for (const smt::Obligation& ob : smt::obligations_of(*op)) batches[widths_for(ob)].push_back(ob);
  }
  for (const auto& [widths, obligations] : batches) {
    po.widths = widths;
    std::vector<smt::ObligationResult> batch = smt::prove_all(obligations, po);
    results.insert(results.end(), batch.begin(), batch.end());
  }

  reports::ProofRun run;
  run.operators = ops;
  run.widths_for = widths_for;
  run.widths = opt.quick ? std::vector<unsigned>{8, 16, 64} : widths_for(smt::obligations_of(*ops.front()).front());
  run.stop_at_first_failure = ascend;
  run.timeout_seconds = opt.timeout;
  run.jobs = po.jobs;
  run.tool_version = version();
  run.z3_version = z3_version();
  run.date = reports::utc_timestamp();
  run.command = command_line;
  run.counterexamples_dir = opt.counterexamples_dir;
  std::vector<std::string> write_errors;
  run.write_errors = &write_errors;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const reports::ProofReport report = reports::make_proof_report(run, results);
  for (const std::string& e : write_errors) std::cerr << "bpfcert prove: " << e << "\n";

  if (!opt.quiet) text_stream({opt.json}) << reports::to_text(report);
  if (!opt.json.empty() && !write_output(opt.json, reports::to_json(report).dump(2) + "\n")) return kExitInput;
  return report.complete ? kExitOk : kExitVerdict;
}

}  // namespace

void add_prove_command(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<ProveOptions>();
  auto* cmd = app.add_subcommand(
      "prove", "Prove the verifier's abstract operators sound with Z3 (tnum, u64, s64, u32, s32 of every result), and "
      "its memory-access checks against the machine model");
  cmd->add_option("--op", opt->ops,
                  "operators by ISA mnemonic (add, add32, jlt, movsx832, ldxsb, ...) or sync, tighten, join, widen, "
                  "or the checks: access.<region>, ptr.add, ptr.sub, ptr.diff, range.packet, range.packet_meta; "
                  "comma-separated or repeated (default: all)");
  cmd->add_option("--width", opt->widths,
                  "word widths to prove at, each attempted (8, 16, 32, 64; default: 8, 16, 32, 64 in turn until "
                  "one does not finish: the widest that does is reported)");
  cmd->add_flag("--quick", opt->quick,
                "the CI subset: 8 and 16 bits everywhere (8 only for the 64-bit mul and div), 64 bits except "
                "mul, div, mod (but mul's inductive tnum lemmas)");
  cmd->add_option("--timeout", opt->timeout, "seconds per obligation and width")->capture_default_str();
  add_jobs_option(cmd, &opt->jobs, "obligations proven in parallel (default: the number of cores)");
  add_json_option(cmd, &opt->json, "bpfcert/proof/1");
  cmd->add_option("--counterexamples", opt->counterexamples_dir,
                  "write each counterexample's replay program here as a .data regression test");
  add_verbose_flag(cmd, &opt->verbose, "print each obligation as it finishes (standard error)");
  add_quiet_flag(cmd, &opt->quiet, "print no table (the exit code and --json tell the result)");
  set_help(cmd, {{{"bpfcert prove", "every operator at 8, 16, 32, 64 bits until one does not finish"},
                  {"bpfcert prove --op add32,jlt,sync", "ISA mnemonics, or sync, tighten, join, widen"},
                  {"bpfcert prove --quick --json p.json -j 2", "the test suite's subset, on two cores"}},
                 "everything asked for was proven",
                 "a statement was refuted (with Z3's model and a replay program) or did not finish"});
  cmd->callback([opt, exit_code, cmd]() {
    std::string line = "bpfcert prove";
    for (const std::string& a : cmd->remaining()) line += " " + a;
    for (const std::string& o : opt->ops) line += " --op " + o;
    for (unsigned w : opt->widths) line += fmt::format(" --width {}", w);
    if (opt->quick) line += " --quick";
    line += fmt::format(" --timeout {}", opt->timeout);
    *exit_code = run_prove(*opt, line);
  });
}

}  // namespace bpfcert::cli
