// Invariants of the opcode table against OPCODES.md.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "semantics/opcode_table.h"

namespace bpfcert::semantics {
namespace {

TEST(OpcodeTable, HasEveryRfcRowPlusTheExtensions) {
  size_t rfc = 0, extensions = 0;
  for (const Encoding& e : encodings()) {
    (e.rfc ? rfc : extensions)++;
    EXPECT_EQ(e.rfc, is_rfc_group(e.group)) << e.id;  // an extension row is claimed by its group alone
  }
  EXPECT_EQ(rfc, 171u);  // OPCODES.md §2
  EXPECT_EQ(extensions, 12u);  // callx, may_goto, 4 load-acquire, 4 store-release, 2 addr_space_cast
  EXPECT_EQ(find_encoding_by_id("callx")->opcode, 0x8d);
}

// The encodings as Linux defines them (include/uapi/linux/bpf.h: BPF_JCOND, BPF_MAY_GOTO,
// BPF_LOAD_ACQ, BPF_STORE_REL, BPF_ADDR_SPACE_CAST) and as LLVM's BPF backend writes them.
TEST(OpcodeTable, LinuxExtensionsDecodeAsLinuxDefinesThem) {
  EXPECT_EQ(find_encoding(0xe5, 0, 3, 0)->id, "may_goto");
  EXPECT_EQ(find_encoding(0xe5, 1, 3, 0), find_encoding_by_id("may_goto"));  // src is checked by validation
  const std::pair<uint8_t, std::string_view> sizes[] = {{0xd3, "b"}, {0xcb, "h"}, {0xc3, "w"}, {0xdb, "dw"}};
  for (const auto& [opcode, sfx] : sizes) {
    EXPECT_EQ(find_encoding(opcode, 1, -8, 0x100)->id, "load_acquire_" + std::string(sfx));
    EXPECT_EQ(find_encoding(opcode, 1, -8, 0x110)->id, "store_release_" + std::string(sfx));
  }
  // 8- and 16-bit atomics exist only as load-acquire and store-release.
  EXPECT_EQ(find_encoding(0xd3, 1, 0, 0x00), nullptr);
  EXPECT_EQ(find_encoding(0xcb, 1, 0, 0x01), nullptr);
  EXPECT_EQ(find_encoding(0xbf, 2, 1, 1)->id, "addr_space_cast_kern");
  EXPECT_EQ(find_encoding(0xbf, 2, 1, 0x10000)->id, "addr_space_cast_user");
  EXPECT_EQ(find_encoding(0xbf, 2, 1, 0), nullptr);  // only spaces 0 and 1
  EXPECT_EQ(find_encoding(0xbf, 2, 1, 0x10001), nullptr);
  EXPECT_EQ(find_encoding(0xbf, 2, 0, 0)->id, "mov_reg");
  EXPECT_EQ(group_from_string("may_goto"), Group::MayGoto);
  EXPECT_EQ(group_from_string("acquire_release"), Group::AcquireRelease);
  EXPECT_EQ(group_from_string("addr_space_cast"), Group::AddrSpaceCast);
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
  EXPECT_EQ(count[Group::MayGoto], 1);
  EXPECT_EQ(count[Group::AcquireRelease], 8);
  EXPECT_EQ(count[Group::AddrSpaceCast], 2);
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
        // addr_space_cast is ALU64 MOV whose meaning is mov32's (opcode_table.cpp says why).
        if (e.alu_op() != AluOp::ToLe && e.alu_op() != AluOp::ToBe && e.alu_op() != AluOp::Bswap &&
            e.group != Group::AddrSpaceCast) {
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
      case Kind::Load:
      case Kind::Store:
        if (e.order != MemoryOrder::Plain) {  // load-acquire and store-release: STX | ATOMIC
          EXPECT_EQ(cls, InsnClass::Stx);
          EXPECT_EQ(e.opcode & 0xe0, 0xc0);
          EXPECT_EQ(e.order == MemoryOrder::Acquire, e.kind == Kind::Load);
        } else if (e.kind == Kind::Load) {
          EXPECT_EQ(cls, InsnClass::Ldx);
        } else {
          EXPECT_EQ(cls, e.operand == Operand::Reg ? InsnClass::Stx : InsnClass::St);
        }
        break;
      case Kind::MayGoto: EXPECT_EQ(e.opcode, 0xe5); break;
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
    std::set<std::pair<int32_t, int32_t>> keys;
    for (const Encoding* e : rows) {
      EXPECT_EQ(e->key_field, rows.front()->key_field) << e->id;
      EXPECT_TRUE(keys.insert({e->key_value, e->key2_field == Field::None ? 0 : e->key2_value}).second) << e->id;
    }
  }
}

}  // namespace
}  // namespace bpfcert::semantics
