// The verifier on arbitrary valid programs (random rows of the opcode table with random
// fields): it must return a well-formed result, never crash, hang or throw. The libFuzzer
// target fuzz/verifier_fuzz.cpp explores the same space when built with clang.
#include <gtest/gtest.h>

#include <random>

#include "semantics/opcode_table.h"
#include "semantics/program.h"
#include "verifier/analyzer.h"
#include "verifier/conformance_platform.h"

namespace bpfcert::verifier {
namespace {

// Fields as the row's rules allow them, with values that make memory accesses and jumps land
// near something interesting.
semantics::Insn random_insn(std::mt19937_64& rng, const semantics::Encoding& row) {
  using semantics::FieldRule;
  semantics::Insn i;
  i.opcode = row.opcode;
  const bool memory = row.kind == semantics::Kind::Load || row.kind == semantics::Kind::Store ||
                      row.kind == semantics::Kind::Atomic;
  if (row.dst != FieldRule::Zero) i.dst = static_cast<uint8_t>(memory && rng() % 2 ? 10 : rng() % 10);
  if (row.src != FieldRule::Zero) i.src = static_cast<uint8_t>(memory && rng() % 3 == 0 ? 1 : rng() % 11);
  if (row.off != FieldRule::Zero) {
    i.off = static_cast<int16_t>(memory ? static_cast<int>(rng() % 64) - 32 : static_cast<int>(rng() % 11) - 5);
  }
  if (row.imm != FieldRule::Zero) {
    i.imm = rng() % 2 ? static_cast<int32_t>(rng() % 16) - 8 : static_cast<int32_t>(rng());
    if (row.kind == semantics::Kind::Call || row.kind == semantics::Kind::LoadImm64) {
      i.imm = static_cast<int32_t>(rng() % 8) - 2;
    }
  }
  if (row.key_field == semantics::Field::Src) i.src = static_cast<uint8_t>(row.key_value);
  if (row.key_field == semantics::Field::Off) i.off = static_cast<int16_t>(row.key_value);
  if (row.key_field == semantics::Field::Imm) i.imm = row.key_value;
  return i;
}

TEST(Robustness, RandomValidProgramsGiveWellFormedResults) {
  std::mt19937_64 rng(2026);
  const auto rows = semantics::encodings();
  int verified = 0;
  for (int attempt = 0; attempt < 20000 && verified < 3000; ++attempt) {
    std::vector<semantics::Insn> insns;
    const int n = 2 + static_cast<int>(rng() % 24);
    for (int k = 0; k < n; ++k) {
      const semantics::Encoding& row = rows[rng() % rows.size()];
      if (row.kind == semantics::Kind::WideSlot) continue;
      insns.push_back(random_insn(rng, row));
      if (row.kind == semantics::Kind::LoadImm64) {
        const bool takes_next = row.next_imm != semantics::FieldRule::Zero;
        insns.push_back(semantics::Insn{0, 0, 0, 0, takes_next ? static_cast<int32_t>(rng() % 16) : 0});
      }
    }
    insns.push_back(semantics::Insn{0xb7, 0, 0, 0, 0});  // mov r0, 0
    insns.push_back(semantics::Insn{0x95, 0, 0, 0, 0});  // exit
    semantics::ValidationOptions vo;
    vo.allow_extensions = true;
    auto prog = semantics::validate(std::move(insns), vo);
    if (!prog.ok()) continue;
    VerifierInput in;
    in.program = &prog.value();
    in.platform = &conformance_platform();
    in.program_type = "conformance";
    in.memory_size = rng() % 64;
    in.maps.push_back({"m", static_cast<uint32_t>(rng() % 2 ? 1 : 2), 4, 8, 4, 1});
    in.variables.push_back({1, "v", 16});
    in.options.collect_invariants = rng() % 2 == 0;
    in.options.max_transfers = 500'000;
    auto r = verify(in);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ++verified;
    bool has_error = false;
    for (const Finding& f : r->findings) {
      ASSERT_LT(f.pc, static_cast<int64_t>(prog->size()));
      ASSERT_EQ(f.severity, check_info(f.check).severity) << f.check;
      ASSERT_FALSE(f.message.empty());
      has_error = has_error || f.severity == Severity::Error;
    }
    ASSERT_EQ(r->accepted, !has_error);
    for (const Invariant& inv : r->invariants) ASSERT_LT(inv.pc, prog->size());
  }
  EXPECT_GT(verified, 1000);
}

}  // namespace
}  // namespace bpfcert::verifier
