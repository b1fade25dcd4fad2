// bpfcert asm / disasm.
#include <iostream>

#include "cli/commands.h"
#include "cli/input.h"
#include "cli/options.h"

namespace bpfcert::cli {

namespace {

std::optional<semantics::Syntax> syntax_option(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return semantics::syntax_from_string(s);
}

}  // namespace

void add_asm_command(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("asm", "Assemble a program (either syntax) into raw little-endian bytecode");
  auto input = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto syntax = std::make_shared<std::string>();
  cmd->add_option("IN", *input, "assembler text or .data file")->required();
  cmd->add_option("-o,--output", *output, "bytecode file to write ('-': standard output)")->required();
  cmd->add_option("--syntax", *syntax, "conformance (mov %r0, 1) or llvm (r0 = 1); detected when omitted")
      ->check(CLI::IsMember({"conformance", "llvm"}));
  set_help(cmd, {{{"bpfcert asm prog.asm -o prog.bin", "either syntax, detected"},
                  {"bpfcert asm --syntax llvm prog.s -o -", "the bytecode on standard output"},
                  {"bpfcert asm test.data -o prog.bin", "the program of a bpf_conformance test"}},
                 "the bytecode was written",
                 ""});
  cmd->callback([=] {
    auto prog = load_program(*input, syntax_option(*syntax));
    if (!prog.ok()) {
      *exit_code = report_error(prog.error());
      return;
    }
    const auto bytes = semantics::encode_all(prog->insns);
    const std::string_view content(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    *exit_code = write_output(*output, content) ? kExitOk : kExitInput;
  });
}

void add_disasm_command(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("disasm", "Disassemble bytecode (or re-print assembler / .data) in either syntax");
  auto input = std::make_shared<std::string>();
  auto syntax = std::make_shared<std::string>("conformance");
  auto show_pc = std::make_shared<bool>(false);
  auto no_labels = std::make_shared<bool>(false);
  auto output = std::make_shared<std::string>("-");
  cmd->add_option("IN", *input, "raw bytecode, assembler text or .data file")->required();
  cmd->add_option("--syntax", *syntax, "output syntax: conformance or llvm")
      ->capture_default_str()
      ->check(CLI::IsMember({"conformance", "llvm"}));
  cmd->add_flag("--pc", *show_pc, "prefix each instruction with its pc");
  cmd->add_flag("--no-labels", *no_labels, "print jump targets as relative offsets");
  cmd->add_option("-o,--output", *output, "assembler text file to write ('-': standard output)")->capture_default_str();
  set_help(cmd, {{{"bpfcert disasm prog.bin", "conformance syntax, jump targets as labels"},
                  {"bpfcert disasm --syntax llvm --pc prog.bin", "LLVM syntax, each line with its pc"},
                  {"bpfcert disasm prog.bin -o prog.asm", "text that reassembles to the same bytes"}},
                 "the program was printed",
                 ""});
  cmd->callback([=] {
    auto prog = load_program(*input, std::nullopt);
    if (!prog.ok()) {
      *exit_code = report_error(prog.error());
      return;
    }
    semantics::DisassembleOptions options;
    options.syntax = *semantics::syntax_from_string(*syntax);
    options.show_pc = *show_pc;
    options.labels = !*no_labels;
    *exit_code = write_output(*output, semantics::disassemble(prog->insns, options)) ? kExitOk : kExitInput;
  });
}

}  // namespace bpfcert::cli
