// bpfcert mutate: how strong a conformance corpus is. Runs the corpus against every single-fault
// mutant of the reference interpreter (conformance/mutate.h) and prints the kill matrix. Exit 0
// when every mutant that a program can tell apart is killed by at least --min-kills tests; 1
// otherwise; 2 on usage errors.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include <unistd.h>

#include "cli/commands.h"
#include "cli/input.h"
#include "cli/options.h"
#include "conformance/mutate.h"
#include "reports/mutation_report.h"
#include "reports/output.h"

namespace bpfcert::cli {

void add_mutate_command(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "mutate", "Measure a conformance corpus: which tests kill which single-fault mutant of the reference interpreter");
  struct Options {
    std::vector<std::string> tests;
    std::string include_regex, exclude_regex, json;
    unsigned jobs = 1, min_kills = 3;
    bool quiet = false, verbose = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--tests", o->tests, "test files or folders (default: the bundled corpus/conformance)")->expected(1, -1);
  cmd->add_option("--include-regex", o->include_regex, "use only tests whose name matches");
  cmd->add_option("--exclude-regex", o->exclude_regex, "leave out tests whose name matches");
  cmd->add_option("--jobs,-j", o->jobs, "tests run in parallel")->check(CLI::Range(1u, 1024u))->capture_default_str();
  cmd->add_option("--min-kills", o->min_kills, "tests that must kill each mutant")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  cmd->add_option("--json", o->json, "write the kill matrix (schema bpfcert/mutation/1) here ('-': standard output)");
  cmd->add_flag("--quiet,-q", o->quiet, "no live progress line");
  cmd->add_flag("--verbose,-v", o->verbose, "also list every mutant and the tests that kill nothing");
  set_help(cmd, {{{"bpfcert mutate -j 2", "the kill matrix of the bundled corpus"},
                  {"bpfcert mutate --tests my-tests/ --min-kills 1 --json m.json", "a corpus of your own"}},
                 "every mutant a program can tell apart is killed by at least --min-kills tests",
                 "a mutant survives, or is killed by too few tests"});
  cmd->callback([o, exit_code] {
    if (o->tests.empty()) {
      o->tests.push_back(std::filesystem::is_directory("corpus/conformance") ? "corpus/conformance" : BPFCERT_DEFAULT_CORPUS);
    }
    if ((*exit_code = check_outputs({{"--json", o->json}})) != kExitOk) return;
    conformance::MutationOptions mopt;
    mopt.test_paths = o->tests;
    mopt.include_regex = o->include_regex;
    mopt.exclude_regex = o->exclude_regex;
    mopt.jobs = o->jobs;
    mopt.min_kills = o->min_kills;
    mopt.tool_version = BPFCERT_VERSION;
    const bool live = !o->quiet && ::isatty(STDERR_FILENO);
    if (live) {
      mopt.progress = [](size_t done, size_t total) { std::cerr << fmt::format("\r\033[K[{}/{}]", done, total) << std::flush; };
    }
    auto report = conformance::measure_corpus(mopt);
    if (live) std::cerr << "\r\033[K" << std::flush;
    if (!report.ok()) {
      if (report.error().code == semantics::ErrorCode::UsageError) {
        std::cerr << "bpfcert mutate: " << report.error().message << "\n";
        *exit_code = kExitInput;
      } else {
        *exit_code = report_error(report.error());
      }
      return;
    }
    text_stream({o->json}) << reports::to_text(*report, o->verbose);
    if (!o->json.empty() && !write_output(o->json, reports::to_json(*report).dump(2) + "\n")) {
      *exit_code = kExitInput;
      return;
    }
    *exit_code = report->summary().ok() ? kExitOk : kExitVerdict;
  });
}

}  // namespace bpfcert::cli
