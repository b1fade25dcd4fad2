#include "verifier/elf/object.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>

namespace bpfcert::verifier::elf {

using semantics::Error;
using semantics::ErrorCode;
using semantics::Insn;
using semantics::Location;
using semantics::Result;

const char* to_string(MapOrigin o) {
  switch (o) {
    case MapOrigin::Legacy: return "legacy";
    case MapOrigin::Btf: return "btf";
    case MapOrigin::GlobalData: return "global-data";
  }
  return "?";
}

const char* to_string(SectionKind k) {
  switch (k) {
    case SectionKind::Program: return "program";
    case SectionKind::Subprograms: return "subprograms";
    case SectionKind::LegacyMaps: return "maps";
    case SectionKind::BtfMaps: return "btf-maps";
    case SectionKind::Data: return "data";
    case SectionKind::License: return "license";
    case SectionKind::Version: return "version";
    case SectionKind::Btf: return "btf";
    case SectionKind::BtfExt: return "btf-ext";
    case SectionKind::Other: return "other";
  }
  return "?";
}

const SourceLine* ProgramInfo::line_at(size_t pc) const {
  // The last record at or before pc, within the same function (a record never spans a
  // function boundary: each function starts with its own record).
  auto it = std::upper_bound(lines.begin(), lines.end(), pc,
                             [](size_t p, const LineRecord& r) { return p < r.pc; });
  if (it == lines.begin()) return nullptr;
  --it;
  const FunctionRange* f = function_at(pc);
  if (f != nullptr && it->pc < f->start_pc) return nullptr;
  return &it->source;
}

const FunctionRange* ProgramInfo::function_at(size_t pc) const {
  for (const FunctionRange& f : functions) {
    if (pc >= f.start_pc && pc < f.end_pc) return &f;
  }
  return nullptr;
}

const ProgramInfo* Object::find_program(const std::string& name) const {
  for (const ProgramInfo& p : programs) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

bool looks_like_elf(std::span<const uint8_t> bytes) {
  return bytes.size() >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F';
}

namespace {

constexpr uint32_t kRelBpf64_64 = 1;      // R_BPF_64_64: LDDW immediate
constexpr uint32_t kRelBpfAbs64 = 2;      // R_BPF_64_ABS64: data (ignored in code)
constexpr uint32_t kRelBpfAbs32 = 3;      // R_BPF_64_ABS32
constexpr uint32_t kRelBpfNodyld32 = 4;   // R_BPF_64_NODYLD32: .BTF / .BTF.ext
constexpr uint32_t kRelBpf64_32 = 10;     // R_BPF_64_32: CALL immediate
constexpr uint8_t kOpLddw = BPF_LD | BPF_IMM | BPF_DW;
constexpr uint8_t kOpCall = BPF_JMP | BPF_CALL;
constexpr size_t kLegacyMapDefMin = 4 * sizeof(uint32_t);  // type, key, value, max_entries
constexpr uint64_t kMaxGlobalData = uint64_t{1} << 22;     // KMALLOC_MAX_SIZE on x86-64

// libbpf reports why it rejects BTF through its print callback. While the loader runs, those
// messages are collected (and end up in the error) instead of going to stderr.
thread_local std::string* libbpf_capture = nullptr;

int libbpf_print(enum libbpf_print_level level, const char* format, va_list args) {
  if (libbpf_capture != nullptr) {
    char buf[512];
    std::vsnprintf(buf, sizeof buf, format, args);
    std::string line = buf;
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
    if (line.starts_with("libbpf: ")) line.erase(0, 8);
    if (!line.empty()) *libbpf_capture = line;
    return 0;
  }
  return level == LIBBPF_DEBUG ? 0 : std::vfprintf(stderr, format, args);
}

struct CaptureLibbpf {
  explicit CaptureLibbpf(std::string* into) {
    static std::once_flag once;
    std::call_once(once, [] { libbpf_set_print(libbpf_print); });
    libbpf_capture = into;
  }
  ~CaptureLibbpf() { libbpf_capture = nullptr; }
  CaptureLibbpf(const CaptureLibbpf&) = delete;
  CaptureLibbpf& operator=(const CaptureLibbpf&) = delete;
};

struct ElfDeleter {
  void operator()(Elf* e) const { elf_end(e); }
};
struct BtfDeleter {
  void operator()(btf* b) const { btf__free(b); }
};
struct BtfExtDeleter {
  void operator()(btf_ext* b) const { btf_ext__free(b); }
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

bool is_data_section(const std::string& n) {
  for (const char* p : {".data", ".rodata", ".bss"}) {
    const size_t len = std::strlen(p);
    if (n.compare(0, len, p) == 0 && (n.size() == len || n[len] == '.')) return true;
  }
  return false;
}

uint32_t read_u32(std::span<const uint8_t> d, size_t off) {
  uint32_t v = 0;
  std::memcpy(&v, d.data() + off, sizeof v);
  return v;
}

class Loader {
 public:
  Loader(std::span<const uint8_t> bytes, std::string path, const LoadOptions& options)
      : image_(bytes.begin(), bytes.end()), options_(options) {
    obj_.path = std::move(path);
  }

  Result<Object> run() {
    if (auto e = open(); e) return *e;
    if (auto e = read_sections(); e) return *e;
    if (auto e = read_symbols(); e) return *e;
    if (auto e = read_btf(); e) return *e;
    if (auto e = read_maps(); e) return *e;
    if (auto e = read_relocations(); e) return *e;
    if (auto e = read_functions(); e) return *e;
    if (auto e = read_line_info(); e) return *e;
    fix_btf_for_kernel();
    if (auto e = link_programs(); e) return *e;
    return std::move(obj_);
  }

 private:
  using MaybeError = std::optional<Error>;

  Error fail(ErrorCode code, std::string message, int64_t pc = -1) const {
    Location where;
    where.file = obj_.path;
    where.pc = pc;
    return Error{code, where, std::move(message)};
  }

  MaybeError open() {
    if (!looks_like_elf(image_)) return fail(ErrorCode::BadElf, "not an ELF file (no \\x7fELF magic)");
    if (elf_version(EV_CURRENT) == EV_NONE) return fail(ErrorCode::BadElf, "libelf is unusable");
    elf_.reset(elf_memory(reinterpret_cast<char*>(image_.data()), image_.size()));
    if (!elf_ || elf_kind(elf_.get()) != ELF_K_ELF) {
      return fail(ErrorCode::BadElf, fmt::format("libelf cannot read the file: {}", elf_errmsg(-1)));
    }
    if (gelf_getclass(elf_.get()) != ELFCLASS64) return fail(ErrorCode::BadElf, "not a 64-bit ELF object");
    GElf_Ehdr ehdr;
    if (gelf_getehdr(elf_.get(), &ehdr) == nullptr) {
      return fail(ErrorCode::BadElf, fmt::format("bad ELF header: {}", elf_errmsg(-1)));
    }
    if (ehdr.e_ident[EI_DATA] != ELFDATA2LSB) {
      return fail(ErrorCode::BadElf, "big-endian BPF objects (bpfeb) are not supported; build with -target bpfel");
    }
    if (ehdr.e_machine != EM_BPF) {
      return fail(ErrorCode::BadElf, fmt::format("ELF machine {} is not BPF ({})", ehdr.e_machine, EM_BPF));
    }
    if (ehdr.e_type != ET_REL) return fail(ErrorCode::BadElf, "not a relocatable object (clang -c output)");
    return std::nullopt;
  }

  MaybeError read_sections() {
    size_t shstrndx = 0;
    if (elf_getshdrstrndx(elf_.get(), &shstrndx) != 0) {
      return fail(ErrorCode::BadElf, fmt::format("no section name table: {}", elf_errmsg(-1)));
    }
    size_t count = 0;
    if (elf_getshdrnum(elf_.get(), &count) != 0) return fail(ErrorCode::BadElf, "unreadable section count");
    sections_.resize(count);
    for (Elf_Scn* scn = elf_nextscn(elf_.get(), nullptr); scn != nullptr; scn = elf_nextscn(elf_.get(), scn)) {
      const size_t idx = elf_ndxscn(scn);
      if (idx >= count) return fail(ErrorCode::BadElf, fmt::format("section index {} out of range", idx));
      Section& s = sections_[idx];
      s.index = static_cast<uint32_t>(idx);
      if (gelf_getshdr(scn, &s.shdr) == nullptr) {
        return fail(ErrorCode::BadElf, fmt::format("section {}: bad header: {}", idx, elf_errmsg(-1)));
      }
      const char* name = elf_strptr(elf_.get(), shstrndx, s.shdr.sh_name);
      if (name == nullptr) return fail(ErrorCode::BadElf, fmt::format("section {}: name outside the string table", idx));
      s.name = name;
      if (s.shdr.sh_type == SHT_NOBITS || s.shdr.sh_type == SHT_NULL) continue;
      Elf_Data* d = elf_getdata(scn, nullptr);
      if (d == nullptr) {
        if (s.shdr.sh_size == 0) continue;
        return fail(ErrorCode::BadElf, fmt::format("section '{}': contents unreadable: {}", s.name, elf_errmsg(-1)));
      }
      if (d->d_buf != nullptr) s.data = {static_cast<const uint8_t*>(d->d_buf), d->d_size};
    }
    return std::nullopt;
  }

  MaybeError read_symbols() {
    for (const Section& s : sections_) {
      if (s.shdr.sh_type != SHT_SYMTAB) continue;
      if (symtab_ != 0) return fail(ErrorCode::BadElf, "more than one symbol table");
      symtab_ = s.index;
      Elf_Scn* scn = elf_getscn(elf_.get(), s.index);
      Elf_Data* d = scn != nullptr ? elf_getdata(scn, nullptr) : nullptr;
      if (d == nullptr) return fail(ErrorCode::BadElf, "symbol table unreadable");
      const size_t n = d->d_size / sizeof(Elf64_Sym);
      symbols_.resize(n);
      for (size_t i = 0; i < n; ++i) {
        Symbol& sym = symbols_[i];
        if (gelf_getsym(d, static_cast<int>(i), &sym.sym) == nullptr) {
          return fail(ErrorCode::BadElf, fmt::format("symbol {} unreadable", i));
        }
        if (sym.sym.st_name != 0) {
          const char* name = elf_strptr(elf_.get(), s.shdr.sh_link, sym.sym.st_name);
          if (name == nullptr) return fail(ErrorCode::BadElf, fmt::format("symbol {}: name outside the string table", i));
          sym.name = name;
        }
      }
    }
    if (symtab_ == 0) return fail(ErrorCode::BadElf, "no symbol table (was the object stripped?)");

    for (const Section& s : sections_) {
      SectionKind kind = SectionKind::Other;
      if (s.exec()) {
        kind = s.name == ".text" ? SectionKind::Subprograms : SectionKind::Program;
        if (s.shdr.sh_size % sizeof(bpf_insn) != 0) {
          return fail(ErrorCode::BadElf, fmt::format("section '{}': size {} is not a multiple of 8", s.name, s.shdr.sh_size));
        }
        if (s.data.size() != s.shdr.sh_size) return fail(ErrorCode::BadElf, fmt::format("section '{}': truncated", s.name));
      } else if (s.name == "maps") {
        kind = SectionKind::LegacyMaps;
      } else if (s.name == ".maps") {
        kind = SectionKind::BtfMaps;
      } else if (is_data_section(s.name) && (s.shdr.sh_type == SHT_PROGBITS || s.shdr.sh_type == SHT_NOBITS)) {
        kind = SectionKind::Data;
      } else if (s.name == "license") {
        kind = SectionKind::License;
      } else if (s.name == "version") {
        kind = SectionKind::Version;
      } else if (s.name == ".BTF") {
        kind = SectionKind::Btf;
      } else if (s.name == ".BTF.ext") {
        kind = SectionKind::BtfExt;
      } else {
        continue;
      }
      kinds_[s.index] = kind;
      obj_.sections.push_back(SectionInfo{s.name, s.index, s.shdr.sh_size, kind});
      if (kind == SectionKind::License && !s.data.empty()) {  // an empty section has no data pointer
        const auto* p = reinterpret_cast<const char*>(s.data.data());
        obj_.license.assign(p, strnlen(p, s.data.size()));
      }
      if (kind == SectionKind::Version) {
        if (s.data.size() != sizeof(uint32_t)) return fail(ErrorCode::BadElf, "section 'version' is not 4 bytes");
        obj_.kernel_version = read_u32(s.data, 0);
      }
    }
    return std::nullopt;
  }

  SectionKind kind_of(uint32_t section) const {
    const auto it = kinds_.find(section);
    return it == kinds_.end() ? SectionKind::Other : it->second;
  }

  MaybeError read_btf() {
    for (const Section& s : sections_) {
      if (s.name == ".BTF" && !s.data.empty()) {
        std::string why;
        {
          CaptureLibbpf capture(&why);
          btf_.reset(btf__new(s.data.data(), static_cast<uint32_t>(s.data.size())));
        }
        if (!btf_) {
          return fail(ErrorCode::BadBtf, fmt::format("libbpf rejects .BTF: {}", why.empty() ? std::strerror(errno) : why));
        }
        obj_.has_btf = true;
      }
    }
    for (const Section& s : sections_) {
      if (s.name != ".BTF.ext" || s.data.empty()) continue;
      if (!btf_) {
        obj_.warnings.push_back(".BTF.ext without .BTF: line info ignored");
        continue;
      }
      std::string why;
      {
        CaptureLibbpf capture(&why);
        btf_ext_.reset(btf_ext__new(s.data.data(), static_cast<uint32_t>(s.data.size())));
      }
      if (!btf_ext_) {
        return fail(ErrorCode::BadBtf, fmt::format("libbpf rejects .BTF.ext: {}", why.empty() ? std::strerror(errno) : why));
      }
      btf_ext_data_ = s.data;
    }
    return std::nullopt;
  }

  // --- maps ---

  MaybeError read_maps() {
    for (const Section& s : sections_) {
      const SectionKind kind = kind_of(s.index);
      if (kind == SectionKind::LegacyMaps) {
        if (auto e = read_legacy_maps(s); e) return e;
      } else if (kind == SectionKind::BtfMaps) {
        if (auto e = read_btf_maps(s); e) return e;
      } else if (kind == SectionKind::Data) {
        if (auto e = read_data_map(s); e) return e;
      }
    }
    return std::nullopt;
  }

  std::vector<const Symbol*> symbols_in(uint32_t section) const {
    std::vector<const Symbol*> out;
    for (const Symbol& sym : symbols_) {
      if (sym.sym.st_shndx == section && !sym.is_section() && GELF_ST_TYPE(sym.sym.st_info) != STT_FILE &&
          !sym.name.empty()) {
        out.push_back(&sym);
      }
    }
    std::sort(out.begin(), out.end(), [](const Symbol* a, const Symbol* b) { return a->sym.st_value < b->sym.st_value; });
    return out;
  }

  MaybeError read_legacy_maps(const Section& s) {
    const auto syms = symbols_in(s.index);
    if (syms.empty()) return std::nullopt;
    // As libbpf does: every definition has the same size, the section size over the count.
    const size_t def_size = s.data.size() / syms.size();
    if (def_size < kLegacyMapDefMin || s.data.size() % syms.size() != 0) {
      return fail(ErrorCode::BadMapDefinition,
                  fmt::format("section 'maps': {} bytes cannot hold {} map definitions", s.data.size(), syms.size()));
    }
    for (const Symbol* sym : syms) {
      const uint64_t off = sym->sym.st_value;
      if (off % def_size != 0 || off + def_size > s.data.size()) {
        return fail(ErrorCode::BadMapDefinition,
                    fmt::format("section 'maps': map '{}' at offset {} is not a whole definition", sym->name, off));
      }
      MapDefinition m;
      m.name = sym->name;
      m.origin = MapOrigin::Legacy;
      m.section = s.name;
      m.section_offset = off;
      m.type = read_u32(s.data, off);
      m.key_size = read_u32(s.data, off + 4);
      m.value_size = read_u32(s.data, off + 8);
      m.max_entries = read_u32(s.data, off + 12);
      if (def_size >= 5 * sizeof(uint32_t)) m.flags = read_u32(s.data, off + 16);
      map_at_[{s.index, off}] = obj_.maps.size();
      obj_.maps.push_back(std::move(m));
    }
    return std::nullopt;
  }

  // The type after typedefs and qualifiers, or nullptr (bounded: BTF may contain cycles).
  const btf_type* skip_mods(uint32_t id, uint32_t* out_id = nullptr) const {
    for (int depth = 0; depth < 32; ++depth) {
      const btf_type* t = btf__type_by_id(btf_.get(), id);
      if (t == nullptr) return nullptr;
      if (!btf_is_mod(t) && !btf_is_typedef(t)) {
        if (out_id != nullptr) *out_id = id;
        return t;
      }
      id = t->type;
    }
    return nullptr;
  }

  // __uint(name, N) is `int (*name)[N]`: N is the array's element count.
  std::optional<uint32_t> btf_uint_member(const btf_member& m) const {
    const btf_type* ptr = skip_mods(m.type);
    if (ptr == nullptr || !btf_is_ptr(ptr)) return std::nullopt;
    const btf_type* arr = skip_mods(ptr->type);
    if (arr == nullptr || !btf_is_array(arr)) return std::nullopt;
    return btf_array(arr)->nelems;
  }

  // __type(key, T) is `T *key`: the size of T.
  std::optional<uint32_t> btf_type_member_size(const btf_member& m) const {
    const btf_type* ptr = skip_mods(m.type);
    if (ptr == nullptr || !btf_is_ptr(ptr)) return std::nullopt;
    const int64_t size = btf__resolve_size(btf_.get(), ptr->type);
    if (size < 0 || size > UINT32_MAX) return std::nullopt;
    return static_cast<uint32_t>(size);
  }

  MaybeError read_btf_maps(const Section& s) {
    if (!btf_) return fail(ErrorCode::BadMapDefinition, "section '.maps' needs BTF, but the object has no .BTF");
    const btf_type* datasec = nullptr;
    const uint32_t n = btf__type_cnt(btf_.get());
    for (uint32_t id = 1; id < n; ++id) {
      const btf_type* t = btf__type_by_id(btf_.get(), id);
      if (t == nullptr || !btf_is_datasec(t)) continue;
      const char* name = btf__name_by_offset(btf_.get(), t->name_off);
      if (name != nullptr && std::strcmp(name, ".maps") == 0) {
        datasec = t;
        break;
      }
    }
    if (datasec == nullptr) return fail(ErrorCode::BadMapDefinition, "section '.maps' has no BTF DATASEC '.maps'");
    const auto syms = symbols_in(s.index);
    const btf_var_secinfo* vars = btf_var_secinfos(datasec);
    for (uint16_t i = 0; i < btf_vlen(datasec); ++i) {
      const btf_type* var = btf__type_by_id(btf_.get(), vars[i].type);
      if (var == nullptr || !btf_is_var(var)) {
        return fail(ErrorCode::BadMapDefinition, fmt::format("'.maps' entry {} is not a BTF VAR", i));
      }
      const char* vname = btf__name_by_offset(btf_.get(), var->name_off);
      const std::string name = vname != nullptr ? vname : "";
      // The data section records offsets as 0 in objects; the symbol has the real one.
      const Symbol* sym = nullptr;
      for (const Symbol* c : syms) {
        if (c->name == name) sym = c;
      }
      if (sym == nullptr) return fail(ErrorCode::BadMapDefinition, fmt::format("map '{}': no symbol in '.maps'", name));
      const btf_type* def = skip_mods(var->type);
      if (def == nullptr || !btf_is_struct(def)) {
        return fail(ErrorCode::BadMapDefinition, fmt::format("map '{}': BTF type is not a struct", name));
      }
      MapDefinition m;
      m.name = name;
      m.origin = MapOrigin::Btf;
      m.section = s.name;
      m.section_offset = sym->sym.st_value;
      std::optional<uint32_t> key_type_size, value_type_size;
      const btf_member* members = btf_members(def);
      for (uint16_t j = 0; j < btf_vlen(def); ++j) {
        const char* mname_c = btf__name_by_offset(btf_.get(), members[j].name_off);
        const std::string mname = mname_c != nullptr ? mname_c : "";
        auto uint_field = [&](uint32_t& out) -> MaybeError {
          const auto v = btf_uint_member(members[j]);
          if (!v) {
            return fail(ErrorCode::BadMapDefinition,
                        fmt::format("map '{}': member '{}' is not __uint(...) (a pointer to an array)", name, mname));
          }
          out = *v;
          return std::nullopt;
        };
        MaybeError e;
        uint32_t ignored = 0;
        if (mname == "type") {
          e = uint_field(m.type);
        } else if (mname == "max_entries") {
          e = uint_field(m.max_entries);
        } else if (mname == "map_flags") {
          e = uint_field(m.flags);
        } else if (mname == "key_size") {
          e = uint_field(m.key_size);
        } else if (mname == "value_size") {
          e = uint_field(m.value_size);
        } else if (mname == "key" || mname == "value") {
          const auto size = btf_type_member_size(members[j]);
          if (!size) {
            return fail(ErrorCode::BadMapDefinition,
                        fmt::format("map '{}': member '{}' is not __type(...) of a sized type", name, mname));
          }
          (mname == "key" ? key_type_size : value_type_size) = size;
        } else if (mname == "pinning" || mname == "map_extra" || mname == "numa_node") {
          e = uint_field(ignored);
        } else if (mname == "values") {
          obj_.warnings.push_back(fmt::format("map '{}': initial 'values' (map-in-map, prog array) not loaded", name));
        } else {
          return fail(ErrorCode::BadMapDefinition, fmt::format("map '{}': unknown member '{}'", name, mname));
        }
        if (e) return e;
      }
      if (key_type_size) {
        if (m.key_size != 0 && m.key_size != *key_type_size) {
          return fail(ErrorCode::BadMapDefinition, fmt::format("map '{}': key_size {} disagrees with key type size {}",
                                                               name, m.key_size, *key_type_size));
        }
        m.key_size = *key_type_size;
      }
      if (value_type_size) {
        if (m.value_size != 0 && m.value_size != *value_type_size) {
          return fail(ErrorCode::BadMapDefinition, fmt::format("map '{}': value_size {} disagrees with value type size {}",
                                                               name, m.value_size, *value_type_size));
        }
        m.value_size = *value_type_size;
      }
      map_at_[{s.index, m.section_offset}] = obj_.maps.size();
      obj_.maps.push_back(std::move(m));
    }
    return std::nullopt;
  }

  MaybeError read_data_map(const Section& s) {
    if (s.shdr.sh_size == 0) return std::nullopt;
    // Linux caps an array map's value at KMALLOC_MAX_SIZE (4 MiB); a .bss header could ask for
    // any size without the file holding a byte of it.
    if (s.shdr.sh_size > kMaxGlobalData) {
      return fail(ErrorCode::BadMapDefinition, fmt::format("global data section '{}' is {} bytes; array map values are "
                                                           "at most {} bytes",
                                                           s.name, s.shdr.sh_size, kMaxGlobalData));
    }
    MapDefinition m;
    m.name = s.name;
    m.origin = MapOrigin::GlobalData;
    m.section = s.name;
    m.type = BPF_MAP_TYPE_ARRAY;
    m.key_size = sizeof(uint32_t);
    m.value_size = static_cast<uint32_t>(std::min<uint64_t>(s.shdr.sh_size, UINT32_MAX));
    m.max_entries = 1;
    m.read_only = s.name.starts_with(".rodata");
    if (m.read_only) m.flags = BPF_F_RDONLY_PROG;
    if (s.shdr.sh_type == SHT_NOBITS) {
      m.initial_value.assign(m.value_size, 0);
    } else {
      m.initial_value.assign(s.data.begin(), s.data.end());
      m.initial_value.resize(m.value_size, 0);
    }
    map_at_[{s.index, 0}] = obj_.maps.size();
    data_map_[s.index] = obj_.maps.size();
    obj_.maps.push_back(std::move(m));
    return std::nullopt;
  }

  // --- relocations and functions ---

  MaybeError read_relocations() {
    for (const Section& s : sections_) {
      if (s.shdr.sh_type == SHT_RELA) {
        if (s.shdr.sh_info < sections_.size() && sections_[s.shdr.sh_info].exec()) {
          return fail(ErrorCode::BadRelocation, fmt::format("section '{}': RELA relocations are not used by BPF", s.name));
        }
        continue;
      }
      if (s.shdr.sh_type != SHT_REL) continue;
      const uint32_t target = s.shdr.sh_info;
      if (target >= sections_.size() || !sections_[target].exec()) continue;  // debug info, .BTF, ...
      if (s.shdr.sh_link != symtab_) {
        return fail(ErrorCode::BadRelocation, fmt::format("section '{}': relocations against another symbol table", s.name));
      }
      Elf_Scn* scn = elf_getscn(elf_.get(), s.index);
      Elf_Data* d = scn != nullptr ? elf_getdata(scn, nullptr) : nullptr;
      if (d == nullptr) return fail(ErrorCode::BadRelocation, fmt::format("section '{}': unreadable", s.name));
      const size_t n = d->d_size / sizeof(Elf64_Rel);
      auto& table = relocs_[target];
      for (size_t i = 0; i < n; ++i) {
        GElf_Rel rel;
        if (gelf_getrel(d, static_cast<int>(i), &rel) == nullptr) {
          return fail(ErrorCode::BadRelocation, fmt::format("section '{}': relocation {} unreadable", s.name, i));
        }
        const Section& code = sections_[target];
        if (rel.r_offset % sizeof(bpf_insn) != 0 || rel.r_offset >= code.data.size()) {
          return fail(ErrorCode::BadRelocation,
                      fmt::format("section '{}': relocation {} at offset {} is not on an instruction of '{}'", s.name, i,
                                  rel.r_offset, code.name));
        }
        const uint32_t sym = static_cast<uint32_t>(GELF_R_SYM(rel.r_info));
        if (sym >= symbols_.size()) {
          return fail(ErrorCode::BadRelocation,
                      fmt::format("section '{}': relocation {} names symbol {} of {}", s.name, i, sym, symbols_.size()),
                      static_cast<int64_t>(rel.r_offset / sizeof(bpf_insn)));
        }
        table[rel.r_offset / sizeof(bpf_insn)] = Reloc{static_cast<uint32_t>(GELF_R_TYPE(rel.r_info)), sym};
      }
    }
    return std::nullopt;
  }

  MaybeError read_functions() {
    for (const Section& s : sections_) {
      if (!s.exec()) continue;
      const size_t count = s.data.size() / sizeof(bpf_insn);
      std::vector<Function> funcs;
      for (const Symbol& sym : symbols_) {
        if (sym.sym.st_shndx != s.index || !sym.is_func()) continue;
        if (sym.sym.st_value % sizeof(bpf_insn) != 0 || sym.sym.st_size % sizeof(bpf_insn) != 0 ||
            sym.sym.st_value > s.data.size() || sym.sym.st_size > s.data.size() - sym.sym.st_value) {
          return fail(ErrorCode::BadElf, fmt::format("function '{}' lies outside section '{}'", sym.name, s.name));
        }
        funcs.push_back(Function{sym.name, s.index, sym.sym.st_value / sizeof(bpf_insn),
                                 (sym.sym.st_value + sym.sym.st_size) / sizeof(bpf_insn)});
      }
      std::sort(funcs.begin(), funcs.end(), [](const Function& a, const Function& b) { return a.start < b.start; });
      for (size_t i = 1; i < funcs.size(); ++i) {
        if (funcs[i].start < funcs[i - 1].end) {
          return fail(ErrorCode::BadElf, fmt::format("functions '{}' and '{}' overlap in section '{}'", funcs[i - 1].name,
                                                     funcs[i].name, s.name));
        }
      }
      // Hand-written sections without function symbols: the whole section is one function.
      if (funcs.empty() && count > 0) funcs.push_back(Function{s.name, s.index, 0, count});
      functions_[s.index] = std::move(funcs);
    }
    return std::nullopt;
  }

  // The function that starts at (section, insn), or nullptr.
  const Function* function_starting_at(uint32_t section, size_t insn) const {
    const auto it = functions_.find(section);
    if (it == functions_.end()) return nullptr;
    for (const Function& f : it->second) {
      if (f.start == insn) return &f;
    }
    return nullptr;
  }

  // --- BTF for the kernel, and func / line info (.BTF.ext) ---

  // Fills in what clang leaves to the loader: DATASEC sizes and variable offsets (from the
  // sections and symbols), sorted by offset, as libbpf's btf_fixup_datasec does.
  void fix_btf_for_kernel() {
    if (!btf_) return;
    const uint32_t n = btf__type_cnt(btf_.get());
    for (uint32_t id = 1; id < n; ++id) {
      auto* t = const_cast<btf_type*>(btf__type_by_id(btf_.get(), id));
      if (t == nullptr || !btf_is_datasec(t)) continue;
      const char* name = btf__name_by_offset(btf_.get(), t->name_off);
      const Section* sec = nullptr;
      for (const Section& s : sections_) {
        if (name != nullptr && s.name == name && s.shdr.sh_type != SHT_NULL) sec = &s;
      }
      if (sec == nullptr) continue;
      t->size = static_cast<uint32_t>(std::min<uint64_t>(sec->shdr.sh_size, UINT32_MAX));
      btf_var_secinfo* vars = btf_var_secinfos(t);
      const auto syms = symbols_in(sec->index);
      for (uint16_t i = 0; i < btf_vlen(t); ++i) {
        const btf_type* var = btf__type_by_id(btf_.get(), vars[i].type);
        const char* vname = var != nullptr ? btf__name_by_offset(btf_.get(), var->name_off) : nullptr;
        for (const Symbol* sym : syms) {
          if (vname != nullptr && sym->name == vname) vars[i].offset = static_cast<uint32_t>(sym->sym.st_value);
        }
      }
      std::sort(vars, vars + btf_vlen(t),
                [](const btf_var_secinfo& a, const btf_var_secinfo& b) { return a.offset < b.offset; });
    }
    uint32_t size = 0;
    const void* raw = btf__raw_data(btf_.get(), &size);
    if (raw != nullptr) {
      const auto* b = static_cast<const uint8_t*>(raw);
      obj_.btf.assign(b, b + size);
    }
  }

  // Walks one .BTF.ext block (func_info or line_info): per code section, records of the
  // block's record size, each handed to `on_record` with its instruction index.
  template <class OnRecord>
  MaybeError walk_ext_info(const char* what, uint32_t off, uint32_t len, uint32_t min_record, OnRecord on_record) {
    const auto d = btf_ext_data_;
    const uint32_t hdr_len = read_u32(d, 4);
    if (len == 0) return std::nullopt;
    const uint64_t begin = uint64_t{hdr_len} + off;
    if (hdr_len > d.size() || begin > d.size() || len > d.size() - begin || len < 4) {
      return fail(ErrorCode::BadBtf, fmt::format(".BTF.ext {} lies outside the section", what));
    }
    const auto info = d.subspan(begin, len);
    const uint32_t rec_size = read_u32(info, 0);
    if (rec_size < min_record) {
      return fail(ErrorCode::BadBtf, fmt::format(".BTF.ext {} record size {} < {}", what, rec_size, min_record));
    }
    size_t pos = 4;
    while (pos < info.size()) {
      if (info.size() - pos < 8) return fail(ErrorCode::BadBtf, fmt::format(".BTF.ext {} section header truncated", what));
      const char* sec_name = btf__name_by_offset(btf_.get(), read_u32(info, pos));
      const uint32_t num = read_u32(info, pos + 4);
      pos += 8;
      if (sec_name == nullptr) return fail(ErrorCode::BadBtf, fmt::format(".BTF.ext {} names no section", what));
      if (uint64_t{num} * rec_size > info.size() - pos) {
        return fail(ErrorCode::BadBtf, fmt::format(".BTF.ext {} truncated", what));
      }
      const Section* sec = nullptr;
      for (const Section& s : sections_) {
        if (s.exec() && s.name == sec_name) sec = &s;
      }
      for (uint32_t i = 0; i < num; ++i, pos += rec_size) {
        if (sec == nullptr) continue;
        // In objects insn_off is in bytes (Linux's loader converts it to an index).
        const uint32_t insn_off = read_u32(info, pos);
        if (insn_off % sizeof(bpf_insn) != 0 || insn_off >= sec->data.size()) {
          return fail(ErrorCode::BadBtf, fmt::format(".BTF.ext {} for '{}': offset {} is not an instruction", what,
                                                     sec_name, insn_off));
        }
        on_record(*sec, insn_off / sizeof(bpf_insn), info.subspan(pos, rec_size));
      }
    }
    return std::nullopt;
  }

  MaybeError read_line_info() {
    if (!btf_ext_) return std::nullopt;
    const auto d = btf_ext_data_;
    // struct btf_ext_header: magic u16, version u8, flags u8, hdr_len, func_info_off/len,
    // line_info_off/len, then (hdr_len >= 32) core_relo_off/len. Offsets follow the header.
    if (d.size() < 24) return fail(ErrorCode::BadBtf, ".BTF.ext header truncated");
    const uint32_t hdr_len = read_u32(d, 4);
    if (hdr_len >= 32 && d.size() >= 32 && read_u32(d, 28) != 0) {
      obj_.warnings.push_back("CO-RE relocations (.BTF.ext core_relo) are not applied: field offsets are clang's");
    }
    auto e = walk_ext_info("func_info", read_u32(d, 8), read_u32(d, 12), 8,
                           [&](const Section& sec, size_t insn, std::span<const uint8_t> rec) {
                             func_types_[sec.index][insn] = read_u32(rec, 4);
                           });
    if (e) return e;
    e = walk_ext_info("line_info", read_u32(d, 16), read_u32(d, 20), 16,
                      [&](const Section& sec, size_t insn, std::span<const uint8_t> rec) {
                        LineRecord r;
                        r.btf_file_name_off = read_u32(rec, 4);
                        r.btf_line_off = read_u32(rec, 8);
                        r.btf_line_col = read_u32(rec, 12);
                        const char* file = btf__name_by_offset(btf_.get(), r.btf_file_name_off);
                        const char* text = btf__name_by_offset(btf_.get(), r.btf_line_off);
                        r.source.file = file != nullptr ? file : "";
                        r.source.text = text != nullptr ? text : "";
                        r.source.line = r.btf_line_col >> 10;
                        r.source.column = r.btf_line_col & 0x3ff;
                        lines_[sec.index][insn] = std::move(r);
                      });
    if (e) return e;
    obj_.has_line_info = !lines_.empty();
    return std::nullopt;
  }

  // --- linking one program: relocate its instructions, append callees ---

  struct Pending {
    size_t pc;           // instruction in the output
    uint32_t section;    // target section
    size_t target;       // target instruction in that section
    bool is_call;        // CALL (else LDDW src 4)
  };

  MaybeError link_programs() {
    for (const Section& s : sections_) {
      if (kind_of(s.index) != SectionKind::Program) continue;
      for (const Function& f : functions_[s.index]) {
        auto prog = link_one(f);
        if (!prog.ok()) return prog.error();
        obj_.programs.push_back(std::move(prog.value()));
      }
    }
    return std::nullopt;
  }

  Result<ProgramInfo> link_one(const Function& entry) {
    ProgramInfo prog;
    prog.name = entry.name;
    prog.section = sections_[entry.section].name;
    prog.section_offset = entry.start * sizeof(bpf_insn);
    std::map<std::pair<uint32_t, size_t>, size_t> placed;  // (section, start) -> output pc
    std::vector<const Function*> queue{&entry};
    placed[{entry.section, entry.start}] = 0;
    std::vector<Pending> pending;
    for (size_t qi = 0; qi < queue.size(); ++qi) {
      const Function& f = *queue[qi];
      const Section& sec = sections_[f.section];
      const size_t base = prog.insns.size();
      if (f.end - f.start > options_.max_instructions - std::min(options_.max_instructions, base)) {
        return fail(ErrorCode::BadElf, fmt::format("program '{}' exceeds {} instructions with its callees", entry.name,
                                                   options_.max_instructions));
      }
      FunctionRange range{f.name, sec.name, base, base + (f.end - f.start)};
      if (const auto ft = func_types_.find(f.section); ft != func_types_.end()) {
        if (const auto t = ft->second.find(f.start); t != ft->second.end()) range.btf_type_id = t->second;
      }
      prog.functions.push_back(std::move(range));
      const auto& relocs = relocs_[f.section];
      for (size_t i = f.start; i < f.end; ++i) {
        bpf_insn raw;
        std::memcpy(&raw, sec.data.data() + i * sizeof raw, sizeof raw);
        prog.insns.push_back(
            Insn{raw.code, static_cast<uint8_t>(raw.dst_reg), static_cast<uint8_t>(raw.src_reg), raw.off, raw.imm});
      }
      for (size_t i = f.start; i < f.end; ++i) {
        const size_t pc = base + (i - f.start);
        const Insn& insn = prog.insns[pc];
        const auto rel = relocs.find(i);
        if (rel != relocs.end()) {
          if (auto e = apply_reloc(prog, f, i, pc, rel->second, pending); e) return *e;
        } else if (insn.opcode == kOpCall && insn.src == BPF_PSEUDO_CALL) {
          // An unrelocated local call is relative to the instruction, inside its section.
          const int64_t target = static_cast<int64_t>(i) + 1 + insn.imm;
          if (target < 0 || static_cast<uint64_t>(target) >= sec.data.size() / sizeof(bpf_insn)) {
            return fail(ErrorCode::BadRelocation,
                        fmt::format("local call at section '{}' offset {:#x} lands outside the section", sec.name,
                                    i * sizeof(bpf_insn)),
                        static_cast<int64_t>(pc));
          }
          pending.push_back(Pending{pc, f.section, static_cast<size_t>(target), true});
        }
      }
      // Line records of this function, moved to the output pcs.
      const auto lit = lines_.find(f.section);
      if (lit != lines_.end()) {
        for (auto it = lit->second.lower_bound(f.start); it != lit->second.end() && it->first < f.end; ++it) {
          LineRecord r = it->second;
          r.pc = base + (it->first - f.start);
          prog.lines.push_back(std::move(r));
        }
      }
      // Place callees found so far.
      for (const Pending& p : pending) {
        if (placed.count({p.section, p.target}) != 0) continue;
        const Function* callee = function_starting_at(p.section, p.target);
        if (callee == nullptr) {
          return fail(ErrorCode::BadRelocation,
                      fmt::format("{} at pc {} targets instruction {} of '{}', which starts no function",
                                  p.is_call ? "call" : "function address", p.pc, p.target, sections_[p.section].name),
                      static_cast<int64_t>(p.pc));
        }
        placed[{p.section, p.target}] = SIZE_MAX;  // reserved; set when the function is copied
        queue.push_back(callee);
      }
      // The function just copied may be a reserved one: record where it landed.
      placed[{f.section, f.start}] = base;
    }
    for (const Pending& p : pending) {
      const size_t target = placed.at({p.section, p.target});
      const int64_t rel = static_cast<int64_t>(target) - static_cast<int64_t>(p.pc) - 1;
      prog.insns[p.pc].imm = static_cast<int32_t>(rel);
    }
    std::sort(prog.lines.begin(), prog.lines.end(), [](const LineRecord& a, const LineRecord& b) { return a.pc < b.pc; });
    return prog;
  }

  MaybeError apply_reloc(ProgramInfo& prog, const Function& f, size_t i, size_t pc, const Reloc& rel,
                         std::vector<Pending>& pending) {
    const Section& sec = sections_[f.section];
    Insn& insn = prog.insns[pc];
    const Symbol& sym = symbols_[rel.symbol];
    const std::string where = fmt::format("section '{}' offset {:#x}", sec.name, i * sizeof(bpf_insn));
    auto bad = [&](std::string msg) {
      return fail(ErrorCode::BadRelocation, fmt::format("{}: {}", where, msg), static_cast<int64_t>(pc));
    };
    const std::string sym_name = sym.name.empty() ? "(section symbol)" : sym.name;
    if (rel.type == 0) return std::nullopt;  // R_BPF_NONE
    if (rel.type == kRelBpfAbs64 || rel.type == kRelBpfAbs32 || rel.type == kRelBpfNodyld32) {
      return bad(fmt::format("data relocation type {} against '{}' inside code", rel.type, sym_name));
    }
    const uint32_t shndx = sym.sym.st_shndx;
    if (shndx == SHN_UNDEF) {
      return bad(fmt::format("'{}' is an extern (kconfig, ksym or kfunc); externs are not supported", sym_name));
    }
    if (shndx >= sections_.size()) return bad(fmt::format("'{}' is in no section ({:#x})", sym_name, shndx));
    const Section& target = sections_[shndx];

    if (rel.type == kRelBpf64_32) {
      if (insn.opcode != kOpCall || insn.src != BPF_PSEUDO_CALL) {
        return bad(fmt::format("R_BPF_64_32 against '{}' on an instruction that is no local call", sym_name));
      }
      if (!target.exec()) return bad(fmt::format("call to '{}' in non-code section '{}'", sym_name, target.name));
      // libbpf's rule: target = symbol offset / 8 + imm + 1 (imm is -1 for function symbols).
      const int64_t idx = static_cast<int64_t>(sym.sym.st_value / sizeof(bpf_insn)) + insn.imm + 1;
      if (idx < 0 || static_cast<uint64_t>(idx) >= target.data.size() / sizeof(bpf_insn)) {
        return bad(fmt::format("call to '{}' lands outside section '{}'", sym_name, target.name));
      }
      pending.push_back(Pending{pc, shndx, static_cast<size_t>(idx), true});
      return std::nullopt;
    }
    if (rel.type != kRelBpf64_64) return bad(fmt::format("unknown relocation type {}", rel.type));
    if (insn.opcode != kOpLddw || i + 1 >= f.end) {
      return bad(fmt::format("R_BPF_64_64 against '{}' on an instruction that is no LDDW", sym_name));
    }
    const SectionKind kind = kind_of(shndx);
    if (target.exec()) {
      // Address of a function (callbacks: bpf_loop, bpf_for_each_map_elem): LDDW src 4.
      const int64_t byte = static_cast<int64_t>(sym.sym.st_value) + insn.imm;
      if (byte < 0 || byte % static_cast<int64_t>(sizeof(bpf_insn)) != 0 ||
          static_cast<uint64_t>(byte) >= target.data.size()) {
        return bad(fmt::format("function address '{}'{:+} is not an instruction", sym_name, insn.imm));
      }
      insn.src = BPF_PSEUDO_FUNC;
      insn.imm = 0;
      pending.push_back(Pending{pc, shndx, static_cast<size_t>(byte) / sizeof(bpf_insn), false});
      return std::nullopt;
    }
    if (kind == SectionKind::LegacyMaps || kind == SectionKind::BtfMaps) {
      const auto it = map_at_.find({shndx, sym.sym.st_value});
      if (it == map_at_.end() || sym.is_section()) {
        return bad(fmt::format("'{}' at offset {} of '{}' is no map definition", sym_name, sym.sym.st_value, target.name));
      }
      insn.src = BPF_PSEUDO_MAP_FD;
      insn.imm = static_cast<int32_t>(it->second);
      prog.insns[pc + 1].imm = 0;
      return std::nullopt;
    }
    if (kind == SectionKind::Data) {
      const auto it = data_map_.find(shndx);
      if (it == data_map_.end()) return bad(fmt::format("'{}' is in empty data section '{}'", sym_name, target.name));
      const int64_t off = static_cast<int64_t>(sym.sym.st_value) + insn.imm;
      if (off < 0 || static_cast<uint64_t>(off) >= target.shdr.sh_size) {
        return bad(fmt::format("'{}'{:+} lies outside '{}'", sym_name, insn.imm, target.name));
      }
      insn.src = BPF_PSEUDO_MAP_VALUE;
      insn.imm = static_cast<int32_t>(it->second);
      prog.insns[pc + 1].imm = static_cast<int32_t>(off);
      return std::nullopt;
    }
    return bad(fmt::format("'{}' is in section '{}', which holds no maps, data or code", sym_name, target.name));
  }

  std::vector<uint8_t> image_;
  LoadOptions options_;
  Object obj_;
  std::unique_ptr<Elf, ElfDeleter> elf_;
  std::unique_ptr<btf, BtfDeleter> btf_;
  std::unique_ptr<btf_ext, BtfExtDeleter> btf_ext_;
  std::span<const uint8_t> btf_ext_data_;
  std::vector<Section> sections_;
  std::map<uint32_t, SectionKind> kinds_;
  uint32_t symtab_ = 0;
  std::vector<Symbol> symbols_;
  std::map<std::pair<uint32_t, uint64_t>, size_t> map_at_;  // (section, offset) -> map index
  std::map<uint32_t, size_t> data_map_;                     // data section -> map index
  std::map<uint32_t, std::map<size_t, Reloc>> relocs_;      // code section -> insn -> reloc
  std::map<uint32_t, std::vector<Function>> functions_;
  std::map<uint32_t, std::map<size_t, LineRecord>> lines_;  // code section -> insn -> line
  std::map<uint32_t, std::map<size_t, uint32_t>> func_types_;  // code section -> insn -> BTF FUNC id
};

}  // namespace

Result<Object> load_object(std::span<const uint8_t> bytes, const std::string& path, const LoadOptions& options) {
  Loader loader(bytes, path, options);
  return loader.run();
}

Result<Object> load_object_file(const std::string& path, const LoadOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Error{ErrorCode::BadFile, Location{path, 0, 0, -1}, "is a folder, not an ELF object"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::BadFile, Location{path, 0, 0, -1}, "cannot open file"};
  // istreambuf_iterator throws on a read error (EISDIR, EIO) instead of setting badbit.
  std::vector<uint8_t> bytes;
  try {
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure& e) {
    return Error{ErrorCode::BadFile, Location{path, 0, 0, -1}, std::string("cannot read the file: ") + e.what()};
  }
  return load_object(bytes, path, options);
}

}  // namespace bpfcert::verifier::elf
