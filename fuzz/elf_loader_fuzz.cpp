// libFuzzer target: arbitrary bytes to the ELF object loader. Every input must give an object
// or an error value, never a crash, a sanitizer report or a hang; loaded programs are then
// validated and their line info and functions queried at every pc. The same entry point is
// replayed over fuzz/corpus/fuzz_elf_loader by tests/linux (linux_elf_fuzz_replay).
#include <cstddef>
#include <cstdint>
#include <span>

#include "semantics/program.h"
#include "loader/object.h"

int bpfcert_fuzz_elf_loader(const uint8_t* data, size_t size) {
  auto obj = bpfcert::loader::load_object(std::span<const uint8_t>(data, size), "fuzz.o");
  if (!obj.ok()) return 0;
  size_t sink = 0;
  for (const auto& p : obj->programs) {
    auto valid = bpfcert::semantics::validate(p.insns);
    sink += valid.ok() ? 1 : 0;
    for (size_t pc = 0; pc < p.insns.size(); ++pc) {
      if (const auto* line = p.line_at(pc); line != nullptr) sink += line->text.size();
      if (const auto* f = p.function_at(pc); f != nullptr) sink += f->name.size();
    }
  }
  for (const auto& m : obj->maps) sink += m.initial_value.size();
  return sink == SIZE_MAX ? 1 : 0;
}

#ifndef BPFCERT_FUZZ_REPLAY
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bpfcert_fuzz_elf_loader(data, size);
  return 0;
}
#endif
