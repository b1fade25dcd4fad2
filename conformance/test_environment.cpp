#include "conformance/test_environment.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <map>
#include <sstream>

#include "interp/helpers.h"

namespace bpfcert::conformance {

using semantics::Error;
using semantics::ErrorCode;

namespace {

// "a=1 b=x" to a map; fails on tokens without '='.
semantics::Result<std::map<std::string, std::string>> key_values(const Directive& d, const std::string& path) {
  std::map<std::string, std::string> kv;
  std::istringstream in(d.args);
  std::string tok;
  while (in >> tok) {
    const size_t eq = tok.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Error{ErrorCode::BadFile, {path, d.line, 0, -1},
                   fmt::format("@bpfcert {}: expected key=value, found '{}'", d.key, tok)};
    }
    kv[tok.substr(0, eq)] = tok.substr(eq + 1);
  }
  return kv;
}

semantics::Result<int64_t> number(const std::map<std::string, std::string>& kv, const std::string& key,
                                  const Directive& d, const std::string& path, std::optional<int64_t> fallback = {}) {
  const auto it = kv.find(key);
  if (it == kv.end()) {
    if (fallback) return *fallback;
    return Error{ErrorCode::BadFile, {path, d.line, 0, -1}, fmt::format("@bpfcert {}: missing {}=", d.key, key)};
  }
  std::string_view s = it->second;
  int base = 10;
  if (s.starts_with("0x")) {
    base = 16;
    s.remove_prefix(2);
  }
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
    return Error{ErrorCode::BadFile, {path, d.line, 0, -1},
                 fmt::format("@bpfcert {}: {}={} is not a number", d.key, key, it->second)};
  }
  return v;
}

}  // namespace

semantics::Result<bool> build_test_environment(const DataFile& file, interp::Environment& env) {
  interp::add_standard_helpers(env);
  interp::add_test_helpers(env);
  const std::string& path = file.path;
  auto bad = [&](const Directive& d, std::string message) {
    return Error{ErrorCode::BadFile, {path, d.line, 0, -1}, fmt::format("@bpfcert {}: {}", d.key, message)};
  };
  for (const Directive& d : file.directives) {
    if (d.key != "map" && d.key != "map-init" && d.key != "var") continue;
    auto kv = key_values(d, path);
    if (!kv.ok()) return kv.error();
    if (d.key == "map") {
      interp::MapDef def;
      const auto type = interp::map_type_from_string(kv->count("type") ? kv->at("type") : "array");
      if (!type) return bad(d, fmt::format("unknown map type '{}'", kv->at("type")));
      def.type = *type;
      auto fd = number(*kv, "fd", d, path);
      auto key = number(*kv, "key", d, path, 4);
      auto value = number(*kv, "value", d, path, 8);
      auto entries = number(*kv, "entries", d, path, 1);
      for (auto* r : {&fd, &key, &value, &entries}) {
        if (!r->ok()) return r->error();
      }
      if (*key < 0 || *key > 512 || *value < 0 || *value > (1 << 20) || *entries < 1 || *entries > (1 << 20)) {
        return bad(d, "key, value or entries out of range");
      }
      // A test file is untrusted input: bound what it makes us allocate.
      if ((*key + *value) * *entries > (int64_t{64} << 20)) return bad(d, "the map would take more than 64 MiB");
      def.key_size = static_cast<uint32_t>(*key);
      def.value_size = static_cast<uint32_t>(*value);
      def.max_entries = static_cast<uint32_t>(*entries);
      def.name = kv->count("name") ? kv->at("name") : fmt::format("map{}", *fd);
      auto added = env.add_map(def, static_cast<int32_t>(*fd));
      if (!added.ok()) return bad(d, added.error().message);
    } else if (d.key == "map-init") {
      auto fd = number(*kv, "fd", d, path);
      if (!fd.ok()) return fd.error();
      const auto index = env.map_index_by_fd(static_cast<int32_t>(*fd));
      if (!index) return bad(d, fmt::format("no map with fd {} declared before", *fd));
      interp::Map& map = env.map_at(*index);
      auto key = parse_hex_bytes(kv->count("key") ? kv->at("key") : "", path);
      auto value = parse_hex_bytes(kv->count("value") ? kv->at("value") : "", path);
      if (!key.ok()) return key.error();
      if (!value.ok()) return value.error();
      if (key->size() != map.def().key_size || value->size() != map.def().value_size) {
        return bad(d, fmt::format("key/value of {}/{} bytes; the map takes {}/{}", key->size(), value->size(),
                                  map.def().key_size, map.def().value_size));
      }
      if (map.update(key->data(), value->data(), interp::kUpdateAny) != 0) {
        return bad(d, "the map refused the entry (index out of range or map full)");
      }
    } else {
      auto id = number(*kv, "id", d, path);
      auto size = number(*kv, "size", d, path);
      if (!id.ok()) return id.error();
      if (!size.ok()) return size.error();
      if (*size < 1 || *size > (1 << 20)) return bad(d, "size out of range");
      env.add_variable(static_cast<int32_t>(*id), fmt::format("var{}", *id), static_cast<size_t>(*size));
      if (kv->count("init")) {
        auto init = parse_hex_bytes(kv->at("init"), path);
        if (!init.ok()) return init.error();
        if (init->size() > static_cast<size_t>(*size)) return bad(d, "init longer than the variable");
        if (init->empty()) continue;  // "init=": nothing to copy (and memcpy from nullptr is UB)
        std::memcpy(reinterpret_cast<void*>(*env.variable_address(static_cast<int32_t>(*id))), init->data(),
                    init->size());
      }
    }
  }
  return true;
}

}  // namespace bpfcert::conformance
