// Objects as the loaders of the field read them (tests/linux/objects/): iproute2's map
// definitions and tail-call sections, legacy section names and samples/bpf map definitions,
// code sections without function symbols, machine 0, BTF of kinds libbpf does not know, and an
// object embedded in a host ELF file as a libbpf skeleton embeds it.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <cstring>
#include <filesystem>

#include "loader/embedded.h"
#include "loader/object.h"
#include "loader/program_types.h"

namespace bpfcert::loader {
namespace {

std::string path_of(const std::string& name) { return std::string(BPFCERT_LOADER_OBJECTS_OUT) + "/" + name; }

class LoaderObjects : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(path_of("iproute2_tail_calls.o"))) {
      GTEST_SKIP() << "tests/linux/objects were not built (clang-19 missing)";
    }
  }
  static Object load(const std::string& name, const LoadOptions& options = {}) {
    auto obj = load_object_file(path_of(name), options);
    EXPECT_TRUE(obj.ok()) << (obj.ok() ? "" : obj.error().to_string());
    return obj.ok() ? std::move(obj.value()) : Object{};
  }
  static const ProgramInfo& program(const Object& o, const std::string& name) {
    const ProgramInfo* p = o.find_program(name);
    EXPECT_NE(p, nullptr) << name;
    static const ProgramInfo none;
    return p != nullptr ? *p : none;
  }
  static bool warned(const Object& o, const std::string& text) {
    for (const std::string& w : o.warnings) {
      if (w.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

TEST_F(LoaderObjects, Iproute2MapsAndTailCallSectionsTakeTheirCallersType) {
  const Object o = load("iproute2_tail_calls.o");
  ASSERT_EQ(o.maps.size(), 2u);
  EXPECT_EQ(o.maps[0].name, "jumps");
  EXPECT_EQ(o.maps[0].type, static_cast<uint32_t>(BPF_MAP_TYPE_PROG_ARRAY));
  EXPECT_EQ(o.maps[0].legacy_id, 7u);
  EXPECT_EQ(o.maps[0].max_entries, 4u);
  EXPECT_EQ(o.maps[1].legacy_id, 9u);
  EXPECT_EQ(o.maps[1].value_size, 8u);
  const ProgramInfo& entry = program(o, "entry");
  EXPECT_EQ(entry.type.name(), "sched_cls");
  EXPECT_EQ(entry.type.source, TypeSource::Section);
  // "7/1": slot 1 of the prog array with iproute2 id 7, which 'entry' tail-calls through.
  const ProgramInfo& tail = program(o, "tail_one");
  EXPECT_EQ(tail.type.name(), "sched_cls");
  EXPECT_EQ(tail.type.source, TypeSource::TailCall);
  EXPECT_NE(tail.type.rule.find("'jumps' (iproute2 id 7), which 'entry' tail-calls"), std::string::npos) << tail.type.rule;
  EXPECT_TRUE(warned(o, "tail-call section \"7/1\""));
  // "from-netdev": only the loader's command line names its type.
  const ProgramInfo& netdev = program(o, "from_netdev");
  EXPECT_FALSE(netdev.type.known());
  EXPECT_EQ(netdev.type.prog_type, 0u);
}

TEST_F(LoaderObjects, ProgramTypeForTheWholeObject) {
  LoadOptions options;
  options.program_type = "sched_cls";
  const Object o = load("iproute2_tail_calls.o", options);
  for (const ProgramInfo& p : o.programs) {
    EXPECT_EQ(p.type.name(), "sched_cls") << p.name;
    EXPECT_EQ(p.type.source, TypeSource::Override) << p.name;
  }
  options.program_type = "xdp";
  EXPECT_EQ(program(load("iproute2_tail_calls.o", options), "from_netdev").type.name(), "xdp");
}

TEST_F(LoaderObjects, LegacySectionNamesWithAWarningNamingTheRule) {
  const Object o = load("legacy_sections.o");
  EXPECT_EQ(program(o, "xdp_one").type.name(), "xdp");
  EXPECT_EQ(program(o, "xdp_one").type.source, TypeSource::LegacyPrefix);
  EXPECT_EQ(program(o, "xdp_two").type.name(), "xdp");
  EXPECT_EQ(program(o, "sock_one").type.name(), "socket_filter");
  EXPECT_EQ(program(o, "ops").type.name(), "sock_ops");
  EXPECT_EQ(program(o, "ops").type.source, TypeSource::Section);  // "sockops" is an exact libbpf name
  EXPECT_EQ(program(o, "devmap").type.expected_attach_type, static_cast<uint32_t>(BPF_XDP_DEVMAP));
  EXPECT_TRUE(warned(o, "program 'xdp_one': section 'xdp1' selects xdp by the legacy prefix \"xdp\""));
  EXPECT_FALSE(warned(o, "program 'ops'"));
}

TEST_F(LoaderObjects, SamplesMapDefinitionsAndTheirInnerMap) {
  const Object o = load("legacy_sections.o");
  ASSERT_EQ(o.maps.size(), 2u);
  EXPECT_EQ(o.maps[1].name, "outer");
  EXPECT_EQ(o.maps[1].type, static_cast<uint32_t>(BPF_MAP_TYPE_ARRAY_OF_MAPS));
  ASSERT_EQ(o.maps[1].inner.size(), 1u);  // inner_map_idx 0 of a 28-byte bpf_map_def
  EXPECT_EQ(o.maps[1].inner[0].name, "inner");
  EXPECT_EQ(o.maps[1].legacy_id, 0u);
}

TEST_F(LoaderObjects, SectionsWithoutFunctionSymbolsAreOneProgramEach) {
  const Object o = load("no_symbols.o");
  ASSERT_EQ(o.programs.size(), 2u);
  const ProgramInfo& xdp = program(o, "xdp");
  EXPECT_EQ(xdp.type.name(), "xdp");
  // xdp (3 insns) then the whole .text (5 insns) appended: the call lands at .text + 2.
  ASSERT_EQ(xdp.insns.size(), 8u);
  EXPECT_EQ(xdp.insns[1].opcode, BPF_JMP | BPF_CALL);
  EXPECT_EQ(xdp.insns[1].src, BPF_PSEUDO_CALL);
  EXPECT_EQ(1 + 1 + xdp.insns[1].imm, 3 + 2);
  ASSERT_EQ(xdp.functions.size(), 2u);
  EXPECT_EQ(xdp.functions[1].section, ".text");
  EXPECT_EQ(program(o, "socket").type.name(), "socket_filter");
}

TEST_F(LoaderObjects, MachineZeroIsReadAsBpf) {
  auto bytes = read_file_bytes(path_of("legacy_sections.o"));
  ASSERT_TRUE(bytes.ok());
  const uint16_t none = 0;  // e_machine at offset 18
  std::memcpy(bytes->data() + 18, &none, 2);
  EXPECT_EQ(elf_file_kind(*bytes), ElfFileKind::BpfObject);
  auto o = load_object(*bytes, "em_none.o");
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  EXPECT_EQ(o->programs.size(), 5u);
  ASSERT_FALSE(o->warnings.empty());
  EXPECT_NE(o->warnings.front().find("EM_NONE"), std::string::npos) << o->warnings.front();
  const uint16_t x86 = 62;
  std::memcpy(bytes->data() + 18, &x86, 2);
  EXPECT_FALSE(load_object(*bytes, "x86.o").ok());
}

// The last type of .BTF given a kind no libbpf knows: the object still loads, with line info
// (whose strings do not depend on types), and says what was dropped.
TEST_F(LoaderObjects, BtfKindsLibbpfDoesNotKnowAreDroppedWithAWarning) {
  auto bytes = read_file_bytes(path_of("iproute2_tail_calls.o"));
  ASSERT_TRUE(bytes.ok());
  const Object clean = load("iproute2_tail_calls.o");
  ASSERT_TRUE(clean.has_btf);
  // Find .BTF: its header magic 0xeB9F, then walk to its last type.
  const std::vector<uint8_t>& b = *bytes;
  size_t btf = 0;
  for (size_t i = 0; i + 24 < b.size(); ++i) {
    if (b[i] == 0x9f && b[i + 1] == 0xeb && b[i + 2] == 1 && b[i + 4] == 24) {
      btf = i;
      break;
    }
  }
  ASSERT_NE(btf, 0u);
  uint32_t type_off = 0, type_len = 0;
  std::memcpy(&type_off, &b[btf + 8], 4);
  std::memcpy(&type_len, &b[btf + 12], 4);
  // Types are variable-sized; libbpf's raw data of the clean object tells where the last starts.
  const size_t types = btf + 24 + type_off;
  size_t pos = 0, last = 0;
  while (pos < type_len) {
    last = pos;
    uint32_t info = 0;
    std::memcpy(&info, &b[types + pos + 4], 4);
    const uint32_t kind = (info >> 24) & 0x1f, vlen = info & 0xffff;
    size_t size = 12;
    if (kind == 1 || kind == 14 || kind == 17) size += 4;             // int, var, decl_tag
    if (kind == 3) size += 12;                                        // array
    if (kind == 4 || kind == 5 || kind == 15 || kind == 19) size += 12 * vlen;  // struct, union, datasec, enum64
    if (kind == 6 || kind == 13) size += 8 * vlen;                    // enum, func_proto
    pos += size;
  }
  uint32_t info = 0;
  std::memcpy(&info, &bytes->at(types + last + 4), 4);
  info = (info & ~(0x1fu << 24)) | (25u << 24);
  std::memcpy(&bytes->at(types + last + 4), &info, 4);
  auto o = load_object(*bytes, "new_kind.o");
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  EXPECT_TRUE(o->has_btf);
  EXPECT_TRUE(o->has_line_info);
  bool said = false;
  for (const std::string& w : o->warnings) said = said || w.find("BTF kind 25") != std::string::npos;
  EXPECT_TRUE(said);
  EXPECT_EQ(o->programs.size(), clean.programs.size());
}

TEST_F(LoaderObjects, ObjectsEmbeddedInAnExecutableAreFound) {
  if (!std::filesystem::exists(path_of("skeleton_host.o"))) GTEST_SKIP() << "objcopy missing";
  auto host = read_file_bytes(path_of("skeleton_host.o"));
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(elf_file_kind(*host), ElfFileKind::Other);
  auto found = find_embedded_objects(*host, "skeleton_host.o");
  ASSERT_TRUE(found.ok()) << found.error().to_string();
  ASSERT_EQ(found->size(), 1u);
  auto original = read_file_bytes(path_of("iproute2_tail_calls.o"));
  ASSERT_TRUE(original.ok());
  const EmbeddedObject& e = found->front();
  EXPECT_EQ(e.section, ".rodata");
  EXPECT_EQ(std::vector<uint8_t>(e.bytes.begin(), e.bytes.end()), *original);  // bounded exactly
  EXPECT_EQ(e.display_name("h"), "h(.rodata+0x0)");
  auto o = load_object(e.bytes, e.display_name("skeleton_host.o"));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->programs.size(), 3u);
  // A BPF object is no host: it embeds nothing.
  auto none = find_embedded_objects(*original, "x.o");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // Truncated copies never crash and find nothing whole.
  for (size_t cut = 64; cut < host->size(); cut += host->size() / 17) {
    auto partial = find_embedded_objects(std::span(host->data(), cut), "cut");
    if (partial.ok()) {
      EXPECT_LE(partial->size(), 1u);
    }
  }
}

}  // namespace
}  // namespace bpfcert::loader
