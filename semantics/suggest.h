// "Did you mean ...?": the closest of a list of known names to a misspelt one, for the
// assembler's mnemonics and labels, .data section names and the command line's commands.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace bpfcert::semantics {

// Optimal string alignment distance (Levenshtein plus transposition of neighbours), so
// "veriyf" is one edit from "verify", as a typist would count.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word`, when it is near enough to be a plausible misspelling: at
// most one edit for words of up to four letters, two for longer ones, and never the word itself.
// Ties go to the earlier candidate, so callers list the likelier names first.
std::optional<std::string> closest_name(std::string_view word, std::span<const std::string_view> candidates);
std::optional<std::string> closest_name(std::string_view word, std::span<const std::string> candidates);

// ", did you mean 'x'?" or empty: the tail callers append to an unknown-name message.
std::string did_you_mean(const std::optional<std::string>& suggestion);

}  // namespace bpfcert::semantics
