// Writer utilities shared by every report kind: atomic file output, XML escaping, timestamps.
#pragma once

#include <string>
#include <string_view>

namespace bpfcert::reports {

// Writes `content` to `path` through a temporary file and a rename, so a reader never sees a
// half-written report. Returns an error message, or empty on success. "-" writes to stdout.
std::string write_text_file(const std::string& path, std::string_view content);

// Reads a whole file; returns false (and a message in *error) when it cannot.
bool read_text_file(const std::string& path, std::string* content, std::string* error);

// Escapes text for XML attributes and character data; drops characters XML 1.0 forbids.
std::string xml_escape(std::string_view text);

// Current UTC time as RFC 3339 ("2026-01-02T03:04:05Z").
std::string utc_timestamp();

}  // namespace bpfcert::reports
