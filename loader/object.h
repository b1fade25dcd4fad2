// BPF ELF objects as the loaders of the field read them (libbpf, iproute2, PREVAIL): programs
// (relocated, with their bpf-to-bpf callees appended, their type decided by the section),
// maps (legacy `maps` of every size, BTF-defined `.maps`, global data, `.kconfig`), externs
// resolved against a target kernel, CO-RE relocations applied against its BTF, the license,
// and BTF line info so findings can name `file:line` and show the source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "loader/program_types.h"
#include "semantics/diagnostic.h"
#include "semantics/program.h"

namespace bpfcert::loader {

class Target;

enum class MapOrigin : uint8_t {
  Legacy,      // `maps` (or `maps/...`) section, struct bpf_map_def / bpf_elf_map records
  Btf,         // `.maps` section, described by BTF (__uint / __type members)
  GlobalData,  // .data / .rodata / .bss (and their .suffix variants): one-element array maps
  Kconfig,     // `.kconfig` externs, filled in by the loader from the target kernel's config
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
  bool read_only = false;        // the program may not write it (BPF_F_RDONLY_PROG)
  // The loader writes initial_value and then freezes the map (.rodata, known .kconfig
  // values): the program reads exactly these bytes, so a verdict may rely on them.
  bool frozen = false;
  std::vector<uint8_t> initial_value;  // global data and .kconfig: the value the loader writes
  // iproute2's struct bpf_elf_map id (legacy definitions of 24 bytes or more): tail-call
  // sections "ID/KEY" name the prog array by it. 0 when the definition has none.
  uint32_t legacy_id = 0;
  // Map-in-map: the definition of the inner map (BTF `values` member), whose fd creating the
  // outer map needs.
  std::vector<MapDefinition> inner;
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
  ProgramTypeInfo type;  // decided by the section, a legacy prefix, its callers, or the user
  // SEC_ATTACH_BTF types: the BTF id of type.attach_target in the target kernel's BTF.
  std::optional<uint32_t> attach_btf_id;
  // Relocated instructions: LDDW src 1 imm = map index (a map reference), LDDW src 2 imm = map
  // index and next imm = offset (global data), CALL src 1 and LDDW src 4 relative to the
  // appended callee. Map indexes refer to Object::maps. Externs are resolved as libbpf does
  // (kconfig: LDDW src 2 into the .kconfig map; typed ksyms: LDDW src 3 = kernel BTF id;
  // untyped ksyms: their address; kfuncs: CALL src 2 = kernel BTF id) and CO-RE relocations
  // applied for the target kernel.
  std::vector<semantics::Insn> insns;
  std::vector<FunctionRange> functions;
  std::vector<LineRecord> lines;  // sorted by pc

  // The source position in force at pc, or nullptr without line info.
  const SourceLine* line_at(size_t pc) const;
  // The function containing pc, or nullptr.
  const FunctionRange* function_at(size_t pc) const;
};

enum class SectionKind : uint8_t {
  Program,
  Subprograms,
  LegacyMaps,
  BtfMaps,
  Data,
  License,
  Version,
  Btf,
  BtfExt,
  Other
};
const char* to_string(SectionKind k);

struct SectionInfo {
  std::string name;
  uint32_t index = 0;
  uint64_t size = 0;
  SectionKind kind = SectionKind::Other;
};

enum class ExternKind : uint8_t {
  Kconfig,  // `.kconfig`: CONFIG_* and LINUX_* values
  Ksym,     // `.ksyms` variable: typed (a kernel BTF VAR) or untyped (a kallsyms address)
  Kfunc,    // `.ksyms` function: a kernel function callable by BTF id
};
const char* to_string(ExternKind k);

struct Extern {
  std::string name;
  ExternKind kind = ExternKind::Kconfig;
  bool weak = false;
  bool resolved = false;  // the value, address or BTF id is known for the target kernel
  // Kconfig: the map (index into Object::maps) and offset of its value, its size, and where
  // the value came from ("/proc/config.gz", "--kconfig", "uname", "weak default").
  size_t map = 0;
  uint32_t offset = 0;
  uint32_t size = 0;
  std::string value;   // the value as the config spells it ("y", "6", "\"str\"")
  std::string source;  // what resolved it, or why it is unknown
  // Ksym / kfunc: the kernel's BTF id (typed ksyms, kfuncs) or kallsyms address (untyped).
  bool typed = false;
  uint32_t kernel_btf_id = 0;
  uint64_t address = 0;
};

// CO-RE relocations of the object and what became of them (`bpfcert list` shows them).
struct CoreRelocation {
  std::string section;
  size_t insn = 0;      // instruction index in the section
  std::string kind;     // libbpf's name: "byte_off", "field_exists", "type_size", ...
  std::string access;   // the local type and access: "struct task_struct.pid (0:52)"
  std::string result;   // "off 2256 -> 2488", "poisoned: no field in the target", ...
};

// A program that did not link (a relocation nobody can resolve: an undefined symbol, a
// reference into no map): the object's other programs still load.
struct ProgramError {
  std::string name;
  std::string section;
  semantics::Error error;
};

struct Object {
  std::string path;
  std::string license;
  std::optional<uint32_t> kernel_version;  // `version` section
  std::vector<SectionInfo> sections;         // sections bpfcert understands (not debug info)
  std::vector<MapDefinition> maps;
  std::vector<ProgramInfo> programs;
  std::vector<ProgramError> failed_programs;
  std::vector<Extern> externs;
  std::vector<CoreRelocation> core_relocations;
  std::string core_target;  // the BTF the CO-RE relocations were applied against ("" none)
  bool has_btf = false;
  bool has_line_info = false;
  // .BTF as Linux loads it: data section sizes and variable offsets filled in from the ELF
  // (clang leaves them 0), extern sections made loadable, as libbpf does. Empty without BTF.
  std::vector<uint8_t> btf;
  // What the loader adapted or left out (legacy section rules, unknown BTF kinds dropped,
  // unknown kconfig values, CO-RE relocations without a target): the programs load, but a
  // report says what was assumed.
  std::vector<std::string> warnings;

  const ProgramInfo* find_program(const std::string& name) const;
};

struct LoadOptions {
  // Upper bound on the instructions of one linked program (program plus callees).
  size_t max_instructions = semantics::kDefaultMaxInstructions;
  // libbpf's or the uapi name of a program type every program of the object gets
  // (--program-type; iproute2 and Cilium give the type on the command line).
  std::string program_type;
  // The kernel externs and CO-RE relocations are resolved against. Without one, kconfig
  // values are unknown, ksyms unresolved and CO-RE relocations not applied (with warnings).
  Target* target = nullptr;
};

// Whether the bytes start with the ELF magic (so a caller can tell objects from raw bytecode).
bool looks_like_elf(std::span<const uint8_t> bytes);

// Parses an object from memory; `path` names it in errors. Errors have a stable code
// (bad-elf, bad-relocation, bad-map-definition, bad-btf) and say which section and offset.
semantics::Result<Object> load_object(std::span<const uint8_t> bytes, const std::string& path,
                                      const LoadOptions& options = {});
semantics::Result<Object> load_object_file(const std::string& path, const LoadOptions& options = {});

// The bytes of a file (BadFile errors name it).
semantics::Result<std::vector<uint8_t>> read_file_bytes(const std::string& path);

}  // namespace bpfcert::loader
