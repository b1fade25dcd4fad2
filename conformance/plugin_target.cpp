#include "conformance/plugin_target.h"

#include <fmt/format.h>

#include <cctype>
#include <csignal>
#include <cstring>
#include <sstream>

namespace bpfcert::conformance {

std::vector<std::string> split_plugin_options(const std::string& options) {
  std::vector<std::string> out;
  std::istringstream in(options);
  std::string word;
  while (in >> word) out.push_back(word);
  return out;
}

std::string protocol_hex(const std::vector<uint8_t>& bytes) {
  std::string out;
  out.reserve(bytes.size() * 4);
  static const char* const kDigits = "0123456789abcdef";
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
    out += "  ";
  }
  return out;
}

PluginTarget::PluginTarget(std::string path, std::vector<std::string> options, size_t max_output)
    : path_(std::move(path)), options_(std::move(options)), max_output_(max_output) {}

std::string PluginTarget::description() const {
  std::string d = path_;
  for (const std::string& o : options_) d += " " + o;
  return d;
}

namespace {

// r0 as the plugin printed it: blanks, an optional 0x, 1-16 hex digits, blanks. Anything else
// is garbage (their runner would silently misparse it).
std::optional<uint64_t> parse_r0(const std::string& text) {
  size_t i = 0, end = text.size();
  while (i < end && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  while (end > i && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  if (end - i >= 2 && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) i += 2;
  if (i == end || end - i > 16) return std::nullopt;
  uint64_t v = 0;
  for (; i < end; ++i) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return v;
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

std::string excerpt(const std::string& s) {
  std::string e = s.substr(0, 80);
  for (char& c : e) {
    if (!std::isprint(static_cast<unsigned char>(c))) c = '.';
  }
  return s.size() > 80 ? e + "..." : e;
}

}  // namespace

PluginFailure parse_plugin_failure(const std::string& message) {
  for (const auto& [marker, stage] : {std::pair{std::string_view("load:"), PluginFailure::Stage::Load},
                                      std::pair{std::string_view("run:"), PluginFailure::Stage::Run}}) {
    if (message.starts_with(marker)) {
      std::string rest = message.substr(marker.size());
      while (!rest.empty() && rest.front() == ' ') rest.erase(rest.begin());
      return {stage, rest};
    }
  }
  return {PluginFailure::Stage::Unknown, message};
}

TestRun PluginTarget::run(const TestCase& test, const RunSettings& settings) const {
  if (test.needs_platform) {
    return {Outcome::Skipped,
            "needs the bpfcert test platform (maps, variables, helpers or kfuncs), which the plugin protocol cannot carry",
            ""};
  }
  if (test.max_steps || (test.expect == ExpectKind::Trap && test.expected_text == "step-budget-exhausted")) {
    return {Outcome::Skipped, "step budgets belong to bpfcert's in-process engines", ""};
  }
  std::vector<std::string> argv{path_};
  if (!test.file.mem.empty()) argv.push_back(protocol_hex(test.file.mem));
  argv.insert(argv.end(), options_.begin(), options_.end());
  const std::string input = protocol_hex(semantics::encode_all(test.insns)) + "\n";
  ProcessLimits limits;
  limits.timeout_seconds = settings.timeout_seconds;
  limits.max_output = max_output_;
  const ProcessResult p = run_process(argv, input, limits);
  if (!p.started) return {Outcome::Error, fmt::format("cannot start the plugin {}: {}", path_, p.start_error), ""};
  if (p.timed_out) {
    return {Outcome::TimedOut,
            fmt::format("the plugin did not finish within {} s; its process group was killed", settings.timeout_seconds),
            "timeout"};
  }
  if (p.output_overflow) {
    return {Outcome::Error, fmt::format("the plugin wrote more than {} bytes; its process group was killed", max_output_),
            "output overflow"};
  }
  if (p.signal != 0) {
    std::string detail = trimmed(p.err.empty() ? p.out : p.err);
    return {Outcome::Crashed,
            fmt::format("the plugin crashed ({}){}", strsignal(p.signal), detail.empty() ? "" : ": " + excerpt(detail)),
            fmt::format("signal {}", p.signal)};
  }
  if (p.exit_code != 0) {
    // bpf_conformance: the message is stdout, or stderr when stdout is empty.
    const PluginFailure f = parse_plugin_failure(trimmed(p.out.empty() ? p.err : p.out));
    TestRun r = f.stage == PluginFailure::Stage::Load  ? judge_refusal(test, f.message, "", true)
                : f.stage == PluginFailure::Stage::Run ? judge_trap(test, f.message, "", true)
                                                       : judge_failure(test, f.message, true);
    r.actual = fmt::format("exit {}: {}", p.exit_code, excerpt(f.message));
    return r;
  }
  const auto r0 = parse_r0(p.out);
  if (!r0) {
    return {Outcome::Error, fmt::format("the plugin exited 0 but its stdout is not r0 in hex: \"{}\"", excerpt(p.out)),
            excerpt(p.out)};
  }
  return judge_result(test, *r0);
}

}  // namespace bpfcert::conformance
