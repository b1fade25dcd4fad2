// Reading a program from the command line's IN argument: raw bytecode, assembler text in
// either syntax, or a bpf_conformance .data file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "conformance/data_file.h"
#include "semantics/assembly.h"
#include "semantics/program.h"

namespace bpfcert::cli {

enum class InputKind { Bytecode, Assembly, DataFile };

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

}  // namespace bpfcert::cli
