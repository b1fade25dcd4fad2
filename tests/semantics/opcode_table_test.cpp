// Invariants of the opcode table against OPCODES.md.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "semantics/opcode_table.h"

namespace bpfcert::semantics {
namespace {

TEST(OpcodeTable, HasEveryRfcRowPlusCallx) {
  size_t rfc = 0, extensions = 0;
  for (const Encoding& e : encodings()) (e.rfc ? rfc : extensions)++;
  EXPECT_EQ(rfc, 171u);  // OPCODES.md §2
  EXPECT_EQ(extensions, 1u);
  EXPECT_EQ(find_encoding_by_id("callx")->opcode, 0x8d);
}

TEST(OpcodeTable, IdsAreUniqueAndFindable) {
  std::set<std::string_view> ids;
  for (const Encoding& e : encodings()) {
    EXPECT_TRUE(ids.insert(e.id).second) << e.id;
    EXPECT_EQ(find_encoding_by_id(e.id), &e);
  }
}

TEST(OpcodeTable, GroupMembershipMatchesOpcodesMd) {
  // OPCODES.md §3 counts the LDDW second slot in base64.
  std::map<Group, int> count;
  for (const Encoding& e : encodings()) count[e.group]++;
  EXPECT_EQ(count[Group::Base32], 67);
  EXPECT_EQ(count[Group::Base64], 58);
  EXPECT_EQ(count[Group::Divmul32], 10);
  EXPECT_EQ(count[Group::Divmul64], 10);
  EXPECT_EQ(count[Group::Atomic32], 10);
  EXPECT_EQ(count[Group::Atomic64], 10);
  EXPECT_EQ(count[Group::Packet], 6);
  EXPECT_EQ(count[Group::Callx], 1);
}

TEST(OpcodeTable, DistinctOpcodeBytes) {
  std::set<uint8_t> opcodes;
  for (const Encoding& e : encodings()) {
    if (e.rfc) opcodes.insert(e.opcode);
  }
  EXPECT_EQ(opcodes.size(), 126u);  // OPCODES.md §2: 126 distinct opcode bytes
}

TEST(OpcodeTable, OpcodeBitsAgreeWithRowFields) {
  for (const Encoding& e : encodings()) {
    SCOPED_TRACE(std::string(e.id));
    const auto cls = e.insn_class();
    switch (e.kind) {
      case Kind::Alu:
        EXPECT_TRUE(cls == InsnClass::Alu || cls == InsnClass::Alu64);
        if (e.alu_op() != AluOp::ToLe && e.alu_op() != AluOp::ToBe && e.alu_op() != AluOp::Bswap) {
          EXPECT_EQ(e.width == Width::W64, cls == InsnClass::Alu64);
          EXPECT_EQ((e.opcode & 0x08) != 0, e.operand == Operand::Reg);
        }
        break;
      case Kind::Jump:
        EXPECT_TRUE(cls == InsnClass::Jmp || cls == InsnClass::Jmp32);
        EXPECT_EQ(e.width == Width::W64, cls == InsnClass::Jmp);
        if (e.jmp_op() != JmpOp::Ja) {
          EXPECT_EQ((e.opcode & 0x08) != 0, e.operand == Operand::Reg);
        }
        break;
      case Kind::Load: EXPECT_EQ(cls, InsnClass::Ldx); break;
      case Kind::Store: EXPECT_EQ(cls, e.operand == Operand::Reg ? InsnClass::Stx : InsnClass::St); break;
      case Kind::Atomic: EXPECT_EQ(cls, InsnClass::Stx); EXPECT_EQ(e.opcode & 0xe0, 0xc0); break;
      case Kind::PacketLoad: EXPECT_EQ(cls, InsnClass::Ld); break;
      case Kind::LoadImm64: EXPECT_EQ(e.opcode, 0x18); break;
      case Kind::Call:
      case Kind::Exit: EXPECT_EQ(cls, InsnClass::Jmp); break;
      case Kind::WideSlot: EXPECT_EQ(e.opcode, 0x00); break;
    }
    if (e.kind == Kind::Load || e.kind == Kind::Store || e.kind == Kind::Atomic || e.kind == Kind::PacketLoad) {
      const int size_bits = (e.opcode >> 3) & 3;
      const int expected = e.size == 4 ? 0 : e.size == 2 ? 1 : e.size == 1 ? 2 : 3;
      EXPECT_EQ(size_bits, expected);
    }
  }
}

TEST(OpcodeTable, DiscriminatorsSeparateRowsSharingAnOpcode) {
  for (int op = 0; op < 256; ++op) {
    const auto rows = encodings_for_opcode(static_cast<uint8_t>(op));
    if (rows.size() < 2) continue;
    std::set<int32_t> keys;
    for (const Encoding* e : rows) {
      EXPECT_EQ(e->key_field, rows.front()->key_field) << e->id;
      EXPECT_TRUE(keys.insert(e->key_value).second) << e->id;
    }
  }
}

}  // namespace
}  // namespace bpfcert::semantics
