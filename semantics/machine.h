// The machine around the instructions, written once over a Word (word.h), as operations.h is
// for what instructions compute: the stack's frames and their geometry, the regions an access
// may touch and the trap each failed access raises, the bounds of the legacy packet loads, the
// values that are not addresses (map handles, code addresses) and what callx makes of them.
//
// The interpreter and the JIT's runtime instantiate it with uint64_t over host addresses; the
// witness search (verifier/smt) with z3 bit-vectors over offsets into regions whose base
// addresses it does not know. That is why every bound is written relative to a region's start
// (addr - start, never addr < start): the unknown base then cancels, and for host addresses,
// where no region wraps around the address space, the two readings agree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "semantics/operations.h"
#include "semantics/program.h"
#include "semantics/word.h"

namespace bpfcert::semantics {

// ---- how a run ends early ---------------------------------------------------------------

enum class TrapKind : uint8_t {
  OutOfBounds,          // memory access outside every region
  WriteToReadOnly,      // store into a read-only region
  UnknownHelper,        // CALL src 0 (or callx) with an id the environment does not have
  UnknownKfunc,         // CALL src 2 with a BTF id the environment does not have
  CallDepthExceeded,    // more than kMaxCallFrames frames
  StepBudgetExhausted,  // instruction budget spent
  BadCallTarget,        // callx to a value that is neither a helper id nor a code address
  HelperFault,          // a helper rejected its arguments (bad map handle, unreadable key, ...)
};

const char* to_string(TrapKind k);  // stable kebab-case id, e.g. "out-of-bounds"

// ---- the stack ----------------------------------------------------------------------------
// Every local call gets a frame of its own below its caller's; r10 is the top of the current
// frame. At most kMaxCallFrames frames, the main program's included (Linux MAX_CALL_FRAMES).

inline constexpr uint64_t kStackFrameBytes = 512;
inline constexpr int kMaxCallFrames = 8;
inline constexpr uint64_t kStackBytes = kStackFrameBytes * kMaxCallFrames;  // every frame of a run

// Whether a local call made at call depth `depth` (active calls beyond the main program) may
// have its frame; otherwise the call traps call-depth-exceeded.
constexpr bool call_allowed(uint64_t depth) { return depth + 1 < static_cast<uint64_t>(kMaxCallFrames); }

// ---- regions ------------------------------------------------------------------------------

// [start, start + size). A region of elements (map values) also keeps every access inside one
// element of elem_size bytes, elements starting every `stride` bytes; stride 0: contiguous.
template <Word W>
struct Bounds {
  W start;
  W size;
  uint64_t stride = 0;
  uint64_t elem_size = 0;
};

// Whether [addr, addr + len) lies inside the region (see the note at the top on why relative).
template <Word W>
BoolOf<W> contains(const Bounds<W>& r, const W& addr, const W& len) {
  const W rel = addr - r.start;
  const BoolOf<W> inside = ule(len, r.size) && ule(rel, r.size - len);
  if (r.stride == 0) return inside;
  const W in_elem = urem(rel, lit(addr, r.stride));
  const W elem = lit(addr, r.elem_size);
  return inside && ule(in_elem, elem) && ule(len, elem - in_elem);
}

// contains() of a contiguous region as one unsigned comparison, the form generated code tests:
// addr - start < contains_limit(size, len). 0 when len exceeds the region (nothing fits).
constexpr uint64_t contains_limit(uint64_t size, uint64_t len) { return len <= size ? size - len + 1 : 0; }

// The stack's top, the main program's r10, is a fixed point of a run (a host address, or the
// symbolic model's offset kStackBytes), so the geometry takes it as a number.

// The stack an access may touch at call depth `depth`: the frames of the active calls, the
// current one lowest, up to `top`.
constexpr Bounds<uint64_t> active_stack(uint64_t top, uint64_t depth) {
  const uint64_t bytes = kStackFrameBytes * (depth + 1);
  return {top - bytes, bytes};
}

// The frame of the call at depth `depth` alone, whose top is that call's r10.
constexpr Bounds<uint64_t> call_frame(uint64_t top, uint64_t depth) {
  return {top - kStackFrameBytes * (depth + 1), kStackFrameBytes};
}

// The call depth whose frame holds the stack byte at addr, and the byte's place in its frame
// (0: the frame's lowest byte).
template <Word W>
W frame_of(uint64_t top, const W& addr) {
  return udiv(lit(addr, top - 1) - addr, lit(addr, kStackFrameBytes));
}
static_assert((kStackFrameBytes & (kStackFrameBytes - 1)) == 0, "byte_in_frame masks");
template <Word W>
W byte_in_frame(uint64_t top, const W& addr) {
  const W mask = lit(addr, kStackFrameBytes - 1);
  const uint64_t misalign = top & (kStackFrameBytes - 1);
  return misalign == 0 ? addr & mask : (addr - lit(addr, misalign)) & mask;
}

// Bounds over numbers as bounds over words of the same width and context as `like`.
template <Word W>
Bounds<W> lift(const Bounds<uint64_t>& b, const W& like) {
  return {lit(like, b.start), lit(like, b.size), b.stride, b.elem_size};
}

// Map values: one slab per map, max_entries elements each rounded up to 8 bytes, as Linux lays
// them out (alignment-sensitive programs then agree).
constexpr uint64_t map_value_stride(uint64_t value_size) { return (value_size + 7) & ~uint64_t{7}; }
template <Word W>
Bounds<W> map_values(const W& start, uint64_t value_size, uint64_t max_entries) {
  const uint64_t stride = map_value_stride(value_size);
  return {start, lit(start, stride * max_entries), stride, value_size};
}

// ---- accesses and their traps -------------------------------------------------------------

enum class Access : uint8_t { Read, Write, AtomicUpdate };
const char* to_string(Access a);  // how trap messages name it: "read", "write", "atomic update"
constexpr bool writes(Access a) { return a != Access::Read; }

// Which trap a failed access raises. An access no region holds (contains() is false for every
// region) traps out-of-bounds. One a region holds still traps write-to-read-only when it
// writes (a store or an atomic update) and that region, the first to hold it, takes no writes:
// a property of the region, so the symbolic reading knows it as a number while whether the
// access is inside is a condition (out-of-bounds where it is false, write-to-read-only where it
// is true and this says so).
constexpr bool write_to_read_only(Access a, bool region_writable) { return writes(a) && !region_writable; }

// The trap an access raises, or none.
constexpr std::optional<TrapKind> access_trap(Access a, bool inside, bool region_writable) {
  if (!inside) return TrapKind::OutOfBounds;
  if (write_to_read_only(a, region_writable)) return TrapKind::WriteToReadOnly;
  return std::nullopt;
}

// ---- probe loads -----------------------------------------------------------------------------
// Linux runs a load through a BTF-typed kernel pointer (a tracing program's argument, which may
// be null or stale) as BPF_PROBE_MEM: where the read faults, the kernel's exception table
// makes it give 0 and the program goes on. Only the loads a verifier marked are probe loads
// (VerificationResult::probe_loads, handed to a run as RunOptions::probe_loads); every other
// access keeps its trap.
template <Word W>
W probe_load_result(const BoolOf<W>& readable, const W& loaded) {
  return ite(readable, loaded, lit(loaded, 0));
}

// ---- legacy packet loads (LD ABS / IND) ---------------------------------------------------

// The packet offset a legacy load reads: imm (ABS), or src's low 32 bits plus imm (IND), as a
// signed 32-bit number.
template <Word W>
W packet_load_offset(Operand operand, const W& src, int32_t imm) {
  if (operand != Operand::Reg) return lit(src, imm_operand(imm));
  const unsigned half = op_bits(Width::W32, src);
  return sext(zext(src, half) + lit(src, static_cast<uint32_t>(imm)), half);
}

// Whether the load's `size` bytes lie inside a packet of `len` bytes. Outside, the program
// ends with r0 = 0 (Linux semantics); it does not trap.
template <Word W>
BoolOf<W> packet_load_in_bounds(const W& offset, unsigned size, const W& len) {
  return !slt(offset, lit(offset, 0)) && ule(offset + lit(offset, size), len);
}

// ---- calls and the registers they leave undefined -----------------------------------------
// The registers whose values may differ after the instruction, whoever changes them: what it
// writes (register_use), and for a call r0 (the result) and r1-r5, which the BPF calling
// convention leaves to the callee ("R0 - R5 are scratch registers", the BPF ABI guidelines
// beside RFC 9669 in Linux's Documentation/bpf/standardization/abi.rst).
// A legacy packet load counts as a call: Linux implements it as one and its verifier treats
// r1-r5 as clobbered after it. For analyses that must not assume a value survives.
uint16_t registers_clobbered(const Encoding& row, const Insn& insn);

// ---- values that are not addresses, and callx ---------------------------------------------
// Map handles (LDDW src 1 / 5) and code addresses (LDDW src 4) sit in the non-canonical x86-64
// range, so dereferencing one is always out of bounds, never a host access.

inline constexpr uint64_t kMapHandleBase = 0xffff800000000000ull;
inline constexpr uint64_t kCodeAddressBase = 0xffffc0de00000000ull;
inline constexpr uint64_t kHandleMask = 0xffffffff00000000ull;

constexpr uint64_t map_handle(size_t index) { return kMapHandleBase + index; }
constexpr std::optional<uint64_t> map_index_of(uint64_t value) {
  if ((value & kHandleMask) != kMapHandleBase) return std::nullopt;
  return value - kMapHandleBase;
}
constexpr uint64_t code_address(size_t pc) { return kCodeAddressBase + pc; }

// What callx does with its register's value (PREVAIL's and bpf_conformance's reading): a code
// address calls the function at that pc; any other value names a helper by id.
struct CallxTarget {
  enum class Kind : uint8_t {
    Local,   // a local call to `pc` (it may still trap call-depth-exceeded)
    Helper,  // the helper `helper` (unknown-helper when the environment lacks it)
    Trap,    // neither: `trap`, with callx_trap_message()
  } kind = Kind::Trap;
  size_t pc = 0;
  int32_t helper = 0;
  TrapKind trap = TrapKind::BadCallTarget;
};
CallxTarget resolve_callx(const Program& program, uint64_t value);

// ---- what helpers take and return (Linux's values), for the VM's helpers and their models ---

// bpf_map_update_elem's flags (uapi BPF_ANY / BPF_NOEXIST / BPF_EXIST).
inline constexpr uint64_t kUpdateAny = 0, kUpdateNoExist = 1, kUpdateExist = 2;
// Negative errno values helpers return.
inline constexpr int64_t kENOENT = -2, kE2BIG = -7, kEFAULT = -14, kEEXIST = -17, kEINVAL = -22;

// ---- trap messages, the same from every engine --------------------------------------------

// "write of 4 bytes at 0x...: <where>", `where` saying which region the address is near.
std::string access_trap_message(Access a, uint64_t len, uint64_t addr, std::string_view where);
std::string call_depth_trap_message();
std::string unknown_callee_trap_message(bool kfunc, uint32_t id);
// For a callx whose register `reg` holds `value` and resolves to a trap, or to a helper the
// environment lacks.
std::string callx_trap_message(unsigned reg, uint64_t value, const CallxTarget& target);
std::string step_budget_trap_message(uint64_t max_steps);

}  // namespace bpfcert::semantics
