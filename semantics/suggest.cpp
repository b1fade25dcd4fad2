#include "semantics/suggest.h"

#include <algorithm>
#include <vector>

namespace bpfcert::semantics {

size_t edit_distance(std::string_view a, std::string_view b) {
  // d[i][j]: distance between the first i letters of a and the first j of b.
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

namespace {

template <class Name>
std::optional<std::string> closest(std::string_view word, std::span<const Name> candidates) {
  const size_t limit = word.size() <= 4 ? 1 : 2;
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const Name& c : candidates) {
    const std::string_view name(c);
    if (name == word) return std::nullopt;
    const size_t d = edit_distance(word, name);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(name);
    }
  }
  return best;
}

}  // namespace

std::optional<std::string> closest_name(std::string_view word, std::span<const std::string_view> candidates) {
  return closest(word, candidates);
}

std::optional<std::string> closest_name(std::string_view word, std::span<const std::string> candidates) {
  return closest(word, candidates);
}

std::string did_you_mean(const std::optional<std::string>& suggestion) {
  return suggestion ? ", did you mean '" + *suggestion + "'?" : std::string();
}

}  // namespace bpfcert::semantics
