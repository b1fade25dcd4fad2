// The options every subcommand spells alike (-q/--quiet, -v/--verbose, -j/--jobs, --json), the
// common parts of each command's help (examples, exit codes), and the checks that refuse an
// option where it does not apply. One definition per flag, so `bpfcert X --help`, the man pages
// and the shell completion (cli/help.cpp) all describe the same options.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace bpfcert::cli {

// "0.1.0": the project's version (CMake's PROJECT_VERSION).
const char* version();

CLI::Option* add_quiet_flag(CLI::App* cmd, bool* quiet, const std::string& what = "print nothing on standard output but the reports asked for");
CLI::Option* add_verbose_flag(CLI::App* cmd, bool* verbose, const std::string& what);
CLI::Option* add_jobs_option(CLI::App* cmd, unsigned* jobs, const std::string& what);
// --json PATH: the command's JSON report, whose schema id is `schema` ("bpfcert/run/1").
CLI::Option* add_json_option(CLI::App* cmd, std::string* path, const std::string& schema);

// What `--help` and the man page show after the options: a few command lines a user would type
// (each with a one-line comment) and what each exit code means for this command.
struct HelpText {
  std::vector<std::pair<std::string, std::string>> examples;  // command line, comment
  std::string exit_ok;       // what exit 0 means here
  std::string exit_verdict;  // what exit 1 means here (empty: the command has no verdict)
};
void set_help(CLI::App* cmd, const HelpText& help);
const HelpText* help_text(const CLI::App* cmd);  // null when the command set none

// Refuses the options of `names` that were given on the command line: prints
// "bpfcert CMD: OPTION does not apply <why>" and returns false when one was.
bool refuse_options(const CLI::App* cmd, const std::vector<std::string>& names, const std::string& why);
bool given(const CLI::App* cmd, const std::string& name);  // the option was on the command line

}  // namespace bpfcert::cli
