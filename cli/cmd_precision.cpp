// bpfcert precision: how close each abstract operator of the scalar domain comes to the best
// abstraction of its concrete results, measured exhaustively on words of a few bits (sampled
// where exhaustive enumeration is out of reach). Exit 0 when every compared result is sound,
// 1 when some result misses part of the best abstraction (a soundness bug), 2 on usage errors.
#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "cli/input.h"
#include "cli/options.h"
#include "reports/output.h"
#include "reports/precision_report.h"
#include "verifier/smt/precision.h"

namespace bpfcert::cli {

namespace {

namespace smt = verifier::smt;
namespace precision = verifier::smt::precision;

reports::PrecisionResult to_report(const precision::PrecisionRow& r) {
  reports::PrecisionResult x;
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

std::string operator_names() {
  std::string out;
  for (const smt::Operator& o : smt::operators()) out += (out.empty() ? "" : " ") + o.name;
  return out;
}

}  // namespace

void add_precision_command(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "precision",
      "Measure each abstract operator of the scalar domain against the best abstraction of its concrete results");
  cmd->footer(
      "Binary operators: every pair of tnums at --width bits (tnum component), every pair of u64/s64 intervals at "
      "--interval-width bits plus --samples random pairs at --width bits, every pair of u32/s32 (half-width) "
      "intervals at --width bits. Unary operators, loads, sync and tighten: every input at 8 bits (and --samples "
      "mixed inputs for sync and tighten). Shifts use the largest power-of-two width not above the one asked "
      "for (the ISA masks shift counts with n - 1, which is modulo n only then). A full 8-bit run of every "
      "operator takes tens of minutes: see docs/domain-precision.md.");
  struct Options {
    std::vector<std::string> ops;
    unsigned width = 8, interval_width = 6, jobs = 1;
    uint64_t samples = 20000, seed = 1;
    std::string json;
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--op", o->ops, "operators to measure, repeated or comma-separated (default: all of them)")
      ->delimiter(',');
  cmd->add_option("--width", o->width, "word bits for binary operators' tnum pairs and half-width intervals")
      ->check(CLI::IsMember({2u, 4u, 6u, 8u}))
      ->capture_default_str();
  cmd->add_option("--interval-width", o->interval_width, "word bits for every pair of u64/s64 intervals")
      ->check(CLI::IsMember({2u, 4u, 6u, 8u}))
      ->capture_default_str();
  cmd->add_option("--samples", o->samples, "random interval pairs at --width bits (0: none), and mixed sync inputs")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "seed of the samples")->capture_default_str();
  add_jobs_option(cmd, &o->jobs, "operators measured in parallel (default: 1)");
  add_json_option(cmd, &o->json, "bpfcert/precision/1");
  add_quiet_flag(cmd, &o->quiet, "no progress lines on standard error");
  set_help(cmd, {{{"bpfcert precision --op add,jlt --width 4", "two operators, exhaustively at 4 bits"},
                  {"bpfcert precision -j 2 --json reports/precision-8bit.json", "the full run (about 20 minutes)"}},
                 "every compared result is sound",
                 "a result misses part of the best abstraction (a soundness bug)"});
  cmd->callback([o, exit_code] {
    std::vector<const smt::Operator*> ops;
    for (const std::string& name : o->ops) {
      const smt::Operator* op = smt::find_operator(name);
      if (op == nullptr) {
        std::cerr << fmt::format("bpfcert precision: unknown operator \"{}\"; valid names: {}\n", name,
                                 operator_names());
        *exit_code = kExitInput;
        return;
      }
      ops.push_back(op);
    }
    if (ops.empty()) {
      for (const smt::Operator& op : smt::operators()) ops.push_back(&op);
    }
    precision::PrecisionOptions options;
    options.width = o->width;
    options.interval_width = o->interval_width;
    options.samples = o->samples;
    options.seed = o->seed;
    options.jobs = o->jobs;
    size_t done = 0;
    if (!o->quiet) {
      options.progress = [&done, total = ops.size()](const std::string& name, double seconds) {
        std::cerr << fmt::format("precision: {} measured in {:.1f} s ({}/{})\n", name, seconds, ++done, total);
      };
    }
    reports::PrecisionReport report;
    report.tool_version = BPFCERT_VERSION;
    report.date = reports::utc_timestamp();
    report.command = fmt::format("bpfcert precision --width {} --interval-width {} --samples {} --seed {} --jobs {}",
                                 o->width, o->interval_width, o->samples, o->seed, o->jobs);
    if (!o->ops.empty()) {
      for (const smt::Operator* op : ops) report.command += " --op " + op->name;
    }
    if (!o->json.empty()) report.command += " --json " + o->json;
    report.width = o->width;
    report.interval_width = o->interval_width;
    report.single_input_width = precision::kSingleInputWidth;
    report.samples = o->samples;
    report.seed = o->seed;
    report.jobs = o->jobs;
    const auto start = std::chrono::steady_clock::now();
    const precision::PrecisionResults results = precision::measure_operators(ops, options);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (const precision::OperatorTiming& t : results.timings) report.timings.push_back({t.op, t.seconds});
    for (const precision::PrecisionRow& r : results.rows) report.results.push_back(to_report(r));
    text_stream({o->json}) << reports::to_text(report);
    if (!o->json.empty() && !write_output(o->json, reports::to_json(report).dump(2) + "\n")) {
      *exit_code = kExitInput;
      return;
    }
    *exit_code = report.sound() ? kExitOk : kExitVerdict;
  });
}

}  // namespace bpfcert::cli
