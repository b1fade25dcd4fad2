// The published schemas speak with one voice: every $id is https://bpfcert.dev/schemas/<file>,
// every report's "schema" field is bpfcert/<kind>/<version> after its file name, and every
// file in reports/schemas is compiled in (so `bpfcert report validate` knows it).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "reports/json_schema.h"

namespace {

TEST(Schemas, IdsAndSchemaNamesFollowTheFileName) {
  const std::filesystem::path dir = std::filesystem::path(BPFCERT_SOURCE_DIR) / "reports" / "schemas";
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string file = e.path().filename().string();
    ASSERT_TRUE(file.ends_with(".schema.json")) << file;
    const std::string name = file.substr(0, file.size() - std::string(".schema.json").size());  // "run-1"
    const auto schema = nlohmann::json::parse(std::ifstream(e.path()));
    EXPECT_EQ(schema["$id"], "https://bpfcert.dev/schemas/" + file);
    const size_t dash = name.rfind('-');
    EXPECT_EQ(schema["properties"]["schema"]["const"], "bpfcert/" + name.substr(0, dash) + "/" + name.substr(dash + 1)) << file;
    EXPECT_NE(bpfcert::reports::published_schema(name), nullptr) << file << " is not compiled in (reports/CMakeLists.txt)";
    ++files;
  }
  EXPECT_GE(files, 7u);
}

}  // namespace
