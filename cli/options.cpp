#include "cli/options.h"

#include <fmt/format.h>

#include <iostream>
#include <map>

#include "cli/input.h"

namespace bpfcert::cli {

const char* version() { return BPFCERT_VERSION; }

CLI::Option* add_quiet_flag(CLI::App* cmd, bool* quiet, const std::string& what) {
  return cmd->add_flag("-q,--quiet", *quiet, what);
}

CLI::Option* add_verbose_flag(CLI::App* cmd, bool* verbose, const std::string& what) {
  return cmd->add_flag("-v,--verbose", *verbose, what);
}

CLI::Option* add_jobs_option(CLI::App* cmd, unsigned* jobs, const std::string& what) {
  return cmd->add_option("-j,--jobs", *jobs, what)->check(CLI::Range(1u, 1024u))->capture_default_str();
}

CLI::Option* add_json_option(CLI::App* cmd, std::string* path, const std::string& schema) {
  return cmd->add_option("--json", *path, fmt::format("write the JSON report (schema {}) to this file ('-': standard output)", schema));
}

namespace {

std::map<const CLI::App*, HelpText>& help_texts() {
  static std::map<const CLI::App*, HelpText> texts;
  return texts;
}

std::string footer(const HelpText& help) {
  std::string out = "Examples:\n";
  size_t width = 0;
  for (const auto& [line, comment] : help.examples) width = std::max(width, line.size());
  for (const auto& [line, comment] : help.examples) {
    out += comment.empty() ? fmt::format("  {}\n", line) : fmt::format("  {:<{}}  # {}\n", line, width, comment);
  }
  out += "\nExit codes:\n";
  out += fmt::format("  {}  {}\n", kExitOk, help.exit_ok);
  if (!help.exit_verdict.empty()) out += fmt::format("  {}  {}\n", kExitVerdict, help.exit_verdict);
  out += fmt::format("  {}  usage or input error (the message names the option, or the file, line and column)\n", kExitInput);
  return out;
}

}  // namespace

void set_help(CLI::App* cmd, const HelpText& help) {
  help_texts()[cmd] = help;
  cmd->footer(footer(help));
}

const HelpText* help_text(const CLI::App* cmd) {
  const auto it = help_texts().find(cmd);
  return it == help_texts().end() ? nullptr : &it->second;
}

bool given(const CLI::App* cmd, const std::string& name) {
  const CLI::Option* o = cmd->get_option_no_throw(name);
  return o != nullptr && o->count() > 0;
}

bool refuse_options(const CLI::App* cmd, const std::vector<std::string>& names, const std::string& why) {
  for (const std::string& name : names) {
    if (given(cmd, name)) {
      std::cerr << fmt::format("bpfcert {}: {} does not apply {}\n", cmd->get_name(), name, why);
      return false;
    }
  }
  return true;
}

}  // namespace bpfcert::cli
