// Map definitions: legacy records of every size the loaders of the field write (libbpf's
// struct bpf_map_def, samples/bpf's, iproute2's struct bpf_elf_map), BTF-defined maps with
// their inner maps, and global data sections.
#include <fmt/format.h>

#include <algorithm>

#include "loader/object_reader.h"

namespace bpfcert::loader::detail {

using semantics::ErrorCode;

namespace {

constexpr size_t kLegacyMapDefMin = 4 * sizeof(uint32_t);  // type, key, value, max_entries
constexpr size_t kElfMapDefSize = 9 * sizeof(uint32_t);      // iproute2 struct bpf_elf_map
constexpr uint64_t kMaxGlobalData = uint64_t{1} << 22;       // KMALLOC_MAX_SIZE on x86-64

bool is_map_in_map(uint32_t type) { return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS; }

}  // namespace

MaybeError ObjectReader::read_maps() {
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

// Every definition in a `maps` section has one size: the section size over the number of map
// symbols (libbpf's bpf_object__init_user_maps, iproute2's bpf_fetch_maps_begin), or, where
// the section is padded, the symbols' own size. Fields past the first five depend on who
// wrote the object: iproute2's bpf_elf_map has id, pinning, inner_id and inner_idx (36
// bytes; 28 before map-in-map existed), samples/bpf's bpf_map_def inner_map_idx and numa_node
// (28 bytes). Only map-in-map definitions tell the two 28-byte layouts apart, and iproute2
// never wrote those in 28 bytes.
MaybeError ObjectReader::read_legacy_maps(const Section& s) {
  const auto syms = symbols_in(s.index);
  if (syms.empty()) return std::nullopt;
  size_t def_size = s.data.size() / syms.size();
  const uint64_t sym_size = syms.front()->sym.st_size;
  const bool same_sizes = std::all_of(syms.begin(), syms.end(), [&](const Symbol* y) { return y->sym.st_size == sym_size; });
  if (s.data.size() % syms.size() != 0 && same_sizes && sym_size >= kLegacyMapDefMin &&
      sym_size * syms.size() <= s.data.size()) {
    def_size = sym_size;
  } else if (s.data.size() % syms.size() != 0 || def_size < kLegacyMapDefMin) {
    return fail(ErrorCode::BadMapDefinition, fmt::format("section '{}': {} bytes cannot hold {} map definitions", s.name,
                                                         s.data.size(), syms.size()));
  }
  const size_t first = obj_.maps.size();
  std::vector<std::pair<uint32_t, uint32_t>> inner_refs(syms.size());  // (inner id, inner idx)
  for (size_t k = 0; k < syms.size(); ++k) {
    const Symbol* sym = syms[k];
    const uint64_t off = sym->sym.st_value;
    if (off % def_size != 0 || off + def_size > s.data.size()) {
      return fail(ErrorCode::BadMapDefinition, fmt::format("section '{}': map '{}' at offset {} is not a whole definition",
                                                           s.name, sym->name, off));
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
    if (def_size >= 20) m.flags = read_u32(s.data, off + 16);
    if (def_size >= kElfMapDefSize) {
      m.legacy_id = read_u32(s.data, off + 20);
      inner_refs[k] = {read_u32(s.data, off + 28), read_u32(s.data, off + 32)};
    } else if (def_size >= 24 && !is_map_in_map(m.type)) {
      m.legacy_id = read_u32(s.data, off + 20);
    } else if (def_size >= 24) {
      inner_refs[k] = {0, read_u32(s.data, off + 20)};
    }
    map_at_[{s.index, off}] = obj_.maps.size();
    obj_.maps.push_back(std::move(m));
  }
  // Map-in-map: the inner map's template is another definition of the section, named by its
  // iproute2 id or by its index.
  for (size_t k = 0; k < syms.size(); ++k) {
    MapDefinition& m = obj_.maps[first + k];
    if (!is_map_in_map(m.type)) continue;
    const MapDefinition* inner = nullptr;
    for (size_t j = first; j < obj_.maps.size(); ++j) {
      const bool by_id = def_size >= kElfMapDefSize && inner_refs[k].first != 0 && obj_.maps[j].legacy_id == inner_refs[k].first;
      const bool by_index = def_size < kElfMapDefSize && j - first == inner_refs[k].second;
      if (j != first + k && (by_id || by_index)) inner = &obj_.maps[j];
    }
    if (inner != nullptr) {
      m.inner.push_back(*inner);
    } else {
      warn(fmt::format("map '{}': map-in-map without an inner map definition", m.name));
    }
  }
  return std::nullopt;
}

namespace {

// __uint(name, N) is `int (*name)[N]`: N is the array's element count.
std::optional<uint32_t> btf_uint_member(const btf* b, const btf_member& m, auto skip_mods) {
  const btf_type* ptr = skip_mods(m.type);
  if (ptr == nullptr || !btf_is_ptr(ptr)) return std::nullopt;
  const btf_type* arr = skip_mods(ptr->type);
  if (arr == nullptr || !btf_is_array(arr)) return std::nullopt;
  (void)b;
  return btf_array(arr)->nelems;
}

}  // namespace

// libbpf's parse_btf_map_def: members are __uint(type), __uint(max_entries), __uint(map_flags),
// __uint(key_size) / __type(key), __uint(value_size) / __type(value), __uint(pinning),
// __uint(numa_node), __uint(map_extra), and `values` (prog array slots or the inner map).
MaybeError ObjectReader::read_btf_map_definition(const std::string& name, const btf_type* def, MapDefinition& m,
                                                 bool inner) {
  auto skip = [this](uint32_t id) { return skip_mods(id); };
  std::optional<uint32_t> key_type_size, value_type_size;
  const struct btf_member* members = btf_members(def);
  for (uint16_t j = 0; j < btf_vlen(def); ++j) {
    const char* mname_c = btf__name_by_offset(btf_.get(), members[j].name_off);
    const std::string mname = mname_c != nullptr ? mname_c : "";
    auto uint_field = [&](uint32_t& out) -> MaybeError {
      const auto v = btf_uint_member(btf_.get(), members[j], skip);
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
      const btf_type* ptr = skip_mods(members[j].type);
      const int64_t size = ptr != nullptr && btf_is_ptr(ptr) ? btf__resolve_size(btf_.get(), ptr->type) : -1;
      if (size < 0 || size > UINT32_MAX) {
        return fail(ErrorCode::BadMapDefinition,
                    fmt::format("map '{}': member '{}' is not __type(...) of a sized type", name, mname));
      }
      (mname == "key" ? key_type_size : value_type_size) = static_cast<uint32_t>(size);
    } else if (mname == "pinning" || mname == "map_extra" || mname == "numa_node") {
      e = uint_field(ignored);
    } else if (mname == "values" && !inner) {
      // A zero-length array of pointers: to the inner map's definition (map-in-map) or to
      // programs (prog array slots, which the loader fills after loading).
      m.value_size = m.value_size == 0 ? 4 : m.value_size;
      if (is_map_in_map(m.type)) {
        const btf_type* arr = btf__type_by_id(btf_.get(), members[j].type);
        const btf_type* ptr = arr != nullptr && btf_is_array(arr) ? skip_mods(btf_array(arr)->type) : nullptr;
        const btf_type* inner_def = ptr != nullptr && btf_is_ptr(ptr) ? skip_mods(ptr->type) : nullptr;
        if (inner_def == nullptr || !btf_is_struct(inner_def)) {
          return fail(ErrorCode::BadMapDefinition, fmt::format("map '{}': 'values' names no inner map definition", name));
        }
        MapDefinition in;
        in.name = name + ".inner";
        in.origin = MapOrigin::Btf;
        if (auto ie = read_btf_map_definition(in.name, inner_def, in, true); ie) return ie;
        m.inner.push_back(std::move(in));
      }
    } else {
      // libbpf >= 1.0 refuses unknown members; libbpf before it and PREVAIL ignore them.
      warn(fmt::format("map '{}': unknown member '{}' ignored", name, mname));
    }
    if (e) return e;
  }
  if (key_type_size) {
    if (m.key_size != 0 && m.key_size != *key_type_size) {
      return fail(ErrorCode::BadMapDefinition,
                  fmt::format("map '{}': key_size {} disagrees with key type size {}", name, m.key_size, *key_type_size));
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
  return std::nullopt;
}

MaybeError ObjectReader::read_btf_maps(const Section& s) {
  if (!btf_) return fail(ErrorCode::BadMapDefinition, "section '.maps' needs BTF, but the object has no usable .BTF");
  const btf_type* datasec = nullptr;
  const uint32_t n = btf__type_cnt(btf_.get());
  for (uint32_t id = 1; id < n; ++id) {
    const btf_type* t = btf__type_by_id(btf_.get(), id);
    if (t == nullptr || !btf_is_datasec(t)) continue;
    const char* name = btf__name_by_offset(btf_.get(), t->name_off);
    if (name != nullptr && std::string_view(name) == ".maps") {
      datasec = t;
      break;
    }
  }
  if (datasec == nullptr) return fail(ErrorCode::BadMapDefinition, "section '.maps' has no BTF DATASEC '.maps'");
  const auto syms = symbols_in(s.index);
  const struct btf_var_secinfo* vars = btf_var_secinfos(datasec);
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
    if (auto e = read_btf_map_definition(name, def, m, false); e) return e;
    map_at_[{s.index, m.section_offset}] = obj_.maps.size();
    obj_.maps.push_back(std::move(m));
  }
  return std::nullopt;
}

MaybeError ObjectReader::read_data_map(const Section& s) {
  if (s.shdr.sh_size == 0) return std::nullopt;
  // Linux caps an array map's value at KMALLOC_MAX_SIZE (4 MiB); a .bss header could ask for
  // any size without the file holding a byte of it.
  if (s.shdr.sh_size > kMaxGlobalData) {
    return fail(ErrorCode::BadMapDefinition,
                fmt::format("global data section '{}' is {} bytes; array map values are at most {} bytes", s.name,
                            s.shdr.sh_size, kMaxGlobalData));
  }
  MapDefinition m;
  m.name = s.name;
  m.origin = MapOrigin::GlobalData;
  m.section = s.name;
  m.type = BPF_MAP_TYPE_ARRAY;
  m.key_size = sizeof(uint32_t);
  m.value_size = static_cast<uint32_t>(s.shdr.sh_size);
  m.max_entries = 1;
  // .rodata is frozen by the loader (libbpf, bpfcert's kernel loader) after its initial value
  // is written: a verdict holds for these bytes (a loader that rewrites them first must verify
  // again).
  m.read_only = s.name.starts_with(".rodata");
  m.frozen = m.read_only;
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

}  // namespace bpfcert::loader::detail
