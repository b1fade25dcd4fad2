// A small JSON Schema (draft 2020-12) validator for the keywords bpfcert's schemas use: type,
// properties, required, additionalProperties, items, enum, const, minimum, $ref to #/$defs.
// Any other keyword is an error, so a schema cannot silently use something this does not check.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace bpfcert::testing {

class SchemaValidator {
 public:
  explicit SchemaValidator(nlohmann::json schema) : root_(std::move(schema)) {}

  // Returns the violations (empty: valid).
  std::vector<std::string> validate(const nlohmann::json& doc) const {
    std::vector<std::string> errors;
    check(root_, doc, "$", errors);
    return errors;
  }

 private:
  static bool type_matches(const std::string& t, const nlohmann::json& v) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "integer") return v.is_number_integer();
    if (t == "number") return v.is_number();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    return false;
  }

  void check(const nlohmann::json& s, const nlohmann::json& v, const std::string& at, std::vector<std::string>& errors) const {
    static const std::set<std::string> known = {"$schema", "$id", "title", "description", "type", "properties",
                                                "required", "additionalProperties", "items", "enum", "const",
                                                "minimum", "$ref", "$defs"};
    for (const auto& [k, x] : s.items()) {
      if (!known.count(k)) errors.push_back(at + ": schema keyword '" + k + "' is not supported by the validator");
    }
    if (s.contains("$ref")) {
      const std::string ref = s["$ref"];
      const std::string prefix = "#/$defs/";
      if (ref.rfind(prefix, 0) != 0 || !root_["$defs"].contains(ref.substr(prefix.size()))) {
        errors.push_back(at + ": unresolvable $ref " + ref);
        return;
      }
      check(root_["$defs"][ref.substr(prefix.size())], v, at, errors);
    }
    if (s.contains("type")) {
      bool ok = false;
      if (s["type"].is_string()) {
        ok = type_matches(s["type"], v);
      } else {
        for (const auto& t : s["type"]) ok = ok || type_matches(t, v);
      }
      if (!ok) {
        errors.push_back(at + ": expected type " + s["type"].dump() + ", got " + v.dump());
        return;
      }
    }
    if (s.contains("const") && s["const"] != v) errors.push_back(at + ": expected " + s["const"].dump());
    if (s.contains("enum")) {
      bool found = false;
      for (const auto& e : s["enum"]) found = found || e == v;
      if (!found) errors.push_back(at + ": " + v.dump() + " not in " + s["enum"].dump());
    }
    if (s.contains("minimum") && v.is_number() && v.get<double>() < s["minimum"].get<double>()) {
      errors.push_back(at + ": " + v.dump() + " below the minimum");
    }
    if (v.is_object()) {
      if (s.contains("required")) {
        for (const auto& r : s["required"]) {
          if (!v.contains(r.get<std::string>())) errors.push_back(at + ": missing required property " + r.dump());
        }
      }
      for (const auto& [k, x] : v.items()) {
        if (s.contains("properties") && s["properties"].contains(k)) {
          check(s["properties"][k], x, at + "." + k, errors);
        } else if (s.contains("additionalProperties")) {
          const auto& ap = s["additionalProperties"];
          if (ap.is_boolean() && !ap.get<bool>()) {
            errors.push_back(at + ": unexpected property '" + k + "'");
          } else if (ap.is_object()) {
            check(ap, x, at + "." + k, errors);
          }
        }
      }
    }
    if (v.is_array() && s.contains("items")) {
      for (size_t i = 0; i < v.size(); ++i) check(s["items"], v[i], at + "[" + std::to_string(i) + "]", errors);
    }
  }

  nlohmann::json root_;
};

}  // namespace bpfcert::testing
