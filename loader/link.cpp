// Relocations and linking: each program's instructions with its bpf-to-bpf callees appended,
// map references turned into map indexes, global data into map values, externs into what
// the target kernel gives them (libbpf's bpf_object__relocate_data and _calls).
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "loader/core_rules.h"
#include "loader/object_reader.h"

namespace bpfcert::loader::detail {

using semantics::Error;
using semantics::ErrorCode;
using semantics::Insn;
using semantics::Result;

namespace {

constexpr uint32_t kRelBpf64_64 = 1;     // R_BPF_64_64: LDDW immediate
constexpr uint32_t kRelBpfAbs64 = 2;     // R_BPF_64_ABS64: data (ignored in code)
constexpr uint32_t kRelBpfAbs32 = 3;     // R_BPF_64_ABS32
constexpr uint32_t kRelBpfNodyld32 = 4;  // R_BPF_64_NODYLD32: .BTF / .BTF.ext
constexpr uint32_t kRelBpf64_32 = 10;    // R_BPF_64_32: CALL immediate
constexpr uint8_t kOpLddw = BPF_LD | BPF_IMM | BPF_DW;
constexpr uint8_t kOpCall = BPF_JMP | BPF_CALL;

}  // namespace

MaybeError ObjectReader::read_relocations() {
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
        return fail(ErrorCode::BadRelocation, fmt::format("section '{}': relocation {} at offset {} is not on an "
                                                          "instruction of '{}'",
                                                          s.name, i, rel.r_offset, code.name));
      }
      const auto sym = static_cast<uint32_t>(GELF_R_SYM(rel.r_info));
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

MaybeError ObjectReader::link_programs() {
  auto link_section = [&](const Section& s) {
    for (const Function& f : functions_[s.index]) {
      auto prog = link_one(f);
      if (prog.ok()) {
        obj_.programs.push_back(std::move(prog.value()));
      } else {
        obj_.failed_programs.push_back(ProgramError{f.name, s.name, prog.error()});
      }
    }
  };
  for (const Section& s : sections_) {
    if (kind_of(s.index) == SectionKind::Program) link_section(s);
  }
  // libbpf (prog_is_subprog): functions in .text are programs only when nothing else is.
  if (obj_.programs.empty() && obj_.failed_programs.empty()) {
    for (const Section& s : sections_) {
      if (kind_of(s.index) == SectionKind::Subprograms) link_section(s);
    }
  }
  return std::nullopt;
}

Result<ProgramInfo> ObjectReader::link_one(const Function& entry) {
  ProgramInfo prog;
  prog.name = entry.name;
  prog.section = sections_[entry.section].name;
  prog.section_offset = entry.start * sizeof(bpf_insn);
  std::map<std::pair<uint32_t, size_t>, size_t> placed;  // (section, function start) -> output pc
  std::vector<const Function*> queue{&entry};
  placed[{entry.section, entry.start}] = 0;
  std::vector<Pending> pending;
  for (size_t qi = 0; qi < queue.size(); ++qi) {
    const Function& f = *queue[qi];
    const Section& sec = sections_[f.section];
    const std::vector<bpf_insn>& code = code_[f.section];
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
      const bpf_insn& raw = code[i];
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
        if (target < 0 || static_cast<uint64_t>(target) >= code.size()) {
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
      const Function* callee = function_starting_at(p.section, p.target);
      if (callee == nullptr) {
        return fail(ErrorCode::BadRelocation,
                    fmt::format("{} at pc {} targets instruction {} of '{}', which starts no function",
                                p.is_call ? "call" : "function address", p.pc, p.target, sections_[p.section].name),
                    static_cast<int64_t>(p.pc));
      }
      if (placed.count({p.section, callee->start}) != 0) continue;
      placed[{p.section, callee->start}] = SIZE_MAX;  // reserved; set when the function is copied
      queue.push_back(callee);
    }
    // The function just copied may be a reserved one: record where it landed.
    placed[{f.section, f.start}] = base;
  }
  for (const Pending& p : pending) {
    const Function* callee = function_starting_at(p.section, p.target);
    const size_t target = placed.at({p.section, callee->start}) + (p.target - callee->start);
    const int64_t rel = static_cast<int64_t>(target) - static_cast<int64_t>(p.pc) - 1;
    prog.insns[p.pc].imm = static_cast<int32_t>(rel);
  }
  std::sort(prog.lines.begin(), prog.lines.end(), [](const LineRecord& a, const LineRecord& b) { return a.pc < b.pc; });
  return prog;
}

MaybeError ObjectReader::apply_reloc(ProgramInfo& prog, const Function& f, size_t i, size_t pc, const Reloc& rel,
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
  if (shndx == SHN_UNDEF) return apply_extern_reloc(prog, pc, sym, where);
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

// libbpf's bpf_object__relocate_data for RELO_EXTERN_VAR and RELO_EXTERN_FUNC.
MaybeError ObjectReader::apply_extern_reloc(ProgramInfo& prog, size_t pc, const Symbol& sym, const std::string& where) {
  const auto sym_index = static_cast<uint32_t>(&sym - symbols_.data());
  const auto it = extern_of_symbol_.find(sym_index);
  if (it == extern_of_symbol_.end()) {
    return fail(ErrorCode::BadRelocation,
                fmt::format("{}: '{}' is undefined, and no BTF declares it an extern (.kconfig, .ksyms): libbpf "
                            "cannot resolve it either",
                            where, sym.name),
                static_cast<int64_t>(pc));
  }
  const Extern& x = obj_.externs[it->second];
  Insn& insn = prog.insns[pc];
  if (insn.opcode == kOpCall) {
    if (x.kind != ExternKind::Kfunc) {
      return fail(ErrorCode::BadRelocation, fmt::format("{}: call to extern variable '{}'", where, x.name),
                  static_cast<int64_t>(pc));
    }
    insn.src = BPF_PSEUDO_KFUNC_CALL;
    insn.imm = static_cast<int32_t>(x.kernel_btf_id);
    insn.off = 0;  // vmlinux's BTF
    return std::nullopt;
  }
  if (insn.opcode != kOpLddw || pc + 1 >= prog.insns.size()) {
    return fail(ErrorCode::BadRelocation, fmt::format("{}: extern '{}' on an instruction that is no LDDW", where, x.name),
                static_cast<int64_t>(pc));
  }
  Insn& next = prog.insns[pc + 1];
  switch (x.kind) {
    case ExternKind::Kconfig:
      insn.src = BPF_PSEUDO_MAP_VALUE;
      insn.imm = static_cast<int32_t>(x.map);
      next.imm = static_cast<int32_t>(x.offset);
      return std::nullopt;
    case ExternKind::Ksym:
      if (x.typed && x.resolved) {
        insn.src = BPF_PSEUDO_BTF_ID;
        insn.imm = static_cast<int32_t>(x.kernel_btf_id);
        next.imm = 0;  // vmlinux's BTF
      } else {
        // Untyped: the address; an unresolved weak ksym reads as 0 (an unresolved strong one
        // too: libbpf would not load the object).
        insn.src = 0;
        insn.imm = static_cast<int32_t>(static_cast<uint32_t>(x.address));
        next.imm = static_cast<int32_t>(static_cast<uint32_t>(x.address >> 32));
      }
      return std::nullopt;
    case ExternKind::Kfunc:
      return fail(ErrorCode::BadRelocation, fmt::format("{}: address of kfunc '{}' taken", where, x.name),
                  static_cast<int64_t>(pc));
  }
  return std::nullopt;
}

}  // namespace bpfcert::loader::detail
