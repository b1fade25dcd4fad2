// Externs and CO-RE relocations resolved against a target kernel the test writes itself (a
// BTF file built with libbpf's BTF writer, and kconfig values), so every expected value is
// known here: kconfig values decide a verdict, ksyms and kfuncs get the target's BTF ids, and
// each CO-RE relocation kind gets the target's layout.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <bpf/btf.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "loader/object.h"
#include "loader/target.h"
#include "verifier/object/verify_object.h"

namespace bpfcert::loader {
namespace {

std::string path_of(const std::string& name) { return std::string(BPFCERT_LOADER_OBJECTS_OUT) + "/" + name; }

struct TargetBtf {
  std::string path;
  int task = 0, counter_var = 0, kfunc = 0;
};

// The target kernel's types, laid out differently from the objects' local ones.
TargetBtf write_target_btf() {
  TargetBtf t;
  struct btf* b = btf__new_empty();
  const int int_id = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  const int uint_id = btf__add_int(b, "unsigned int", 4, 0);
  const int short_id = btf__add_int(b, "short", 2, BTF_INT_SIGNED);
  const int u64_id = btf__add_int(b, "long long unsigned int", 8, 0);
  const int char_id = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
  const int pad_id = btf__add_array(b, int_id, char_id, 8);
  // struct bpfcert_task { char pad[8]; unsigned flag:5; int pid; short prio; u64 wide; } (32 bytes)
  t.task = btf__add_struct(b, "bpfcert_task", 32);
  btf__add_field(b, "pad", pad_id, 0, 0);
  btf__add_field(b, "flag", uint_id, 64, 5);
  btf__add_field(b, "pid", int_id, 96, 0);
  btf__add_field(b, "prio", short_id, 128, 0);
  btf__add_field(b, "wide", u64_id, 192, 0);
  btf__add_enum(b, "bpfcert_state", 4);
  btf__add_enum_value(b, "BPFCERT_RUNNING", 10);
  btf__add_enum_value(b, "BPFCERT_SLEEPING", 20);
  const int counter = btf__add_struct(b, "bpfcert_counter", 4);
  btf__add_field(b, "value", int_id, 0, 0);
  t.counter_var = btf__add_var(b, "bpfcert_typed_ksym", BTF_VAR_GLOBAL_ALLOCATED, counter);
  const int proto = btf__add_func_proto(b, int_id);
  btf__add_func_param(b, "x", int_id);
  t.kfunc = btf__add_func(b, "bpfcert_kfunc", BTF_FUNC_GLOBAL, proto);
  uint32_t size = 0;
  const void* raw = btf__raw_data(b, &size);
  t.path = path_of("target.btf");
  std::ofstream(t.path, std::ios::binary).write(static_cast<const char*>(raw), size);
  btf__free(b);
  return t;
}

class LoaderTarget : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(path_of("externs.o"))) GTEST_SKIP() << "tests/linux/objects were not built";
    target_ = write_target_btf();
  }
  Object load(const std::string& name, Target* target) {
    LoadOptions options;
    options.target = target;
    auto obj = load_object_file(path_of(name), options);
    EXPECT_TRUE(obj.ok()) << (obj.ok() ? "" : obj.error().to_string());
    return obj.ok() ? std::move(obj.value()) : Object{};
  }
  TargetBtf target_;
};

const Extern& find_extern(const Object& o, const std::string& name) {
  for (const Extern& x : o.externs) {
    if (x.name == name) return x;
  }
  ADD_FAILURE() << "no extern " << name;
  static const Extern none;
  return none;
}

bool accepted(const Object& o, const std::string& program) {
  auto v = verifier::verify_object_program(o, *o.find_program(program));
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().to_string());
  return v.ok() && v->result.accepted;
}

TEST_F(LoaderTarget, KconfigValuesFromTheTargetDecideTheVerdict) {
  TargetOptions in_bounds{target_.path, false,
                          {{"CONFIG_BPFCERT_INDEX", "2"}, {"LINUX_KERNEL_VERSION", "6.1.0"},
                           {"CONFIG_BPFCERT_FLAG", "y"}, {"CONFIG_BPFCERT_NAME", "\"ab\""}, {"CONFIG_BPFCERT_TRI", "m"}}};
  Target good(in_bounds);
  const Object o = load("externs.o", &good);
  const Extern& index = find_extern(o, "CONFIG_BPFCERT_INDEX");
  EXPECT_TRUE(index.resolved);
  EXPECT_EQ(index.value, "2");
  EXPECT_EQ(index.source, "--kconfig");
  const MapDefinition& kconfig = o.maps.at(index.map);
  EXPECT_EQ(kconfig.name, ".kconfig");
  EXPECT_TRUE(kconfig.frozen);
  EXPECT_TRUE(kconfig.read_only);
  auto value_at = [&](const Extern& x) {
    uint64_t v = 0;
    std::memcpy(&v, kconfig.initial_value.data() + x.offset, x.size);
    return v;
  };
  EXPECT_EQ(value_at(index), 2u);
  EXPECT_EQ(value_at(find_extern(o, "LINUX_KERNEL_VERSION")), 0x060100u);
  EXPECT_EQ(value_at(find_extern(o, "CONFIG_BPFCERT_FLAG")), 1u);
  EXPECT_EQ(value_at(find_extern(o, "CONFIG_BPFCERT_TRI")), 2u);  // TRI_MODULE
  EXPECT_EQ(kconfig.initial_value.at(find_extern(o, "CONFIG_BPFCERT_NAME").offset), 'a');
  // libbpf's layout: by alignment, then size, then name.
  EXPECT_LT(find_extern(o, "CONFIG_BPFCERT_INDEX").offset, find_extern(o, "CONFIG_BPFCERT_NAME").offset);
  EXPECT_TRUE(accepted(o, "kconfig_index"));

  Target bad(TargetOptions{target_.path, false, {{"CONFIG_BPFCERT_INDEX", "6"}, {"LINUX_KERNEL_VERSION", "6.1.0"}}});
  const Object out_of_bounds = load("externs.o", &bad);
  EXPECT_FALSE(accepted(out_of_bounds, "kconfig_index"));

  // Another kernel named by its BTF and no value given: the externs are unknown, the program
  // verified for any value of their type, and the warning names them.
  Target unknown(TargetOptions{target_.path, false, {}});
  const Object u = load("externs.o", &unknown);
  const Extern& ui = find_extern(u, "CONFIG_BPFCERT_INDEX");
  EXPECT_FALSE(ui.resolved);
  EXPECT_EQ(u.maps.at(ui.map).name, ".kconfig.unknown");
  EXPECT_FALSE(u.maps.at(ui.map).frozen);
  bool said = false;
  for (const std::string& w : u.warnings) said = said || w.find("CONFIG_BPFCERT_INDEX") != std::string::npos;
  EXPECT_TRUE(said);
  EXPECT_FALSE(accepted(u, "kconfig_index"));
  // A bad value for the type is refused the way libbpf refuses it, and stays unknown.
  Target wrong(TargetOptions{target_.path, false, {{"CONFIG_BPFCERT_FLAG", "2"}}});
  EXPECT_FALSE(find_extern(load("externs.o", &wrong), "CONFIG_BPFCERT_FLAG").resolved);
}

TEST_F(LoaderTarget, KsymsAndKfuncsGetTheTargetsBtfIds) {
  Target target(TargetOptions{target_.path, false, {}});
  const Object o = load("externs.o", &target);
  const Extern& typed = find_extern(o, "bpfcert_typed_ksym");
  EXPECT_EQ(typed.kind, ExternKind::Ksym);
  EXPECT_TRUE(typed.typed);
  EXPECT_TRUE(typed.resolved);
  EXPECT_EQ(typed.kernel_btf_id, static_cast<uint32_t>(target_.counter_var));
  const Extern& kfunc = find_extern(o, "bpfcert_kfunc");
  EXPECT_EQ(kfunc.kind, ExternKind::Kfunc);
  EXPECT_EQ(kfunc.kernel_btf_id, static_cast<uint32_t>(target_.kfunc));
  const Extern& untyped = find_extern(o, "bpfcert_untyped_ksym");
  EXPECT_FALSE(untyped.typed);
  EXPECT_FALSE(untyped.resolved);  // another kernel: no kallsyms
  const ProgramInfo& p = *o.find_program("ksyms");
  bool btf_id_load = false, kfunc_call = false;
  for (size_t pc = 0; pc < p.insns.size(); ++pc) {
    const semantics::Insn& in = p.insns[pc];
    if (in.opcode == (BPF_LD | BPF_IMM | BPF_DW) && in.src == BPF_PSEUDO_BTF_ID) {
      btf_id_load = in.imm == target_.counter_var;
    }
    if (in.opcode == (BPF_JMP | BPF_CALL) && in.src == BPF_PSEUDO_KFUNC_CALL) kfunc_call = in.imm == target_.kfunc;
  }
  EXPECT_TRUE(btf_id_load);
  EXPECT_TRUE(kfunc_call);
  // The program type (tp_btf: tracing) is modelled; typed ksyms and kfuncs are not yet, so
  // the program is rejected, but not for its type.
  auto v = verifier::verify_object_program(o, p);
  ASSERT_TRUE(v.ok());
  ASSERT_FALSE(v->result.findings.empty());
  for (const auto& f : v->result.findings) EXPECT_NE(f.check, verifier::CheckId::ProgramType);
  EXPECT_EQ(v->type_name, "tracing");
}

TEST_F(LoaderTarget, EveryCoreRelocationKindGetsTheTargetsLayout) {
  Target target(TargetOptions{target_.path, false, {}});
  const Object o = load("core_relocations.o", &target);
  EXPECT_EQ(o.core_target, target_.path);
  ASSERT_EQ(o.core_relocations.size(), 13u);
  // fields(): one immediate load per relocation, in source order (see core_relocations.c).
  const ProgramInfo& f = *o.find_program("fields");
  std::vector<int64_t> values;
  for (size_t pc = 0; pc < f.insns.size(); ++pc) {
    const semantics::Insn& in = f.insns[pc];
    if (in.opcode == (BPF_ALU64 | BPF_MOV | BPF_K)) values.push_back(in.imm);
    if (in.opcode == (BPF_LD | BPF_IMM | BPF_DW)) {
      values.push_back(static_cast<uint32_t>(in.imm) | (int64_t{f.insns[pc + 1].imm} << 32));
      ++pc;
    }
  }
  // byte_off prio, byte_sz prio, exists missing, exists pid, signed prio, lshift flag, rshift
  // flag, type_exists absent, type_size task, enumval_exists GONE, enumval_value SLEEPING.
  // flag is 5 bits at bit 64: loaded as the u32 at byte 8, so << 64 - 5 and >> 64 - 5.
  const std::vector<int64_t> expected = {16, 2, 0, 1, 1, 59, 59, 0, 32, 0, 20};
  EXPECT_EQ(values, expected);
  // load(): the LDX offsets of wide and pid.
  const ProgramInfo& l = *o.find_program("load");
  std::vector<int16_t> offsets;
  for (const semantics::Insn& in : l.insns) {
    if ((in.opcode & 0x07) == BPF_LDX && in.src == 1) offsets.push_back(in.off);
  }
  EXPECT_EQ(offsets, (std::vector<int16_t>{0, 24, 12}));  // task_ptr itself, then wide and pid
}

TEST_F(LoaderTarget, WithoutATargetTheCompilersOffsetsStayWithAWarning) {
  const Object o = load("core_relocations.o", nullptr);
  EXPECT_TRUE(o.core_relocations.empty());
  bool said = false;
  for (const std::string& w : o.warnings) said = said || w.find("13 CO-RE relocations are not applied") != std::string::npos;
  EXPECT_TRUE(said);
  const ProgramInfo& l = *o.find_program("load");
  std::vector<int16_t> offsets;
  for (const semantics::Insn& in : l.insns) {
    if ((in.opcode & 0x07) == BPF_LDX && in.src == 1) offsets.push_back(in.off);
  }
  EXPECT_EQ(offsets, (std::vector<int16_t>{0, 16, 0}));  // clang's, for the local layout
}

TEST(TargetKernel, VersionsAsLibbpfComputesThem) {
  EXPECT_EQ(kernel_version_of_release("6.1.0-18-amd64"), 0x060100u);
  EXPECT_EQ(kernel_version_of_release("5.15.300"), (5u << 16) + (15u << 8) + 255u);  // c clamped
  EXPECT_EQ(kernel_version_of_release("6.18"), 0x061200u);
  EXPECT_EQ(kernel_version_of_release("x"), std::nullopt);
  Target t(TargetOptions{"", true, {{"LINUX_KERNEL_VERSION", "0x050a00"}}});
  EXPECT_EQ(t.kernel_version(), 0x050a00u);
  EXPECT_EQ(t.btf(), nullptr);
  EXPECT_NE(t.btf_problem().find("none"), std::string::npos);
}

}  // namespace
}  // namespace bpfcert::loader
