// Externs, as libbpf resolves them at load time (bpf_object__collect_externs,
// bpf_object__resolve_externs): `.kconfig` values from the target kernel's config and version,
// `.ksyms` variables from its BTF (typed) or kallsyms (untyped), kfuncs from its BTF.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <variant>

#include "loader/core_rules.h"
#include "loader/object_reader.h"
#include "loader/target.h"

namespace bpfcert::loader::detail {

using semantics::ErrorCode;

namespace {

// libbpf's kcfg_type (find_kcfg_type): what a `.kconfig` extern's C type can hold.
enum class KcfgType : uint8_t { Unknown, Bool, Char, Tristate, Int, CharArray };

KcfgType kcfg_type(const btf* b, uint32_t id, bool* is_signed) {
  const btf_type* t = btf__type_by_id(b, id);
  for (int depth = 0; t != nullptr && (btf_is_mod(t) || btf_is_typedef(t)) && depth < 32; ++depth) {
    t = btf__type_by_id(b, t->type);
  }
  if (t == nullptr) return KcfgType::Unknown;
  if (is_signed != nullptr) *is_signed = false;
  if (btf_is_int(t)) {
    const uint8_t enc = btf_int_encoding(t);
    if ((enc & BTF_INT_BOOL) != 0) return t->size == 1 ? KcfgType::Bool : KcfgType::Unknown;
    if (is_signed != nullptr) *is_signed = (enc & BTF_INT_SIGNED) != 0;
    if (t->size == 1) return KcfgType::Char;
    if (t->size < 1 || t->size > 8 || (t->size & (t->size - 1)) != 0) return KcfgType::Unknown;
    return KcfgType::Int;
  }
  if (btf_is_enum(t)) {
    const char* name = btf__name_by_offset(b, t->name_off);
    return t->size == 4 && name != nullptr && std::strcmp(name, "libbpf_tristate") == 0 ? KcfgType::Tristate
                                                                                         : KcfgType::Unknown;
  }
  if (btf_is_array(t)) {
    if (btf_array(t)->nelems == 0) return KcfgType::Unknown;
    return kcfg_type(b, btf_array(t)->type, nullptr) == KcfgType::Char ? KcfgType::CharArray : KcfgType::Unknown;
  }
  return KcfgType::Unknown;
}

// The id of a type after its modifiers and typedefs (bounded: BTF may be cyclic).
uint32_t without_mods(const btf* b, uint32_t id) {
  for (int depth = 0; depth < 32; ++depth) {
    const btf_type* t = btf__type_by_id(b, id);
    if (t == nullptr || (!btf_is_mod(t) && !btf_is_typedef(t))) break;
    id = t->type;
  }
  return id;
}

struct KcfgLayout {
  size_t extern_index;
  KcfgType type;
  bool is_signed;
  uint32_t align;
};

// The bytes of a config value for an extern of `type` and `size`, by libbpf's rules
// (set_kcfg_value_tri / _str / _num); an error says why the value does not fit the type.
std::variant<std::vector<uint8_t>, std::string> kcfg_bytes(const std::string& value, KcfgType type, uint32_t size,
                                                          bool is_signed) {
  std::vector<uint8_t> out(size, 0);
  if (value.empty()) return std::string("empty value");
  const char c = value[0];
  if (c == 'y' || c == 'n' || c == 'm') {
    if (value.size() != 1) return fmt::format("'{}' is not y, n or m", value);
    switch (type) {
      case KcfgType::Bool:
        if (c == 'm') return std::string("value 'm' implies a tristate or char type");
        out[0] = c == 'y';
        return out;
      case KcfgType::Tristate: {
        const uint32_t tri = c == 'y' ? 1 : c == 'm' ? 2 : 0;  // enum libbpf_tristate: TRI_NO, TRI_YES, TRI_MODULE
        std::memcpy(out.data(), &tri, 4);
        return out;
      }
      case KcfgType::Char: out[0] = static_cast<uint8_t>(c); return out;
      default: return fmt::format("value '{}' implies a bool, tristate or char type", c);
    }
  }
  if (c == '"') {
    if (type != KcfgType::CharArray) return fmt::format("value {} implies a char array type", value);
    if (value.size() < 2 || value.back() != '"') return fmt::format("invalid string {}", value);
    const size_t len = std::min<size_t>(value.size() - 2, size - 1);  // libbpf truncates, keeping the NUL
    std::memcpy(out.data(), value.data() + 1, len);
    return out;
  }
  if (type != KcfgType::Int && type != KcfgType::Char && type != KcfgType::Bool) {
    return fmt::format("value '{}' implies an integer type", value);
  }
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(value.c_str(), &end, 0);
  if (errno != 0 || *end != '\0') return fmt::format("'{}' is not an integer", value);
  if (type == KcfgType::Bool && v > 1) return fmt::format("value {} is not boolean", v);
  const int bits = static_cast<int>(size) * 8;
  const bool fits = size == 8 || (is_signed ? v + (1ULL << (bits - 1)) < (1ULL << bits) : (v >> bits) == 0);
  if (!fits) return fmt::format("value {} does not fit in {} bytes", v, size);
  std::memcpy(out.data(), &v, size);  // little-endian: the low bytes
  return out;
}

}  // namespace

MaybeError ObjectReader::collect_externs() {
  std::vector<KcfgLayout> kcfg;
  for (uint32_t i = 0; i < symbols_.size(); ++i) {
    const Symbol& sym = symbols_[i];
    if (!sym.is_extern() || sym.name.empty()) continue;
    Extern x;
    x.name = sym.name;
    x.weak = GELF_ST_BIND(sym.sym.st_info) == STB_WEAK;
    if (!btf_) continue;  // without BTF no extern can be resolved: instructions using one fail (link.cpp)
    // The BTF VAR or FUNC of the extern, and the DATASEC (.kconfig / .ksyms) holding it.
    int var_id = -1;
    const btf_type* var = nullptr;
    for (uint32_t id = 1; id < btf__type_cnt(btf_.get()) && var == nullptr; ++id) {
      const btf_type* t = btf__type_by_id(btf_.get(), id);
      if (!btf_is_var(t) && !btf_is_func(t)) continue;
      const char* n = btf__name_by_offset(btf_.get(), t->name_off);
      if (n == nullptr || x.name != n) continue;
      if ((btf_is_var(t) && btf_var(t)->linkage != BTF_VAR_GLOBAL_EXTERN) ||
          (btf_is_func(t) && btf_vlen(t) != BTF_FUNC_EXTERN)) {
        continue;
      }
      var = t;
      var_id = static_cast<int>(id);
    }
    std::string sec_name;
    for (uint32_t id = 1; id < btf__type_cnt(btf_.get()) && var != nullptr && sec_name.empty(); ++id) {
      const btf_type* t = btf__type_by_id(btf_.get(), id);
      if (!btf_is_datasec(t)) continue;
      const struct btf_var_secinfo* vs = btf_var_secinfos(t);
      for (uint16_t j = 0; j < btf_vlen(t); ++j) {
        if (vs[j].type == static_cast<uint32_t>(var_id)) sec_name = btf__name_by_offset(btf_.get(), t->name_off);
      }
    }
    if (var == nullptr || sec_name.empty()) {
      // Not an extern libbpf can resolve (it refuses the object; PREVAIL ignores the symbol):
      // only an instruction that uses it is an error (link.cpp).
      continue;
    }
    if (sec_name == ".kconfig") {
      if (btf_is_func(var)) return fail(ErrorCode::BadRelocation, fmt::format("extern function '{}' in .kconfig", x.name));
      x.kind = ExternKind::Kconfig;
      KcfgLayout l{obj_.externs.size(), KcfgType::Unknown, false, 0};
      const int64_t size = btf__resolve_size(btf_.get(), var->type);
      const int align = btf__align_of(btf_.get(), var->type);
      l.type = kcfg_type(btf_.get(), var->type, &l.is_signed);
      if (size <= 0 || align <= 0 || l.type == KcfgType::Unknown) {
        return fail(ErrorCode::BadRelocation, fmt::format("extern (kcfg) '{}': its type is not one libbpf supports "
                                                          "(bool, char, tristate, integer, char array)",
                                                          x.name));
      }
      x.size = static_cast<uint32_t>(size);
      l.align = static_cast<uint32_t>(align);
      kcfg.push_back(l);
    } else if (sec_name == ".ksyms") {
      if (btf_is_func(var)) {
        x.kind = ExternKind::Kfunc;
      } else {
        x.kind = ExternKind::Ksym;
        uint32_t type_id = 0;
        skip_mods(var->type, &type_id);
        x.typed = type_id != 0;  // `extern const void sym __ksym;` is untyped
      }
      x.kernel_btf_id = static_cast<uint32_t>(var_id);  // the local id until resolved
    } else {
      return fail(ErrorCode::BadRelocation, fmt::format("extern '{}' is in section '{}', which is neither .kconfig nor "
                                                        ".ksyms",
                                                        x.name, sec_name));
    }
    extern_of_symbol_[i] = obj_.externs.size();
    obj_.externs.push_back(std::move(x));
  }
  if (!kcfg.empty()) {
    // libbpf's layout of the .kconfig map: by alignment (largest first), then size, then name.
    std::sort(kcfg.begin(), kcfg.end(), [&](const KcfgLayout& a, const KcfgLayout& b) {
      const Extern& xa = obj_.externs[a.extern_index];
      const Extern& xb = obj_.externs[b.extern_index];
      if (a.align != b.align) return a.align > b.align;
      if (xa.size != xb.size) return xa.size < xb.size;
      return xa.name < xb.name;
    });
    uint32_t off = 0;
    for (const KcfgLayout& l : kcfg) {
      Extern& x = obj_.externs[l.extern_index];
      x.offset = (off + l.align - 1) / l.align * l.align;
      off = x.offset + x.size;
    }
    // Two maps of the same layout: .kconfig holds the values the target fixes and is frozen,
    // as libbpf's is; .kconfig.unknown holds the externs whose value is unknown, so the
    // verifier treats them as any value of their size.
    MapDefinition known;
    known.name = ".kconfig";
    known.origin = MapOrigin::Kconfig;
    known.section = ".kconfig";
    known.type = BPF_MAP_TYPE_ARRAY;
    known.key_size = 4;
    known.value_size = off;
    known.max_entries = 1;
    known.read_only = true;
    known.flags = BPF_F_RDONLY_PROG;
    known.initial_value.assign(off, 0);
    MapDefinition unknown = known;
    unknown.name = ".kconfig.unknown";
    known.frozen = true;
    std::vector<std::string> unknown_names;
    for (const KcfgLayout& l : kcfg) {
      Extern& x = obj_.externs[l.extern_index];
      std::optional<std::string> value;
      if (x.name == "LINUX_KERNEL_VERSION") {
        if (const auto v = options_.target != nullptr ? options_.target->kernel_version() : std::nullopt) {
          value = std::to_string(*v);
          x.source = options_.target->kernel_release().empty() ? "--kconfig" : "uname " + options_.target->kernel_release();
        }
      } else if (x.name == "LINUX_HAS_BPF_COOKIE" || x.name == "LINUX_HAS_SYSCALL_WRAPPER") {
        // libbpf probes the kernel for these; the target's BTF answers the same question.
        const struct btf* tb = options_.target != nullptr ? options_.target->btf() : nullptr;
        if (options_.target != nullptr && options_.target->kconfig(x.name)) {
          value = options_.target->kconfig(x.name);
          x.source = "--kconfig";
        } else if (tb != nullptr) {
          const bool has = x.name == "LINUX_HAS_BPF_COOKIE"
                               ? btf__find_by_name_kind(tb, "bpf_get_attach_cookie", BTF_KIND_FUNC) > 0 ||
                                     btf__find_by_name_kind(tb, "bpf_get_attach_cookie_tracing", BTF_KIND_FUNC) > 0
                               : btf__find_by_name_kind(tb, "__x64_sys_bpf", BTF_KIND_FUNC) > 0;
          value = has ? "1" : "0";
          x.source = "the target's BTF";
        }
      } else if (x.name.starts_with("CONFIG_") && options_.target != nullptr) {
        value = options_.target->kconfig(x.name);
        if (value) {
          x.source = options_.target->kconfig_source().empty() ? "--kconfig" : options_.target->kconfig_source();
        } else if (options_.target->kconfig_available() && x.weak) {
          value = "0";  // libbpf: a weak extern the config does not set is zero
          x.source = "weak, not set in " + options_.target->kconfig_source();
        }
      }
      if (value) {
        auto bytes = kcfg_bytes(*value, l.type, x.size, l.is_signed);
        if (auto* b = std::get_if<std::vector<uint8_t>>(&bytes)) {
          std::copy(b->begin(), b->end(), known.initial_value.begin() + x.offset);
          x.value = *value;
          x.resolved = true;
        } else {
          warn(fmt::format("extern (kcfg) '{}': {}: its value is unknown", x.name, std::get<std::string>(bytes)));
        }
      }
      if (!x.resolved) {
        if (x.source.empty()) {
          x.source = options_.target == nullptr                      ? "no target kernel"
                     : !options_.target->kconfig_available() && x.name.starts_with("CONFIG_")
                         ? "no kernel config (give it with --kconfig)"
                         : "not set in the target's config";
        }
        unknown_names.push_back(x.name);
      }
    }
    obj_.maps.push_back(std::move(known));
    const size_t known_index = obj_.maps.size() - 1;
    std::optional<size_t> unknown_index;
    if (!unknown_names.empty()) {
      obj_.maps.push_back(std::move(unknown));
      unknown_index = obj_.maps.size() - 1;
      std::string list;
      for (const std::string& n : unknown_names) list += (list.empty() ? "" : ", ") + n;
      warn(fmt::format("kconfig extern(s) {} unknown for the target kernel: verified for any value of their type", list));
    }
    for (const KcfgLayout& l : kcfg) {
      Extern& x = obj_.externs[l.extern_index];
      x.map = x.resolved ? known_index : *unknown_index;
    }
  }
  resolve_ksyms();
  return std::nullopt;
}

void ObjectReader::resolve_ksyms() {
  const bool typed = std::any_of(obj_.externs.begin(), obj_.externs.end(), [](const Extern& x) {
    return x.kind == ExternKind::Kfunc || (x.kind == ExternKind::Ksym && x.typed);
  });
  // The target's BTF is read only when something needs it (it costs tens of milliseconds).
  const struct btf* target = typed && options_.target != nullptr ? options_.target->btf() : nullptr;
  for (Extern& x : obj_.externs) {
    if (x.kind == ExternKind::Kconfig) continue;
    const uint32_t local_id = x.kernel_btf_id;
    x.kernel_btf_id = 0;
    if (x.kind == ExternKind::Ksym && !x.typed) {
      // libbpf: untyped ksyms are kallsyms addresses (bpf_object__read_kallsyms_file).
      const auto addr = options_.target != nullptr ? options_.target->kallsyms(x.name) : std::nullopt;
      if (addr) {
        x.address = *addr;
        x.resolved = true;
        x.source = "/proc/kallsyms";
      } else {
        x.source = options_.target == nullptr ? "no target kernel" : "not in the target's kallsyms";
      }
    } else if (target == nullptr) {
      x.source = options_.target == nullptr ? "no target kernel" : options_.target->btf_problem();
    } else {
      // Typed ksyms are kernel BTF VARs, kfuncs kernel BTF FUNCs, each of a type compatible with
      // the declaration (bpf_object__resolve_ksym_var_btf_id, _func_btf_id).
      const int kind = x.kind == ExternKind::Kfunc ? BTF_KIND_FUNC : BTF_KIND_VAR;
      const int id = btf__find_by_name_kind(target, x.name.c_str(), kind);
      if (id > 0) {
        // Both sides without modifiers and typedefs (bpf_object__resolve_ksym_var_btf_id).
        const btf_type* local = btf__type_by_id(btf_.get(), local_id);
        const btf_type* kern = btf__type_by_id(target, static_cast<uint32_t>(id));
        const uint32_t local_type = without_mods(btf_.get(), local->type);
        const uint32_t kern_type = without_mods(target, kern->type);
        const int compat = core::types_are_compat(btf_.get(), local_type, target, kern_type);
        if (compat > 0) {
          x.kernel_btf_id = static_cast<uint32_t>(id);
          x.resolved = true;
          x.source = options_.target->btf_path();
        } else {
          x.source = fmt::format("the type of {} '{}' in {} differs from the declaration", kind == BTF_KIND_FUNC ? "function" : "variable",
                                 x.name, options_.target->btf_path());
        }
      } else {
        x.source = fmt::format("not in {} (a module's BTF is not searched)", options_.target->btf_path());
      }
    }
    if (!x.resolved) {
      warn(fmt::format("{} '{}'{}: {}{}", to_string(x.kind), x.name, x.weak ? " (weak)" : "", x.source,
                       x.weak ? "; it reads as 0, as libbpf makes an unresolved weak extern"
                              : "; libbpf would refuse to load the object"));
    }
  }
}

}  // namespace bpfcert::loader::detail
