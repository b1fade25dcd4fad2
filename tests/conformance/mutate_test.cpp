// Corpus strength: the mutants are derived from the table and behave as their description says,
// and the project's corpus kills every mutant a program can tell apart, each by at least three
// tests (the bar the corpus is held to; a change that weakens it fails here).
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "conformance/engine_target.h"
#include "conformance/mutate.h"
#include "reports/json_schema.h"
#include "test_util.h"

namespace bpfcert::conformance {
namespace {

const Mutant& mutant(const std::string& id) {
  for (const Mutant& m : mutants()) {
    if (m.id == id) return m;
  }
  ADD_FAILURE() << "no mutant " << id;
  static Mutant none;
  return none;
}

TEST(Mutants, AreDerivedFromTheTable) {
  const auto& all = mutants();
  EXPECT_GT(all.size(), 300u);
  std::set<std::string> ids;
  const std::set<std::string> families = {"width", "signedness", "off-by-one", "operand-swap", "size",
                                          "byte-order", "fetch", "extension", "restore"};
  for (const Mutant& m : all) {
    EXPECT_TRUE(ids.insert(m.id).second) << m.id << " twice";
    EXPECT_TRUE(families.count(m.family)) << m.id;
    EXPECT_FALSE(m.description.empty());
    if (m.fault.as != nullptr) {
      // The decoded row keeps the kind and operand the interpreter's handler reads.
      ASSERT_NE(m.fault.from, nullptr);
      EXPECT_EQ(m.fault.as->kind, m.fault.from->kind) << m.id;
      EXPECT_EQ(m.fault.as->operand, m.fault.from->operand) << m.id;
      EXPECT_NE(m.fault.as, m.fault.from) << m.id;
    }
  }
  // One of each kind the issue names.
  for (const char* id : {"width:add32_imm>add_imm", "extension:ldxsb>ldxb", "off-by-one:jlt_reg>jle_reg",
                         "signedness:jlt_reg>jslt_reg", "size:ldxh>ldxw", "restore:r6", "operand-swap:jgt_imm>jlt_imm",
                         "extension:add_imm", "size:le16>le64", "fetch:lock_fetch_add>lock_add"}) {
    EXPECT_EQ(mutant(id).id, id);
  }
}

TestCase load(const testing::ScratchDir& dir, const std::string& name, const std::string& text) {
  auto t = load_test_case(dir.write(name + ".data", text), name);
  EXPECT_TRUE(t.ok());
  return t.ok() ? std::move(t.value()) : TestCase{};
}

uint64_t r0_on(const Mutant& m, const TestCase& t) {
  const EngineRun r = run_on_engine(t, RunSettings{}, interp::EngineKind::Interpreter, &m.fault);
  EXPECT_NE(r.run.actual.find("0x"), std::string::npos) << r.run.actual;
  return std::stoull(r.run.actual, nullptr, 16);
}

TEST(Mutants, DoWhatTheySay) {
  testing::ScratchDir dir("bpfcert_mutant");
  // le16 not truncating: DPDK's interpreter bug, as a mutant.
  const TestCase le16 = load(dir, "le16", "-- asm\nlddw %r0, 0x1122334455667788\nle16 %r0\nexit\n-- result\n0x7788\n");
  EXPECT_EQ(r0_on(mutant("size:le16>le64"), le16), 0x1122334455667788u);
  // A 32-bit add that does not clear the upper half.
  const TestCase add32 = load(dir, "add32", "-- asm\nlddw %r0, 0x100000000\nadd32 %r0, 1\nexit\n-- result\n1\n");
  EXPECT_EQ(r0_on(mutant("width:add32_imm>add_imm"), add32), 0x100000001u);
  // An immediate not sign-extended.
  const TestCase add = load(dir, "add", "-- asm\nmov %r0, 0\nadd %r0, -1\nexit\n-- result\n0xffffffffffffffff\n");
  EXPECT_EQ(r0_on(mutant("extension:add_imm"), add), 0xffffffffu);
  // r6 not restored after a local call.
  const TestCase call =
      load(dir, "call", "-- asm\nmov %r6, 7\ncall local f\nmov %r0, %r6\nexit\nf:\nmov %r6, 9\nexit\n-- result\n7\n");
  EXPECT_EQ(r0_on(mutant("restore:r6"), call), 9u);
  EXPECT_TRUE(mutant("restore:r6").touches(call));
  EXPECT_FALSE(mutant("restore:r6").touches(add));
  EXPECT_TRUE(mutant("extension:add_imm").touches(add));
  EXPECT_FALSE(mutant("extension:add_imm").touches(add32));
  // No fault: the reference.
  EXPECT_EQ(run_on_engine(le16, RunSettings{}, interp::EngineKind::Interpreter).run.outcome, Outcome::Passed);
}

TEST(Corpus, KillsEveryMutantByAtLeastThreeTests) {
  MutationOptions o;
  o.test_paths = {BPFCERT_CORPUS_DIR "/conformance"};
  o.jobs = 2;
  o.min_kills = 3;
  auto r = measure_corpus(o);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->not_used.empty()) << r->not_used.front();
  EXPECT_GT(r->tests.size(), 1300u);
  const auto s = r->summary();
  for (const auto& m : r->mutants) {
    if (m.equivalent.empty()) {
      EXPECT_GE(m.killed_by.size(), 3u) << m.id << ": " << m.description << " (" << m.tests_run << " tests touch it)";
    } else {
      EXPECT_TRUE(m.killed_by.empty()) << m.id << " is argued equivalent, yet " << m.killed_by.front() << " kills it";
    }
  }
  EXPECT_TRUE(s.ok()) << reports::to_text(*r);
  // The report is what its schema says.
  std::ifstream in(BPFCERT_SOURCE_DIR "/reports/schemas/mutation-1.schema.json");
  const auto schema = nlohmann::json::parse(in);
  EXPECT_EQ(nlohmann::json::parse(reports::published_schema("mutation-1")), schema);
  const auto errors = reports::validate_json(schema, reports::to_json(*r));
  EXPECT_TRUE(errors.empty()) << errors.front();
  reports::MutationReport back;
  ASSERT_FALSE(reports::from_json(reports::to_json(*r), &back));
  EXPECT_EQ(reports::to_json(back), reports::to_json(*r));
}

TEST(Corpus, AWeakCorpusIsToldWhatItMisses) {
  testing::ScratchDir dir("bpfcert_weak");
  dir.write("one.data", "-- asm\nmov32 %r0, 1\nadd32 %r0, 2\nexit\n-- result\n3\n");
  MutationOptions o;
  o.test_paths = {dir.path()};
  auto r = measure_corpus(o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->summary().ok());
  EXPECT_GT(r->summary().survivors, 100u);  // every mutant of a row it does not use
  const std::string text = reports::to_text(*r);
  EXPECT_EQ(text.find("SURVIVORS"), 0u) << text.substr(0, 200);
  EXPECT_NE(text.find("FAIL"), std::string::npos);
}

}  // namespace
}  // namespace bpfcert::conformance
