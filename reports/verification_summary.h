// The summary of verifying many BPF objects (`bpfcert verify a.o b.o dir/`): one row per
// program, as veristat prints them (program, type, instructions, verdict, first finding, time,
// the kernel's verdict), as a text table and as JSON (schema bpfcert/verification-summary/1,
// schemas/verification-summary-1.schema.json).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bpfcert::reports {

inline constexpr const char* kVerificationSummarySchemaId = "bpfcert/verification-summary/1";

struct SummaryFinding {
  std::string check;    // stable check id
  int64_t pc = -1;
  std::string file;     // C source position, when line info has it
  int line = 0;
  std::string message;
};

struct SummaryKernel {
  std::string status;  // "accepted", "rejected", "unavailable"
  std::string reason;
  std::optional<uint64_t> processed_insns;
  double seconds = 0;
};

struct SummaryProgram {
  std::string name;
  std::string section;
  std::string type;         // libbpf's name of the program type ("" when none)
  std::string type_source;  // how the loader decided it: section, legacy-prefix, tail-call, override, none
  size_t instructions = 0;
  bool accepted = false;
  std::optional<std::string> error;  // the program did not load (it is neither accepted nor rejected)
  size_t errors = 0;    // error findings
  size_t warnings = 0;  // warning findings
  std::optional<SummaryFinding> first_finding;  // the first error finding, by pc
  double seconds = 0;   // verification time
  std::optional<SummaryKernel> kernel;  // with --compare-kernel
};

struct SummaryObject {
  std::string object;  // its name in reports: the path, or "PATH(.rodata+0x...)" when embedded
  std::string path;    // the file it was read from
  std::optional<uint64_t> offset;  // where in that file, when embedded in an executable
  std::optional<std::string> error;  // the object did not load (code and message)
  std::vector<std::string> warnings;
  std::vector<SummaryProgram> programs;
};

struct VerificationSummary {
  std::string tool_version;
  // The kernel the verdicts are for (CO-RE, externs): its BTF and where its config came from.
  std::string target_btf;
  std::string kconfig_source;
  std::vector<SummaryObject> objects;
};

nlohmann::json to_json(const VerificationSummary& summary);
// The table, then one line of totals (and of agreement with the kernel when compared).
std::string to_text(const VerificationSummary& summary);

}  // namespace bpfcert::reports
