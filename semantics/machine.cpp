// The concrete parts of the machine model: names, callx resolution and trap messages.
#include "semantics/machine.h"

#include <fmt/format.h>

#include <cstdint>

namespace bpfcert::semantics {

const char* to_string(TrapKind k) {
  switch (k) {
    case TrapKind::OutOfBounds: return "out-of-bounds";
    case TrapKind::WriteToReadOnly: return "write-to-read-only";
    case TrapKind::UnknownHelper: return "unknown-helper";
    case TrapKind::UnknownKfunc: return "unknown-kfunc";
    case TrapKind::CallDepthExceeded: return "call-depth-exceeded";
    case TrapKind::StepBudgetExhausted: return "step-budget-exhausted";
    case TrapKind::BadCallTarget: return "bad-call-target";
    case TrapKind::HelperFault: return "helper-fault";
  }
  return "trap";
}

const char* to_string(Access a) {
  switch (a) {
    case Access::Read: return "read";
    case Access::Write: return "write";
    case Access::AtomicUpdate: return "atomic update";
  }
  return "access";
}

CallxTarget resolve_callx(const Program& program, uint64_t value) {
  CallxTarget t;
  if ((value & kHandleMask) == kCodeAddressBase) {
    t.pc = value - kCodeAddressBase;
    // Only a real instruction: not past the end, not the second slot of an LDDW.
    if (t.pc < program.size() && program.row(t.pc).kind != Kind::WideSlot) t.kind = CallxTarget::Kind::Local;
    return t;
  }
  if (value <= static_cast<uint64_t>(INT32_MAX)) {
    t.kind = CallxTarget::Kind::Helper;
    t.helper = static_cast<int32_t>(value);
    t.trap = TrapKind::UnknownHelper;
  }
  return t;
}

std::string access_trap_message(Access a, uint64_t len, uint64_t addr, std::string_view where) {
  return fmt::format("{} of {} bytes at {:#x}: {}", to_string(a), len, addr, where);
}

std::string call_depth_trap_message() { return fmt::format("call depth would exceed {} frames", kMaxCallFrames); }

std::string unknown_callee_trap_message(bool kfunc, uint32_t id) {
  return fmt::format("no {} with id {}", kfunc ? "kfunc" : "helper", id);
}

std::string callx_trap_message(unsigned reg, uint64_t value, const CallxTarget& target) {
  if ((value & kHandleMask) == kCodeAddressBase) {
    return fmt::format("callx r{} = {:#x}: code address of pc {} is not an instruction", reg, value, target.pc);
  }
  return fmt::format("callx r{} = {:#x} is neither a helper id nor a code address", reg, value);
}

std::string step_budget_trap_message(uint64_t max_steps) {
  return fmt::format("executed {} instructions, the budget", max_steps);
}

uint16_t registers_clobbered(const Encoding& row, const Insn& insn) {
  constexpr uint16_t kR0ToR5 = 0x3f;
  if (row.kind == Kind::Call || row.kind == Kind::PacketLoad) return kR0ToR5;
  return register_use(row, insn).written;
}

}  // namespace bpfcert::semantics
