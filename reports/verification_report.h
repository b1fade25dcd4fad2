// The verification report: what `bpfcert verify` says about one program, as a model that the
// JSON writer (schema "bpfcert/verification/1", reports/schemas/verification-1.schema.json),
// the SARIF 2.1.0 writer and the text printer share. Independent of the verifier's types:
// the command fills it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bpfcert::reports {

inline constexpr const char* kVerificationSchemaId = "bpfcert/verification/1";
// Where bpfcert's documentation is published (docs/ of the repository).
inline constexpr const char* kDocsUrl = "https://bpfcert.dev/docs";

// An abstract scalar: tnum and the four ranges, as the verifier's domain keeps them.
struct ScalarBounds {
  uint64_t tnum_value = 0, tnum_mask = 0;
  uint64_t umin = 0, umax = 0;
  int64_t smin = 0, smax = 0;
  uint32_t u32min = 0, u32max = 0;
  int32_t s32min = 0, s32max = 0;
};

struct RegisterValue {
  int reg = 0;
  std::string type;  // "uninit", "scalar", "pointer", "unknown"
  std::string text;  // human-readable abstract value
  std::optional<ScalarBounds> value;  // scalar: its value; pointer: its offset
  std::optional<std::string> region;  // pointers: "stack", "mem", "map_value", "packet", ...
  std::optional<int64_t> object;      // pointers: map index, frame, variable id, code pc
  bool nullable = false;
};

struct StackEntry {
  int frame = 0;
  int64_t offset = 0;  // from the frame's r10
  uint32_t size = 0;
  std::string text;
};

// The witness search's verdict on one error finding (`bpfcert verify --witness`): a concrete
// input replayed on the reference interpreter (confirmed), none found within the search's
// depth and budget (not_confirmed), or a check that no input shows (not_applicable).
struct FindingWitness {
  std::string status;  // "confirmed", "not_confirmed", "not_applicable"
  unsigned depth = 0;  // the search's loop depth k
  std::string reason;
  // The input, whenever the search found one (hex bytes "00 01 ..."); each part the platform has.
  bool has_input = false;
  std::optional<std::string> memory, context, packet, headroom;
  struct MapEntry {
    std::string key, value;
  };
  struct Map {
    std::string name;
    size_t index = 0;
    std::vector<MapEntry> entries;
  };
  std::vector<Map> maps;
  struct Variable {
    int32_t id = 0;
    std::string name, bytes;
  };
  std::vector<Variable> variables;
  struct HelperResult {
    size_t pc = 0;
    int32_t id = 0;
    std::string name;
    uint64_t r0 = 0;
    int buffer_register = 0;  // 0: none
    std::string buffer;
  };
  std::vector<HelperResult> helpers;
  // What the reference interpreter did with the input.
  struct Replay {
    std::optional<std::string> trap;  // trap kind id; none when the run ended or was stopped at pc
    std::string message;
    size_t pc = 0;
    std::optional<uint64_t> r0;
    uint64_t steps = 0;
    bool stopped_at_pc = false;  // stopped by its step budget on reaching pc (violations the VM does not trap on)
  };
  std::optional<Replay> replay;
  double seconds = 0;
  uint64_t paths = 0, solver_checks = 0;
  bool complete = false;  // every path was explored to its end
  bool replay_mismatch = false;
};

struct VerificationFinding {
  std::string check;     // stable id: "mem.bounds", ...
  std::string severity;  // "error" or "warning"
  int64_t pc = -1;
  int line = 0;          // source line when the input is text (0: none)
  std::string instruction;  // disassembly of the instruction at pc
  std::string message;
  std::vector<RegisterValue> registers;  // abstract state of the initialised registers at pc
  // Objects with BTF line info: the C source position and line text of pc (source_file empty
  // otherwise), and the function the instruction belongs to.
  std::string source_file;
  int column = 0;
  std::string source_text;
  std::string function;
  std::optional<FindingWitness> witness;  // with --witness, on error findings
};

struct VerificationInvariant {
  size_t pc = 0;
  int line = 0;
  std::string instruction;
  std::vector<RegisterValue> registers;  // initialised registers only
  std::vector<StackEntry> stack;
};

struct VerificationStatistics {
  double seconds = 0;
  uint64_t transfers = 0, iterations = 0, states = 0, widenings = 0;
  uint64_t instructions = 0, blocks = 0, loops = 0, subprograms = 0, contexts = 0;
};

struct LoopSummary {
  size_t header_pc = 0;
  std::optional<uint64_t> bound;
};

struct CheckDescription {
  std::string id, severity, description;
  std::string help;  // how to fix a finding of this check, when one can be named
};

struct VerificationReport {
  std::string tool_version;
  std::string input;           // the path as given
  std::string input_kind;      // "bytecode", "assembly", "data", "elf"
  // ELF objects: which program of the object (function name and section).
  std::optional<std::string> program_name;
  std::optional<std::string> section;
  std::string platform;
  std::string program_type;
  std::optional<uint64_t> memory_size;
  bool accepted = false;
  std::vector<VerificationFinding> findings;
  std::optional<std::vector<VerificationInvariant>> invariants;  // when requested
  std::optional<ScalarBounds> exit_r0;
  std::optional<std::string> exit_r0_text;
  std::vector<LoopSummary> loops;
  VerificationStatistics statistics;
  std::vector<CheckDescription> checks;  // the catalogue (SARIF rules)
};

nlohmann::json to_json(const VerificationReport& report);
nlohmann::json to_json(const FindingWitness& witness);
// One line: "confirmed: mem = 00 01 ...; replay: trap out-of-bounds at pc 3", "not confirmed
// within k=8 (possible false alarm)", "not applicable: ...".
std::string witness_text(const FindingWitness& witness);
// Where SARIF locations are relative to. GitHub code scanning (and any viewer opened on a
// checkout) resolves a result's file against the repository root, so paths under
// `source_root` are written relative to it with uriBaseId "SRCROOT", and
// originalUriBaseIds says where SRCROOT was on this machine; paths outside it stay absolute
// file:// URIs.
struct SarifOptions {
  std::string source_root;  // empty: the working directory
  // Each rule's helpUri is help_uri_base + "/checks.md#" + check id (docs/checks.md).
  std::string help_uri_base = kDocsUrl;
};

// SARIF 2.1.0: one run, one rule per check id, one result per finding located in the input
// file (by line for text inputs, by byte offset for raw bytecode). Several reports (the programs
// of one object) share the run; each result then names its program and section.
nlohmann::json to_sarif(const std::vector<VerificationReport>& reports, const SarifOptions& options = {});
nlohmann::json to_sarif(const VerificationReport& report, const SarifOptions& options = {});
std::string to_text(const VerificationReport& report);

}  // namespace bpfcert::reports
