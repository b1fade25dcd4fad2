#include "semantics/diagnostic.h"

namespace bpfcert::semantics {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::TruncatedBytecode: return "truncated-bytecode";
    case ErrorCode::EmptyProgram: return "empty-program";
    case ErrorCode::ProgramTooLarge: return "program-too-large";
    case ErrorCode::UnknownOpcode: return "unknown-opcode";
    case ErrorCode::UnknownVariant: return "unknown-variant";
    case ErrorCode::ReservedFieldNonzero: return "reserved-field-nonzero";
    case ErrorCode::BadRegister: return "bad-register";
    case ErrorCode::R10Write: return "r10-write";
    case ErrorCode::LddwMissingSecondSlot: return "lddw-missing-second-slot";
    case ErrorCode::LddwBadSecondSlot: return "lddw-bad-second-slot";
    case ErrorCode::JumpOutOfRange: return "jump-out-of-range";
    case ErrorCode::JumpIntoLddw: return "jump-into-lddw";
    case ErrorCode::FallThroughEnd: return "fall-through-end";
    case ErrorCode::ExtensionDisabled: return "extension-disabled";
    case ErrorCode::SyntaxError: return "syntax-error";
    case ErrorCode::UnknownMnemonic: return "unknown-mnemonic";
    case ErrorCode::NumberOutOfRange: return "number-out-of-range";
    case ErrorCode::UndefinedLabel: return "undefined-label";
    case ErrorCode::DuplicateLabel: return "duplicate-label";
    case ErrorCode::BadFile: return "bad-file";
    case ErrorCode::UnknownMap: return "unknown-map";
    case ErrorCode::UnknownVariable: return "unknown-variable";
    case ErrorCode::BadMapValueOffset: return "bad-map-value-offset";
    case ErrorCode::UsageError: return "usage-error";
    case ErrorCode::BadElf: return "bad-elf";
    case ErrorCode::BadRelocation: return "bad-relocation";
    case ErrorCode::BadMapDefinition: return "bad-map-definition";
    case ErrorCode::BadBtf: return "bad-btf";
    case ErrorCode::NoSuchProgram: return "no-such-program";
  }
  return "unknown-error";
}

std::string Location::to_string() const {
  std::string s;
  if (!file.empty()) s += file;
  if (line > 0) {
    if (!s.empty()) s += ':';
    s += std::to_string(line);
    if (column > 0) s += ':' + std::to_string(column);
  }
  if (pc >= 0) {
    if (!s.empty()) s += ": ";
    s += "pc " + std::to_string(pc);
  }
  return s;
}

std::string Error::to_string() const {
  std::string loc = where.to_string();
  std::string s = loc.empty() ? "" : loc + ": ";
  s += "error[";
  s += semantics::to_string(code);
  s += "]: ";
  s += message;
  return s;
}

}  // namespace bpfcert::semantics
