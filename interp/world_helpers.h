// Helpers of the outside world: the Linux helpers whose effect is on kernel state the reference
// VM does not model (task and socket fields, perf counters, cgroups, stacks, ...). The VM runs
// them as the world with nothing in it would: each checks the buffers its signature names
// (a buffer it reads must be readable, one it writes writable, else the run traps as a fault of
// the program would), writes zeroes into its output buffers and returns 0. So a program the
// verifier accepts runs to its end on the VM, and a bad buffer still traps.
#pragma once

#include <cstdint>
#include <string>

#include "interp/environment.h"

namespace bpfcert::interp {

// Ids a world helper may have: Linux's helper ids are below this (uapi has ~210).
inline constexpr int32_t kMaxWorldHelperId = 512;

// Adds helper `id` (0 < id < kMaxWorldHelperId) with the world's behaviour for `signature`;
// false when the id is out of that range.
bool add_world_helper(Environment& env, int32_t id, std::string name, const WorldSignature& signature);

}  // namespace bpfcert::interp
