#include "conformance/data_file.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include "semantics/assembly.h"

namespace bpfcert::conformance {

using semantics::Error;
using semantics::ErrorCode;
using semantics::Location;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

enum class Section { None, Asm, Result, Mem, Raw, Ignored, Error, Unknown };

// bpf_conformance matches the header keyword as a substring, in this order.
Section section_of(std::string_view header) {
  if (header.find("asm") != std::string_view::npos) return Section::Asm;
  if (header.find("result") != std::string_view::npos) return Section::Result;
  if (header.find("mem") != std::string_view::npos) return Section::Mem;
  if (header.find("raw") != std::string_view::npos) return Section::Raw;
  if (header.find("no register offset") != std::string_view::npos) return Section::Ignored;
  if (header.find(" c") != std::string_view::npos) return Section::Ignored;
  if (header.find("error") != std::string_view::npos) return Section::Error;
  return Section::Unknown;
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  s = trim(s);
  int base = 10;
  if (s.find("0x") != std::string_view::npos || s.find("0X") != std::string_view::npos) {
    base = 16;
    s = s.substr(s.find_first_of("xX") + 1);
  }
  bool negative = false;
  if (base == 10 && !s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return negative ? 0 - v : v;
}

}  // namespace

semantics::Result<std::vector<uint8_t>> parse_hex_bytes(std::string_view text, const std::string& where) {
  std::vector<uint8_t> out;
  std::istringstream in{std::string(text)};
  std::string tok;
  while (in >> tok) {
    std::string_view t = tok;
    if (t.starts_with("0x") || t.starts_with("0X")) t.remove_prefix(2);
    if (t.size() % 2 != 0) {
      return Error{ErrorCode::BadFile, {where, 0, 0, -1}, fmt::format("hex byte '{}' has an odd number of digits", tok)};
    }
    for (size_t i = 0; i < t.size(); i += 2) {
      uint8_t b = 0;
      const auto [end, ec] = std::from_chars(t.data() + i, t.data() + i + 2, b, 16);
      if (ec != std::errc() || end != t.data() + i + 2) {
        return Error{ErrorCode::BadFile, {where, 0, 0, -1}, fmt::format("'{}' is not hex", tok)};
      }
      out.push_back(b);
    }
  }
  return out;
}

semantics::Result<DataFile> parse_data_file(std::string_view text, const std::string& path) {
  DataFile df;
  df.path = path;
  Section section = Section::None;
  std::string result_text, error_text;
  int result_line = 0;
  int line_no = 0;
  size_t start = 0;
  auto fail = [&](int line, std::string message) { return Error{ErrorCode::BadFile, {path, line, 0, -1}, std::move(message)}; };
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw_line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!raw_line.empty() && raw_line.back() == '\r') raw_line.remove_suffix(1);
    const size_t hash = raw_line.find('#');
    if (hash != std::string_view::npos) {
      std::string_view comment = trim(raw_line.substr(hash + 1));
      if (comment.starts_with("@bpfcert")) {
        comment = trim(comment.substr(8));
        const size_t sp = comment.find_first_of(" \t");
        df.directives.push_back({std::string(comment.substr(0, sp)),
                                 std::string(sp == std::string_view::npos ? "" : trim(comment.substr(sp))), line_no});
      }
    }
    const std::string_view line = hash == std::string_view::npos ? raw_line : raw_line.substr(0, hash);
    // Any line containing "--" is a section header, as in bpf_conformance's reader.
    if (line.find("--") != std::string_view::npos) {
      section = section_of(line);
      if (section == Section::Unknown) {
        df.unknown_sections.emplace_back(trim(line));
        df.unknown_section_lines.push_back(line_no);
      }
      if (section == Section::Asm) df.asm_first_line = line_no + 1;
      if (section == Section::Raw) df.has_raw = true;
      if (section == Section::Mem) df.has_mem = true;
      continue;
    }
    switch (section) {
      case Section::Asm:
        df.asm_text.append(raw_line);
        df.asm_text += '\n';
        break;
      case Section::Mem: {
        auto bytes = parse_hex_bytes(line, path);
        if (!bytes.ok()) return fail(line_no, bytes.error().message);
        df.mem.insert(df.mem.end(), bytes->begin(), bytes->end());
        break;
      }
      case Section::Result:
        if (!trim(line).empty()) {  // the last line wins
          result_text = std::string(trim(line));
          result_line = line_no;
        }
        break;
      case Section::Error:
        if (!trim(line).empty()) {
          if (!error_text.empty()) error_text += '\n';
          error_text += std::string(trim(line));
        }
        break;
      case Section::Raw: {
        std::istringstream in{std::string(line)};
        std::string tok;
        while (in >> tok) {
          const auto w = parse_u64(tok.find("0x") == std::string::npos ? "0x" + tok : tok);
          if (!w) return fail(line_no, fmt::format("raw instruction '{}' is not a 64-bit hex word", tok));
          df.raw_words.push_back(*w);
        }
        break;
      }
      case Section::None:
        if (!trim(line).empty()) return fail(line_no, "text before the first '--' section header");
        break;
      case Section::Ignored:
      case Section::Unknown: break;
    }
  }
  if (!result_text.empty()) {
    const auto v = parse_u64(result_text);
    if (!v) return fail(result_line, fmt::format("result '{}' is not a number", result_text));
    df.result = *v;
  }
  if (!error_text.empty()) df.error = error_text;
  return df;
}

semantics::Result<DataFile> read_data_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::BadFile, {path, 0, 0, -1}, "cannot open the file"};
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_data_file(ss.str(), path);
}

semantics::Result<std::vector<semantics::Insn>> DataFile::instructions() const {
  if (has_raw) {
    std::vector<semantics::Insn> out;
    for (uint64_t w : raw_words) {
      std::array<uint8_t, semantics::kSlotBytes> b{};
      for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(w >> (8 * i));
      out.push_back(semantics::decode_slot(b));
    }
    return out;
  }
  semantics::AssembleOptions options;
  options.file = path;
  options.first_line = asm_first_line;
  options.encode_invalid_registers = true;  // a negative test may name r11-r15
  return semantics::assemble(asm_text, semantics::Syntax::Conformance, options);
}

std::vector<const Directive*> DataFile::find(std::string_view key) const {
  std::vector<const Directive*> out;
  for (const Directive& d : directives) {
    if (d.key == key) out.push_back(&d);
  }
  return out;
}

}  // namespace bpfcert::conformance
