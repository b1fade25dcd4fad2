// .BTF and .BTF.ext: the object's types (read with libbpf; types of kinds this libbpf does
// not know are dropped with what follows them, as nothing can say how long they are), func
// and line info, CO-RE relocation records, and the BTF as Linux loads it.
#include <bpf/libbpf.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "loader/object_reader.h"

namespace bpfcert::loader::detail {

using semantics::ErrorCode;

namespace {

// libbpf reports why it rejects BTF through its print callback. While the reader runs, those
// messages are collected (and end up in the warning) instead of going to stderr.
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

constexpr uint16_t kBtfMagic = 0xeB9F;
constexpr uint32_t kBtfHeaderSize = 24;  // struct btf_header
constexpr unsigned kLastKnownKind = BTF_KIND_ENUM64;

// The bytes a type of a known kind occupies in the type section (libbpf's btf_type_size).
std::optional<size_t> type_record_size(uint32_t info) {
  const uint32_t kind = (info >> 24) & 0x1f;
  const size_t vlen = info & 0xffff;
  const size_t base = sizeof(struct btf_type);
  switch (kind) {
    case BTF_KIND_FWD: case BTF_KIND_CONST: case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT: case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF: case BTF_KIND_FUNC: case BTF_KIND_FLOAT: case BTF_KIND_TYPE_TAG:
      return base;
    case BTF_KIND_INT: return base + sizeof(uint32_t);
    case BTF_KIND_ENUM: return base + vlen * sizeof(struct btf_enum);
    case BTF_KIND_ENUM64: return base + vlen * sizeof(struct btf_enum64);
    case BTF_KIND_ARRAY: return base + sizeof(struct btf_array);
    case BTF_KIND_STRUCT: case BTF_KIND_UNION: return base + vlen * sizeof(struct btf_member);
    case BTF_KIND_FUNC_PROTO: return base + vlen * sizeof(struct btf_param);
    case BTF_KIND_VAR: return base + sizeof(struct btf_var);
    case BTF_KIND_DATASEC: return base + vlen * sizeof(struct btf_var_secinfo);
    case BTF_KIND_DECL_TAG: return base + sizeof(struct btf_decl_tag);
    default: return std::nullopt;
  }
}

// Every type id a type refers to, for rewriting.
template <class F>
void for_each_type_ref(btf_type* t, F&& f) {
  switch (btf_kind(t)) {
    case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT:
    case BTF_KIND_FUNC: case BTF_KIND_VAR: case BTF_KIND_TYPE_TAG: case BTF_KIND_DECL_TAG:
      f(t->type);
      break;
    case BTF_KIND_FUNC_PROTO: {
      f(t->type);
      struct btf_param* p = btf_params(t);
      for (uint16_t i = 0; i < btf_vlen(t); ++i) f(p[i].type);
      break;
    }
    case BTF_KIND_ARRAY: {
      struct btf_array* a = btf_array(t);
      f(a->type);
      f(a->index_type);
      break;
    }
    case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
      struct btf_member* m = btf_members(t);
      for (uint16_t i = 0; i < btf_vlen(t); ++i) f(m[i].type);
      break;
    }
    case BTF_KIND_DATASEC: {
      struct btf_var_secinfo* v = btf_var_secinfos(t);
      for (uint16_t i = 0; i < btf_vlen(t); ++i) f(v[i].type);
      break;
    }
    default: break;
  }
}

// .BTF with the types from the first one of an unknown kind on removed, and references to
// removed types turned into void. nullopt when the header itself is unreadable.
std::optional<std::vector<uint8_t>> drop_unknown_kinds(std::span<const uint8_t> d, std::string* what) {
  if (d.size() < kBtfHeaderSize) return std::nullopt;
  uint16_t magic = 0;
  std::memcpy(&magic, d.data(), 2);
  const uint32_t hdr_len = read_u32(d, 4), type_off = read_u32(d, 8), type_len = read_u32(d, 12);
  const uint32_t str_off = read_u32(d, 16), str_len = read_u32(d, 20);
  if (magic != kBtfMagic || hdr_len < kBtfHeaderSize || hdr_len > d.size()) return std::nullopt;
  const auto body = d.subspan(hdr_len);
  if (uint64_t{type_off} + type_len > body.size() || uint64_t{str_off} + str_len > body.size()) return std::nullopt;
  const auto types = body.subspan(type_off, type_len);
  size_t pos = 0;
  uint32_t id = 1;
  while (pos + sizeof(struct btf_type) <= types.size()) {
    const uint32_t info = read_u32(types, pos + 4);
    const auto size = type_record_size(info);
    if (!size) {
      *what = fmt::format("type {} has BTF kind {}, which libbpf {}.{} does not know (it knows kinds up to {})", id,
                          (info >> 24) & 0x1f, LIBBPF_MAJOR_VERSION, LIBBPF_MINOR_VERSION, kLastKnownKind);
      break;
    }
    if (pos + *size > types.size()) return std::nullopt;
    pos += *size;
    ++id;
  }
  const uint32_t kept = id;  // types 1 .. kept-1 survive
  std::vector<uint8_t> out(kBtfHeaderSize + pos + str_len);
  std::memcpy(out.data(), d.data(), 8);  // magic, version, flags, and hdr_len rewritten below
  const uint32_t header[5] = {kBtfHeaderSize, 0, static_cast<uint32_t>(pos), static_cast<uint32_t>(pos), str_len};
  std::memcpy(out.data() + 4, header, sizeof header);
  std::memcpy(out.data() + kBtfHeaderSize, types.data(), pos);
  std::memcpy(out.data() + kBtfHeaderSize + pos, body.data() + str_off, str_len);
  size_t at = kBtfHeaderSize;
  while (at < kBtfHeaderSize + pos) {
    auto* t = reinterpret_cast<btf_type*>(out.data() + at);
    for_each_type_ref(t, [&](uint32_t& ref) {
      if (ref >= kept) ref = 0;
    });
    at += *type_record_size(t->info);
  }
  return out;
}

}  // namespace

MaybeError ObjectReader::read_btf() {
  for (const Section& s : sections_) {
    if (s.name != ".BTF" || s.data.empty()) continue;
    std::string why;
    {
      CaptureLibbpf capture(&why);
      btf_.reset(btf__new(s.data.data(), static_cast<uint32_t>(s.data.size())));
    }
    if (!btf_) {
      // libbpf (bpf_object__init_btf) goes on without BTF unless the object needs it; a type of
      // a kind newer than libbpf would end the whole section, so only what follows it is lost.
      const int err = errno;
      std::string unknown;
      if (auto cleaned = drop_unknown_kinds(s.data, &unknown); cleaned && !unknown.empty()) {
        btf_.reset(btf__new(cleaned->data(), static_cast<uint32_t>(cleaned->size())));
        if (btf_) {
          warn(fmt::format(".BTF: {}: it and the types after it are dropped (references to them read as void)",
                           unknown));
        }
      }
      if (!btf_) {
        warn(fmt::format(".BTF is unreadable ({}): loaded without BTF (no line info, no BTF-defined maps)",
                         why.empty() ? std::strerror(err) : why));
        continue;
      }
    }
    obj_.has_btf = true;
  }
  for (const Section& s : sections_) {
    if (s.name != ".BTF.ext" || s.data.empty()) continue;
    if (!btf_) {
      warn(".BTF.ext without usable .BTF: line info and CO-RE relocations ignored");
      continue;
    }
    std::string why;
    btf_ext* ext = nullptr;
    {
      CaptureLibbpf capture(&why);
      ext = btf_ext__new(s.data.data(), static_cast<uint32_t>(s.data.size()));
    }
    if (ext == nullptr) {
      // libbpf: "Error loading ELF section .BTF.ext: ... Ignored and continue."
      warn(fmt::format(".BTF.ext is unreadable ({}): ignored, as libbpf does (no line info, no CO-RE relocations)",
                       why.empty() ? std::strerror(errno) : why));
      continue;
    }
    btf_ext__free(ext);
    btf_ext_data_ = s.data;
  }
  return std::nullopt;
}

const btf_type* ObjectReader::skip_mods(uint32_t id, uint32_t* out_id) const {
  // Bounded: BTF may contain cycles.
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

namespace {

// Walks one .BTF.ext block (func_info, line_info or core_relo): per code section, records of
// the block's record size, each handed to `on_record` with its section and instruction index.
template <class OnRecord, class Fail, class FindSection>
MaybeError walk_ext_info(std::span<const uint8_t> d, const btf* b, const char* what, uint32_t off, uint32_t len,
                         uint32_t min_record, Fail fail, FindSection find_section, OnRecord on_record) {
  const uint32_t hdr_len = read_u32(d, 4);
  if (len == 0) return std::nullopt;
  const uint64_t begin = uint64_t{hdr_len} + off;
  if (hdr_len > d.size() || begin > d.size() || len > d.size() - begin || len < 4) {
    return fail(fmt::format(".BTF.ext {} lies outside the section", what));
  }
  const auto info = d.subspan(begin, len);
  const uint32_t rec_size = read_u32(info, 0);
  if (rec_size < min_record) return fail(fmt::format(".BTF.ext {} record size {} < {}", what, rec_size, min_record));
  size_t pos = 4;
  while (pos < info.size()) {
    if (info.size() - pos < 8) return fail(fmt::format(".BTF.ext {} section header truncated", what));
    const char* sec_name = btf__name_by_offset(b, read_u32(info, pos));
    const uint32_t num = read_u32(info, pos + 4);
    pos += 8;
    if (sec_name == nullptr) return fail(fmt::format(".BTF.ext {} names no section", what));
    if (uint64_t{num} * rec_size > info.size() - pos) return fail(fmt::format(".BTF.ext {} truncated", what));
    const Section* sec = find_section(sec_name);
    for (uint32_t i = 0; i < num; ++i, pos += rec_size) {
      if (sec == nullptr) continue;
      // In objects insn_off is in bytes (Linux's loader converts it to an index).
      const uint32_t insn_off = read_u32(info, pos);
      if (insn_off % sizeof(bpf_insn) != 0 || insn_off >= sec->data.size()) {
        return fail(fmt::format(".BTF.ext {} for '{}': offset {} is not an instruction", what, sec_name, insn_off));
      }
      on_record(*sec, insn_off / sizeof(bpf_insn), info.subspan(pos, rec_size));
    }
  }
  return std::nullopt;
}

}  // namespace

MaybeError ObjectReader::read_ext_info() {
  if (btf_ext_data_.empty()) return std::nullopt;
  const auto d = btf_ext_data_;
  auto bad = [&](std::string msg) -> MaybeError { return fail(ErrorCode::BadBtf, std::move(msg)); };
  auto find_section = [&](const char* name) -> const Section* {
    for (const Section& s : sections_) {
      if (s.exec() && s.name == name) return &s;
    }
    return nullptr;
  };
  // struct btf_ext_header: magic u16, version u8, flags u8, hdr_len, func_info_off/len,
  // line_info_off/len, then (hdr_len >= 32) core_relo_off/len. Offsets follow the header.
  if (d.size() < 24) return bad(".BTF.ext header truncated");
  const uint32_t hdr_len = read_u32(d, 4);
  const uint32_t types = btf__type_cnt(btf_.get());
  auto e = walk_ext_info(d, btf_.get(), "func_info", read_u32(d, 8), read_u32(d, 12), 8, bad, find_section,
                         [&](const Section& sec, size_t insn, std::span<const uint8_t> rec) {
                           const uint32_t id = read_u32(rec, 4);
                           func_types_[sec.index][insn] = id < types ? id : 0;
                         });
  if (e) return e;
  e = walk_ext_info(d, btf_.get(), "line_info", read_u32(d, 16), read_u32(d, 20), 16, bad, find_section,
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
  if (hdr_len >= 32 && d.size() >= 32) {
    e = walk_ext_info(d, btf_.get(), "core_relo", read_u32(d, 24), read_u32(d, 28), 16, bad, find_section,
                      [&](const Section& sec, size_t insn, std::span<const uint8_t> rec) {
                        core_records_.push_back(
                            CoreRecord{sec.index, insn, read_u32(rec, 4), read_u32(rec, 8), read_u32(rec, 12)});
                      });
    if (e) return e;
  }
  return std::nullopt;
}

// What clang leaves to the loader, done as libbpf does before loading BTF into Linux:
// DATASEC sizes and variable offsets from the sections and symbols, sorted by offset
// (btf_fixup_datasec); extern variables and functions made allocated, as Linux accepts no
// extern linkage (bpf_object__collect_externs).
void ObjectReader::fix_btf_for_kernel() {
  if (!btf_) return;
  struct btf* b = btf_.get();
  int int_id = 0;
  for (uint32_t id = 1; id < btf__type_cnt(b); ++id) {
    const btf_type* t = btf__type_by_id(b, id);
    if (btf_is_int(t) && btf_int_bits(t) == 32) {
      int_id = static_cast<int>(id);
      break;
    }
  }
  // A datasec entry must be a VAR: extern functions in .ksyms point at one dummy variable.
  int dummy_var = 0;
  for (uint32_t id = 1; id < btf__type_cnt(b) && dummy_var == 0; ++id) {
    const btf_type* t = btf__type_by_id(b, id);
    const char* name = btf_is_datasec(t) ? btf__name_by_offset(b, t->name_off) : nullptr;
    if (name == nullptr || std::strcmp(name, ".ksyms") != 0) continue;
    const struct btf_var_secinfo* vs = btf_var_secinfos(t);
    for (uint16_t i = 0; i < btf_vlen(t); ++i) {
      if (btf_is_func(btf__type_by_id(b, vs[i].type))) {
        dummy_var = btf__add_var(b, "dummy_ksym", BTF_VAR_GLOBAL_ALLOCATED, int_id);
        break;
      }
    }
  }
  const uint32_t n = btf__type_cnt(b);
  for (uint32_t id = 1; id < n; ++id) {
    auto* t = const_cast<btf_type*>(btf__type_by_id(b, id));
    if (t == nullptr || !btf_is_datasec(t)) continue;
    const char* name_c = btf__name_by_offset(b, t->name_off);
    const std::string name = name_c != nullptr ? name_c : "";
    struct btf_var_secinfo* vars = btf_var_secinfos(t);
    if (name == ".kconfig" || name == ".ksyms") {
      uint32_t off = 0;
      for (uint16_t i = 0; i < btf_vlen(t); ++i) {
        auto* var = const_cast<btf_type*>(btf__type_by_id(b, vars[i].type));
        if (var == nullptr) continue;
        const char* vname = btf__name_by_offset(b, var->name_off);
        if (btf_is_func(var)) {
          var->info = (var->info & ~0xffffu) | BTF_FUNC_GLOBAL;
          if (dummy_var > 0) vars[i].type = static_cast<uint32_t>(dummy_var);
          vars[i].offset = off;
          vars[i].size = sizeof(int);
          off += sizeof(int);
          continue;
        }
        if (!btf_is_var(var)) continue;
        btf_var(var)->linkage = BTF_VAR_GLOBAL_ALLOCATED;
        if (name == ".ksyms") {
          var->type = static_cast<uint32_t>(int_id);
          vars[i].offset = off;
          vars[i].size = sizeof(int);
          off += sizeof(int);
          continue;
        }
        for (const Extern& x : obj_.externs) {
          if (x.kind == ExternKind::Kconfig && vname != nullptr && x.name == vname) vars[i].offset = x.offset;
        }
        off = std::max(off, vars[i].offset + vars[i].size);
      }
      t->size = off;
      continue;
    }
    const Section* sec = nullptr;
    for (const Section& s : sections_) {
      if (s.name == name && s.shdr.sh_type != SHT_NULL) sec = &s;
    }
    if (sec == nullptr) continue;
    t->size = static_cast<uint32_t>(std::min<uint64_t>(sec->shdr.sh_size, UINT32_MAX));
    const auto syms = symbols_in(sec->index);
    for (uint16_t i = 0; i < btf_vlen(t); ++i) {
      const btf_type* var = btf__type_by_id(b, vars[i].type);
      const char* vname = var != nullptr ? btf__name_by_offset(b, var->name_off) : nullptr;
      for (const Symbol* sym : syms) {
        if (vname != nullptr && sym->name == vname) vars[i].offset = static_cast<uint32_t>(sym->sym.st_value);
      }
    }
    std::sort(vars, vars + btf_vlen(t),
              [](const btf_var_secinfo& a, const btf_var_secinfo& c) { return a.offset < c.offset; });
  }
  uint32_t size = 0;
  const void* raw = btf__raw_data(b, &size);
  if (raw != nullptr) {
    const auto* p = static_cast<const uint8_t*>(raw);
    obj_.btf.assign(p, p + size);
  }
}

}  // namespace bpfcert::loader::detail
