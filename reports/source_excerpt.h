// clang's way of showing where something is: the source line under its number, and a caret
// under the column.
//      11 |   if (eth->h_proto == bpf_htons(ETH_P_ARP)) return XDP_DROP;
//         |            ^
#pragma once

#include <string>
#include <string_view>

namespace bpfcert::reports {

// The line `text` (line number `line`) and, when `column` > 0, a caret under that 1-based
// column; tabs before the column are kept so the caret lines up in any terminal. Every line
// starts with `indent` spaces and ends with a newline.
std::string source_excerpt(int line, std::string_view text, int column, size_t indent = 4);

// A path as a report shows it: relative to the working directory when it lies under it (source
// paths from BTF are often absolute), unchanged otherwise.
std::string display_path(const std::string& path);

// Line `line` (1-based) of `source`, without its newline; empty when there is no such line.
std::string_view line_of(std::string_view source, int line);

}  // namespace bpfcert::reports
