// `bpfcert help [CMD]`, and what is generated from the option definitions themselves: a man
// page per command (`bpfcert help --man CMD`, roff) and bash completion
// (`bpfcert help --completion bash`). The build installs both (cli/CMakeLists.txt).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace bpfcert::cli {

void add_help_command(CLI::App& app, int* exit_code);

// The man page of `cmd` (the application itself for bpfcert(1)), in roff.
std::string man_page(const CLI::App& app, const CLI::App* cmd);
std::string bash_completion(const CLI::App& app);

// "bpfcert: unknown command 'veriyf', did you mean 'verify'? (bpfcert help: the commands)" when
// argv's first word is meant as a command but names none; empty otherwise.
std::string unknown_command_message(const CLI::App& app, int argc, const char* const* argv);

}  // namespace bpfcert::cli
