// The run report: what `bpfcert run --json` writes (schema "bpfcert/run/1",
// reports/schemas/run-1.schema.json): how each run of a program ended (r0, or the trap with its
// kind, pc and source line), per packet for BPF objects, and the maps afterwards.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bpfcert::reports {

inline constexpr const char* kRunSchemaId = "bpfcert/run/1";

struct RunTrap {
  std::string kind;  // stable trap id: "out-of-bounds", ...
  size_t pc = 0;
  std::string message;
  // Objects with BTF line info: the C line of pc.
  std::string source_file;
  int line = 0, column = 0;
  std::string source_text;
};

struct RunOutcome {
  std::optional<size_t> packet;  // 1-based packet number for packet programs
  bool trapped = false;
  uint64_t r0 = 0;
  std::string verdict;  // "XDP_PASS", "TC_ACT_OK", ... when the program type names r0
  std::optional<RunTrap> trap;
  uint64_t steps = 0;
  std::optional<std::string> packet_out;  // the packet as the program left it, when it changed (hex)
  std::vector<std::string> trace;         // bpf_trace_printk and ring buffer output, one line each
};

struct RunMapEntry {
  std::string map, key, value;  // hex bytes
};

struct RunReport {
  std::string tool_version;
  std::string input;
  std::string input_kind;  // "bytecode", "assembly", "data", "elf"
  std::string engine;      // "interpreter", "jit", "jit-unchecked"
  std::optional<std::string> program_name, section, program_type;  // ELF objects
  std::vector<RunOutcome> runs;
  std::optional<std::vector<RunMapEntry>> maps;  // with --dump-maps
  bool trapped() const;
};

// JSON text (two-space indent, final newline).
std::string to_json_text(const RunReport& report);

}  // namespace bpfcert::reports
