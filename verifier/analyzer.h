// The verifier's public API: a validated program, a platform (data), a program type and the
// maps it links against go in; a verdict, findings with stable check ids, per-pc invariants
// and statistics come out. Everything else in verifier/ is an implementation detail.
//
// Integrating a platform (e.g. Linux, from uapi linux/bpf.h): fill a Platform with program
// types (Entry::Context, a ContextLayout whose fields say what they hold: Packet, PacketEnd,
// PacketMeta or a scalar, readable/writable, narrow loads), helper prototypes (ArgType /
// RetType, ret_range where narrower than 64 bits) and map types; then
//
//   VerifierInput in;
//   in.program = &program;               // semantics::validate() output (LDDW src 1-6 unresolved)
//   in.platform = &platform;
//   in.program_type = "xdp";
//   in.maps = {{"counts", 1 /*hash*/, 4, 8, 1024, /*fd*/ 3, /*read_only*/ false}, ...};
//   auto result = verify(in);            // Result<VerificationResult>
//
// Map descriptors are matched by fd (LDDW src 1/2) or by index in `maps` (src 5/6). Findings
// carry a pc; mapping it to a source line (BTF line info) is the caller's.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "semantics/diagnostic.h"
#include "semantics/program.h"
#include "semantics/unchecked_permit.h"
#include "verifier/assertions.h"
#include "verifier/checks.h"
#include "verifier/domain/scalar.h"
#include "verifier/platform.h"

namespace bpfcert::verifier {

using Scalar = domain::Scalar<uint64_t>;

// A map the program links against. LDDW src 1/2 name it by fd, src 5/6 by its index in
// VerifierInput::maps.
struct MapDescriptor {
  std::string name;
  uint32_t type = 2;  // uapi enum bpf_map_type (2: array); looked up in Platform::map_types
  uint32_t key_size = 4;
  uint32_t value_size = 8;
  uint32_t max_entries = 1;
  std::optional<int32_t> fd;
  // The program may not write its values (BPF_F_RDONLY_PROG, frozen .rodata).
  bool read_only = false;
  // A read-only map frozen before the program is loaded (bpf_map_freeze, as libbpf does for
  // .rodata) with one entry: the bytes of its value. Nobody can change them afterwards, so
  // loads read them as constants (Linux does the same for frozen read-only maps). Used only
  // when read_only, max_entries == 1 and the size is value_size; empty: contents unknown.
  std::vector<uint8_t> frozen_value{};
};

// A platform variable (LDDW src 3): `size` readable and writable bytes.
struct VariableDescriptor {
  int32_t id = 0;
  std::string name;
  uint32_t size = 0;
};

struct AnalyzerOptions {
  // Keep the abstract state at every reachable pc (joined over calling contexts).
  bool collect_invariants = false;
  // A loop is accepted when its proven bound on back-edge traversals per entry is at most this.
  uint64_t max_loop_iterations = 1'000'000;
  // Ascending iterations of a loop before widening, and descending (narrowing) passes after.
  int widening_delay = 2;
  int narrowing_passes = 2;
  // Work budget in instruction transfers; exceeding it rejects with analysis.budget.
  uint64_t max_transfers = 50'000'000;
};

struct VerifierInput {
  const semantics::Program* program = nullptr;
  const Platform* platform = nullptr;
  std::string program_type;  // a ProgramType::name of the platform
  std::vector<MapDescriptor> maps;
  std::vector<VariableDescriptor> variables;
  // ProgramType::Entry::MemoryAndLength (the conformance platform): size of the memory r1
  // points to; r2 holds it. Unknown size: any size up to 2^32 - 1, so no access is provable.
  std::optional<uint64_t> memory_size;
  // The context of this one program when it is not its type's (a tracing program's context is
  // the arguments of the function it attaches to): replaces ProgramType::context. Its fields
  // holding Kernel pointers name types of `kernel_types`, which must then be given.
  std::optional<ContextLayout> context;
  const KernelTypes* kernel_types = nullptr;
  // The exit values of this one program when they are not its type's (Linux's
  // check_return_code by attach type: fentry and fexit programs return 0, iterators 0 or 1).
  std::optional<std::pair<int64_t, int64_t>> return_range;
  AnalyzerOptions options;
};

// An abstract register value in a form reports can print without knowing the domains.
struct ValueView {
  enum class Type : uint8_t { Uninit, Number, Pointer, Unknown } type = Type::Uninit;
  // Pointers: the region, which object (map index, frame, variable id, code pc) and whether
  // it may be null; `value` is then the offset from the region's start.
  PointerKind region = PointerKind::Memory;
  int64_t object = 0;
  bool nullable = false;
  Scalar value{};
  std::string text;  // "scalar [0, 255]", "map_value(counts)+[0, 4]", ...
};

// One register's abstract value at a finding's pc.
struct RegisterNote {
  int reg = 0;
  ValueView value;
};

struct Finding {
  CheckId check = CheckId::AnalysisBudget;
  Severity severity = Severity::Error;
  int64_t pc = -1;    // -1: about the whole program
  std::string message;
  std::vector<RegisterNote> registers;  // every initialised register, before the instruction
  // The assertion that failed (assertions.h), for the checks stated as assertions; empty for
  // the others (structural checks, pointer rules, helper arguments other than memory).
  std::optional<Assertion> assertion;
};

struct StackByteRange {
  int frame = 0;
  int64_t offset = 0;  // from the frame's r10 (negative)
  uint32_t size = 0;
  std::string text;    // "uninit", "scalar 0x2a", "spilled map_value(m)+0", ...
};

struct Invariant {
  size_t pc = 0;
  std::array<ValueView, 11> registers;
  std::vector<StackByteRange> stack;  // initialised stack ranges of every live frame
};

struct Statistics {
  double seconds = 0;
  uint64_t transfers = 0;     // instructions abstractly executed (all passes, all contexts)
  uint64_t iterations = 0;    // loop-head stabilisation iterations
  uint64_t states = 0;        // abstract states stored (block entries and edges, all contexts)
  uint64_t widenings = 0;
  size_t instructions = 0;
  size_t blocks = 0;
  size_t loops = 0;
  size_t subprograms = 0;
  size_t contexts = 0;        // distinct calling contexts analysed
};

struct LoopReport {
  size_t header_pc = 0;
  std::optional<uint64_t> bound;  // proven bound on back-edge traversals per entry
};

struct VerificationResult {
  bool accepted = false;  // no finding of severity Error
  std::vector<Finding> findings;       // sorted by pc, then check id
  std::vector<Invariant> invariants;   // when requested: reachable pcs, ascending
  // r0 at the main program's exits (and at legacy packet loads that end it), joined; nullopt
  // when no exit is reachable or r0 may be a non-scalar there.
  std::optional<Scalar> exit_r0;
  std::vector<LoopReport> loops;
  // Loads through Kernel pointers, ascending: the run must make them probe loads (a fault
  // gives 0), as Linux rewrites them to BPF_PROBE_MEM.
  std::vector<size_t> probe_loads;
  Statistics stats;
  // For an accepted program whose entry is memory and length (the conformance platform): the
  // permit to run it without memory checks (the JIT's unchecked mode) against the memory size,
  // maps and variables of the input. verify() is its only issuer.
  std::optional<semantics::UncheckedPermit> unchecked_permit;
};

// Verifies. Returns an Error only for inconsistent input (no program or platform, unknown
// program type, a platform whose tables the analyzer cannot use); everything about the program
// itself is a finding.
semantics::Result<VerificationResult> verify(const VerifierInput& input);

// Text of an abstract scalar: "42", "[0, 255]", "scalar u[0, 255] s[...] t(0x0; 0xff)".
std::string describe(const Scalar& s);

}  // namespace bpfcert::verifier
