// The proof report: what `bpfcert prove` established about the verifier's abstract operators,
// as a model that the JSON writer (schema "bpfcert/proof/1", reports/schemas/proof-1.schema.json)
// and the text printer share. Independent of the prover's types: the command fills it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>  // the writers return JSON; only their callers need the whole library

namespace bpfcert::reports {

inline constexpr const char* kProofSchemaId = "bpfcert/proof/1";

struct ProofAttempt {
  unsigned width = 0;
  std::string verdict;  // "proven", "refuted", "timeout", "error"
  double seconds = 0;
  std::string detail;
};

// A counterexample turned into a program: set-up, the operator's instruction, exit; and what
// the reference interpreter computed on the given memory.
struct ProofReplay {
  std::string assembly;  // bpf_conformance syntax
  std::string memory_hex;
  std::optional<uint64_t> interpreter_r0;
  bool reproduced = false;  // the interpreter's value is the concrete value that escapes
  std::string note;
  std::string file;         // where the regression test was written, if it was
};

struct ProofCounterexample {
  unsigned width = 0;
  std::vector<std::pair<std::string, uint64_t>> values;
  std::string explanation;
  std::optional<ProofReplay> replay;
};

struct ProofObligation {
  std::string op, lemma, component;
  std::vector<ProofAttempt> attempts;
  std::optional<unsigned> proven_width;  // widest width proven
  std::optional<ProofCounterexample> counterexample;
};

struct ProofOperator {
  std::string name;
  std::string kind;    // "alu", "branch", "load", "sync", "tighten", "join", "widen"
  std::string status;  // "proven" (every obligation at every width asked), "refuted", "incomplete"
  size_t obligations = 0;
  // Widest width at which every own obligation is proven, and that width combined with the
  // reduction's (the operator as the verifier calls it).
  std::optional<unsigned> proven_width;
  std::optional<unsigned> composed_width;
  // mul, mul32: the widest width at which every lemma of the induction that proves the tnum
  // component (tnum_mul.*, verifier/smt/prover.h) is proven; that component is then proven at
  // that width even where the monolithic transfer statement does not finish.
  bool has_tnum_induction = false;
  std::optional<unsigned> tnum_by_induction_width;
  bool reduces = false;
  double seconds = 0;
};

struct ProofReport {
  std::string tool_version;
  std::string z3_version;
  std::string date;     // RFC 3339
  std::string command;  // as run
  std::vector<unsigned> widths;  // asked for, in the order tried
  bool stop_at_first_failure = false;
  double timeout_seconds = 0;
  int jobs = 1;
  double seconds = 0;
  std::string method;  // how the statements compose (text)
  std::vector<ProofOperator> operators;
  std::vector<ProofObligation> obligations;
  size_t proven = 0, refuted = 0, unresolved = 0;  // obligations
  bool complete = false;  // everything asked for was proven
};

nlohmann::json to_json(const ProofReport& report);
std::string to_text(const ProofReport& report);

}  // namespace bpfcert::reports
