// libFuzzer target: a JSON document given to `bpfcert report merge/show/validate`. Reading it as
// a conformance report and validating it against the published schema must not crash.
#include <cstddef>
#include <cstdint>

#include "reports/conformance_report.h"
#include "reports/json_schema.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  static const auto schema = nlohmann::json::parse(bpfcert::reports::published_schema("conformance-1"));
  (void)bpfcert::reports::validate_json(schema, j);
  bpfcert::reports::ConformanceReport r;
  if (!bpfcert::reports::from_json(j, &r)) {
    (void)bpfcert::reports::to_text(r);
    (void)bpfcert::reports::to_junit(r);
    bpfcert::reports::ConformanceReport merged;
    (void)bpfcert::reports::merge({r, r}, &merged);
  }
  return 0;
}
