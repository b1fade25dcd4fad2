// Fuzz target: the assembler in both syntaxes. Any text must give a program or an error with a
// location, never a crash; an assembled program must survive disassemble -> assemble unchanged
// in both syntaxes, with and without labels.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "semantics/assembly.h"
#include "semantics/program.h"

using namespace bpfcert::semantics;

namespace {

void check_error(const Error& e) {
  // Assembler errors point at a line (1-based) and never at a pc.
  if (e.message.empty() || e.where.line < 1 || e.where.column < 0 || e.where.pc != -1) __builtin_trap();
}

void check_round_trip(const std::vector<Insn>& insns) {
  const auto bytes = encode_all(insns);
  for (Syntax out : {Syntax::Conformance, Syntax::Llvm}) {
    for (bool labels : {true, false}) {
      DisassembleOptions o;
      o.syntax = out;
      o.labels = labels;
      auto again = assemble(disassemble(insns, o), out);
      if (!again.ok() || encode_all(*again) != bytes) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (Syntax s : {Syntax::Conformance, Syntax::Llvm}) {
    auto r = assemble(text, s);
    if (!r.ok()) {
      check_error(r.error());
      continue;
    }
    check_round_trip(*r);
    auto v = validate(*r);
    if (!v.ok() && (v.error().message.empty() || v.error().where.pc < 0)) __builtin_trap();
  }
  auto any = assemble_any(text);
  if (!any.ok()) check_error(any.error());
  return 0;
}
