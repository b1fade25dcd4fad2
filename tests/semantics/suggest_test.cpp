// Did-you-mean suggestions: distances as a typist counts them, and no far-fetched guesses.
#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "semantics/suggest.h"

namespace {

using bpfcert::semantics::closest_name;
using bpfcert::semantics::did_you_mean;
using bpfcert::semantics::edit_distance;

TEST(Suggest, EditDistanceCountsInsertionsDeletionsSubstitutionsAndTranspositions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("add", "addd"), 1u);
  EXPECT_EQ(edit_distance("verify", "veriyf"), 1u);  // one transposition, not two substitutions
  EXPECT_EQ(edit_distance("lop", "loop"), 1u);
  EXPECT_EQ(edit_distance("mov", "and"), 3u);
  EXPECT_EQ(edit_distance("", "exit"), 4u);
}

TEST(Suggest, ClosestNameWithinTheLengthDependentLimit) {
  constexpr std::array<std::string_view, 6> commands{"asm", "disasm", "run", "verify", "list", "prove"};
  EXPECT_EQ(closest_name("veriyf", commands), "verify");
  EXPECT_EQ(closest_name("lsit", commands), "list");
  EXPECT_EQ(closest_name("rn", commands), "run");
  EXPECT_EQ(closest_name("provee", commands), "prove");
  // Too far for a four-letter word; an exact name is not a misspelling.
  EXPECT_EQ(closest_name("zzzz", commands), std::nullopt);
  EXPECT_EQ(closest_name("verify", commands), std::nullopt);
  constexpr std::array<std::string_view, 3> mnemonics{"add", "and", "arsh"};
  EXPECT_EQ(closest_name("addd", mnemonics), "add");  // ties go to the earlier candidate
  EXPECT_EQ(did_you_mean(std::string("add")), ", did you mean 'add'?");
  EXPECT_EQ(did_you_mean(std::nullopt), "");
}

}  // namespace
