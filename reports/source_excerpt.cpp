#include "reports/source_excerpt.h"

#include <fmt/format.h>

#include <filesystem>

namespace bpfcert::reports {

std::string source_excerpt(int line, std::string_view text, int column, size_t indent) {
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n')) text.remove_suffix(1);
  const std::string number = std::to_string(line);
  const std::string pad(indent, ' ');
  std::string out = fmt::format("{}{} | {}\n", pad, number, text);
  if (column <= 0) return out;
  std::string marker;
  for (size_t i = 0; i + 1 < static_cast<size_t>(column) && i < text.size(); ++i) marker += text[i] == '\t' ? '\t' : ' ';
  out += fmt::format("{}{} | {}^\n", pad, std::string(number.size(), ' '), marker);
  return out;
}

std::string display_path(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path cwd = std::filesystem::current_path(ec);
  const std::filesystem::path p(path);
  if (ec || !p.is_absolute()) return path;
  const std::filesystem::path rel = p.lexically_relative(cwd);
  if (rel.empty() || rel.native().starts_with("..")) return path;
  return rel.string();
}

std::string_view line_of(std::string_view source, int line) {
  if (line <= 0) return {};
  size_t start = 0;
  for (int i = 1; i < line; ++i) {
    const size_t nl = source.find('\n', start);
    if (nl == std::string_view::npos) return {};
    start = nl + 1;
  }
  if (start > source.size()) return {};
  const size_t end = source.find('\n', start);
  std::string_view l = source.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  return l;
}

}  // namespace bpfcert::reports
