// Helpers and kfuncs of the reference environment. Ids are Linux's for the standard helpers
// (uapi bpf_func_id), so programs built for Linux call the same numbers.
#pragma once

#include "interp/environment.h"

namespace bpfcert::interp {

namespace helper_id {
inline constexpr int32_t kMapLookupElem = 1;
inline constexpr int32_t kMapUpdateElem = 2;
inline constexpr int32_t kMapDeleteElem = 3;
inline constexpr int32_t kKtimeGetNs = 5;
inline constexpr int32_t kTracePrintk = 6;
inline constexpr int32_t kGetPrandomU32 = 7;
inline constexpr int32_t kGetSmpProcessorId = 8;
inline constexpr int32_t kPerfEventRead = 22;
inline constexpr int32_t kPerfEventReadValue = 55;
inline constexpr int32_t kCsumDiff = 28;
inline constexpr int32_t kOverrideReturn = 58;
inline constexpr int32_t kMapPushElem = 87;
inline constexpr int32_t kMapPopElem = 88;
inline constexpr int32_t kMapPeekElem = 89;
// Test helper of the conformance platform (not Linux): returns r1 + r2 + r3 + r4 + r5, so a
// test can see that all five argument registers reach a helper.
inline constexpr int32_t kTestSum5 = 1000;
}  // namespace helper_id

// Test kfuncs (CALL src 2) of the conformance platform, by BTF id.
namespace kfunc_id {
inline constexpr int32_t kSum5 = 1;    // r1 + r2 + r3 + r4 + r5
inline constexpr int32_t kMul = 2;     // r1 * r2
inline constexpr int32_t kMemset = 3;  // memset(r1, r2, r3) on writable memory; returns r3
}  // namespace kfunc_id

// Map helpers (1-3, and 87-89 for queues, stacks and bloom filters), ktime (5), trace_printk
// (6), prandom (7), processor id (8).
void add_standard_helpers(Environment& env);
// Tracing helpers whose objects the reference VM has none of: perf_event_read (22) and
// perf_event_read_value (55) find no perf event in the array (-ENOENT, the value zeroed, as
// Linux answers for an empty slot); override_return (58) records the value in the trace output.
void add_tracing_helpers(Environment& env);
// bpf_csum_diff (28): the one's complement sum of the `to` words and the complemented `from`
// words, added to the seed (either buffer may be NULL with size 0).
void add_checksum_helpers(Environment& env);
// The conformance platform's test helper and kfuncs.
void add_test_helpers(Environment& env);

// printf-style formatting as bpf_trace_printk does it (%d %i %u %x %ld %lu %lx %lld %llu %llx
// %p %c %s %%), reading %s strings through the memory checks. Exposed for tests.
std::string format_trace(HelperContext& ctx, std::string_view fmt, const uint64_t args[3]);

}  // namespace bpfcert::interp
