// Reading a program from the command line's IN argument: raw bytecode, assembler text in
// either syntax, or a bpf_conformance .data file.
#pragma once

#include <optional>
#include <ostream>
#include <string_view>
#include <utility>
#include <string>
#include <vector>

#include "conformance/data_file.h"
#include "semantics/assembly.h"
#include "semantics/program.h"

namespace bpfcert::cli {

enum class InputKind { Bytecode, Assembly, DataFile };
const char* to_string(InputKind kind);  // the reports' input kind: "bytecode", "assembly", "data"

struct ProgramInput {
  InputKind kind = InputKind::Bytecode;
  std::vector<semantics::Insn> insns;
  std::optional<conformance::DataFile> data_file;
};

semantics::Result<std::string> read_file(const std::string& path);
semantics::Result<ProgramInput> load_program(const std::string& path, std::optional<semantics::Syntax> syntax);

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitVerdict = 1;  // trap, failed check, rejected program
inline constexpr int kExitInput = 2;    // usage or input error

int report_error(const semantics::Error& e);  // prints to stderr, returns kExitInput

// Writes one output file through reports::write_text_file ('-' is standard output; devices,
// FIFOs and symlinks are written, never replaced). On failure prints "bpfcert: <why>" and
// returns false.
bool write_output(const std::string& path, std::string_view content);

// Refuses (exit 2, with a message) two outputs of one command on standard output; returns
// kExitOk when the outputs are usable. `outputs` pairs an option name with its path.
int check_outputs(const std::vector<std::pair<std::string, std::string>>& outputs);

// Where a command's human-readable text goes: standard error when any of its reports is
// written to standard output (so the report stays machine-readable), standard output otherwise.
std::ostream& text_stream(const std::vector<std::string>& report_paths);

}  // namespace bpfcert::cli
