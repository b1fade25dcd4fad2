// Witnesses for rejected programs: for each error finding, a bounded symbolic execution of the
// program (the semantics templates instantiated over z3 bit-vectors) searches for concrete inputs
// that drive it to the finding's instruction in a state that violates the finding's check; a
// found input is replayed on the reference interpreter, and only a replayed witness is confirmed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "verifier/analyzer.h"

namespace bpfcert::verifier::smt {

struct WitnessOptions {
  // Per path and per call of a function, each backward jump is taken at most this many times
  // (a loop body runs at most depth + 1 times).
  unsigned depth = 8;
  // Wall-clock budget of one finding's search (solver time included); the per-query solver
  // timeout is derived from it.
  double timeout_seconds = 10;
  // Paths (ended, pruned or cut) and symbolic instructions one search may explore.
  uint64_t max_paths = 20'000;
  uint64_t max_steps = 2'000'000;
  // Linux packets: the largest packet (bytes) a witness may use.
  uint32_t max_packet = 1514;
};

enum class WitnessStatus : uint8_t {
  Confirmed,      // an input was found and the reference interpreter, given it, fails at the pc
  NotConfirmed,   // no such input within the depth and budget (a possible false alarm)
  NotApplicable,  // the check is not about an input (CFG, limits, pointer rules, ...)
};
const char* to_string(WitnessStatus s);  // "confirmed", "not_confirmed", "not_applicable"

struct WitnessMapEntry {
  std::vector<uint8_t> key;  // array maps: the index, 4 bytes little-endian
  std::vector<uint8_t> value;
};

struct WitnessMap {
  size_t index = 0;  // in VerifierInput::maps
  std::string name;
  std::vector<WitnessMapEntry> entries;  // array maps: the elements the run reads; hash maps: the entries present at entry
};

struct WitnessVariable {
  int32_t id = 0;
  std::string name;
  std::vector<uint8_t> bytes;
};

// What a helper returns on one call (and the bytes it writes into its buffer argument).
struct WitnessHelperResult {
  size_t pc = 0;
  int32_t id = 0;
  std::string name;
  uint64_t r0 = 0;
  int buffer_register = 0;  // 1..5, 0: the helper writes no buffer
  std::vector<uint8_t> buffer;
};

// A concrete input of the program: what the reference interpreter is given.
struct WitnessInput {
  std::optional<std::vector<uint8_t>> memory;   // conformance platform: r1's bytes (r2 = their count)
  std::optional<std::vector<uint8_t>> context;  // context bytes (pointer fields are set by the VM)
  std::optional<std::vector<uint8_t>> packet;   // packet bytes (data .. data_end)
  std::vector<uint8_t> headroom;                // bytes before data the run reads, when not all zero
  std::vector<WitnessMap> maps;
  std::vector<WitnessVariable> variables;
  std::vector<WitnessHelperResult> helpers;     // in call order
};

// What the reference interpreter did with the input.
struct WitnessReplay {
  bool trapped = false;
  std::string trap;     // trap kind id ("out-of-bounds", ...), empty when the run ended normally
  std::string message;  // the trap's message
  size_t pc = 0;        // where it trapped (or the exit's pc)
  uint64_t r0 = 0;      // r0 at the end (runs that end normally)
  uint64_t steps = 0;   // instructions executed
  // For checks the VM does not trap on (uninitialised reads): the run was stopped by its step
  // budget exactly when it reached the pc, which shows it got there by the witness's path.
  bool stopped_at_pc = false;
};

struct WitnessStatistics {
  double seconds = 0;
  uint64_t paths = 0;          // paths that ended (exit, trap), were cut (depth) or abandoned
  uint64_t solver_checks = 0;
  uint64_t steps = 0;          // symbolic instructions executed
  uint64_t depth_cuts = 0;     // paths cut at a backward jump taken more than `depth` times
  uint64_t abandoned = 0;      // paths whose next step the model does not cover (see reason)
  bool complete = false;       // every path was explored to its end: nothing was cut or abandoned
};

struct Witness {
  CheckId check = CheckId::AnalysisBudget;
  int64_t pc = -1;
  WitnessStatus status = WitnessStatus::NotApplicable;
  unsigned depth = 0;
  std::string reason;  // why not applicable, what the search covered, or what the replay showed
  std::optional<WitnessInput> input;
  std::optional<WitnessReplay> replay;
  WitnessStatistics stats;
  // A model was found but the interpreter did not fail as it predicted: a defect of the
  // symbolic executor (status not_confirmed; the reason says how the runs differed).
  bool replay_mismatch = false;
};

// One witness per finding of `result`, in order (warnings: not_applicable). Never throws.
std::vector<Witness> find_witnesses(const VerifierInput& input, const VerificationResult& result,
                                    const WitnessOptions& options = {});
Witness find_witness(const VerifierInput& input, const Finding& finding, const WitnessOptions& options = {});

// "00 01 ff": bytes as the reports print them.
std::string hex_bytes(const std::vector<uint8_t>& bytes);

}  // namespace bpfcert::verifier::smt
