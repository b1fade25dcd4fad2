// A seeded generator of random, valid BPF programs with the memory and environment they run
// in, for differential testing (interpreter vs JIT) and for soundness campaigns (verifier).
//
// "Valid" means: the program passes semantics::validate() (with extensions, for callx), every
// loop is bounded by construction (a counter no other instruction writes), local calls only go
// forward (no recursion), registers are written before they are read, pointers never flow into
// scalars, memory or r0 (so results do not depend on where buffers live), and every memory
// access is inside the input memory, the read-only context, the stack frame, a map value or a
// variable. Programs that trap on purpose (out of bounds, read-only write, unknown helper or
// kfunc, bad callx, recursion too deep, step budget, helper fault) are generated when
// GeneratorOptions::traps is set; GeneratedProgram::intended_trap says which, if any.
//
// Rows are drawn from semantics::encodings(), never from a second opcode list: every row the
// options allow is equally likely, so a campaign of a few hundred programs covers the table.
//
// Use (link bpfcert_test_support):
//   GeneratorOptions o;
//   o.seed = 42;
//   o.traps = false;                                     // only programs that run to exit
//   o.allow = [](const semantics::Encoding& e) { return e.group != semantics::Group::Packet; };
//   GeneratedProgram p = generate(o);
//   interp::Environment env;
//   p.setup(env);                                        // helpers, maps, variable
//   std::vector<uint8_t> mem = p.memory, ctx = p.context;
//   interp::Invocation inv = p.invocation(mem, ctx);     // r1..r4 and the regions
// Programs generated with traps = false never trap on the interpreter (tests/jit checks it).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "interp/environment.h"
#include "interp/interpreter.h"
#include "interp/trap.h"
#include "semantics/opcode_table.h"
#include "semantics/program.h"

namespace bpfcert::test_support {

struct GeneratorOptions {
  uint64_t seed = 1;
  // Rows the generator may emit (nullptr: all rows, callx included). Rows a program needs
  // for its scaffolding (mov, add, exit, jumps for loops, call) are used regardless.
  std::function<bool(const semantics::Encoding&)> allow;
  size_t snippets = 24;      // random snippets in the main program
  int subprograms = 2;       // local functions (0 disables local calls and code addresses)
  bool helpers = true;       // helper and kfunc calls (standard + test helpers)
  bool maps = true;          // an array and a hash map, map helpers, LDDW src 1/2/5/6
  bool packet = true;        // legacy packet loads
  bool loops = true;         // bounded loops (backward jumps)
  bool traps = true;         // sometimes end the program with a deliberate trap
  size_t memory_size = 64;   // input memory (r1), multiple of 8
  size_t context_size = 32;  // read-only context (r3)
};

struct MapSpec {
  int32_t fd;
  interp::MapDef def;
};

struct VariableSpec {
  int32_t id;
  std::string name;
  size_t size;
};

struct GeneratedProgram {
  uint64_t seed = 0;
  std::vector<semantics::Insn> insns;
  std::vector<uint8_t> memory;   // initial input memory (r1 = its address, r2 = its size)
  std::vector<uint8_t> context;  // initial read-only context (r3 = its address, r4 = its size)
  std::vector<MapSpec> maps;
  std::vector<VariableSpec> variables;
  uint64_t max_steps = interp::kDefaultMaxSteps;
  std::optional<interp::TrapKind> intended_trap;  // a trap the generator planted (may be skipped)
  std::vector<size_t> rows_used;                  // encoding indexes emitted

  // Adds the standard and test helpers, the maps and the variables to env.
  semantics::Result<bool> setup(interp::Environment& env) const;
  // The invocation for a run over these buffers (copies of memory and context, owned by the
  // caller): r1 = memory, r2 = its size, r3 = context, r4 = its size; packet = memory.
  interp::Invocation invocation(std::span<uint8_t> memory_copy, std::span<uint8_t> context_copy) const;
  std::string listing() const;  // disassembly with pcs, for failure messages
};

GeneratedProgram generate(const GeneratorOptions& options);

// A program from elsewhere (a fuzzer, a file) in the generator's environment: the same maps,
// variable, helpers and a read-only context; `memory` is the input memory.
GeneratedProgram make_scenario(std::vector<semantics::Insn> insns, std::vector<uint8_t> memory,
                               uint64_t max_steps);

}  // namespace bpfcert::test_support
