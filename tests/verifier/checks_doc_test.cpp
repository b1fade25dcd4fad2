// The README's table of verification checks lists exactly the catalogue, in order.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "verifier/analyzer.h"

namespace bpfcert::verifier {
namespace {

TEST(CheckCatalog, ReadmeTableMatches) {
  std::ifstream in(std::string(BPFCERT_SOURCE_DIR) + "/README.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const size_t start = text.find("### Verification checks");
  ASSERT_NE(start, std::string::npos);
  const std::regex row(R"(\| `([a-z0-9_.]+)` \| (error|warning) \|)");
  std::vector<std::pair<std::string, std::string>> documented;
  for (std::sregex_iterator it(text.begin() + static_cast<long>(start), text.end(), row), end; it != end; ++it) {
    documented.emplace_back((*it)[1], (*it)[2]);
  }
  ASSERT_EQ(documented.size(), check_catalog().size());
  for (size_t i = 0; i < documented.size(); ++i) {
    EXPECT_EQ(documented[i].first, check_catalog()[i].id);
    EXPECT_EQ(documented[i].second, to_string(check_catalog()[i].severity));
  }
}

TEST(CheckCatalog, IdsAreUniqueAndFindable) {
  std::set<std::string> seen;
  for (const CheckInfo& c : check_catalog()) {
    EXPECT_TRUE(seen.insert(c.id).second) << c.id;
    EXPECT_EQ(find_check(c.id), &c);
  }
  EXPECT_EQ(find_check("no.such.check"), nullptr);
}

}  // namespace
}  // namespace bpfcert::verifier
