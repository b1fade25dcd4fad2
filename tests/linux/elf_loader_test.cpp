// ELF loading of the corpus objects (maps, global data, relocations, calls, line info) and of
// malformed objects (every error is a value with a location, never a crash).
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "semantics/program.h"
#include "tests/linux/corpus_support.h"
#include "loader/object.h"
#include "verifier/platform/linux.h"

namespace bpfcert::tests {
namespace {

using loader::MapOrigin;
using loader::Object;
using loader::ProgramInfo;

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class ElfCorpus : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = corpus_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  }
  static Object load(const std::string& name) {
    auto obj = loader::load_object_file(std::string(BPFCERT_PROGRAMS_OUT) + "/" + name + ".o");
    EXPECT_TRUE(obj.ok()) << (obj.ok() ? "" : obj.error().to_string());
    return obj.ok() ? std::move(obj.value()) : Object{};
  }
  static const loader::MapDefinition* map(const Object& o, const std::string& name) {
    for (const auto& m : o.maps) {
      if (m.name == name) return &m;
    }
    return nullptr;
  }
  static size_t map_index(const Object& o, const std::string& name) {
    for (size_t i = 0; i < o.maps.size(); ++i) {
      if (o.maps[i].name == name) return i;
    }
    return SIZE_MAX;
  }
};

TEST_F(ElfCorpus, EveryObjectLoadsValidatesAndHasATypedProgramWithLineInfo) {
  const auto programs = corpus_programs();
  ASSERT_GE(programs.size(), 60u);
  for (const CorpusProgram& cp : programs) {
    SCOPED_TRACE(cp.name);
    auto obj = loader::load_object_file(cp.object);
    ASSERT_TRUE(obj.ok()) << obj.error().to_string();
    EXPECT_EQ(obj->license, "GPL");
    EXPECT_TRUE(obj->has_btf);
    EXPECT_TRUE(obj->has_line_info);
    ASSERT_FALSE(obj->programs.empty());
    for (const ProgramInfo& p : obj->programs) {
      SCOPED_TRACE(p.name);
      EXPECT_NE(verifier::platform::program_type_for_linux_id(p.type.prog_type), nullptr) << p.section;
      EXPECT_EQ(p.type.source, loader::TypeSource::Section) << p.section;
      auto valid = semantics::validate(p.insns);
      EXPECT_TRUE(valid.ok()) << (valid.ok() ? "" : valid.error().to_string());
      EXPECT_NE(p.line_at(0), nullptr);
      EXPECT_EQ(p.functions.front().name, p.name);
      EXPECT_EQ(p.functions.front().start_pc, 0u);
      for (const auto& insn : p.insns) {
        if (insn.opcode == (BPF_LD | BPF_IMM | BPF_DW) && (insn.src == BPF_PSEUDO_MAP_FD || insn.src == BPF_PSEUDO_MAP_VALUE)) {
          EXPECT_LT(static_cast<size_t>(insn.imm), obj->maps.size());
        }
      }
    }
  }
}

TEST_F(ElfCorpus, LegacyMapsSection) {
  const Object o = load("legacy_maps");
  const auto* rx = map(o, "rx_bytes");
  const auto* seen = map(o, "src_seen");
  ASSERT_NE(rx, nullptr);
  ASSERT_NE(seen, nullptr);
  EXPECT_EQ(rx->origin, MapOrigin::Legacy);
  EXPECT_EQ(rx->type, static_cast<uint32_t>(BPF_MAP_TYPE_ARRAY));
  EXPECT_EQ(rx->key_size, 4u);
  EXPECT_EQ(rx->value_size, 8u);
  EXPECT_EQ(rx->max_entries, 1u);
  EXPECT_EQ(seen->type, static_cast<uint32_t>(BPF_MAP_TYPE_HASH));
  EXPECT_EQ(seen->max_entries, 1024u);
}

TEST_F(ElfCorpus, BtfDefinedMaps) {
  const Object o = load("xdp_rate_limit");
  const auto* b = map(o, "buckets");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->origin, MapOrigin::Btf);
  EXPECT_EQ(b->type, static_cast<uint32_t>(BPF_MAP_TYPE_LRU_HASH));
  EXPECT_EQ(b->key_size, 4u);
  EXPECT_EQ(b->value_size, 16u);  // struct bucket: two __u64
  EXPECT_EQ(b->max_entries, 65536u);
  const Object t = load("xdp_tail_call");
  const auto* jt = map(t, "jump_table");
  ASSERT_NE(jt, nullptr);
  EXPECT_EQ(jt->type, static_cast<uint32_t>(BPF_MAP_TYPE_PROG_ARRAY));
  EXPECT_EQ(jt->key_size, 4u);  // __uint(key_size, ...) rather than __type(key, ...)
  EXPECT_EQ(jt->value_size, 4u);
}

TEST_F(ElfCorpus, MapReferencesBecomeLddwSrc1WithTheMapIndex) {
  const Object o = load("xdp_port_firewall");
  ASSERT_EQ(o.programs.size(), 1u);
  const size_t idx = map_index(o, "blocked_ports");
  ASSERT_NE(idx, SIZE_MAX);
  int refs = 0;
  for (const auto& insn : o.programs[0].insns) {
    if (insn.opcode == (BPF_LD | BPF_IMM | BPF_DW) && insn.src == BPF_PSEUDO_MAP_FD) {
      EXPECT_EQ(static_cast<size_t>(insn.imm), idx);
      ++refs;
    }
  }
  EXPECT_EQ(refs, 1);
}

TEST_F(ElfCorpus, GlobalDataBecomesArrayMapsAddressedByLddwSrc2) {
  const Object o = load("xdp_global_config");
  const auto* ro = map(o, ".rodata");
  const auto* data = map(o, ".data");
  const auto* bss = map(o, ".bss");
  ASSERT_NE(ro, nullptr);
  ASSERT_NE(data, nullptr);
  ASSERT_NE(bss, nullptr);
  EXPECT_TRUE(ro->read_only);
  EXPECT_EQ(ro->flags & BPF_F_RDONLY_PROG, static_cast<uint32_t>(BPF_F_RDONLY_PROG));
  EXPECT_EQ(ro->type, static_cast<uint32_t>(BPF_MAP_TYPE_ARRAY));
  EXPECT_EQ(ro->max_entries, 1u);
  // allowed_port = 443 (0x01bb) sits in .rodata, little-endian.
  const auto& bytes = ro->initial_value;
  const uint8_t port[] = {0xbb, 0x01};
  EXPECT_NE(std::search(bytes.begin(), bytes.end(), std::begin(port), std::end(port)), bytes.end());
  // weights[4] = {1, 2, 4, 8} in .data; .bss is zero.
  ASSERT_EQ(data->value_size, 16u);
  uint32_t weights[4];
  std::memcpy(weights, data->initial_value.data(), sizeof weights);
  EXPECT_EQ(weights[3], 8u);
  EXPECT_EQ(bss->value_size, 16u);
  EXPECT_TRUE(std::all_of(bss->initial_value.begin(), bss->initial_value.end(), [](uint8_t b) { return b == 0; }));
  std::set<std::string> referenced;
  const auto& insns = o.programs.at(0).insns;
  for (size_t pc = 0; pc + 1 < insns.size(); ++pc) {
    if (insns[pc].opcode == (BPF_LD | BPF_IMM | BPF_DW) && insns[pc].src == BPF_PSEUDO_MAP_VALUE) {
      const auto& m = o.maps.at(static_cast<size_t>(insns[pc].imm));
      EXPECT_EQ(m.origin, MapOrigin::GlobalData);
      EXPECT_LT(static_cast<uint32_t>(insns[pc + 1].imm), m.value_size);
      referenced.insert(m.name);
    }
  }
  EXPECT_EQ(referenced, (std::set<std::string>{".rodata", ".data", ".bss"}));
}

TEST_F(ElfCorpus, SubprogramsAreAppendedAndCallsRelocated) {
  const Object o = load("subprog_calls");
  ASSERT_EQ(o.programs.size(), 1u);
  const ProgramInfo& p = o.programs[0];
  std::set<std::string> names;
  std::set<size_t> starts;
  for (const auto& f : p.functions) {
    names.insert(f.name);
    starts.insert(f.start_pc);
  }
  EXPECT_EQ(names, (std::set<std::string>{"xdp_subprog_calls", "summarize", "update", "clamp"}));
  auto valid = semantics::validate(p.insns);
  ASSERT_TRUE(valid.ok());
  int calls = 0;
  for (size_t pc = 0; pc < p.insns.size(); ++pc) {
    if (p.insns[pc].opcode == (BPF_JMP | BPF_CALL) && p.insns[pc].src == BPF_PSEUDO_CALL) {
      const int64_t target = semantics::branch_target(p.insns[pc], valid->row(pc), pc);
      EXPECT_EQ(starts.count(static_cast<size_t>(target)), 1u) << "call at pc " << pc;
      ++calls;
    }
  }
  EXPECT_GE(calls, 4);
}

TEST_F(ElfCorpus, SeveralProgramsPerObjectEachWithItsOwnCallees) {
  const Object t = load("xdp_tail_call");
  std::set<std::string> names;
  for (const auto& p : t.programs) names.insert(p.name);
  EXPECT_EQ(names, (std::set<std::string>{"xdp_dispatch", "xdp_tcp", "xdp_udp"}));
  const Object g = load("global_func");
  ASSERT_EQ(g.programs.size(), 2u);
  for (const auto& p : g.programs) {
    ASSERT_EQ(p.functions.size(), 2u) << p.name;
    EXPECT_EQ(p.functions[1].name, "classify_len");
    EXPECT_EQ(p.functions[1].section, ".text");
  }
  EXPECT_EQ(g.programs[0].type.name(), "xdp");
  EXPECT_EQ(g.programs[1].type.name(), "sched_cls");
}

TEST_F(ElfCorpus, LineInfoNamesTheAnnotatedSourceLine) {
  for (const CorpusProgram& cp : corpus_programs()) {
    if (cp.findings.empty()) continue;
    SCOPED_TRACE(cp.name);
    const Object o = load(cp.name);
    ASSERT_FALSE(o.programs.empty());
    bool found = false;
    for (const auto& p : o.programs) {
      for (size_t pc = 0; pc < p.insns.size(); ++pc) {
        const auto* line = p.line_at(pc);
        if (line != nullptr && static_cast<int>(line->line) == cp.findings[0].line) {
          found = true;
          EXPECT_NE(line->file.find(cp.name + ".c"), std::string::npos) << line->file;
          EXPECT_NE(line->text.find("bpfcert: finding"), std::string::npos) << line->text;
        }
      }
    }
    EXPECT_TRUE(found) << "no instruction maps to line " << cp.findings[0].line;
  }
}

TEST_F(ElfCorpus, LegacyPacketLoadsSurviveLoading) {
  const Object o = load("socket_ld_abs");
  int ld_abs = 0;
  for (const auto& insn : o.programs.at(0).insns) {
    if ((insn.opcode & 0x07) == BPF_LD && (insn.opcode & 0xe0) == BPF_ABS) ++ld_abs;
  }
  EXPECT_GE(ld_abs, 2);
}

// --- malformed input ---------------------------------------------------------------------

bool is_object_error(semantics::ErrorCode c) {
  using semantics::ErrorCode;
  return c == ErrorCode::BadElf || c == ErrorCode::BadRelocation || c == ErrorCode::BadMapDefinition ||
         c == ErrorCode::BadBtf || c == ErrorCode::BadFile;
}

TEST(ElfMalformed, NotElfIsAnErrorNamingTheFile) {
  const std::vector<uint8_t> junk = {1, 2, 3, 4, 5, 6, 7, 8};
  auto r = loader::load_object(junk, "junk.o");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, semantics::ErrorCode::BadElf);
  EXPECT_EQ(r.error().where.file, "junk.o");
  EXPECT_FALSE(loader::looks_like_elf(junk));
  auto missing = loader::load_object_file("/nonexistent/prog.o");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, semantics::ErrorCode::BadFile);
}

TEST_F(ElfCorpus, WrongEndiannessAndMachineAreRejected) {
  auto bytes = read_bytes(std::string(BPFCERT_PROGRAMS_OUT) + "/xdp_pass.o");
  ASSERT_GT(bytes.size(), 64u);
  auto be = bytes;
  be[5] = 2;  // EI_DATA = ELFDATA2MSB
  auto r = loader::load_object(be, "be.o");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, semantics::ErrorCode::BadElf);
  EXPECT_NE(r.error().message.find("big-endian"), std::string::npos);
  auto x86 = bytes;
  x86[18] = 62;  // e_machine = EM_X86_64
  x86[19] = 0;
  r = loader::load_object(x86, "x86.o");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not BPF"), std::string::npos);
}

// Every prefix and every single-byte corruption of real objects: the loader returns a value
// (an object or an error with the file name), never crashes. ASan builds make this strict.
TEST_F(ElfCorpus, TruncationsAndByteFlipsNeverCrash) {
  size_t errors = 0, loads = 0;
  for (const char* name : {"xdp_global_config", "subprog_calls", "legacy_maps"}) {
    const auto bytes = read_bytes(std::string(BPFCERT_PROGRAMS_OUT) + "/" + name + ".o");
    ASSERT_FALSE(bytes.empty());
    for (size_t len = 0; len < bytes.size(); len += 7) {
      auto r = loader::load_object(std::span(bytes.data(), len), "cut.o");
      ++loads;
      if (!r.ok()) {
        ++errors;
        EXPECT_TRUE(is_object_error(r.error().code)) << r.error().to_string();
        EXPECT_EQ(r.error().where.file, "cut.o");
      }
    }
    auto copy = bytes;
    for (size_t i = 0; i < copy.size(); i += 5) {
      copy[i] ^= 0xa5;
      auto r = loader::load_object(copy, "flip.o");
      ++loads;
      if (!r.ok()) {
        ++errors;
        EXPECT_TRUE(is_object_error(r.error().code)) << r.error().to_string();
      }
      copy[i] ^= 0xa5;
    }
  }
  EXPECT_GT(errors, loads / 10);  // corruption is noticed, not silently accepted everywhere
}

}  // namespace
}  // namespace bpfcert::tests
