// Running an external program (a bpf_conformance plugin) with a deadline and bounded output:
// its own process group, so a timeout kills everything it started; pipes for stdin, stdout and
// stderr driven by poll(), so a plugin that writes megabytes or never reads cannot block us.
#pragma once

#include <string>
#include <vector>

namespace bpfcert::conformance {

struct ProcessResult {
  bool started = false;
  std::string start_error;   // why the program could not be started
  bool timed_out = false;
  bool output_overflow = false;  // stdout or stderr exceeded the limit; the group was killed
  int exit_code = -1;        // when it exited
  int signal = 0;            // when a signal ended it (other than our kill)
  std::string out, err;
  double seconds = 0;
};

struct ProcessLimits {
  double timeout_seconds = 10;
  size_t max_output = 1 << 20;  // per stream
};

// Runs argv[0] (a path) with argv, feeding `input` on stdin then closing it.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input, const ProcessLimits& limits);

}  // namespace bpfcert::conformance
