#include "reports/output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bpfcert::reports {

namespace {

std::string errno_text() { return std::strerror(errno); }

// Writes all of `content` to an open descriptor, retrying short writes and EINTR.
bool write_all(int fd, std::string_view content) {
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

// A device, FIFO or socket: written in place, never renamed over.
std::string write_in_place(const std::string& path, std::string_view content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return "cannot open " + path + ": " + errno_text();
  const bool ok = write_all(fd, content);
  const std::string why = ok ? std::string() : errno_text();
  ::close(fd);
  return ok ? std::string() : "cannot write " + path + ": " + why;
}

// A regular file (or a new one): a temporary file beside it, then an atomic rename.
std::string write_by_rename(const std::string& path, std::string_view content, const struct stat* existing) {
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return "cannot create a temporary file beside " + path + ": " + errno_text();
  // mkstemp creates 0600; a report is as readable as any file the user creates, and an
  // overwritten file keeps its own mode.
  mode_t mode = 0666;
  if (existing != nullptr) {
    mode = existing->st_mode & 07777;
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    mode &= ~mask;
  }
  ::fchmod(fd, mode);
  const bool ok = write_all(fd, content);
  const std::string why = ok ? std::string() : errno_text();
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return "cannot write " + path + ": " + why;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string rename_why = errno_text();
    ::unlink(tmp.c_str());
    return "cannot write " + path + ": " + rename_why;
  }
  return {};
}

}  // namespace

bool is_standard_output(const std::string& path) {
  if (path == "-") return true;
  struct stat out_st {}, path_st {};
  if (::fstat(STDOUT_FILENO, &out_st) != 0 || ::stat(path.c_str(), &path_st) != 0) return false;
  return out_st.st_dev == path_st.st_dev && out_st.st_ino == path_st.st_ino;
}

std::string check_output_paths(const std::vector<std::pair<std::string, std::string>>& outputs) {
  const std::pair<std::string, std::string>* first = nullptr;
  for (const auto& o : outputs) {
    if (o.second.empty() || !is_standard_output(o.second)) continue;
    if (first != nullptr) {
      return first->first + " and " + o.first + " both write to standard output; send one of them to a file";
    }
    first = &o;
  }
  return {};
}

std::string write_text_file(const std::string& path, std::string_view content) {
  if (path.empty()) return "cannot write to an empty path";
  if (is_standard_output(path)) {
    std::cout << content;
    std::cout.flush();
    return std::cout ? std::string() : std::string("cannot write to standard output");
  }
  // stat() follows symlinks: what matters is the file a link names, which is written while
  // the link stays a link.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return "cannot write " + path + ": " + errno_text();
    struct stat link_st {};
    if (::lstat(path.c_str(), &link_st) == 0 && S_ISLNK(link_st.st_mode)) {
      // A dangling symlink: create the file it names, through it.
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
      if (fd < 0) return "cannot create " + path + ": " + errno_text();
      const bool ok = write_all(fd, content);
      const std::string why = ok ? std::string() : errno_text();
      ::close(fd);
      return ok ? std::string() : "cannot write " + path + ": " + why;
    }
    return write_by_rename(path, content, nullptr);
  }
  if (S_ISDIR(st.st_mode)) return "cannot write " + path + ": it is a folder";
  if (!S_ISREG(st.st_mode)) return write_in_place(path, content);
  std::error_code ec;
  const std::filesystem::path target = std::filesystem::canonical(path, ec);
  if (ec) return "cannot write " + path + ": " + ec.message();
  return write_by_rename(target.string(), content, &st);
}

bool read_text_file(const std::string& path, std::string* content, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  *content = ss.str();
  return true;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 allows tab, newline, carriage return and nothing else below 0x20.
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += '?';
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace bpfcert::reports
