// Reader for bpf_conformance's ".data" test files (../shared/formats/bpf_conformance-compat.md),
// plus our extensions, which live only in comments ("# @bpfcert <key> <args>") so that their
// runner reads our files unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "semantics/diagnostic.h"
#include "semantics/program.h"

namespace bpfcert::conformance {

struct Directive {
  std::string key;   // "map", "map-init", ...
  std::string args;  // the rest of the line, trimmed
  int line = 0;
};

struct DataFile {
  std::string path;
  std::string asm_text;  // the "-- asm" section verbatim (comments included)
  int asm_first_line = 0;
  bool has_raw = false;
  std::vector<uint64_t> raw_words;  // "-- raw": little-endian 64-bit instruction words
  bool has_mem = false;
  std::vector<uint8_t> mem;
  std::optional<uint64_t> result;
  std::optional<std::string> error;  // "-- error" text, trailing whitespace removed
  std::vector<Directive> directives;
  // bpf_conformance's runner skips files with an unknown "--" header; we read them but say so.
  std::vector<std::string> unknown_sections;
  std::vector<int> unknown_section_lines;  // the line of each

  // The instructions: "-- raw" when present (their runner's rule), else the assembled "-- asm".
  semantics::Result<std::vector<semantics::Insn>> instructions() const;
  std::vector<const Directive*> find(std::string_view key) const;
};

semantics::Result<DataFile> parse_data_file(std::string_view text, const std::string& path);
semantics::Result<DataFile> read_data_file(const std::string& path);

// "aa bb 0c" (any whitespace) to bytes. Fails on odd digits or non-hex characters.
semantics::Result<std::vector<uint8_t>> parse_hex_bytes(std::string_view text, const std::string& where);

}  // namespace bpfcert::conformance
