// bpfcert conform: certify an implementation (bpfcert's interpreter or JIT, a bpf_conformance
// plugin, the Linux kernel) against the conformance corpus. Exit 0 only when at least one test
// passed and none has a failing outcome (wrong, refused, accepted-invalid, crashed, timed-out,
// unreadable, error); 1 otherwise; 2 on usage errors.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include <unistd.h>

#include "cli/commands.h"
#include "cli/input.h"
#include "cli/options.h"
#include "conformance/coverage.h"
#include "conformance/engine_target.h"
#include "conformance/kernel_target.h"
#include "conformance/plugin_target.h"
#include "conformance/runner.h"
#include "reports/output.h"

namespace bpfcert::cli {

namespace {

// The corpus of the checkout the command runs in, else the one installed beside the binary
// (<prefix>/share/bpfcert/corpus/conformance), else the source tree's it was built from.
std::string default_corpus() {
  if (std::filesystem::is_directory("corpus/conformance")) return "corpus/conformance";
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path installed = exe.parent_path().parent_path() / "share" / "bpfcert" / "corpus" / "conformance";
    if (std::filesystem::is_directory(installed, ec)) return installed.string();
  }
  return BPFCERT_DEFAULT_CORPUS;
}

int usage(const std::string& message) {
  std::cerr << "bpfcert conform: " << message << "\n";
  return kExitInput;
}

}  // namespace

void add_conform_command(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("conform", "Certify a VM against the conformance corpus, per conformance group");
  struct Options {
    std::vector<std::string> tests;
    std::string target = "interp", plugin, plugin_options, cpu_version = "v4", shard;
    std::optional<std::string> include_groups, exclude_groups, checks;
    std::string plugin_abi;
    std::string include_regex, exclude_regex, json, junit;
    unsigned jobs = 1;
    double timeout = 10;
    uint64_t max_steps = 0;
    bool coverage = false, quiet = false, verbose = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--tests", o->tests, "test files or folders (default: the bundled corpus/conformance)")
      ->expected(1, -1);
  cmd->add_option("--target", o->target, "implementation under test")
      ->check(CLI::IsMember({"interp", "jit", "kernel", "plugin"}))
      ->capture_default_str();
  cmd->add_option("--plugin", o->plugin, "bpf_conformance plugin executable (with --target plugin)");
  cmd->add_option("--plugin-options", o->plugin_options, "arguments passed to the plugin, split on spaces");
  cmd->add_option("--cpu-version", o->cpu_version, "highest ISA version claimed")
      ->check(CLI::IsMember({"v1", "v2", "v3", "v4"}))
      ->capture_default_str();
  cmd->add_option("--include-groups", o->include_groups,
                  "claimed groups, comma-separated, or 'all' (default: base32,base64,atomic32,atomic64,divmul32,divmul64)");
  cmd->add_option("--exclude-groups", o->exclude_groups, "groups not claimed");
  cmd->add_option("--checks", o->checks,
                  "claimed checks, comma-separated: all (default), none, traps (run-time), rejects (load-time), or "
                  "single checks such as trap:out-of-bounds or reject:unknown-opcode");
  cmd->add_option("--plugin-abi", o->plugin_abi,
                  "ABI differences the plugin's VM cannot avoid, comma-separated: no-r2 (r2 is not the memory's "
                  "length), packet-mbuf (legacy packet loads read a packet descriptor); tests that depend on one are "
                  "reported as ABI differences, not failures");
  cmd->add_option("--include-regex", o->include_regex, "run only tests whose name matches");
  cmd->add_option("--exclude-regex", o->exclude_regex, "skip tests whose name matches");
  cmd->add_option("--jobs,-j", o->jobs, "tests run in parallel")->check(CLI::Range(1u, 1024u))->capture_default_str();
  cmd->add_option("--timeout", o->timeout, "seconds per test before a plugin is killed")
      ->check(CLI::Range(0.01, 86400.0))
      ->capture_default_str();
  cmd->add_option("--max-steps", o->max_steps, "instruction budget of in-process runs (default: the engine's)");
  cmd->add_option("--json", o->json, "write the JSON report (schema bpfcert/conformance/2) here ('-': standard output)");
  cmd->add_option("--junit", o->junit, "write a JUnit XML report here ('-': standard output)");
  cmd->add_option("--shard", o->shard, "run shard K of N (K/N) of the corpus");
  cmd->add_flag("--coverage", o->coverage, "print the encoding x test matrix instead of running; exit 1 if an encoding has no test");
  cmd->add_flag("--quiet,-q", o->quiet, "no live progress line (failures and the summary table are still printed)");
  cmd->add_flag("--verbose,-v", o->verbose, "also list every refused, skipped and ABI-dependent test with its reason");
  set_help(cmd, {{{"bpfcert conform", "the reference interpreter, default groups"},
                  {"bpfcert conform --target jit --include-groups all -j 2", "the JIT on every group"},
                  {"bpfcert conform --target plugin --plugin ./my_vm_plugin", "any bpf_conformance plugin"},
                  {"bpfcert conform --json c.json --junit c.xml -q", "reports for CI"},
                  {"bpfcert conform --coverage", "the encoding x test matrix of the corpus"}},
                 "tests ran and none failed: every claimed group is certified",
                 "a test failed or errored, or no test ran"});
  cmd->callback([o, exit_code] {
    if (o->tests.empty()) o->tests.push_back(default_corpus());
    if (o->coverage) {
      auto files = conformance::find_tests(o->tests);
      if (!files.ok()) {
        *exit_code = report_error(files.error());
        return;
      }
      std::vector<conformance::TestCase> tests;
      for (const auto& f : *files) {
        auto t = conformance::load_test_case(f.path, f.name);
        if (!t.ok()) {
          std::cerr << "bpfcert conform: " << t.error().to_string() << "\n";
          continue;
        }
        tests.push_back(std::move(t.value()));
      }
      const auto rows = conformance::encoding_coverage(tests);
      std::cout << conformance::coverage_text(rows, o->verbose ? 0 : 6);
      bool all = true;
      for (const auto& r : rows) all = all && !r.tests.empty();
      *exit_code = all ? kExitOk : kExitVerdict;
      return;
    }
    if ((*exit_code = check_outputs({{"--json", o->json}, {"--junit", o->junit}})) != kExitOk) return;
    conformance::RunnerOptions ropt;
    ropt.test_paths = o->tests;
    ropt.cpu_version = *semantics::isa_version_from_string(o->cpu_version);
    auto groups = conformance::claimed_groups(o->include_groups, o->exclude_groups);
    if (!groups.ok()) {
      *exit_code = usage(groups.error().message);
      return;
    }
    ropt.groups = *groups;
    auto checks = conformance::claimed_checks(o->checks);
    if (!checks.ok()) {
      *exit_code = usage(checks.error().message);
      return;
    }
    ropt.checks = *checks;
    if (!o->plugin_abi.empty() && o->target != "plugin") {
      *exit_code = usage("--plugin-abi needs --target plugin");
      return;
    }
    auto abi = conformance::declared_abi(o->plugin_abi);
    if (!abi.ok()) {
      *exit_code = usage(abi.error().message);
      return;
    }
    ropt.abi = *abi;
    ropt.include_regex = o->include_regex;
    ropt.exclude_regex = o->exclude_regex;
    ropt.jobs = o->jobs;
    ropt.timeout_seconds = o->timeout;
    ropt.max_steps = o->max_steps;
    ropt.tool_version = BPFCERT_VERSION;
    if (!o->shard.empty()) {
      unsigned k = 0, n = 0;
      char slash = 0;
      std::istringstream in(o->shard);
      if (!(in >> k >> slash >> n) || slash != '/' || !in.eof() || n == 0 || k == 0 || k > n) {
        *exit_code = usage(fmt::format("--shard {}: expected K/N with 1 <= K <= N", o->shard));
        return;
      }
      ropt.shard_index = k;
      ropt.shard_count = n;
    }
    if ((o->target == "plugin") != !o->plugin.empty()) {
      *exit_code = usage(o->target == "plugin" ? "--target plugin needs --plugin PATH" : "--plugin needs --target plugin");
      return;
    }
    if (!o->plugin_options.empty() && o->target != "plugin") {
      *exit_code = usage("--plugin-options needs --target plugin");
      return;
    }
    std::unique_ptr<conformance::Target> target;
    if (o->target == "interp") target = std::make_unique<conformance::EngineTarget>(interp::EngineKind::Interpreter);
    if (o->target == "jit") target = std::make_unique<conformance::EngineTarget>(interp::EngineKind::Jit);
    if (o->target == "kernel") target = std::make_unique<conformance::KernelTarget>();
    if (o->target == "plugin") {
      if (::access(o->plugin.c_str(), X_OK) != 0) {
        *exit_code = usage(fmt::format("--plugin {}: not an executable file", o->plugin));
        return;
      }
      target = std::make_unique<conformance::PluginTarget>(o->plugin, conformance::split_plugin_options(o->plugin_options));
    }
    const bool live = !o->quiet && ::isatty(STDERR_FILENO);
    if (live) {
      ropt.progress = [](size_t done, size_t total, const reports::ConformanceTest& t) {
        std::string name = t.name.size() > 50 ? "..." + t.name.substr(t.name.size() - 47) : t.name;
        std::cerr << fmt::format("\r\033[K[{}/{}] {} {}", done, total, t.outcome, name) << std::flush;
      };
    }
    auto report = conformance::run_conformance(*target, ropt);
    if (live) std::cerr << "\r\033[K" << std::flush;
    if (!report.ok()) {
      *exit_code = report.error().code == semantics::ErrorCode::UsageError ? usage(report.error().message)
                                                                             : report_error(report.error());
      return;
    }
    text_stream({o->json, o->junit}) << reports::to_text(*report, o->verbose);
    if (!o->json.empty() && !write_output(o->json, reports::to_json(*report).dump(2) + "\n")) {
      *exit_code = kExitInput;
      return;
    }
    if (!o->junit.empty() && !write_output(o->junit, reports::to_junit(*report))) {
      *exit_code = kExitInput;
      return;
    }
    *exit_code = report->summary().ok() ? kExitOk : kExitVerdict;
  });
}

}  // namespace bpfcert::cli
