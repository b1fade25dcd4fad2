#include "cli/input.h"

#include <fmt/format.h>

#include "reports/output.h"
#include "reports/source_excerpt.h"
#include "semantics/suggest.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace bpfcert::cli {

using semantics::Error;
using semantics::ErrorCode;

const char* to_string(InputKind kind) {
  switch (kind) {
    case InputKind::Bytecode: return "bytecode";
    case InputKind::Assembly: return "assembly";
    case InputKind::DataFile: return "data";
  }
  return "bytecode";
}

int report_error(const Error& e) {
  std::cerr << "bpfcert: " << e.to_string() << "\n";
  if (e.where.line > 0 && !e.where.file.empty()) {
    std::string text, ignored;
    if (reports::read_text_file(e.where.file, &text, &ignored)) {
      const std::string_view line = reports::line_of(text, e.where.line);
      if (!line.empty()) std::cerr << reports::source_excerpt(e.where.line, line, e.where.column);
    }
  }
  return kExitInput;
}

int report_errors(const Error& first, const std::vector<Error>& more) {
  report_error(first);
  for (const Error& e : more) report_error(e);
  if (!more.empty()) std::cerr << fmt::format("bpfcert: {} errors\n", more.size() + 1);
  return kExitInput;
}

semantics::Result<std::string> read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Error{ErrorCode::BadFile, {path, 0, 0, -1}, "is a folder, not a file"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::BadFile, {path, 0, 0, -1}, "cannot open the file"};
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error{ErrorCode::BadFile, {path, 0, 0, -1}, "cannot read the file"};
  return ss.str();
}

bool write_output(const std::string& path, std::string_view content) {
  if (std::string err = reports::write_text_file(path, content); !err.empty()) {
    std::cerr << "bpfcert: " << err << "\n";
    return false;
  }
  return true;
}

int check_outputs(const std::vector<std::pair<std::string, std::string>>& outputs) {
  if (std::string err = reports::check_output_paths(outputs); !err.empty()) {
    std::cerr << "bpfcert: " << err << "\n";
    return kExitInput;
  }
  return kExitOk;
}

std::ostream& text_stream(const std::vector<std::string>& report_paths) {
  for (const std::string& p : report_paths) {
    if (!p.empty() && reports::is_standard_output(p)) return std::cerr;
  }
  return std::cout;
}

namespace {

// Text is control-free UTF-8 (comments may hold "§" or names); bytecode almost always has NUL
// bytes and rarely forms valid UTF-8.
bool looks_binary(const std::string& bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t')) return true;
    if (c < 0x80) continue;
    const size_t extra = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
    if (extra == 0) return true;
    for (size_t k = 1; k <= extra; ++k) {
      if (i + k >= bytes.size() || (static_cast<unsigned char>(bytes[i + k]) & 0xc0) != 0x80) return true;
    }
    i += extra;
  }
  return false;
}

bool looks_like_data_file(const std::string& path, const std::string& text) {
  if (path.size() > 5 && path.ends_with(".data")) return true;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    if (line.find("--") != std::string::npos &&
        (line.find("asm") != std::string::npos || line.find("raw") != std::string::npos)) {
      return true;
    }
  }
  return false;
}

}  // namespace

semantics::Result<ProgramInput> load_program(const std::string& path, std::optional<semantics::Syntax> syntax,
                                             std::vector<Error>* more_errors) {
  auto content = read_file(path);
  if (!content.ok()) return content.error();
  ProgramInput input;
  const std::string& text = content.value();
  if (text.starts_with("\x7f" "ELF")) {
    return Error{ErrorCode::BadFile, {path, 0, 0, -1}, "ELF objects are read by 'bpfcert verify' and 'bpfcert list'"};
  }
  if (text.empty() || looks_binary(text)) {
    auto insns = semantics::decode_bytes(
        std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), path);
    if (!insns.ok()) return insns.error();
    input.kind = InputKind::Bytecode;
    input.insns = std::move(insns.value());
    return input;
  }
  // Assembler text, as a file or as the asm section of a .data file.
  auto assemble = [&](std::string_view asm_text, int first_line, std::optional<semantics::Syntax> sx) -> semantics::Result<bool> {
    semantics::AssembleOptions options;
    options.file = path;
    options.first_line = first_line;
    semantics::Assembly a = sx ? semantics::assemble_program(asm_text, *sx, options)
                               : semantics::assemble_program_any(asm_text, options);
    if (!a.errors.empty()) {
      if (more_errors != nullptr) more_errors->assign(a.errors.begin() + 1, a.errors.end());
      return a.errors.front();
    }
    input.insns = std::move(a.insns);
    input.lines = std::move(a.lines);
    input.source = text;
    return true;
  };
  if (looks_like_data_file(path, text)) {
    auto df = conformance::parse_data_file(text, path);
    if (!df.ok()) return df.error();
    // bpf_conformance's runner reads past a section it does not know. A file given by hand
    // more likely has a misspelt one: a name close to a section's is an error, any other is
    // read past with a warning.
    for (size_t i = 0; i < df->unknown_sections.size(); ++i) {
      static const std::vector<std::string> kSections{"asm", "result", "mem", "raw", "error"};
      std::string_view header = df->unknown_sections[i];
      while (!header.empty() && (header.front() == '-' || header.front() == ' ')) header.remove_prefix(1);
      const int line = df->unknown_section_lines[i];
      if (const std::optional<std::string> near = semantics::closest_name(header, kSections)) {
        return Error{ErrorCode::BadFile, {path, line, 1, -1},
                     fmt::format("unknown section '{}', did you mean '-- {}'?", df->unknown_sections[i], *near)};
      }
      std::cerr << fmt::format("bpfcert: {}:{}:1: warning: section '{}' is not read (sections: asm, result, mem, raw, "
                               "error)\n",
                               path, line, df->unknown_sections[i])
                << reports::source_excerpt(line, reports::line_of(text, line), 1);
    }
    input.kind = InputKind::DataFile;
    if (df->has_raw) {
      auto insns = df->instructions();
      if (!insns.ok()) return insns.error();
      input.insns = std::move(insns.value());
    } else if (auto done = assemble(df->asm_text, df->asm_first_line, syntax.value_or(semantics::Syntax::Conformance));
               !done.ok()) {
      return done.error();
    }
    input.data_file = std::move(df.value());
    return input;
  }
  input.kind = InputKind::Assembly;
  if (auto done = assemble(text, 1, syntax); !done.ok()) return done.error();
  return input;
}

}  // namespace bpfcert::cli
