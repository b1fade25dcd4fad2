#include "reports/json_schema.h"

#include <fmt/format.h>

#include <regex>
#include <set>

namespace bpfcert::reports {

using nlohmann::json;

namespace {

const std::set<std::string>& known_keywords() {
  static const std::set<std::string> k = {"$schema", "$id", "$defs", "$ref", "title", "description", "type",
                                          "properties", "required", "additionalProperties", "items", "enum",
                                          "const", "minimum", "pattern", "minLength", "examples"};
  return k;
}

bool has_type(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  if (t == "integer") return v.is_number_integer() || (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<long long>(v.get<double>())));
  if (t == "number") return v.is_number();
  return false;
}

class Validator {
 public:
  explicit Validator(const json& root) : root_(root) {}

  void check(const json& schema, const json& v, const std::string& at) {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) error(at, "no value is allowed here");
      return;
    }
    if (!schema.is_object()) {
      error(at, "schema is neither an object nor a boolean");
      return;
    }
    for (const auto& [key, _] : schema.items()) {
      if (!known_keywords().count(key)) error(at, fmt::format("schema keyword \"{}\" is not supported by the validator", key));
    }
    if (const auto ref = schema.find("$ref"); ref != schema.end()) {
      const std::string r = ref->get<std::string>();
      const std::string prefix = "#/$defs/";
      if (!r.starts_with(prefix) || !root_.contains("$defs") || !root_["$defs"].contains(r.substr(prefix.size()))) {
        error(at, fmt::format("unresolvable $ref \"{}\"", r));
        return;
      }
      check(root_["$defs"][r.substr(prefix.size())], v, at);
    }
    if (const auto t = schema.find("type"); t != schema.end()) {
      bool ok = false;
      if (t->is_string()) ok = has_type(v, t->get<std::string>());
      for (const json& each : t->is_array() ? *t : json::array()) ok = ok || has_type(v, each.get<std::string>());
      if (!ok) {
        error(at, fmt::format("{} is not of type {}", brief(v), t->dump()));
        return;
      }
    }
    if (const auto e = schema.find("enum"); e != schema.end()) {
      bool found = false;
      for (const json& option : *e) found = found || option == v;
      if (!found) error(at, fmt::format("{} is not one of {}", brief(v), e->dump()));
    }
    if (const auto c = schema.find("const"); c != schema.end() && *c != v) {
      error(at, fmt::format("{} is not {}", brief(v), c->dump()));
    }
    if (const auto m = schema.find("minimum"); m != schema.end() && v.is_number() && v.get<double>() < m->get<double>()) {
      error(at, fmt::format("{} is below the minimum {}", brief(v), m->dump()));
    }
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      if (const auto ml = schema.find("minLength"); ml != schema.end() && s.size() < ml->get<size_t>()) {
        error(at, fmt::format("{} is shorter than {}", brief(v), ml->dump()));
      }
      if (const auto p = schema.find("pattern"); p != schema.end()) {
        try {
          if (!std::regex_search(s, std::regex(p->get<std::string>(), std::regex::ECMAScript))) {
            error(at, fmt::format("{} does not match {}", brief(v), p->dump()));
          }
        } catch (const std::regex_error&) {
          error(at, fmt::format("schema pattern {} is not a valid regular expression", p->dump()));
        }
      }
    }
    if (v.is_object()) {
      const json* props = schema.contains("properties") ? &schema["properties"] : nullptr;
      if (const auto req = schema.find("required"); req != schema.end()) {
        for (const json& name : *req) {
          if (!v.contains(name.get<std::string>())) error(at, fmt::format("missing required property \"{}\"", name.get<std::string>()));
        }
      }
      for (const auto& [key, value] : v.items()) {
        const std::string child = at + "/" + key;
        if (props != nullptr && props->contains(key)) {
          check((*props)[key], value, child);
        } else if (const auto ap = schema.find("additionalProperties"); ap != schema.end()) {
          if (ap->is_boolean() && !ap->get<bool>()) {
            error(at, fmt::format("property \"{}\" is not allowed", key));
          } else {
            check(*ap, value, child);
          }
        }
      }
    }
    if (v.is_array()) {
      if (const auto items = schema.find("items"); items != schema.end()) {
        for (size_t i = 0; i < v.size(); ++i) check(*items, v[i], fmt::format("{}/{}", at, i));
      }
    }
  }

  std::vector<std::string> errors;

 private:
  static std::string brief(const json& v) {
    std::string s = v.dump();
    return s.size() > 60 ? s.substr(0, 57) + "..." : s;
  }
  void error(const std::string& at, std::string message) {
    errors.push_back(fmt::format("{}: {}", at.empty() ? "/" : at, std::move(message)));
  }
  const json& root_;
};

}  // namespace

const char* published_schema(std::string_view name) {
  static const std::pair<const char*, const char*> kSchemas[] = {
#include "reports/schemas.inc"
  };
  for (const auto& [n, text] : kSchemas) {
    if (name == n) return text;
  }
  return nullptr;
}

std::vector<std::string> validate_json(const json& schema, const json& instance) {
  Validator v(schema);
  v.check(schema, instance, "");
  return std::move(v.errors);
}

}  // namespace bpfcert::reports
