// Writer utilities shared by every report kind: safe file output, XML escaping, timestamps.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bpfcert::reports {

// Writes `content` to `path` without ever destroying what the path names:
// - "-" (and any path that is the process's standard output) writes to standard output;
// - a regular file, or a path that does not exist yet, is written through a temporary file in
//   the same folder and a rename, so a reader never sees a half-written report; an existing
//   file keeps its permission bits;
// - a symlink is followed: the file it names is written as above, the link itself stays;
// - a character device (/dev/null, a terminal), a FIFO or a socket is opened and written in
//   place: renaming over one would replace the device node with a regular file;
// - a folder is an error.
// Returns an error message naming the path, or empty on success.
std::string write_text_file(const std::string& path, std::string_view content);

// True when `path` is "-" or names the file the process's standard output is open on
// (/dev/stdout, /proc/self/fd/1, or the file stdout was redirected to).
bool is_standard_output(const std::string& path);

// Checks a command's output options (option name, path; empty paths are unused): refuses two
// of them on standard output, since their contents would interleave. Returns an error message
// naming both options, or empty.
std::string check_output_paths(const std::vector<std::pair<std::string, std::string>>& outputs);

// Reads a whole file; returns false (and a message in *error) when it cannot.
bool read_text_file(const std::string& path, std::string* content, std::string* error);

// Escapes text for XML attributes and character data; drops characters XML 1.0 forbids.
std::string xml_escape(std::string_view text);

// Current UTC time as RFC 3339 ("2026-01-02T03:04:05Z").
std::string utc_timestamp();

}  // namespace bpfcert::reports
