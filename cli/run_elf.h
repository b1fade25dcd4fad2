// bpfcert run on a BPF ELF object: one program of the object, with a synthetic Linux context
// (XDP or skb over packets from a hex or pcap file), the object's maps and the Linux helpers.
#pragma once

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "reports/run_report.h"

namespace bpfcert::cli {

struct RunElfRequest {
  std::string object;
  std::string section;  // empty: the only program, or --program
  std::string program;
  std::string packet_file;  // hex text or pcap
  std::string context_hex;  // raw context bytes for tracing types
  std::string engine = "interp";
  std::vector<std::string> tail_calls;  // "SLOT=PROGRAM" for the object's prog array
  uint64_t max_steps = 0;
  bool dump_maps = false;
  bool dump_jit = false;  // with engine "jit": print each program's generated code first
  std::ostream* text = &std::cout;     // r0 lines, traces, maps; null: none (--quiet)
  reports::RunReport* report = nullptr;  // when set, each run's outcome is added (--json)
};

// Runs the program once per packet (maps persist across packets); returns the exit code.
int run_elf(const RunElfRequest& request);

}  // namespace bpfcert::cli
