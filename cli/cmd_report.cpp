// bpfcert report: work with written reports. `merge` joins the JSON reports of the shards of
// one run (--shard K/N) and recomputes the certification; `show` prints a report as text;
// `validate` checks reports against their published JSON Schema.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/input.h"
#include "cli/options.h"
#include "conformance/runner.h"
#include "reports/conformance_report.h"
#include "reports/json_schema.h"
#include "reports/output.h"

namespace bpfcert::cli {

namespace {

bool read_json(const std::string& path, nlohmann::json* j, std::string* error) {
  std::string text;
  if (!reports::read_text_file(path, &text, error)) return false;
  try {
    *j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    *error = fmt::format("{}: not JSON: {}", path, e.what());
    return false;
  }
  return true;
}

bool read_report(const std::string& path, reports::ConformanceReport* r, std::string* error) {
  nlohmann::json j;
  if (!read_json(path, &j, error)) return false;
  if (auto e = reports::from_json(j, r)) {
    *error = fmt::format("{}: not a conformance report: {}", path, *e);
    return false;
  }
  return true;
}

int input_error(const std::string& message) {
  std::cerr << "bpfcert report: " << message << "\n";
  return kExitInput;
}

}  // namespace

void add_report_command(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("report", "Merge, show or validate written reports");
  cmd->require_subcommand(1);

  struct MergeOptions {
    std::vector<std::string> inputs;
    std::string output = "-", junit;
  };
  auto m = std::make_shared<MergeOptions>();
  auto* merge = cmd->add_subcommand("merge", "Merge the JSON reports of the shards of one conformance run");
  merge->add_option("REPORTS", m->inputs, "shard reports (bpfcert conform --shard K/N --json ...)")->required();
  merge->add_option("-o,--output", m->output, "merged JSON report ('-': standard output)")->capture_default_str();
  merge->add_option("--junit", m->junit, "also write the merged JUnit XML here");
  set_help(merge, {{{"bpfcert report merge s1.json s2.json -o all.json", "shards of --shard K/N"}},
                   "the merged run certifies every claimed group",
                   "a test of the merged run failed or errored"});
  merge->callback([m, exit_code] {
    if ((*exit_code = check_outputs({{"--output", m->output}, {"--junit", m->junit}})) != kExitOk) return;
    std::vector<reports::ConformanceReport> parts(m->inputs.size());
    for (size_t i = 0; i < parts.size(); ++i) {
      std::string error;
      if (!read_report(m->inputs[i], &parts[i], &error)) {
        *exit_code = input_error(error);
        return;
      }
    }
    reports::ConformanceReport merged;
    if (auto e = reports::merge(parts, &merged)) {
      *exit_code = input_error(*e);
      return;
    }
    conformance::certify(merged);
    if (!write_output(m->output, reports::to_json(merged).dump(2) + "\n") ||
        (!m->junit.empty() && !write_output(m->junit, reports::to_junit(merged)))) {
      *exit_code = kExitInput;
      return;
    }
    std::cerr << reports::to_text(merged);
    *exit_code = merged.summary().ok() ? kExitOk : kExitVerdict;
  });

  auto show_input = std::make_shared<std::string>();
  auto show_skips = std::make_shared<bool>(false);
  auto* show = cmd->add_subcommand("show", "Print a JSON conformance report as text (exit 1 when its verdict is fail)");
  show->add_option("REPORT", *show_input, "JSON report")->required();
  show->add_flag("--verbose,-v", *show_skips, "also list every refused, skipped and ABI-dependent test");
  set_help(show, {{{"bpfcert report show c.json", "the summary table"}}, "the report's verdict is pass", "its verdict is fail"});
  show->callback([show_input, show_skips, exit_code] {
    reports::ConformanceReport r;
    std::string error;
    if (!read_report(*show_input, &r, &error)) {
      *exit_code = input_error(error);
      return;
    }
    if (r.group_verdicts.empty()) conformance::certify(r);  // a schema 1 report, upgraded: certify it anew
    std::cout << reports::to_text(r, *show_skips);
    *exit_code = r.summary().ok() ? kExitOk : kExitVerdict;
  });

  auto validate_inputs = std::make_shared<std::vector<std::string>>();
  auto* validate = cmd->add_subcommand("validate", "Check reports against their published JSON Schema");
  validate->add_option("REPORTS", *validate_inputs, "JSON reports")->required();
  set_help(validate, {{{"bpfcert report validate out/*.json", "every report against its schema"}},
                      "every report is valid",
                      "a report does not match its schema (each error on standard error)"});
  validate->callback([validate_inputs, exit_code] {
    *exit_code = kExitOk;
    for (const std::string& path : *validate_inputs) {
      nlohmann::json j;
      std::string error;
      if (!read_json(path, &j, &error)) {
        *exit_code = input_error(error);
        return;
      }
      const std::string schema_id = j.is_object() && j.contains("schema") && j["schema"].is_string() ? j["schema"].get<std::string>() : "";
      // "bpfcert/conformance/1" is published as reports/schemas/conformance-1.schema.json.
      std::string file = schema_id.starts_with("bpfcert/") ? schema_id.substr(8) : "";
      if (const size_t slash = file.rfind('/'); slash != std::string::npos) file[slash] = '-';
      const char* schema = reports::published_schema(file);
      if (schema == nullptr) {
        *exit_code = input_error(fmt::format("{}: unknown report schema \"{}\"", path, schema_id));
        return;
      }
      const auto errors = reports::validate_json(nlohmann::json::parse(schema), j);
      for (const std::string& e : errors) std::cerr << path << ": " << e << "\n";
      std::cout << path << ": " << (errors.empty() ? "valid " : "INVALID ") << schema_id << "\n";
      if (!errors.empty()) *exit_code = kExitVerdict;
    }
  });
}

}  // namespace bpfcert::cli
