// Validation: one test per error code it can produce, each checking the code and the pc.
#include <gtest/gtest.h>

#include <vector>

#include "semantics/program.h"

namespace bpfcert::semantics {
namespace {

// Opcode bytes, spelled out so the tests do not lean on the table they check.
constexpr uint8_t kMov64K = 0xb7, kMov64X = 0xbf, kAdd32K = 0x04, kAdd64X = 0x0f, kExit = 0x95, kJa = 0x05,
                  kJa32 = 0x06, kJeqK = 0x15, kJeq32K = 0x16, kCall = 0x85, kCallx = 0x8d, kLddw = 0x18,
                  kLdxw = 0x61, kStxw = 0x63, kStw = 0x62, kAtomicW = 0xc3, kAtomicDW = 0xdb, kSdiv64K = 0x37,
                  kMovsx32 = 0xbc, kLe = 0xd4, kLdAbsW = 0x20, kNeg64 = 0x87;

const Insn kExitInsn{kExit, 0, 0, 0, 0};

struct Expect {
  ErrorCode code;
  int64_t pc;
};

void expect_error(std::vector<Insn> prog, Expect want, const ValidationOptions& o = {}) {
  auto r = validate(std::move(prog), o);
  ASSERT_FALSE(r.ok()) << "accepted";
  EXPECT_EQ(r.error().code, want.code) << r.error().to_string();
  EXPECT_EQ(r.error().where.pc, want.pc) << r.error().to_string();
  EXPECT_FALSE(r.error().message.empty());
}

void expect_ok(std::vector<Insn> prog, const ValidationOptions& o = {}) {
  auto r = validate(std::move(prog), o);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
}

TEST(Validate, AcceptsAMinimalProgramAndRecordsRows) {
  auto r = validate({{kMov64K, 0, 0, 0, 1}, {kLddw, 1, 0, 0, 2}, {0, 0, 0, 0, 3}, kExitInsn});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->row(0).id, "mov_imm");
  EXPECT_EQ(r->row(1).id, "lddw");
  EXPECT_EQ(r->row(2).kind, Kind::WideSlot);
  EXPECT_EQ(r->row(3).id, "exit");
  EXPECT_EQ(r->lddw_imm64(1), 0x0000000300000002u);
}

TEST(Validate, EmptyProgram) { expect_error({}, {ErrorCode::EmptyProgram, 0}); }

TEST(Validate, ProgramTooLarge) {
  ValidationOptions o;
  o.max_instructions = 3;
  std::vector<Insn> four(3, Insn{kMov64K, 0, 0, 0, 0});
  four.push_back(kExitInsn);
  expect_error(four, {ErrorCode::ProgramTooLarge, 3}, o);
  four.erase(four.begin());
  expect_ok(four, o);  // exactly at the limit
}

TEST(Validate, DefaultSizeLimitIsOneMillion) {
  std::vector<Insn> prog(kDefaultMaxInstructions, Insn{kMov64K, 0, 0, 0, 0});
  prog.back() = kExitInsn;
  expect_ok(prog);
  prog.back() = Insn{kMov64K, 0, 0, 0, 0};
  prog.push_back(kExitInsn);
  expect_error(prog, {ErrorCode::ProgramTooLarge, static_cast<int64_t>(kDefaultMaxInstructions)});
}

TEST(Validate, UnknownOpcode) {
  expect_error({{kMov64K, 0, 0, 0, 0}, {0x8e, 0, 0, 0, 0}, kExitInsn}, {ErrorCode::UnknownOpcode, 1});
  expect_error({{0xff, 0, 0, 0, 0}, kExitInsn}, {ErrorCode::UnknownOpcode, 0});
  // LD ABS DW (0x38) exists in uBPF, not in RFC 9669 (OPCODES.md §5).
  expect_error({{0x38, 0, 0, 0, 0}, kExitInsn}, {ErrorCode::UnknownOpcode, 0});
  // JCOND with the X bit (0xed) is nothing, in Linux too.
  expect_error({{0xed, 0, 0, 0, 0}, kExitInsn}, {ErrorCode::UnknownOpcode, 0});
  // Opcode 0 is only the second slot of an LDDW.
  expect_error({{0x00, 0, 0, 0, 0}, kExitInsn}, {ErrorCode::UnknownOpcode, 0});
}

TEST(Validate, UnknownVariant) {
  // Atomic imm that names no operation (0x02, 0x101: load-acquire has no fetch form), and an
  // 8-bit atomic add (8- and 16-bit atomics are only load-acquire and store-release).
  expect_error({{kAtomicW, 1, 2, 0, 0x02}, kExitInsn}, {ErrorCode::UnknownVariant, 0});
  expect_error({kExitInsn, {kAtomicDW, 1, 2, 0, 0x101}, kExitInsn}, {ErrorCode::UnknownVariant, 1});
  expect_error({{0xd3, 1, 2, 0, 0x00}, kExitInsn}, {ErrorCode::UnknownVariant, 0});
  // SDIV is DIV with offset 1; offset 2 is nothing.
  expect_error({{kSdiv64K, 1, 0, 2, 3}, kExitInsn}, {ErrorCode::UnknownVariant, 0});
  // MOVSX 32 exists only in ALU64; ALU offset 32 is nothing. addr_space_cast (ALU64 MOV X
  // offset 1) converts between spaces 0 and 1 only (imm 1 or 0x10000).
  expect_error({{kMovsx32, 1, 2, 32, 0}, kExitInsn}, {ErrorCode::UnknownVariant, 0});
  expect_error({{kMov64X, 1, 2, 1, 0}, kExitInsn}, {ErrorCode::UnknownVariant, 0});
  expect_error({{kMov64X, 1, 2, 1, 0x10001}, kExitInsn}, {ErrorCode::UnknownVariant, 0});
  // END imm is 16, 32 or 64.
  expect_error({{kLe, 1, 0, 0, 8}, kExitInsn}, {ErrorCode::UnknownVariant, 0});
  // LDDW src 7 and CALL src 3.
  expect_error({{kLddw, 1, 7, 0, 0}, {0, 0, 0, 0, 0}, kExitInsn}, {ErrorCode::UnknownVariant, 0});
  expect_error({{kCall, 0, 3, 0, 1}, kExitInsn}, {ErrorCode::UnknownVariant, 0});
}

TEST(Validate, ReservedFieldNonzeroForEachField) {
  // dst of JA, src of a K-form, offset of plain ALU, imm of an X-form, each on its own pc.
  expect_error({{kJa, 1, 0, 0, 0}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0});
  expect_error({kExitInsn, {kAdd32K, 1, 2, 0, 5}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 1});
  expect_error({{kMov64K, 1, 0, 0, 0}, {kAdd32K, 1, 0, 4, 5}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 1});
  expect_error({{kAdd64X, 1, 2, 0, 1}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0});
  // EXIT has no fields at all; NEG has no source; a CALL has no dst or offset.
  expect_error({{kExit, 0, 0, 0, 1}}, {ErrorCode::ReservedFieldNonzero, 0});
  expect_error({{kExit, 0, 0, 1, 0}}, {ErrorCode::ReservedFieldNonzero, 0});
  expect_error({{kExit, 1, 0, 0, 0}}, {ErrorCode::ReservedFieldNonzero, 0});
  expect_error({{kNeg64, 1, 0, 0, 1}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0});
  expect_error({{kCall, 1, 0, 0, 1}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0});
  expect_error({{kCall, 0, 0, 1, 1}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0});
  // JA32 (gotol) keeps its target in imm: the offset is reserved.
  expect_error({{kJa32, 0, 0, 1, 0}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0});
  // LDX has no imm; ST has no src; an LDDW has no offset.
  expect_error({{kLdxw, 0, 10, -4, 1}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0});
  expect_error({{kStw, 10, 1, -4, 1}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0});
  expect_error({{kLddw, 1, 0, 3, 0}, {0, 0, 0, 0, 0}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0});
  // Legacy ABS: dst is reserved (the result goes to r0).
  expect_error({{kLdAbsW, 1, 0, 0, 0}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0});
  // callx keeps its register in dst; src and imm are reserved.
  ValidationOptions ext;
  ext.allow_extensions = true;
  expect_error({{kCallx, 1, 2, 0, 0}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0}, ext);
  expect_error({{kCallx, 1, 0, 0, 2}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0}, ext);
}

// Linux's extensions are accepted only when enabled, each by its own group.
TEST(Validate, ExtensionsAreAcceptedOnlyWhenTheirGroupIs) {
  const std::vector<Insn> may_goto{{0xe5, 0, 0, 0, 0}, kExitInsn};
  const std::vector<Insn> acquire{{0xdb, 0, 10, -8, 0x100}, kExitInsn};
  const std::vector<Insn> release{{0xd3, 10, 1, -1, 0x110}, kExitInsn};
  const std::vector<Insn> cast{{kMov64X, 0, 1, 1, 0x10000}, kExitInsn};
  for (const auto* prog : {&may_goto, &acquire, &release, &cast}) {
    expect_error(*prog, {ErrorCode::ExtensionDisabled, 0});
    ValidationOptions all;
    all.allow_extensions = true;
    expect_ok(*prog, all);
  }
  ValidationOptions only;
  only.extension_groups = {Group::MayGoto, Group::AddrSpaceCast};
  expect_ok(may_goto, only);
  expect_ok(cast, only);
  expect_error(acquire, {ErrorCode::ExtensionDisabled, 0}, only);
  expect_error({{kCallx, 1, 0, 0, 0}, kExitInsn}, {ErrorCode::ExtensionDisabled, 0}, only);
  only.extension_groups = {Group::AcquireRelease};
  expect_ok(acquire, only);
  expect_ok(release, only);
  // The fields Linux reserves: may_goto has only its offset (src 0 is BPF_MAY_GOTO); a
  // load-acquire writes its dst, never r10; a cast needs registers.
  ValidationOptions all;
  all.allow_extensions = true;
  expect_error({{0xe5, 0, 1, 0, 0}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0}, all);
  expect_error({{0xe5, 1, 0, 0, 0}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0}, all);
  expect_error({{0xe5, 0, 0, 0, 1}, kExitInsn}, {ErrorCode::ReservedFieldNonzero, 0}, all);
  expect_error({{0xc3, 10, 1, 0, 0x100}, kExitInsn}, {ErrorCode::R10Write, 0}, all);
  expect_error({{kMov64X, 10, 1, 1, 1}, kExitInsn}, {ErrorCode::R10Write, 0}, all);
  expect_error({{kMov64X, 1, 11, 1, 1}, kExitInsn}, {ErrorCode::BadRegister, 0}, all);
  // may_goto's target is checked like a jump's.
  expect_error({{0xe5, 0, 0, 1, 0}, kExitInsn}, {ErrorCode::JumpOutOfRange, 0}, all);
  expect_error({{0xe5, 0, 0, -2, 0}, kExitInsn}, {ErrorCode::JumpOutOfRange, 0}, all);
  // It falls through when the budget lasts, so it cannot end a program.
  expect_error({kExitInsn, {0xe5, 0, 0, -2, 0}}, {ErrorCode::FallThroughEnd, 1}, all);
}

TEST(Validate, BadRegister) {
  expect_error({{kMov64X, 11, 1, 0, 0}, kExitInsn}, {ErrorCode::BadRegister, 0});
  expect_error({kExitInsn, {kMov64X, 1, 15, 0, 0}, kExitInsn}, {ErrorCode::BadRegister, 1});
  expect_error({{kStxw, 12, 1, 0, 0}, kExitInsn}, {ErrorCode::BadRegister, 0});
  expect_error({{kJeqK, 11, 0, 0, 0}, kExitInsn}, {ErrorCode::BadRegister, 0});
  // r10 as a source and as a base is fine.
  expect_ok({{kMov64X, 1, 10, 0, 0}, {kStxw, 10, 1, -4, 0}, kExitInsn});
}

TEST(Validate, R10Write) {
  expect_error({{kMov64K, 10, 0, 0, 0}, kExitInsn}, {ErrorCode::R10Write, 0});
  expect_error({kExitInsn, {kAdd32K, 10, 0, 0, 1}, kExitInsn}, {ErrorCode::R10Write, 1});
  expect_error({{kLdxw, 10, 1, 0, 0}, kExitInsn}, {ErrorCode::R10Write, 0});
  expect_error({{kLddw, 10, 0, 0, 0}, {0, 0, 0, 0, 0}, kExitInsn}, {ErrorCode::R10Write, 0});
  // A fetching atomic writes the old value to src: src r10 is a write.
  expect_error({{kAtomicDW, 1, 10, 0, 0x01}, kExitInsn}, {ErrorCode::R10Write, 0});
  expect_error({{kAtomicW, 1, 10, 0, 0xe1}, kExitInsn}, {ErrorCode::R10Write, 0});
  // ... but a plain atomic only reads src, and CMPXCHG writes r0, not src.
  expect_ok({{kAtomicDW, 1, 10, 0, 0x00}, kExitInsn});
  expect_ok({{kAtomicDW, 1, 10, 0, 0xf1}, kExitInsn});
  // Stores through r10 write memory, not r10.
  expect_ok({{kStw, 10, 0, -4, 1}, kExitInsn});
}

TEST(Validate, LddwMissingSecondSlot) {
  expect_error({kExitInsn, {kLddw, 1, 0, 0, 0}}, {ErrorCode::LddwMissingSecondSlot, 1});
  expect_error({{kLddw, 1, 0, 0, 0}}, {ErrorCode::LddwMissingSecondSlot, 0});
}

TEST(Validate, LddwBadSecondSlot) {
  // The pc is the second slot's.
  expect_error({{kLddw, 1, 0, 0, 0}, {kMov64K, 0, 0, 0, 0}, kExitInsn}, {ErrorCode::LddwBadSecondSlot, 1});
  expect_error({{kLddw, 1, 0, 0, 0}, {0, 1, 0, 0, 0}, kExitInsn}, {ErrorCode::LddwBadSecondSlot, 1});
  expect_error({kExitInsn, {kLddw, 1, 0, 0, 0}, {0, 0, 2, 0, 0}, kExitInsn}, {ErrorCode::LddwBadSecondSlot, 2});
  expect_error({{kLddw, 1, 0, 0, 0}, {0, 0, 0, 1, 0}, kExitInsn}, {ErrorCode::LddwBadSecondSlot, 1});
  // src 1, 3, 4, 5 do not use next_imm; src 0, 2, 6 do.
  for (uint8_t src : {1, 3, 4, 5}) {
    expect_error({{kLddw, 1, src, 0, 0}, {0, 0, 0, 0, 9}, kExitInsn}, {ErrorCode::LddwBadSecondSlot, 1});
  }
  for (uint8_t src : {0, 2, 6}) expect_ok({{kLddw, 1, src, 0, 0}, {0, 0, 0, 0, 9}, kExitInsn});
}

TEST(Validate, JumpOutOfRange) {
  // Forward past the end (target == size) and backward below 0.
  expect_error({{kJa, 0, 0, 1, 0}, kExitInsn}, {ErrorCode::JumpOutOfRange, 0});
  expect_ok({{kJa, 0, 0, 0, 0}, kExitInsn});  // target 1: the last instruction
  expect_error({kExitInsn, {kJeqK, 1, 0, -3, 0}, kExitInsn}, {ErrorCode::JumpOutOfRange, 1});
  expect_ok({kExitInsn, {kJeqK, 1, 0, -2, 0}, kExitInsn});  // target 0
  // JMP32 variant, gotol (imm), local call (imm), LDDW code address (imm).
  expect_error({{kJeq32K, 1, 0, 5, 0}, kExitInsn}, {ErrorCode::JumpOutOfRange, 0});
  expect_error({kExitInsn, {kJa32, 0, 0, 0, INT32_MIN}, kExitInsn}, {ErrorCode::JumpOutOfRange, 1});
  expect_error({{kCall, 0, 1, 0, 2}, kExitInsn}, {ErrorCode::JumpOutOfRange, 0});
  expect_error({{kCall, 0, 1, 0, -2}, kExitInsn}, {ErrorCode::JumpOutOfRange, 0});
  expect_error({{kLddw, 1, 4, 0, 2}, {0, 0, 0, 0, 0}, kExitInsn}, {ErrorCode::JumpOutOfRange, 0});
  expect_ok({{kLddw, 1, 4, 0, 1}, {0, 0, 0, 0, 0}, kExitInsn});  // target 2: the exit
  expect_error({{kLddw, 1, 4, 0, -2}, {0, 0, 0, 0, 0}, kExitInsn}, {ErrorCode::JumpOutOfRange, 0});
}

TEST(Validate, JumpIntoLddwSecondSlot) {
  // 0: jeq +1 -> 2 (second slot of the LDDW at 1)
  expect_error({{kJeqK, 1, 0, 1, 0}, {kLddw, 1, 0, 0, 0}, {0, 0, 0, 0, 0}, kExitInsn},
               {ErrorCode::JumpIntoLddw, 0});
  // Backward, from after the LDDW.
  expect_error({{kLddw, 1, 0, 0, 0}, {0, 0, 0, 0, 0}, {kJa, 0, 0, -2, 0}, kExitInsn}, {ErrorCode::JumpIntoLddw, 2});
  // A local call and a code address into a second slot.
  expect_error({{kCall, 0, 1, 0, 1}, {kLddw, 1, 0, 0, 0}, {0, 0, 0, 0, 0}, kExitInsn}, {ErrorCode::JumpIntoLddw, 0});
  expect_error({{kLddw, 1, 4, 0, 0}, {0, 0, 0, 0, 0}, kExitInsn}, {ErrorCode::JumpIntoLddw, 0});
}

TEST(Validate, FallThroughEnd) {
  expect_error({{kMov64K, 0, 0, 0, 0}}, {ErrorCode::FallThroughEnd, 0});
  expect_error({kExitInsn, {kMov64K, 0, 0, 0, 0}}, {ErrorCode::FallThroughEnd, 1});
  // A conditional jump may fall through; a call returns to the next instruction.
  expect_error({{kMov64K, 0, 0, 0, 0}, {kJeqK, 0, 0, -2, 0}}, {ErrorCode::FallThroughEnd, 1});
  expect_error({kExitInsn, {kCall, 0, 0, 0, 1}}, {ErrorCode::FallThroughEnd, 1});
  expect_error({kExitInsn, {kCall, 0, 1, 0, -2}}, {ErrorCode::FallThroughEnd, 1});
  // An LDDW as the last instruction: the error names the LDDW, not its second slot.
  expect_error({kExitInsn, {kLddw, 0, 0, 0, 0}, {0, 0, 0, 0, 0}}, {ErrorCode::FallThroughEnd, 1});
  // JA and gotol end a path.
  expect_ok({{kMov64K, 0, 0, 0, 0}, kExitInsn, {kJa, 0, 0, -3, 0}});
  expect_ok({{kMov64K, 0, 0, 0, 0}, kExitInsn, {kJa32, 0, 0, 0, -3}});
}

TEST(Validate, ExtensionDisabledForCallx) {
  expect_error({{kMov64K, 1, 0, 0, 1}, {kCallx, 1, 0, 0, 0}, kExitInsn}, {ErrorCode::ExtensionDisabled, 1});
  ValidationOptions o;
  o.allow_extensions = true;
  expect_ok({{kMov64K, 1, 0, 0, 1}, {kCallx, 1, 0, 0, 0}, kExitInsn}, o);
  // Even with extensions, callx's register must exist.
  expect_error({{kCallx, 11, 0, 0, 0}, kExitInsn}, {ErrorCode::BadRegister, 0}, o);
}

TEST(Validate, FirstErrorWinsInProgramOrder) {
  // The slot check runs before the target checks: an earlier bad jump does not hide a later
  // bad register, which is found in the first pass.
  expect_error({{kJa, 0, 0, 50, 0}, {kMov64X, 11, 0, 0, 0}, kExitInsn}, {ErrorCode::BadRegister, 1});
}

TEST(Validate, ErrorCodesHaveStableNames) {
  EXPECT_EQ(to_string(ErrorCode::ReservedFieldNonzero), "reserved-field-nonzero");
  EXPECT_EQ(to_string(ErrorCode::JumpIntoLddw), "jump-into-lddw");
  const Error e{ErrorCode::BadRegister, {"", 0, 0, 4}, "dst register r11 does not exist"};
  EXPECT_EQ(e.to_string(), "pc 4: error[bad-register]: dst register r11 does not exist");
  const Error f{ErrorCode::SyntaxError, {"a.asm", 3, 7, -1}, "expected register"};
  EXPECT_EQ(f.to_string(), "a.asm:3:7: error[syntax-error]: expected register");
}

}  // namespace
}  // namespace bpfcert::semantics
