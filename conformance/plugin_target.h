// The plugin target: drives a bpf_conformance plugin exactly as bpf_conformance's runner does
// (../shared/formats/bpf_conformance-compat.md), so uBPF's, rbpf's and eBPF for Windows'
// plugins run unchanged:
//   argv: <plugin> [<mem: every byte as two hex digits and two spaces>] [<options>...]
//   stdin: the program's bytes in the same hex format, then "\n"
//   success: exit 0, r0 in hex on stdout; failure: non-zero exit, message on stdout or stderr.
// Unlike their runner, every test has a deadline (the plugin's process group is killed), and a
// crash, a timeout, garbage on stdout or megabytes of output are that test's outcome, not the
// run's end.
#pragma once

#include <string>
#include <vector>

#include "conformance/subprocess.h"
#include "conformance/target.h"

namespace bpfcert::conformance {

// A plugin may say at which stage a program failed by starting its failure message with
// "load:" (its loader or validator did not accept the program) or "run:" (the program was
// stopped at run time). bpf_conformance's plugins do not: their failures are judged without
// the stage (a valid program that did not complete counts as refused).
struct PluginFailure {
  enum class Stage { Unknown, Load, Run } stage = Stage::Unknown;
  std::string message;  // without the marker
};
PluginFailure parse_plugin_failure(const std::string& message);

// bpf_conformance splits --plugin_options on spaces.
std::vector<std::string> split_plugin_options(const std::string& options);

// "aa  bb  11  ": the protocol's hex format for memory and programs.
std::string protocol_hex(const std::vector<uint8_t>& bytes);

class PluginTarget final : public Target {
 public:
  PluginTarget(std::string path, std::vector<std::string> options, size_t max_output = 1 << 20);
  std::string_view kind() const override { return "plugin"; }
  std::string description() const override;
  TestRun run(const TestCase& test, const RunSettings& settings) const override;

 private:
  std::string path_;
  std::vector<std::string> options_;
  size_t max_output_;
};

}  // namespace bpfcert::conformance
