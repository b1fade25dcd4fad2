// bpfcert: the command-line tool. Thin: parses flags, calls the libraries, picks a writer.
#include <iostream>

#include "cli/commands.h"
#include "cli/input.h"

int main(int argc, char** argv) {
  CLI::App app{"bpfcert: reference toolkit for the eBPF instruction set (RFC 9669)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "bpfcert 0.1.0");
  int exit_code = bpfcert::cli::kExitOk;
  bpfcert::cli::add_asm_command(app, &exit_code);
  bpfcert::cli::add_disasm_command(app, &exit_code);
  bpfcert::cli::add_run_command(app, &exit_code);
  bpfcert::cli::add_conform_command(app, &exit_code);
  bpfcert::cli::add_plugin_command(app, &exit_code);
  bpfcert::cli::add_report_command(app, &exit_code);
  bpfcert::cli::add_verify_command(app, &exit_code);
  bpfcert::cli::add_list_command(app, &exit_code);
  bpfcert::cli::add_prove_command(app, &exit_code);
  bpfcert::cli::add_precision_command(app, &exit_code);
  bpfcert::cli::add_mutate_command(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return bpfcert::cli::kExitInput;
  }
  return exit_code;
}
