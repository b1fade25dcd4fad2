// A validator for the subset of JSON Schema (draft 2020-12) our report schemas use: type,
// properties, required, additionalProperties, items, enum, const, minimum, pattern, minLength,
// and "$ref" to "#/$defs/<name>". Debian 12 packages no validator for nlohmann/json, and the
// subset keeps the published schemas honest: a test validates every report kind against its file.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace bpfcert::reports {

// Returns one message per violation ("/tests/3/outcome: \"maybe\" is not one of [...]"); empty
// when the instance conforms. Keywords outside the subset are reported as violations of the
// schema itself, so a schema cannot silently rely on something unchecked.
std::vector<std::string> validate_json(const nlohmann::json& schema, const nlohmann::json& instance);

// The published schema with this name ("conformance-1" for reports/schemas/conformance-1.schema.json),
// compiled into the library; null when there is none.
const char* published_schema(std::string_view name);

}  // namespace bpfcert::reports
