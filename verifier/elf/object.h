// Loading BPF ELF objects as clang -target bpf writes them: programs (relocated, with their
// bpf-to-bpf callees appended), maps (legacy `maps`, BTF-defined `.maps`, global data), the
// license, and BTF line info so findings can name `file:line` and show the source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "semantics/diagnostic.h"
#include "semantics/program.h"

namespace bpfcert::verifier::elf {

enum class MapOrigin : uint8_t {
  Legacy,      // `maps` section, struct bpf_map_def-like records
  Btf,         // `.maps` section, described by BTF (__uint / __type members)
  GlobalData,  // .data / .rodata / .bss (and their .suffix variants): one-element array maps
};
const char* to_string(MapOrigin o);

struct MapDefinition {
  std::string name;       // symbol name, or the section name for global data
  uint32_t type = 0;      // uapi enum bpf_map_type
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  uint32_t flags = 0;
  MapOrigin origin = MapOrigin::Legacy;
  std::string section;
  uint64_t section_offset = 0;  // where the definition (or the data) starts in its section
  bool read_only = false;        // .rodata: the program may not write it (BPF_F_RDONLY_PROG)
  std::vector<uint8_t> initial_value;  // global data: the section's bytes (zeros for .bss)
};

// One source position from .BTF.ext line info; text is the source line as clang recorded it.
struct SourceLine {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string text;
};

struct LineRecord {
  size_t pc = 0;  // first instruction the position applies to (until the next record)
  SourceLine source;
  // The record as .BTF.ext has it (string offsets into Object::btf), for loading into Linux.
  uint32_t btf_file_name_off = 0, btf_line_off = 0, btf_line_col = 0;
};

// A function inside a linked program: the program itself at pc 0, then appended callees.
struct FunctionRange {
  std::string name;
  std::string section;
  size_t start_pc = 0;
  size_t end_pc = 0;  // one past the last instruction
  uint32_t btf_type_id = 0;  // its BTF FUNC from .BTF.ext func_info (0: none)
};

struct ProgramInfo {
  std::string name;     // the function symbol (the section name when the section has none)
  std::string section;  // ELF section, selects the program type ("xdp", "kprobe/sys_open")
  uint64_t section_offset = 0;
  // Relocated instructions: LDDW src 1 imm = map index (a map reference), LDDW src 2 imm = map
  // index and next imm = offset (global data), CALL src 1 and LDDW src 4 relative to the
  // appended callee. Map indexes refer to Object::maps.
  std::vector<semantics::Insn> insns;
  std::vector<FunctionRange> functions;
  std::vector<LineRecord> lines;  // sorted by pc

  // The source position in force at pc, or nullptr without line info.
  const SourceLine* line_at(size_t pc) const;
  // The function containing pc, or nullptr.
  const FunctionRange* function_at(size_t pc) const;
};

enum class SectionKind : uint8_t { Program, Subprograms, LegacyMaps, BtfMaps, Data, License, Version, Btf, BtfExt, Other };
const char* to_string(SectionKind k);

struct SectionInfo {
  std::string name;
  uint32_t index = 0;
  uint64_t size = 0;
  SectionKind kind = SectionKind::Other;
};

struct Object {
  std::string path;
  std::string license;
  std::optional<uint32_t> kernel_version;  // `version` section
  std::vector<SectionInfo> sections;         // sections bpfcert understands (not debug info)
  std::vector<MapDefinition> maps;
  std::vector<ProgramInfo> programs;
  bool has_btf = false;
  bool has_line_info = false;
  // .BTF as Linux loads it: data section sizes and variable offsets filled in from the ELF
  // (clang leaves them 0), as libbpf does. Empty without BTF.
  std::vector<uint8_t> btf;
  // Things the loader saw but does not model (CO-RE relocations, map-in-map values): the
  // programs load, but a report should say what was left out.
  std::vector<std::string> warnings;

  const ProgramInfo* find_program(const std::string& name) const;
};

struct LoadOptions {
  // Upper bound on the instructions of one linked program (program plus callees).
  size_t max_instructions = semantics::kDefaultMaxInstructions;
};

// Whether the bytes start with the ELF magic (so a caller can tell objects from raw bytecode).
bool looks_like_elf(std::span<const uint8_t> bytes);

// Parses an object from memory; `path` names it in errors. Errors have a stable code
// (bad-elf, bad-relocation, bad-map-definition, bad-btf) and say which section and offset.
semantics::Result<Object> load_object(std::span<const uint8_t> bytes, const std::string& path,
                                      const LoadOptions& options = {});
semantics::Result<Object> load_object_file(const std::string& path, const LoadOptions& options = {});

}  // namespace bpfcert::verifier::elf
