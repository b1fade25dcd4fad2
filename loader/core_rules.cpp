// CO-RE relocation rules after libbpf's relo_core.c (candidate search after libbpf.c's
// bpf_core_add_cands). Each function names the libbpf function whose rule it follows; the
// comments say where this one departs (bounded recursion on cyclic BTF instead of a loop).
#include "loader/core_rules.h"

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>

namespace bpfcert::loader::core {

namespace {

constexpr int kSpecMaxLen = 64;  // BPF_CORE_SPEC_MAX_LEN

struct Accessor {
  uint32_t type_id = 0;
  uint32_t idx = 0;
  const char* name = nullptr;
};

// struct bpf_core_spec.
struct Spec {
  const struct btf* b = nullptr;
  uint32_t root_type_id = 0;
  uint32_t relo_kind = 0;
  std::vector<Accessor> spec;  // high-level accessors
  std::vector<int> raw_spec;   // the access string, extended on the target with anonymous members
  uint32_t bit_offset = 0;
};

bool str_is_empty(const char* s) { return s == nullptr || *s == '\0'; }

// skip_mods_and_typedefs, bounded so cyclic BTF ends instead of looping.
const btf_type* skip_mods_and_typedefs(const struct btf* b, uint32_t id, uint32_t* res_id) {
  const btf_type* t = btf__type_by_id(b, id);
  if (res_id != nullptr) *res_id = id;
  for (int depth = 0; t != nullptr && (btf_is_mod(t) || btf_is_typedef(t)); ++depth) {
    if (depth == 64) return nullptr;
    if (res_id != nullptr) *res_id = t->type;
    t = btf__type_by_id(b, t->type);
  }
  return t;
}

bool is_any_enum(const btf_type* t) { return btf_is_enum(t) || btf_is_enum64(t); }

// btf_kind_core_compat (libbpf_internal.h): same kind, or enum and enum64.
bool kind_core_compat(const btf_type* a, const btf_type* b) {
  return btf_kind(a) == btf_kind(b) || (is_any_enum(a) && is_any_enum(b));
}

bool is_field_based(uint32_t k) { return k <= kFieldRshiftU64; }
bool is_type_based(uint32_t k) {
  return k == kTypeIdLocal || k == kTypeIdTarget || k == kTypeExists || k == kTypeSize || k == kTypeMatches;
}
bool is_enumval_based(uint32_t k) { return k == kEnumvalExists || k == kEnumvalValue; }

int64_t resolve_size(const struct btf* b, uint32_t id) {
  const int64_t sz = btf__resolve_size(b, id);
  return sz < 0 ? -EINVAL : sz;
}

// is_flex_arr: an array of 0 elements that is the last member of its struct.
bool is_flex_arr(const struct btf* b, const Accessor* acc, const struct btf_array* arr) {
  if (acc == nullptr || acc->name == nullptr || arr->nelems > 0) return false;
  const btf_type* t = btf__type_by_id(b, acc->type_id);
  return t != nullptr && acc->idx + 1 == btf_vlen(t);
}

const char* enum_name(const struct btf* b, const btf_type* t, uint32_t i) {
  const uint32_t off = btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;
  return btf__name_by_offset(b, off);
}

// __bpf_core_types_are_compat.
int types_are_compat_level(const struct btf* local_btf, uint32_t local_id, const struct btf* targ_btf, uint32_t targ_id,
                           int level) {
  const btf_type* local_type = btf__type_by_id(local_btf, local_id);
  const btf_type* targ_type = btf__type_by_id(targ_btf, targ_id);
  if (local_type == nullptr || targ_type == nullptr) return -EINVAL;
  if (!kind_core_compat(local_type, targ_type)) return 0;
  for (int depth = 32;; ) {
    if (--depth < 0) return -EINVAL;
    local_type = skip_mods_and_typedefs(local_btf, local_id, &local_id);
    targ_type = skip_mods_and_typedefs(targ_btf, targ_id, &targ_id);
    if (local_type == nullptr || targ_type == nullptr) return -EINVAL;
    if (!kind_core_compat(local_type, targ_type)) return 0;
    switch (btf_kind(local_type)) {
      case BTF_KIND_UNKN: case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM: case BTF_KIND_FWD:
      case BTF_KIND_ENUM64:
        return 1;
      case BTF_KIND_INT:
        // Only the deprecated bitfield-like integers are rejected.
        return btf_int_offset(local_type) == 0 && btf_int_offset(targ_type) == 0;
      case BTF_KIND_PTR:
        local_id = local_type->type;
        targ_id = targ_type->type;
        continue;
      case BTF_KIND_ARRAY:
        local_id = btf_array(local_type)->type;
        targ_id = btf_array(targ_type)->type;
        continue;
      case BTF_KIND_FUNC_PROTO: {
        const struct btf_param* lp = btf_params(local_type);
        const struct btf_param* tp = btf_params(targ_type);
        if (btf_vlen(local_type) != btf_vlen(targ_type)) return 0;
        for (uint16_t i = 0; i < btf_vlen(local_type); ++i) {
          if (level <= 0) return -EINVAL;
          uint32_t l = 0, t = 0;
          skip_mods_and_typedefs(local_btf, lp[i].type, &l);
          skip_mods_and_typedefs(targ_btf, tp[i].type, &t);
          const int err = types_are_compat_level(local_btf, l, targ_btf, t, level - 1);
          if (err <= 0) return err;
        }
        skip_mods_and_typedefs(local_btf, local_type->type, &local_id);
        skip_mods_and_typedefs(targ_btf, targ_type->type, &targ_id);
        continue;
      }
      default:
        return 0;
    }
  }
}

// bpf_core_parse_spec.
int parse_spec(const struct btf* b, const Relocation& relo, Spec& spec) {
  const char* spec_str = btf__name_by_offset(b, relo.access_str_off);
  if (str_is_empty(spec_str) || *spec_str == ':') return -EINVAL;
  spec = Spec{};
  spec.b = b;
  spec.root_type_id = relo.type_id;
  spec.relo_kind = relo.kind;
  if (is_type_based(relo.kind)) return std::strcmp(spec_str, "0") == 0 ? 0 : -EINVAL;
  // "0:1:2:3" -> raw_spec [0, 1, 2, 3]
  for (const char* p = spec_str; *p != '\0';) {
    if (*p == ':') ++p;
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(p, &end, 10);
    if (end == p || errno != 0 || v < INT_MIN || v > INT_MAX) return -EINVAL;
    if (static_cast<int>(spec.raw_spec.size()) == kSpecMaxLen) return -E2BIG;
    spec.raw_spec.push_back(static_cast<int>(v));
    p = end;
  }
  if (spec.raw_spec.empty()) return -EINVAL;
  uint32_t id = 0;
  const btf_type* t = skip_mods_and_typedefs(b, relo.type_id, &id);
  if (t == nullptr) return -EINVAL;
  int access_idx = spec.raw_spec[0];
  spec.spec.push_back(Accessor{id, static_cast<uint32_t>(access_idx), nullptr});
  if (is_enumval_based(relo.kind)) {
    if (!is_any_enum(t) || spec.raw_spec.size() > 1 || access_idx < 0 || access_idx >= btf_vlen(t)) return -EINVAL;
    spec.spec[0].name = enum_name(b, t, static_cast<uint32_t>(access_idx));
    return 0;
  }
  if (!is_field_based(relo.kind)) return -EINVAL;
  int64_t sz = resolve_size(b, id);
  if (sz < 0) return static_cast<int>(sz);
  spec.bit_offset = static_cast<uint32_t>(access_idx * sz * 8);
  for (size_t i = 1; i < spec.raw_spec.size(); ++i) {
    t = skip_mods_and_typedefs(b, id, &id);
    if (t == nullptr) return -EINVAL;
    access_idx = spec.raw_spec[i];
    if (access_idx < 0) return -EINVAL;
    if (btf_is_composite(t)) {
      if (access_idx >= btf_vlen(t)) return -EINVAL;
      spec.bit_offset += btf_member_bit_offset(t, static_cast<uint32_t>(access_idx));
      const struct btf_member* m = btf_members(t) + access_idx;
      if (m->name_off != 0) {
        const char* name = btf__name_by_offset(b, m->name_off);
        if (str_is_empty(name)) return -EINVAL;
        spec.spec.push_back(Accessor{id, static_cast<uint32_t>(access_idx), name});
      }
      id = m->type;
    } else if (btf_is_array(t)) {
      const struct btf_array* a = btf_array(t);
      t = skip_mods_and_typedefs(b, a->type, &id);
      if (t == nullptr) return -EINVAL;
      const bool flex = is_flex_arr(b, &spec.spec.back(), a);
      if (!flex && static_cast<uint32_t>(access_idx) >= a->nelems) return -EINVAL;
      spec.spec.push_back(Accessor{id, static_cast<uint32_t>(access_idx), nullptr});
      sz = resolve_size(b, id);
      if (sz < 0) return static_cast<int>(sz);
      spec.bit_offset += static_cast<uint32_t>(access_idx * sz * 8);
    } else {
      return -EINVAL;
    }
  }
  return 0;
}

// bpf_core_fields_are_compat.
int fields_are_compat(const struct btf* local_btf, uint32_t local_id, const struct btf* targ_btf, uint32_t targ_id) {
  for (int depth = 0; depth < 64; ++depth) {
    const btf_type* local_type = skip_mods_and_typedefs(local_btf, local_id, &local_id);
    const btf_type* targ_type = skip_mods_and_typedefs(targ_btf, targ_id, &targ_id);
    if (local_type == nullptr || targ_type == nullptr) return -EINVAL;
    if (btf_is_composite(local_type) && btf_is_composite(targ_type)) return 1;
    if (!kind_core_compat(local_type, targ_type)) return 0;
    switch (btf_kind(local_type)) {
      case BTF_KIND_PTR: case BTF_KIND_FLOAT: return 1;
      case BTF_KIND_FWD: case BTF_KIND_ENUM64: case BTF_KIND_ENUM: {
        const char* ln = btf__name_by_offset(local_btf, local_type->name_off);
        const char* tn = btf__name_by_offset(targ_btf, targ_type->name_off);
        const size_t ll = ln != nullptr ? essential_name_len(ln) : 0;
        const size_t tl = tn != nullptr ? essential_name_len(tn) : 0;
        return ll == 0 || tl == 0 || (ll == tl && std::strncmp(ln, tn, ll) == 0);
      }
      case BTF_KIND_INT: return btf_int_offset(local_type) == 0 && btf_int_offset(targ_type) == 0;
      case BTF_KIND_ARRAY:
        local_id = btf_array(local_type)->type;
        targ_id = btf_array(targ_type)->type;
        continue;
      default: return 0;
    }
  }
  return -EINVAL;
}

// bpf_core_match_member: finds the local named member in the target composite (searching
// anonymous members too), extending the target spec. 1 found, 0 not, < 0 error.
int match_member(const struct btf* local_btf, const Accessor& local_acc, const struct btf* targ_btf, uint32_t targ_id,
                 Spec& spec, uint32_t* next_targ_id, int depth) {
  if (depth > kSpecMaxLen) return -E2BIG;
  const btf_type* targ_type = skip_mods_and_typedefs(targ_btf, targ_id, &targ_id);
  if (targ_type == nullptr) return -EINVAL;
  if (!btf_is_composite(targ_type)) return 0;
  const btf_type* local_type = btf__type_by_id(local_btf, local_acc.type_id);
  const struct btf_member* local_member = btf_members(local_type) + local_acc.idx;
  const char* local_name = btf__name_by_offset(local_btf, local_member->name_off);
  const struct btf_member* m = btf_members(targ_type);
  for (uint16_t i = 0; i < btf_vlen(targ_type); ++i, ++m) {
    const uint32_t bit_offset = btf_member_bit_offset(targ_type, i);
    if (static_cast<int>(spec.raw_spec.size()) == kSpecMaxLen) return -E2BIG;
    // Speculate this member is the one.
    spec.bit_offset += bit_offset;
    spec.raw_spec.push_back(i);
    const char* targ_name = btf__name_by_offset(targ_btf, m->name_off);
    if (str_is_empty(targ_name)) {
      const int found = match_member(local_btf, local_acc, targ_btf, m->type, spec, next_targ_id, depth + 1);
      if (found != 0) return found;
    } else if (local_name != nullptr && std::strcmp(local_name, targ_name) == 0) {
      spec.spec.push_back(Accessor{targ_id, i, targ_name});
      *next_targ_id = m->type;
      const int found = fields_are_compat(local_btf, local_member->type, targ_btf, m->type);
      if (found == 0) spec.spec.pop_back();
      return found;
    }
    spec.bit_offset -= bit_offset;
    spec.raw_spec.pop_back();
  }
  return 0;
}

int types_match_level(const struct btf* local_btf, uint32_t local_id, const struct btf* targ_btf, uint32_t targ_id,
                      bool behind_ptr, int level);

// bpf_core_spec_match: 1 when the local spec resolves in target type targ_id.
int spec_match(const Spec& local_spec, const struct btf* targ_btf, uint32_t targ_id, Spec& targ_spec) {
  targ_spec = Spec{};
  targ_spec.b = targ_btf;
  targ_spec.root_type_id = targ_id;
  targ_spec.relo_kind = local_spec.relo_kind;
  if (is_type_based(local_spec.relo_kind)) {
    if (local_spec.relo_kind == kTypeMatches) {
      return types_match_level(local_spec.b, local_spec.root_type_id, targ_btf, targ_id, false, 32);
    }
    return types_are_compat_level(local_spec.b, local_spec.root_type_id, targ_btf, targ_id, INT_MAX);
  }
  if (is_enumval_based(local_spec.relo_kind)) {
    const btf_type* targ_type = skip_mods_and_typedefs(targ_btf, targ_id, &targ_id);
    if (targ_type == nullptr || !is_any_enum(targ_type)) return 0;
    const char* local_name = local_spec.spec[0].name;
    const size_t local_len = local_name != nullptr ? essential_name_len(local_name) : 0;
    for (uint16_t i = 0; i < btf_vlen(targ_type); ++i) {
      const char* targ_name = enum_name(targ_btf, targ_type, i);
      if (targ_name == nullptr || essential_name_len(targ_name) != local_len) continue;
      if (std::strncmp(local_name, targ_name, local_len) == 0) {
        targ_spec.spec.push_back(Accessor{targ_id, i, targ_name});
        targ_spec.raw_spec.push_back(i);
        return 1;
      }
    }
    return 0;
  }
  if (!is_field_based(local_spec.relo_kind)) return -EINVAL;
  for (size_t i = 0; i < local_spec.spec.size(); ++i) {
    const Accessor& local_acc = local_spec.spec[i];
    const btf_type* targ_type = skip_mods_and_typedefs(targ_btf, targ_id, &targ_id);
    if (targ_type == nullptr) return -EINVAL;
    if (local_acc.name != nullptr) {
      const int matched = match_member(local_spec.b, local_acc, targ_btf, targ_id, targ_spec, &targ_id, 0);
      if (matched <= 0) return matched;
    } else {
      // For i = 0 targ_id is already the element type (the original struct); deeper ones are
      // array elements.
      if (i > 0) {
        if (!btf_is_array(targ_type)) return 0;
        const struct btf_array* a = btf_array(targ_type);
        const bool flex = is_flex_arr(targ_btf, targ_spec.spec.empty() ? nullptr : &targ_spec.spec.back(), a);
        if (!flex && local_acc.idx >= a->nelems) return 0;
        if (skip_mods_and_typedefs(targ_btf, a->type, &targ_id) == nullptr) return -EINVAL;
      }
      if (static_cast<int>(targ_spec.raw_spec.size()) == kSpecMaxLen) return -E2BIG;
      targ_spec.spec.push_back(Accessor{targ_id, local_acc.idx, nullptr});
      targ_spec.raw_spec.push_back(static_cast<int>(local_acc.idx));
      const int64_t sz = resolve_size(targ_btf, targ_id);
      if (sz < 0) return static_cast<int>(sz);
      targ_spec.bit_offset += static_cast<uint32_t>(local_acc.idx * sz * 8);
    }
  }
  return 1;
}

// bpf_core_calc_field_relo. spec == nullptr: no target matched.
int calc_field_relo(const Relocation& relo, const Spec* spec, uint64_t* val, uint32_t* field_sz, uint32_t* type_id,
                    bool* validate) {
  *field_sz = 0;
  if (relo.kind == kFieldExists) {
    *val = spec != nullptr ? 1 : 0;
    return 0;
  }
  if (spec == nullptr) return -EUCLEAN;  // poison
  const Accessor& acc = spec->spec.back();
  const btf_type* t = btf__type_by_id(spec->b, acc.type_id);
  if (acc.name == nullptr) {  // an a[n] accessor
    if (relo.kind == kFieldByteOffset) {
      *val = spec->bit_offset / 8;
      const int64_t sz = resolve_size(spec->b, acc.type_id);
      if (sz < 0) return -EINVAL;
      *field_sz = static_cast<uint32_t>(sz);
      *type_id = acc.type_id;
    } else if (relo.kind == kFieldByteSize) {
      const int64_t sz = resolve_size(spec->b, acc.type_id);
      if (sz < 0) return -EINVAL;
      *val = static_cast<uint64_t>(sz);
    } else {
      return -EINVAL;  // "can't be applied to array access"
    }
    if (validate != nullptr) *validate = true;
    return 0;
  }
  const struct btf_member* m = btf_members(t) + acc.idx;
  uint32_t field_type_id = 0;
  const btf_type* mt = skip_mods_and_typedefs(spec->b, m->type, &field_type_id);
  if (mt == nullptr) return -EINVAL;
  const uint32_t bit_off = spec->bit_offset;
  uint32_t bit_sz = btf_member_bitfield_size(t, acc.idx);
  const bool bitfield = bit_sz > 0;
  uint32_t byte_sz = 0, byte_off = 0;
  if (bitfield) {
    byte_sz = mt->size;
    if (byte_sz == 0) return -EINVAL;
    byte_off = bit_off / 8 / byte_sz * byte_sz;
    // The smallest integer size that loads the whole bitfield.
    while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
      if (byte_sz >= 8) return -E2BIG;  // cannot be read with a 64-bit load
      byte_sz *= 2;
      byte_off = bit_off / 8 / byte_sz * byte_sz;
    }
  } else {
    const int64_t sz = resolve_size(spec->b, field_type_id);
    if (sz < 0) return -EINVAL;
    byte_sz = static_cast<uint32_t>(sz);
    byte_off = spec->bit_offset / 8;
    bit_sz = byte_sz * 8;
  }
  // Bitfield offsets and sizes may legitimately differ from the compiler's: only signedness
  // and the right shift are validated for them.
  if (validate != nullptr) *validate = !bitfield;
  switch (relo.kind) {
    case kFieldByteOffset:
      *val = byte_off;
      if (!bitfield) {
        *field_sz = byte_sz;
        *type_id = field_type_id;
      }
      break;
    case kFieldByteSize: *val = byte_sz; break;
    case kFieldSigned:
      *val = (is_any_enum(mt) && BTF_INFO_KFLAG(mt->info)) || (btf_is_int(mt) && (btf_int_encoding(mt) & BTF_INT_SIGNED));
      if (validate != nullptr) *validate = true;
      break;
    case kFieldLshiftU64: *val = 64 - (bit_off + bit_sz - byte_off * 8); break;  // little-endian
    case kFieldRshiftU64:
      *val = 64 - bit_sz;
      if (validate != nullptr) *validate = true;
      break;
    default: return -EOPNOTSUPP;
  }
  return 0;
}

// bpf_core_calc_type_relo.
int calc_type_relo(const Relocation& relo, const Spec* spec, uint64_t* val, bool* validate) {
  if (validate != nullptr) *validate = true;
  if (spec == nullptr) {
    *val = 0;  // type-based relocations are 0 when the type is not found
    return 0;
  }
  switch (relo.kind) {
    case kTypeIdTarget:
      *val = spec->root_type_id;
      if (validate != nullptr) *validate = false;  // ids change during linking
      break;
    case kTypeExists: case kTypeMatches: *val = 1; break;
    case kTypeSize: {
      const int64_t sz = resolve_size(spec->b, spec->root_type_id);
      if (sz < 0) return -EINVAL;
      *val = static_cast<uint64_t>(sz);
      break;
    }
    default: return -EOPNOTSUPP;
  }
  return 0;
}

// bpf_core_calc_enumval_relo.
int calc_enumval_relo(const Relocation& relo, const Spec* spec, uint64_t* val) {
  switch (relo.kind) {
    case kEnumvalExists: *val = spec != nullptr ? 1 : 0; return 0;
    case kEnumvalValue: {
      if (spec == nullptr) return -EUCLEAN;
      const btf_type* t = btf__type_by_id(spec->b, spec->spec[0].type_id);
      if (btf_is_enum(t)) {
        *val = static_cast<uint64_t>(static_cast<int64_t>(btf_enum(t)[spec->spec[0].idx].val));
        // libbpf stores the __s32 val into a __u64: sign-extended.
      } else {
        *val = btf_enum64_value(btf_enum64(t) + spec->spec[0].idx);
      }
      return 0;
    }
    default: return -EOPNOTSUPP;
  }
}

// bpf_core_calc_relo.
int calc_relo_values(const Relocation& relo, const Spec& local_spec, const Spec* targ_spec, Resolution& res) {
  res = Resolution{};
  int err = -EOPNOTSUPP;
  if (is_field_based(relo.kind)) {
    err = calc_field_relo(relo, &local_spec, &res.orig_val, &res.orig_sz, &res.orig_type_id, &res.validate);
    if (err == 0) err = calc_field_relo(relo, targ_spec, &res.new_val, &res.new_sz, &res.new_type_id, nullptr);
    if (err == 0 && res.orig_sz != res.new_sz) {
      // Adjusting a load's size is safe for pointers (read as zero-extended integers) and
      // unsigned integers; anything else would read a wrong value.
      const btf_type* orig_t = btf__type_by_id(local_spec.b, res.orig_type_id);
      const btf_type* new_t = btf__type_by_id(targ_spec->b, res.new_type_id);
      const bool ptrs = orig_t != nullptr && new_t != nullptr && btf_is_ptr(orig_t) && btf_is_ptr(new_t);
      const bool uints = orig_t != nullptr && new_t != nullptr && btf_is_int(orig_t) && btf_is_int(new_t) &&
                         btf_int_encoding(orig_t) != BTF_INT_SIGNED && btf_int_encoding(new_t) != BTF_INT_SIGNED;
      res.fail_memsz_adjust = !ptrs && !uints;
    }
  } else if (is_type_based(relo.kind)) {
    err = calc_type_relo(relo, &local_spec, &res.orig_val, &res.validate);
    if (err == 0) err = calc_type_relo(relo, targ_spec, &res.new_val, nullptr);
  } else if (is_enumval_based(relo.kind)) {
    err = calc_enumval_relo(relo, &local_spec, &res.orig_val);
    if (err == 0) err = calc_enumval_relo(relo, targ_spec, &res.new_val);
  }
  if (err == -EUCLEAN) {
    res.poison = true;
    err = 0;
  }
  return err;
}

// bpf_core_format_spec.
std::string format_spec(const Spec& spec) {
  const btf_type* t = btf__type_by_id(spec.b, spec.root_type_id);
  const char* s = t != nullptr ? btf__name_by_offset(spec.b, t->name_off) : nullptr;
  std::string out = fmt::format("[{}] {}", spec.root_type_id, str_is_empty(s) ? "<anon>" : s);
  if (is_type_based(spec.relo_kind)) return out;
  if (is_enumval_based(spec.relo_kind)) return out + fmt::format("::{}", spec.spec.empty() || spec.spec[0].name == nullptr ? "?" : spec.spec[0].name);
  for (size_t i = 0; i < spec.spec.size(); ++i) {
    if (spec.spec[i].name != nullptr) {
      out += fmt::format(".{}", spec.spec[i].name);
    } else if (i > 0 || spec.spec[i].idx > 0) {
      out += fmt::format("[{}]", spec.spec[i].idx);
    }
  }
  out += " (";
  for (size_t i = 0; i < spec.raw_spec.size(); ++i) out += fmt::format("{}{}", i == 0 ? "" : ":", spec.raw_spec[i]);
  if (spec.bit_offset % 8 != 0) return out + fmt::format(" @ offset {}.{})", spec.bit_offset / 8, spec.bit_offset % 8);
  return out + fmt::format(" @ offset {})", spec.bit_offset / 8);
}

// bpf_core_names_match.
bool names_match(const struct btf* local_btf, uint32_t local_off, const struct btf* targ_btf, uint32_t targ_off) {
  const char* ln = btf__name_by_offset(local_btf, local_off);
  const char* tn = btf__name_by_offset(targ_btf, targ_off);
  if (str_is_empty(tn)) return str_is_empty(ln);
  if (ln == nullptr) return false;
  const size_t tl = essential_name_len(tn);
  return tl == essential_name_len(ln) && std::strncmp(ln, tn, tl) == 0;
}

// bpf_core_enums_match.
int enums_match(const struct btf* local_btf, const btf_type* local_t, const struct btf* targ_btf, const btf_type* targ_t) {
  if (local_t->size != targ_t->size || btf_vlen(local_t) > btf_vlen(targ_t)) return 0;
  for (uint16_t i = 0; i < btf_vlen(local_t); ++i) {
    const uint32_t ln = btf_is_enum(local_t) ? btf_enum(local_t)[i].name_off : btf_enum64(local_t)[i].name_off;
    bool matched = false;
    for (uint16_t j = 0; j < btf_vlen(targ_t) && !matched; ++j) {
      const uint32_t tn = btf_is_enum(targ_t) ? btf_enum(targ_t)[j].name_off : btf_enum64(targ_t)[j].name_off;
      matched = names_match(local_btf, ln, targ_btf, tn);
    }
    if (!matched) return 0;
  }
  return 1;
}

// bpf_core_composites_match.
int composites_match(const struct btf* local_btf, const btf_type* local_t, const struct btf* targ_btf,
                     const btf_type* targ_t, bool behind_ptr, int level) {
  if (btf_vlen(local_t) > btf_vlen(targ_t)) return 0;
  const struct btf_member* local_m = btf_members(local_t);
  for (uint16_t i = 0; i < btf_vlen(local_t); ++i, ++local_m) {
    const struct btf_member* targ_m = btf_members(targ_t);
    bool matched = false;
    for (uint16_t j = 0; j < btf_vlen(targ_t); ++j, ++targ_m) {
      if (!names_match(local_btf, local_m->name_off, targ_btf, targ_m->name_off)) continue;
      const int err = types_match_level(local_btf, local_m->type, targ_btf, targ_m->type, behind_ptr, level - 1);
      if (err < 0) return err;
      if (err > 0) {
        matched = true;
        break;
      }
    }
    if (!matched) return 0;
  }
  return 1;
}

// __bpf_core_types_match.
int types_match_level(const struct btf* local_btf, uint32_t local_id, const struct btf* targ_btf, uint32_t targ_id,
                      bool behind_ptr, int level) {
  if (level <= 0) return -EINVAL;
  for (int depth = 32;;) {
    if (--depth < 0) return -EINVAL;
    const btf_type* local_t = skip_mods_and_typedefs(local_btf, local_id, &local_id);
    const btf_type* targ_t = skip_mods_and_typedefs(targ_btf, targ_id, &targ_id);
    if (local_t == nullptr || targ_t == nullptr) return -EINVAL;
    if (!names_match(local_btf, local_t->name_off, targ_btf, targ_t->name_off)) return 0;
    const uint16_t local_k = btf_kind(local_t), targ_k = btf_kind(targ_t);
    switch (local_k) {
      case BTF_KIND_UNKN: return local_k == targ_k;
      case BTF_KIND_FWD: {
        const bool local_f = BTF_INFO_KFLAG(local_t->info);
        if (behind_ptr) {
          if (local_k == targ_k) return local_f == static_cast<bool>(BTF_INFO_KFLAG(targ_t->info));
          // A forward declaration's kflag says struct (0) or union (1).
          return (targ_k == BTF_KIND_STRUCT && !local_f) || (targ_k == BTF_KIND_UNION && local_f);
        }
        if (local_k != targ_k) return 0;
        return local_f == static_cast<bool>(BTF_INFO_KFLAG(targ_t->info));
      }
      case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
        if (!is_any_enum(targ_t)) return 0;
        return enums_match(local_btf, local_t, targ_btf, targ_t);
      case BTF_KIND_STRUCT: case BTF_KIND_UNION:
        if (behind_ptr) {
          if (local_k == targ_k) return 1;
          if (targ_k != BTF_KIND_FWD) return 0;
          return (local_k == BTF_KIND_UNION) == static_cast<bool>(BTF_INFO_KFLAG(targ_t->info));
        }
        if (local_k != targ_k) return 0;
        return composites_match(local_btf, local_t, targ_btf, targ_t, behind_ptr, level);
      case BTF_KIND_INT: {
        if (local_k != targ_k) return 0;
        const uint8_t ls = btf_int_encoding(local_t) & BTF_INT_SIGNED, ts = btf_int_encoding(targ_t) & BTF_INT_SIGNED;
        return local_t->size == targ_t->size && ls == ts;
      }
      case BTF_KIND_PTR:
        if (local_k != targ_k) return 0;
        behind_ptr = true;
        local_id = local_t->type;
        targ_id = targ_t->type;
        continue;
      case BTF_KIND_ARRAY: {
        if (local_k != targ_k) return 0;
        const struct btf_array* la = btf_array(local_t);
        const struct btf_array* ta = btf_array(targ_t);
        if (la->nelems != ta->nelems) return 0;
        local_id = la->type;
        targ_id = ta->type;
        continue;
      }
      case BTF_KIND_FUNC_PROTO: {
        if (local_k != targ_k || btf_vlen(local_t) != btf_vlen(targ_t)) return 0;
        const struct btf_param* lp = btf_params(local_t);
        const struct btf_param* tp = btf_params(targ_t);
        for (uint16_t i = 0; i < btf_vlen(local_t); ++i) {
          const int err = types_match_level(local_btf, lp[i].type, targ_btf, tp[i].type, behind_ptr, level - 1);
          if (err <= 0) return err;
        }
        local_id = local_t->type;
        targ_id = targ_t->type;
        continue;
      }
      default: return 0;
    }
  }
}

int insn_size_bytes(uint8_t code) {
  switch (BPF_SIZE(code)) {
    case BPF_DW: return 8;
    case BPF_W: return 4;
    case BPF_H: return 2;
    case BPF_B: return 1;
    default: return -1;
  }
}

int bytes_to_size(uint32_t sz) {
  switch (sz) {
    case 8: return BPF_DW;
    case 4: return BPF_W;
    case 2: return BPF_H;
    case 1: return BPF_B;
    default: return -1;
  }
}

void poison(bpf_insn* insn) {
  insn->code = BPF_JMP | BPF_CALL;
  insn->dst_reg = 0;
  insn->src_reg = 0;
  insn->off = 0;
  insn->imm = kPoisonHelper;
}

}  // namespace

const char* kind_name(uint32_t kind) {
  switch (kind) {
    case kFieldByteOffset: return "byte_off";
    case kFieldByteSize: return "byte_sz";
    case kFieldExists: return "field_exists";
    case kFieldSigned: return "signed";
    case kFieldLshiftU64: return "lshift_u64";
    case kFieldRshiftU64: return "rshift_u64";
    case kTypeIdLocal: return "local_type_id";
    case kTypeIdTarget: return "target_type_id";
    case kTypeExists: return "type_exists";
    case kTypeMatches: return "type_matches";
    case kTypeSize: return "type_size";
    case kEnumvalExists: return "enumval_exists";
    case kEnumvalValue: return "enumval_value";
    default: return "unknown";
  }
}

size_t essential_name_len(std::string_view name) {
  // bpf_core_essential_name_len: up to the last "X___Y" separator (X, Y not underscores).
  const auto n = static_cast<int64_t>(name.size());
  for (int64_t i = n - 5; i >= 0; --i) {
    const auto u = static_cast<size_t>(i);
    if (name[u] != '_' && name[u + 1] == '_' && name[u + 2] == '_' && name[u + 3] == '_' && name[u + 4] != '_') {
      return u + 1;
    }
  }
  return name.size();
}

int types_are_compat(const struct btf* local, uint32_t local_id, const struct btf* target, uint32_t target_id) {
  return types_are_compat_level(local, local_id, target, target_id, INT_MAX);
}

const std::vector<uint32_t>& CandidateIndex::named(std::string_view essential_name) const {
  const auto cached = cache_.find(std::string(essential_name));
  if (cached != cache_.end()) return cached->second;
  std::vector<uint32_t>& ids = cache_[std::string(essential_name)];
  if (target_ == nullptr || essential_name.empty()) return ids;
  const uint32_t n = btf__type_cnt(target_);
  for (uint32_t id = 1; id < n; ++id) {
    const btf_type* t = btf__type_by_id(target_, id);
    const char* name = btf__name_by_offset(target_, t->name_off);
    // Cheap test first: the name must start with the essential name.
    if (name == nullptr || name[0] != essential_name[0] ||
        std::strncmp(name, essential_name.data(), essential_name.size()) != 0) {
      continue;
    }
    if (essential_name_len(name) == essential_name.size()) ids.push_back(id);
  }
  return ids;
}

std::variant<Resolution, std::string> calc_relo(const struct btf* local, const Relocation& relo,
                                                const struct btf* target, const CandidateIndex& index) {
  const btf_type* local_type = btf__type_by_id(local, relo.type_id);
  if (local_type == nullptr) return fmt::format("type [{}] is not in the object's BTF", relo.type_id);
  const char* local_name = btf__name_by_offset(local, local_type->name_off);
  if (local_name == nullptr) return std::string("the relocated type has no name");
  Spec local_spec;
  if (const int err = parse_spec(local, relo, local_spec); err != 0) {
    const char* access = btf__name_by_offset(local, relo.access_str_off);
    return fmt::format("{} relocation of [{}] {} + {}: the access string does not parse ({})", kind_name(relo.kind),
                       relo.type_id, str_is_empty(local_name) ? "<anon>" : local_name, access != nullptr ? access : "?",
                       std::strerror(-err));
  }
  Resolution res;
  if (relo.kind == kTypeIdLocal) {
    res.validate = false;
    res.orig_val = res.new_val = local_spec.root_type_id;
    res.local = format_spec(local_spec);
    return res;
  }
  if (str_is_empty(local_name)) {
    return fmt::format("{} relocation of an anonymous type: libbpf does not support it", kind_name(relo.kind));
  }
  // bpf_core_add_cands: target types of a compatible kind with the same essential name.
  const std::string_view ln(local_name);
  Spec targ_spec, cand_spec;
  bool found = false;
  for (uint32_t id : index.named(ln.substr(0, essential_name_len(ln)))) {
    const btf_type* t = btf__type_by_id(target, id);
    if (!kind_core_compat(t, local_type)) continue;
    const int err = spec_match(local_spec, target, id, cand_spec);
    if (err < 0) return fmt::format("matching candidate [{}] failed ({})", id, std::strerror(-err));
    if (err == 0) continue;
    Resolution cand;
    if (const int e = calc_relo_values(relo, local_spec, &cand_spec, cand); e != 0) {
      return fmt::format("{} relocation: {}", kind_name(relo.kind), std::strerror(-e));
    }
    if (!found) {
      res = cand;
      targ_spec = cand_spec;
      found = true;
    } else if (cand_spec.bit_offset != targ_spec.bit_offset) {
      return fmt::format("field offset ambiguity: candidates at bit {} and {}", targ_spec.bit_offset, cand_spec.bit_offset);
    } else if (cand.poison != res.poison || cand.new_val != res.new_val) {
      return fmt::format("relocation decision ambiguity: {} and {}", res.new_val, cand.new_val);
    }
  }
  if (!found) {
    // No candidate: the instruction is either guarded by an existence check (dead code) or
    // an error the verifier reports where it is reached.
    if (const int e = calc_relo_values(relo, local_spec, nullptr, res); e != 0) {
      return fmt::format("{} relocation: {}", kind_name(relo.kind), std::strerror(-e));
    }
  } else {
    res.target = format_spec(targ_spec);
  }
  res.local = format_spec(local_spec);
  return res;
}

std::variant<std::monostate, std::string> patch_insn(bpf_insn* insn, size_t count, const Relocation& relo,
                                                     const Resolution& res) {
  (void)relo;
  const bool ldimm64 = insn->code == (BPF_LD | BPF_IMM | BPF_DW);
  if (res.poison) {
    if (ldimm64 && count > 1) poison(insn + 1);  // so the kernel does not complain of "unknown opcode 00"
    poison(insn);
    return std::monostate{};
  }
  const uint64_t orig_val = res.orig_val, new_val = res.new_val;
  switch (BPF_CLASS(insn->code)) {
    case BPF_ALU: case BPF_ALU64:
      if (BPF_SRC(insn->code) != BPF_K) return std::string("ALU instruction with a register source");
      if (res.validate && static_cast<uint64_t>(static_cast<int64_t>(insn->imm)) != orig_val) {
        return fmt::format("ALU instruction holds {}, the relocation expects {}", insn->imm, orig_val);
      }
      insn->imm = static_cast<int32_t>(new_val);
      return std::monostate{};
    case BPF_LDX: case BPF_ST: case BPF_STX: {
      if (res.validate && static_cast<uint64_t>(static_cast<int64_t>(insn->off)) != orig_val) {
        return fmt::format("memory instruction has offset {}, the relocation expects {}", insn->off, orig_val);
      }
      if (new_val > SHRT_MAX) return fmt::format("offset {} is too large for the instruction", new_val);
      if (res.fail_memsz_adjust) {
        // The field changed size and is not a pointer or unsigned integer: libbpf poisons.
        poison(insn);
        return std::monostate{};
      }
      insn->off = static_cast<int16_t>(new_val);
      if (res.new_sz != res.orig_sz) {
        if (insn_size_bytes(insn->code) != static_cast<int>(res.orig_sz)) {
          return fmt::format("memory instruction of {} bytes, the field had {}", insn_size_bytes(insn->code), res.orig_sz);
        }
        const int size = bytes_to_size(res.new_sz);
        if (size < 0) return fmt::format("field of {} bytes cannot be loaded by one instruction", res.new_sz);
        insn->code = static_cast<uint8_t>(BPF_MODE(insn->code) | size | BPF_CLASS(insn->code));
      }
      return std::monostate{};
    }
    case BPF_LD: {
      if (!ldimm64 || count < 2 || insn[0].src_reg != 0 || insn[0].off != 0 || insn[1].code != 0 ||
          insn[1].dst_reg != 0 || insn[1].src_reg != 0 || insn[1].off != 0) {
        return std::string("LDDW of an unexpected form");
      }
      const uint64_t imm = static_cast<uint32_t>(insn[0].imm) | (static_cast<uint64_t>(static_cast<uint32_t>(insn[1].imm)) << 32);
      if (res.validate && imm != orig_val) return fmt::format("LDDW holds {}, the relocation expects {}", imm, orig_val);
      insn[0].imm = static_cast<int32_t>(static_cast<uint32_t>(new_val));
      insn[1].imm = static_cast<int32_t>(static_cast<uint32_t>(new_val >> 32));
      return std::monostate{};
    }
    default:
      return fmt::format("instruction with opcode {:#04x} cannot be relocated", insn->code);
  }
}

}  // namespace bpfcert::loader::core
