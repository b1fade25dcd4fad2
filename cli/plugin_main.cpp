// bpfcert-plugin: `bpfcert plugin` as an executable of its own, because bpf_conformance's
// runner starts a plugin as `<plugin> <mem> <options>...` and cannot put a subcommand first:
//   bpf_conformance_runner --plugin_path build/cli/bpfcert-plugin --test_file_directory ...
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/input.h"

int main(int argc, char** argv) {
  std::vector<std::string> args{argv[0], "plugin"};
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  std::vector<char*> cargs;
  for (std::string& a : args) cargs.push_back(a.data());
  CLI::App app{"bpfcert-plugin: bpfcert's engines as a bpf_conformance plugin", "bpfcert-plugin"};
  app.require_subcommand(1);
  int exit_code = bpfcert::cli::kExitOk;
  bpfcert::cli::add_plugin_command(app, &exit_code);
  try {
    app.parse(static_cast<int>(cargs.size()), cargs.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return bpfcert::cli::kExitInput;
  }
  return exit_code;
}
