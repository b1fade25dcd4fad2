// bpfcert: the command-line tool. Thin: parses flags, calls the libraries, picks a writer.
#include <iostream>

#include "cli/commands.h"
#include "cli/help.h"
#include "cli/input.h"
#include "cli/options.h"

int main(int argc, char** argv) {
  namespace cli = bpfcert::cli;
  CLI::App app{"bpfcert: reference toolkit for the eBPF instruction set (RFC 9669)", "bpfcert"};
  app.require_subcommand(1);
  app.set_version_flag("-V,--version", std::string("bpfcert ") + cli::version());
  app.footer(
      "`bpfcert help COMMAND` or `bpfcert COMMAND --help`: a command's options, examples and exit codes.\n"
      "Exit codes: 0 success, 1 verdict failure (trap, failed check, rejected program), 2 usage or input error.");
  int exit_code = cli::kExitOk;
  cli::add_asm_command(app, &exit_code);
  cli::add_disasm_command(app, &exit_code);
  cli::add_run_command(app, &exit_code);
  cli::add_verify_command(app, &exit_code);
  cli::add_list_command(app, &exit_code);
  cli::add_conform_command(app, &exit_code);
  cli::add_plugin_command(app, &exit_code);
  cli::add_report_command(app, &exit_code);
  cli::add_prove_command(app, &exit_code);
  cli::add_precision_command(app, &exit_code);
  cli::add_mutate_command(app, &exit_code);
  cli::add_help_command(app, &exit_code);
  if (const std::string unknown = cli::unknown_command_message(app, argc, argv); !unknown.empty()) {
    std::cerr << unknown << "\n";
    return cli::kExitInput;
  }
  if (argc == 1) {
    std::cerr << app.help();
    return cli::kExitInput;
  }
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
    return cli::kExitInput;
  }
  return exit_code;
}
