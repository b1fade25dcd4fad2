// The precision report: what `bpfcert precision` measured of the scalar domain's abstract
// operators against the best abstraction of their concrete results, as a model that the JSON
// writer (schema "bpfcert/precision/1", reports/schemas/precision-1.schema.json) and the text
// table share. Independent of the verifier's types: the command fills it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>  // the writers return JSON; only their callers need the whole library

namespace bpfcert::reports {

inline constexpr const char* kPrecisionSchemaId = "bpfcert/precision/1";

// One operator, output, component, input family, width and mode.
struct PrecisionResult {
  std::string op;         // catalogue name: "add", "jlt32", "ldxsb", "sync"
  std::string kind;       // "alu", "branch", "load", "sync", "tighten", "join", "widen"
  std::string direction;  // branches: "taken" / "not-taken"; otherwise "none"
  std::string operand;    // "result", or a branch's refined "dst" / "src"
  std::string component;  // "tnum", "u64", "s64", "u32", "s32"; "all" when not applicable
  std::string inputs;     // input family: "tnum", "u64-interval", ..., "mixed", "none"
  unsigned width = 0;     // bits of the word (0 when not applicable)
  std::string mode;       // "exhaustive", "sampled", "not-applicable"
  uint64_t compared = 0, optimal = 0, unsound = 0;
  uint64_t empty = 0, empty_detected = 0;
  double mean_imprecision_bits = 0, max_imprecision_bits = 0;
  std::string violation;  // the first unsound input, when any
  std::string note;

  double optimal_share() const { return compared == 0 ? 0 : static_cast<double>(optimal) / compared; }
  double sound_share() const { return compared == 0 ? 1 : static_cast<double>(compared - unsound) / compared; }
};

struct PrecisionTiming {
  std::string op;
  double seconds = 0;
};

struct PrecisionReport {
  std::string tool_version;
  std::string date;     // RFC 3339, UTC
  std::string command;  // the command line that reproduces the run
  unsigned width = 0, interval_width = 0, single_input_width = 0;
  uint64_t samples = 0, seed = 0;
  unsigned jobs = 1;
  double seconds = 0;
  std::vector<PrecisionTiming> timings;
  std::vector<PrecisionResult> results;

  uint64_t unsound() const;  // unsound results over every row
  bool sound() const { return unsound() == 0; }
};

nlohmann::json to_json(const PrecisionReport& report);
// A table, one line per result, and a closing line that says whether everything was sound
// (with the first violation of each unsound row).
std::string to_text(const PrecisionReport& report);
// A share as a percentage truncated (not rounded) to two decimals: "100.00" means all of them.
std::string percent(uint64_t part, uint64_t whole);

}  // namespace bpfcert::reports
