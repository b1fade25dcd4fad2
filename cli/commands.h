// Every subcommand registers itself on the application; main() only dispatches.
#pragma once

#include <CLI/CLI.hpp>

namespace bpfcert::cli {

// Each add_* registers one subcommand whose callback stores its exit code in *exit_code.
void add_asm_command(CLI::App& app, int* exit_code);
void add_disasm_command(CLI::App& app, int* exit_code);
void add_run_command(CLI::App& app, int* exit_code);
void add_conform_command(CLI::App& app, int* exit_code);
void add_plugin_command(CLI::App& app, int* exit_code);
void add_report_command(CLI::App& app, int* exit_code);
void add_verify_command(CLI::App& app, int* exit_code);
void add_list_command(CLI::App& app, int* exit_code);
void add_prove_command(CLI::App& app, int* exit_code);
void add_precision_command(CLI::App& app, int* exit_code);
void add_mutate_command(CLI::App& app, int* exit_code);

}  // namespace bpfcert::cli
