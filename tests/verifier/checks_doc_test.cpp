// The README's table of verification checks is the catalogue, row for row and word for word,
// so the documentation cannot drift from the checks the verifier reports.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "verifier/checks.h"

namespace bpfcert::verifier {
namespace {

std::string catalogue_table() {
  std::string out = "| check | severity | meaning | how to fix |\n|---|---|---|---|\n";
  for (const CheckInfo& c : check_catalog()) {
    out += fmt::format("| `{}` | {} | {} | {} |\n", c.name, to_string(c.severity), c.description, c.help);
  }
  return out;
}

TEST(CheckCatalog, ReadmeTableIsTheCatalogue) {
  std::ifstream in(std::string(BPFCERT_SOURCE_DIR) + "/README.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const size_t section = text.find("### Verification checks");
  ASSERT_NE(section, std::string::npos);
  const size_t start = text.find("| check |", section);
  ASSERT_NE(start, std::string::npos);
  size_t end = start;
  while (end < text.size() && text[end] == '|') end = text.find('\n', end) + 1;
  EXPECT_EQ(text.substr(start, end - start), catalogue_table()) << "the README's table should read:\n"
                                                                 << catalogue_table();
}

TEST(CheckCatalog, NamesAreUniqueAndFindable) {
  std::set<std::string> seen;
  for (size_t i = 0; i < check_catalog().size(); ++i) {
    const CheckInfo& c = check_catalog()[i];
    EXPECT_EQ(static_cast<size_t>(c.id), i);
    EXPECT_TRUE(seen.insert(c.name).second) << c.name;
    EXPECT_EQ(find_check(c.name), &c);
    EXPECT_EQ(&check_info(c.id), &c);
    EXPECT_STREQ(to_string(c.id), c.name);
    EXPECT_NE(std::string(c.help), "") << c.name;
  }
  EXPECT_EQ(find_check("no.such.check"), nullptr);
  EXPECT_EQ(fmt::format("{}", CheckId::MemBounds), "mem.bounds");
}

}  // namespace
}  // namespace bpfcert::verifier
