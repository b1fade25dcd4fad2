// Errors as values: a stable code, a location (file:line:column or pc) and a message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace bpfcert::semantics {

// Stable identifiers: they appear in reports and in the corpus' expected errors, so a code is
// never renamed or reused. to_string() gives the kebab-case spelling.
enum class ErrorCode : uint8_t {
  TruncatedBytecode,      // byte count not a multiple of 8
  EmptyProgram,
  ProgramTooLarge,
  UnknownOpcode,          // the opcode byte is no encoding of the table
  UnknownVariant,         // the opcode exists, but src/offset/imm selects no row (e.g. atomic imm 0x02)
  ReservedFieldNonzero,   // a field the encoding does not use is not zero
  BadRegister,            // register number above 10
  R10Write,               // the frame pointer is read-only
  LddwMissingSecondSlot,  // LDDW is the last instruction
  LddwBadSecondSlot,      // second slot has non-zero opcode, registers or offset
  JumpOutOfRange,
  JumpIntoLddw,           // jump or call target is the second slot of an LDDW
  FallThroughEnd,         // execution can run past the last instruction
  ExtensionDisabled,      // encoding outside RFC 9669 (an extension group) not enabled
  // assembler and file parsers
  SyntaxError,
  UnknownMnemonic,
  NumberOutOfRange,
  UndefinedLabel,
  DuplicateLabel,
  BadFile,                // unreadable file or malformed container (hex, .data sections)
  // linking a program against its environment (maps, variables, functions)
  UnknownMap,
  UnknownVariable,
  BadMapValueOffset,
  UsageError,
  // loading ELF objects (clang -target bpf output)
  BadElf,            // not an ELF file, or a malformed header, section or symbol table
  BadRelocation,     // a relocation the loader cannot apply (wrong instruction, unknown symbol)
  BadMapDefinition,  // a legacy `maps` entry or BTF-defined `.maps` entry that makes no sense
  BadBtf,            // .BTF or .BTF.ext that libbpf or the line-info reader rejects
  NoSuchProgram,     // --section / --program names nothing in the object
};

std::string_view to_string(ErrorCode code);

struct Location {
  std::string file;
  int line = 0;    // 1-based; 0 when not from text
  int column = 0;  // 1-based; 0 when unknown
  int64_t pc = -1; // instruction index; -1 when not about an instruction
  std::string to_string() const;
};

struct Error {
  ErrorCode code;
  Location where;
  std::string message;
  // "file:3:7: error[syntax-error]: expected register" or "pc 4: error[bad-register]: ..."
  std::string to_string() const;
};

// A value or an Error. Small on purpose: the codebase needs only these operations.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace bpfcert::semantics
