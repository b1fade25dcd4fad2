#include "cli/input.h"

#include <fmt/format.h>

#include "reports/output.h"

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

semantics::Result<ProgramInput> load_program(const std::string& path, std::optional<semantics::Syntax> syntax) {
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
  if (looks_like_data_file(path, text)) {
    auto df = conformance::parse_data_file(text, path);
    if (!df.ok()) return df.error();
    auto insns = df->instructions();
    if (!insns.ok()) return insns.error();
    input.kind = InputKind::DataFile;
    input.insns = std::move(insns.value());
    input.data_file = std::move(df.value());
    return input;
  }
  semantics::AssembleOptions options;
  options.file = path;
  auto insns = syntax ? semantics::assemble(text, *syntax, options) : semantics::assemble_any(text, options);
  if (!insns.ok()) return insns.error();
  input.kind = InputKind::Assembly;
  input.insns = std::move(insns.value());
  return input;
}

}  // namespace bpfcert::cli
