// ABI differences a target may declare: conventions of the plugin protocol that its VM cannot
// follow (DPDK's rte_bpf passes only r1; its legacy packet loads read an rte_mbuf). The runner
// reports a test that depends on a declared difference as such, not as a failure; whether a test
// depends on one is derived from its program, not taken from the target's word.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "conformance/test_case.h"
#include "semantics/program.h"

namespace bpfcert::conformance {

enum class AbiDifference {
  NoR2,        // r2 is not set to the memory's length (the VM passes only r1)
  PacketMbuf,  // legacy packet loads (LD ABS / IND) read a packet descriptor, not the memory
};
inline constexpr AbiDifference kAbiDifferences[] = {AbiDifference::NoR2, AbiDifference::PacketMbuf};

std::string_view to_string(AbiDifference a);  // "no-r2", "packet-mbuf"
std::string_view describe(AbiDifference a);   // a sentence for reports
std::optional<AbiDifference> abi_difference_from_string(std::string_view s);

// Whether the test's program depends on what the difference takes away: it may read r2 before
// writing it (on some path, calls followed), or it uses a legacy packet load.
bool depends_on(const TestCase& test, AbiDifference a);

// The registers an instruction reads and writes (bit N: rN), as the semantics defines them:
// helper and kfunc calls read r1-r5 and write r0-r5, a local call or callx reads only its target
// register (the arguments flow into the callee), EXIT reads r0, CMPXCHG reads and writes r0, a
// legacy packet load reads r6 (the packet descriptor on Linux) and writes r0.
uint16_t registers_read(const semantics::Encoding& row, const semantics::Insn& insn);
uint16_t registers_written(const semantics::Encoding& row, const semantics::Insn& insn);

// Whether some path from the entry reads register `reg` before writing it. Local calls continue
// into the callee and, conservatively, after the call with the caller's state. Invalid programs
// (negative tests) read nothing.
bool reads_entry_register(const std::vector<semantics::Insn>& insns, unsigned reg);

}  // namespace bpfcert::conformance
