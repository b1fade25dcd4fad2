// Internal to loader/: the reader that turns one ELF image into an Object. Its steps live in
// several files by concern (sections and symbols, maps, BTF and .BTF.ext, externs, CO-RE,
// linking, program types); they share the parsed ELF held here.
#pragma once

#include <bpf/btf.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "loader/object.h"

namespace bpfcert::loader::detail {

using MaybeError = std::optional<semantics::Error>;

struct ElfDeleter {
  void operator()(Elf* e) const { elf_end(e); }
};
struct BtfDeleter {
  void operator()(btf* b) const { btf__free(b); }
};

struct Section {
  uint32_t index = 0;
  std::string name;
  GElf_Shdr shdr{};
  std::span<const uint8_t> data;  // empty for NOBITS
  bool exec() const { return shdr.sh_type == SHT_PROGBITS && (shdr.sh_flags & SHF_EXECINSTR) != 0; }
};

struct Symbol {
  std::string name;
  GElf_Sym sym{};
  bool is_func() const { return GELF_ST_TYPE(sym.st_info) == STT_FUNC; }
  bool is_section() const { return GELF_ST_TYPE(sym.st_info) == STT_SECTION; }
  bool is_extern() const {
    return sym.st_shndx == SHN_UNDEF && (GELF_ST_BIND(sym.st_info) == STB_GLOBAL || GELF_ST_BIND(sym.st_info) == STB_WEAK) &&
           GELF_ST_TYPE(sym.st_info) == STT_NOTYPE;
  }
};

struct Reloc {
  uint32_t type = 0;
  uint32_t symbol = 0;
};

struct Function {
  std::string name;
  uint32_t section = 0;
  size_t start = 0;  // instruction index within the section
  size_t end = 0;
};

// A .BTF.ext CO-RE relocation record (struct bpf_core_relo), with its code section.
struct CoreRecord {
  uint32_t section = 0;
  size_t insn = 0;
  uint32_t type_id = 0;
  uint32_t access_str_off = 0;
  uint32_t kind = 0;
};

uint32_t read_u32(std::span<const uint8_t> d, size_t off);

class ObjectReader {
 public:
  ObjectReader(std::span<const uint8_t> bytes, std::string path, const LoadOptions& options);
  semantics::Result<Object> run();

 private:
  semantics::Error fail(semantics::ErrorCode code, std::string message, int64_t pc = -1) const;
  void warn(std::string message) { obj_.warnings.push_back(std::move(message)); }

  // object_reader.cpp: the ELF file, its sections, symbols and functions.
  MaybeError open();
  MaybeError read_sections();
  MaybeError read_symbols();
  MaybeError read_functions();
  SectionKind kind_of(uint32_t section) const;
  std::vector<const Symbol*> symbols_in(uint32_t section) const;
  const Function* function_starting_at(uint32_t section, size_t insn) const;

  // btf.cpp: .BTF (what libbpf cannot read is dropped), .BTF.ext, and the BTF Linux loads.
  MaybeError read_btf();
  MaybeError read_ext_info();
  void fix_btf_for_kernel();
  const btf_type* skip_mods(uint32_t id, uint32_t* out_id = nullptr) const;

  // maps.cpp: legacy, BTF-defined and global data maps.
  MaybeError read_maps();
  MaybeError read_legacy_maps(const Section& s);
  MaybeError read_btf_maps(const Section& s);
  MaybeError read_btf_map_definition(const std::string& name, const btf_type* def, MapDefinition& m, bool inner);
  MaybeError read_data_map(const Section& s);

  // externs.cpp: .kconfig and .ksyms externs, resolved against the target kernel.
  MaybeError collect_externs();
  void resolve_ksyms();

  // core.cpp: CO-RE relocations applied to the code sections.
  void apply_core_relocations();

  // link.cpp: relocations, and each program linked with its callees.
  MaybeError read_relocations();
  MaybeError link_programs();
  semantics::Result<ProgramInfo> link_one(const Function& entry);
  struct Pending {
    size_t pc;         // instruction in the output
    uint32_t section;  // target section
    size_t target;     // target instruction in that section
    bool is_call;      // CALL (else LDDW src 4)
  };
  MaybeError apply_reloc(ProgramInfo& prog, const Function& f, size_t i, size_t pc, const Reloc& rel,
                         std::vector<Pending>& pending);
  MaybeError apply_extern_reloc(ProgramInfo& prog, size_t pc, const Symbol& sym, const std::string& where);

  // object_reader.cpp: each program's type.
  void assign_program_types();

  std::vector<uint8_t> image_;
  LoadOptions options_;
  Object obj_;
  std::unique_ptr<Elf, ElfDeleter> elf_;
  std::unique_ptr<btf, BtfDeleter> btf_;
  std::span<const uint8_t> btf_ext_data_;
  std::vector<Section> sections_;
  std::map<uint32_t, SectionKind> kinds_;
  uint32_t symtab_ = 0;
  std::vector<Symbol> symbols_;
  // Code sections' instructions, copied so CO-RE relocations can patch them.
  std::map<uint32_t, std::vector<bpf_insn>> code_;
  std::map<std::pair<uint32_t, uint64_t>, size_t> map_at_;  // (section, offset) -> map index
  std::map<uint32_t, size_t> data_map_;                     // data section -> map index
  std::map<uint32_t, size_t> extern_of_symbol_;             // symbol index -> Object::externs index
  std::map<uint32_t, std::map<size_t, Reloc>> relocs_;      // code section -> insn -> reloc
  std::map<uint32_t, std::vector<Function>> functions_;
  std::map<uint32_t, std::map<size_t, LineRecord>> lines_;     // code section -> insn -> line
  std::map<uint32_t, std::map<size_t, uint32_t>> func_types_;  // code section -> insn -> BTF FUNC id
  std::vector<CoreRecord> core_records_;
};

}  // namespace bpfcert::loader::detail
