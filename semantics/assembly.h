// Assembler and disassembler for both syntaxes, derived from the opcode table's templates:
// the bpf_conformance / uBPF syntax ("mov %r0, 1") and the LLVM syntax ("r0 = 1").
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "semantics/diagnostic.h"
#include "semantics/program.h"

namespace bpfcert::semantics {

enum class Syntax { Conformance, Llvm };

std::string_view to_string(Syntax s);
std::optional<Syntax> syntax_from_string(std::string_view s);

struct AssembleOptions {
  std::string file;     // for error locations
  int first_line = 1;   // line number of the text's first line (text embedded in a larger file)
  // Registers r11-r15 are encoded as written instead of refused, as bpf_conformance's
  // assembler does so that a negative test can hold one; validation rejects the program later.
  // The .data reader sets it; a user's assembler source keeps the stricter default.
  bool encode_invalid_registers = false;
};

// A program as the assembler read it: every error of the text (in line order, at most 20),
// and, when there is none, the instructions with the source line of each slot (an LDDW's two
// slots share their line), which findings and traps are reported at.
struct Assembly {
  std::vector<Insn> insns;
  std::vector<int> lines;
  std::vector<Error> errors;
};
Assembly assemble_program(std::string_view text, Syntax syntax, const AssembleOptions& options = {});
// Tries both syntaxes, as assemble_any.
Assembly assemble_program_any(std::string_view text, const AssembleOptions& options = {});

// Assembles one program. Both syntaxes accept labels ("name:"), comments ("#", ";", "//"),
// and ".raw 0x<16 hex digits>" for one slot given as a little-endian 64-bit word (the
// bpf_conformance `raw` format), which is how invalid encodings are written down.
// The conformance syntax also follows bpf_conformance's assembler where it is implicit: the
// first `exit` instruction defines the label `exit` (replacing an `exit:` label written before
// it; one written after it is defined twice), and an immediate may be written as the 64-bit
// value it stands for when that value is the sign extension of its low 32 bits
// ("jne %r0, 0xffffffffffffffff, +1" is "jne %r0, -1, +1").
Result<std::vector<Insn>> assemble(std::string_view text, Syntax syntax, const AssembleOptions& options = {});

// Tries both syntaxes; when both fail, reports the first error of the one that got further.
Result<std::vector<Insn>> assemble_any(std::string_view text, const AssembleOptions& options = {});

struct DisassembleOptions {
  Syntax syntax = Syntax::Conformance;
  bool labels = true;      // name jump and call targets "L<pc>" instead of relative offsets
  bool show_pc = false;    // prefix each line with its pc
};

// Whole programs: LDDW takes its second slot along; slots that decode to no encoding become
// ".raw" lines, so the output always reassembles to the same bytes.
std::string disassemble(std::span<const Insn> insns, const DisassembleOptions& options = {});

// One instruction (and, for LDDW, its second slot), targets as relative offsets.
std::string disassemble_one(const Insn& insn, const Insn* second_slot, Syntax syntax);

}  // namespace bpfcert::semantics
