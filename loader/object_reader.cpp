// The ELF file: header, sections, symbols, functions; the order of the reader's steps; and
// each program's type.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "loader/object_reader.h"
#include "loader/target.h"

namespace bpfcert::loader::detail {

using semantics::Error;
using semantics::ErrorCode;
using semantics::Location;
using semantics::Result;

uint32_t read_u32(std::span<const uint8_t> d, size_t off) {
  uint32_t v = 0;
  std::memcpy(&v, d.data() + off, sizeof v);
  return v;
}

namespace {

bool is_data_section(const std::string& n) {
  for (const char* p : {".data", ".rodata", ".bss"}) {
    const size_t len = std::strlen(p);
    if (n.compare(0, len, p) == 0 && (n.size() == len || n[len] == '.')) return true;
  }
  return false;
}

}  // namespace

ObjectReader::ObjectReader(std::span<const uint8_t> bytes, std::string path, const LoadOptions& options)
    : image_(bytes.begin(), bytes.end()), options_(options) {
  obj_.path = std::move(path);
}

Result<Object> ObjectReader::run() {
  if (auto e = open(); e) return *e;
  if (auto e = read_sections(); e) return *e;
  if (auto e = read_symbols(); e) return *e;
  if (auto e = read_btf(); e) return *e;
  if (auto e = read_maps(); e) return *e;
  if (auto e = collect_externs(); e) return *e;
  if (auto e = read_relocations(); e) return *e;
  if (auto e = read_functions(); e) return *e;
  if (auto e = read_ext_info(); e) return *e;
  apply_core_relocations();
  fix_btf_for_kernel();
  if (auto e = link_programs(); e) return *e;
  assign_program_types();
  return std::move(obj_);
}

Error ObjectReader::fail(ErrorCode code, std::string message, int64_t pc) const {
  Location where;
  where.file = obj_.path;
  where.pc = pc;
  return Error{code, where, std::move(message)};
}

MaybeError ObjectReader::open() {
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
  // LLVM before 3.9 wrote machine 0; libbpf (bpf_object__check_endianness and
  // bpf_object__elf_init) accepts EM_NONE for that reason, as do iproute2 and PREVAIL.
  if (ehdr.e_machine == EM_NONE) {
    warn("ELF machine is 0 (EM_NONE, as LLVM before 3.9 wrote it): read as BPF, as libbpf does");
  } else if (ehdr.e_machine != EM_BPF) {
    return fail(ErrorCode::BadElf, fmt::format("ELF machine {} is not BPF ({})", ehdr.e_machine, EM_BPF));
  }
  if (ehdr.e_type != ET_REL) return fail(ErrorCode::BadElf, "not a relocatable object (clang -c output)");
  return std::nullopt;
}

MaybeError ObjectReader::read_sections() {
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

MaybeError ObjectReader::read_symbols() {
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
      auto& code = code_[s.index];
      code.resize(s.data.size() / sizeof(bpf_insn));
      if (!code.empty()) std::memcpy(code.data(), s.data.data(), s.data.size());
    } else if (s.name == "maps" || s.name.starts_with("maps/")) {
      // "maps/NAME": the per-map sections of bcc-style and older samples/bpf objects.
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

SectionKind ObjectReader::kind_of(uint32_t section) const {
  const auto it = kinds_.find(section);
  return it == kinds_.end() ? SectionKind::Other : it->second;
}

std::vector<const Symbol*> ObjectReader::symbols_in(uint32_t section) const {
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

MaybeError ObjectReader::read_functions() {
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
    // Old objects (LLVM before function symbols; hand-written assembly) have none: the whole
    // section is one program, as libbpf < 1.0 and PREVAIL read it, named by a global symbol at
    // its start if there is one (libbpf 0.x bpf_object__init_prog_names), else by the section.
    if (funcs.empty() && count > 0) {
      std::string name = s.name;
      for (const Symbol* sym : symbols_in(s.index)) {
        if (sym->sym.st_value == 0 && GELF_ST_BIND(sym->sym.st_info) == STB_GLOBAL) name = sym->name;
      }
      funcs.push_back(Function{name, s.index, 0, count});
    }
    functions_[s.index] = std::move(funcs);
  }
  return std::nullopt;
}

const Function* ObjectReader::function_starting_at(uint32_t section, size_t insn) const {
  const auto it = functions_.find(section);
  if (it == functions_.end()) return nullptr;
  for (const Function& f : it->second) {
    if (f.start == insn) return &f;
  }
  // A section without function symbols is one function: a call may land anywhere in it, as
  // libbpf < 0.2 appended the whole .text for such calls.
  if (it->second.size() == 1 && it->second.front().start == 0 && insn < it->second.front().end) {
    const Section& s = sections_[section];
    bool has_func_symbol = false;
    for (const Symbol& sym : symbols_) has_func_symbol = has_func_symbol || (sym.sym.st_shndx == s.index && sym.is_func());
    if (!has_func_symbol) return &it->second.front();
  }
  return nullptr;
}

// --- program types ---------------------------------------------------------------------

void ObjectReader::assign_program_types() {
  for (ProgramInfo& p : obj_.programs) {
    if (!options_.program_type.empty()) {
      if (auto t = program_type_override(options_.program_type, p.section)) p.type = *t;
      continue;
    }
    if (auto t = program_type_for_section(p.section)) {
      p.type = *t;
      if (t->source == TypeSource::LegacyPrefix) {
        warn(fmt::format("program '{}': section '{}' selects {} by the {}", p.name, p.section, t->name(), t->rule));
      }
    }
  }
  // iproute2 / Cilium tail-call sections "ID/KEY" are loaded with the type the loader was told
  // (tc: sched_cls, ip link xdp: xdp) and must match the prog array's owner: the programs that
  // tail-call through the prog array whose iproute2 id is ID, else every typed program of the
  // object when they agree.
  auto refs_map = [](const ProgramInfo& p, size_t map) {
    for (size_t pc = 0; pc + 1 < p.insns.size(); ++pc) {
      const semantics::Insn& in = p.insns[pc];
      if (in.opcode == (BPF_LD | BPF_IMM | BPF_DW) && in.src == BPF_PSEUDO_MAP_FD && in.imm >= 0 &&
          static_cast<size_t>(in.imm) == map) {
        return true;
      }
    }
    return false;
  };
  for (ProgramInfo& p : obj_.programs) {
    if (p.type.known()) continue;
    const auto tc = tail_call_section(p.section);
    if (!tc) continue;
    std::set<uint32_t> types;
    std::string via;
    for (size_t m = 0; m < obj_.maps.size(); ++m) {
      const MapDefinition& def = obj_.maps[m];
      if (def.type != BPF_MAP_TYPE_PROG_ARRAY || def.legacy_id != tc->first) continue;
      for (const ProgramInfo& caller : obj_.programs) {
        if (&caller == &p || !caller.type.known() || caller.type.source == TypeSource::TailCall) continue;
        if (refs_map(caller, m)) {
          types.insert(caller.type.prog_type);
          via = fmt::format("prog array '{}' (iproute2 id {}), which '{}' tail-calls through", def.name, tc->first,
                            caller.name);
        }
      }
    }
    if (types.empty()) {
      for (const ProgramInfo& other : obj_.programs) {
        if (other.type.known() && other.type.source != TypeSource::TailCall) types.insert(other.type.prog_type);
      }
      via = "the object's entry programs";
    }
    if (types.size() != 1) continue;
    p.type.prog_type = *types.begin();
    p.type.source = TypeSource::TailCall;
    p.type.rule = fmt::format("tail-call section \"{}/{}\" (iproute2, Cilium): the type of {}", tc->first, tc->second, via);
    warn(fmt::format("program '{}': {} is {}", p.name, p.type.rule, p.type.name()));
  }
  // SEC_ATTACH_BTF types name a kernel function, tracepoint or iterator; loading needs its id
  // in the target kernel's BTF (libbpf's libbpf_find_attach_btf_id).
  for (ProgramInfo& p : obj_.programs) {
    if (!p.type.attach_btf || p.type.attach_target.empty() || options_.target == nullptr) continue;
    const struct btf* target = options_.target->btf();
    if (target == nullptr || !p.type.expected_attach_type) continue;
    std::string name = p.type.attach_target;
    int kind = BTF_KIND_FUNC;
    switch (*p.type.expected_attach_type) {
      case 23: name = "btf_trace_" + name; kind = BTF_KIND_TYPEDEF; break;  // BPF_TRACE_RAW_TP
      case 27: case 43: name = "bpf_lsm_" + name; break;                   // BPF_LSM_MAC, BPF_LSM_CGROUP
      case 28: name = "bpf_iter_" + name; break;                           // BPF_TRACE_ITER
      default: break;
    }
    const int id = btf__find_by_name_kind(target, name.c_str(), kind);
    if (id > 0) {
      p.attach_btf_id = static_cast<uint32_t>(id);
    } else {
      warn(fmt::format("program '{}': the target kernel's BTF has no {} '{}' to attach to", p.name,
                       kind == BTF_KIND_TYPEDEF ? "tracepoint" : "function", name));
    }
  }
}

}  // namespace bpfcert::loader::detail
