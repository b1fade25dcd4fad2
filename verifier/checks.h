// The verifier's checks: one enum, and beside it the catalogue of their stable names, one-line
// descriptions, severities and how to fix a finding. A finding names one of these; names are
// never renamed or reused, so reports, the corpus' expectations and CI filters can rely on them.
// The README's table of checks is tested against this catalogue (tests/verifier/checks_doc_test.cpp).
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>

namespace bpfcert::verifier {

enum class Severity : uint8_t { Error, Warning };
const char* to_string(Severity s);

// In the order the documentation lists them (the catalogue's order).
enum class CheckId : uint8_t {
  RegUninit,
  StackUninit,
  MemType,
  MemNull,
  MemBounds,
  MemReadonly,
  CtxAccess,
  PtrArith,
  PtrCompare,
  PtrPartial,
  PtrLeak,
  HelperUnknown,
  HelperArg,
  RefLeak,
  RefReleased,
  CallDepth,
  CallRecursion,
  CallIndirect,
  FrameSize,
  ExitR0,
  ExitStackPointer,
  LoopUnbounded,
  LoopIrreducible,
  CfgJump,
  MapUnknown,
  MapDirectValue,
  InsnForbidden,
  AnalysisBudget,
  ProgramType,
  CfgUnreachable,
};
inline constexpr size_t kCheckCount = static_cast<size_t>(CheckId::CfgUnreachable) + 1;

struct CheckInfo {
  CheckId id;
  const char* name;  // the stable id: "mem.bounds", "loop.unbounded", ...
  Severity severity;
  const char* description;
  const char* help;  // how to fix a finding
};

// Indexed by CheckId.
const std::array<CheckInfo, kCheckCount>& check_catalog();
const CheckInfo& check_info(CheckId id);
const char* to_string(CheckId id);
// The check of a stable name, or null.
const CheckInfo* find_check(std::string_view name);

inline std::ostream& operator<<(std::ostream& os, CheckId id) { return os << to_string(id); }

}  // namespace bpfcert::verifier

template <>
struct fmt::formatter<bpfcert::verifier::CheckId> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(bpfcert::verifier::CheckId id, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(bpfcert::verifier::to_string(id), ctx);
  }
};
