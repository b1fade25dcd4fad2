// The bpfcert command on ELF objects: verify (exit codes, every program listed, JSON and SARIF
// located at the C line), list, and run with a packet file.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <filesystem>

#include "tests/linux/corpus_support.h"
#include "reports/json_schema.h"

namespace bpfcert::tests {
namespace {

struct Command {
  int exit_code = -1;
  std::string out;
};

Command bpfcert(const std::string& args) {
  const std::string cmd = std::string(BPFCERT_BINARY_DIR) + "/cli/bpfcert " + args + " 2>&1";
  Command c;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return c;
  std::array<char, 4096> buf;
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) c.out.append(buf.data(), n);
  const int status = pclose(p);
  c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return c;
}

nlohmann::json schema(const std::string& name) {
  return nlohmann::json::parse(std::ifstream(std::string(BPFCERT_SOURCE_DIR) + "/reports/schemas/" + name + ".schema.json"));
}

std::string object(const std::string& name) { return std::string(BPFCERT_PROGRAMS_OUT) + "/" + name + ".o"; }
std::string tmp(const std::string& name) { return std::string(BPFCERT_BINARY_DIR) + "/tests/linux/" + name; }

class CliElf : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = corpus_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_F(CliElf, VerifyExitCodes) {
  EXPECT_EQ(bpfcert("verify " + object("xdp_pass")).exit_code, 0);
  EXPECT_EQ(bpfcert("verify " + object("wrong_map_null_deref")).exit_code, 1);
  const Command missing = bpfcert("verify " + object("xdp_pass") + " --section nosuch");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.out.find("no-such-program"), std::string::npos) << missing.out;
  EXPECT_NE(missing.out.find("xdp_pass (section xdp)"), std::string::npos) << missing.out;
  std::ofstream(tmp("broken.o"), std::ios::binary) << "\x7f" "ELF" << std::string(60, '\x01');
  const Command broken = bpfcert("verify " + tmp("broken.o"));
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_NE(broken.out.find("bad-elf"), std::string::npos) << broken.out;
}

TEST_F(CliElf, VerifyListsEveryProgramAndSelects) {
  const Command all = bpfcert("verify " + object("xdp_tail_call"));
  EXPECT_EQ(all.exit_code, 0) << all.out;
  for (const char* p : {"xdp_dispatch", "xdp_tcp", "xdp_udp"}) EXPECT_NE(all.out.find(p), std::string::npos) << p;
  const Command one = bpfcert("verify " + object("xdp_tail_call") + " --program xdp_udp");
  EXPECT_EQ(one.out.find("xdp_dispatch"), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("xdp_udp"), std::string::npos) << one.out;
  const Command typed = bpfcert("verify " + object("xdp_pass") + " --program-type sched_cls");
  EXPECT_NE(typed.out.find("program type sched_cls"), std::string::npos) << typed.out;
  EXPECT_EQ(bpfcert("verify " + object("xdp_pass") + " --program-type nosuch").exit_code, 2);
}

TEST_F(CliElf, FindingsAtTheCLineInTextJsonAndSarif) {
  const auto programs = corpus_programs();
  const auto it = std::find_if(programs.begin(), programs.end(),
                               [](const CorpusProgram& p) { return p.name == "wrong_xdp_off_by_one"; });
  ASSERT_NE(it, programs.end());
  const int line = it->findings.at(0).line;
  const Command text = bpfcert("verify " + object(it->name) + " --json " + tmp("r.json") + " --sarif " + tmp("r.sarif"));
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("wrong_xdp_off_by_one.c:" + std::to_string(line) + ":"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("| " ), std::string::npos);  // the source line is shown
  const auto json = nlohmann::json::parse(std::ifstream(tmp("r.json")));
  EXPECT_EQ(json["schema"], "bpfcert/object-verification/1");
  EXPECT_EQ(json["verdict"], "rejected");
  ASSERT_EQ(json["programs"].size(), 1u);
  EXPECT_TRUE(reports::validate_json(schema("object-verification-1"), json).empty());
  const auto& p = json["programs"][0]["report"];
  const auto errors = reports::validate_json(schema("verification-1"), p);
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(p["schema"], "bpfcert/verification/1");
  EXPECT_EQ(p["program"]["section"], "xdp");
  ASSERT_FALSE(p["findings"].empty());
  const auto& f = p["findings"][0];
  EXPECT_EQ(f["check"], "mem.bounds");
  EXPECT_EQ(f["source"]["line"], line);
  EXPECT_TRUE(f["source"]["file"].get<std::string>().ends_with("wrong_xdp_off_by_one.c"));
  EXPECT_NE(f["source"]["text"].get<std::string>().find("h_proto"), std::string::npos);
  const auto sarif = nlohmann::json::parse(std::ifstream(tmp("r.sarif")));
  EXPECT_EQ(sarif["version"], "2.1.0");
  const auto& loc = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
  EXPECT_TRUE(loc["artifactLocation"]["uri"].get<std::string>().ends_with("wrong_xdp_off_by_one.c"));
  EXPECT_EQ(loc["region"]["startLine"], line);
  EXPECT_EQ(sarif["runs"][0]["properties"]["verdict"], "rejected");
}

TEST_F(CliElf, CompareKernelReportsBothVerdicts) {
  const Command c = bpfcert("verify " + object("xdp_syn_counter") + " --compare-kernel --json " + tmp("k.json"));
  EXPECT_EQ(c.exit_code, 0) << c.out;
  EXPECT_NE(c.out.find("kernel: "), std::string::npos) << c.out;
  const auto json = nlohmann::json::parse(std::ifstream(tmp("k.json")));
  EXPECT_TRUE(reports::validate_json(schema("object-verification-1"), json).empty()) << json.dump(2);
  const std::string status = json["programs"][0]["kernel"]["status"];
  EXPECT_TRUE(status == "accepted" || status == "unavailable") << status;
}

TEST_F(CliElf, ListShowsSectionsProgramsAndMaps) {
  const Command c = bpfcert("list " + object("xdp_global_config"));
  EXPECT_EQ(c.exit_code, 0) << c.out;
  for (const char* s : {".rodata", ".bss", ".data", "xdp_global_config", "license \"GPL\""}) {
    EXPECT_NE(c.out.find(s), std::string::npos) << s << "\n" << c.out;
  }
  const Command j = bpfcert("list " + object("xdp_tail_call") + " --json -");
  ASSERT_EQ(j.exit_code, 0) << j.out;
  const auto json = nlohmann::json::parse(j.out);
  EXPECT_EQ(json["programs"].size(), 3u);
  EXPECT_EQ(json["programs"][0]["type"], "xdp");
  bool prog_array = false;
  for (const auto& m : json["maps"]) prog_array = prog_array || (m["name"] == "jump_table" && m["type"] == "prog_array");
  EXPECT_TRUE(prog_array);
  EXPECT_EQ(bpfcert("list /nonexistent.o").exit_code, 2);
}

TEST_F(CliElf, RunWithPackets) {
  std::ofstream(tmp("v6.hex")) << "# an IPv6 frame header\n"
                               << "02 00 00 00 00 01 02 00 00 00 00 02 86 dd 60 00 00 00\n";
  const Command c = bpfcert("run " + object("xdp_drop_ipv6") + " --packet " + tmp("v6.hex"));
  EXPECT_EQ(c.exit_code, 0) << c.out;
  EXPECT_NE(c.out.find("0x0000000000000001 XDP_DROP"), std::string::npos) << c.out;
  EXPECT_EQ(bpfcert("run " + object("xdp_drop_ipv6")).exit_code, 2);  // XDP needs a packet
  const Command trap = bpfcert("run " + object("wrong_xdp_no_bounds_check") + " --packet " + tmp("v6.hex"));
  EXPECT_EQ(trap.exit_code, 0) << trap.out;  // 18 bytes: the unchecked read is in bounds
  std::ofstream(tmp("short.hex")) << "02 00\n";
  const Command oob = bpfcert("run " + object("wrong_xdp_no_bounds_check") + " --packet " + tmp("short.hex"));
  EXPECT_EQ(oob.exit_code, 1) << oob.out;
  EXPECT_NE(oob.out.find("out-of-bounds"), std::string::npos) << oob.out;
  EXPECT_NE(oob.out.find("wrong_xdp_no_bounds_check.c:8"), std::string::npos) << oob.out;
}

std::string loader_object(const std::string& name) { return std::string(BPFCERT_LOADER_OBJECTS_OUT) + "/" + name; }

// Several objects: one table, the summary report valid against its published schema.
TEST_F(CliElf, ManyObjectsGiveOneTableAndASummaryReport) {
  const Command c = bpfcert("verify " + object("xdp_pass") + " " + object("wrong_map_null_deref") + " --json " +
                            tmp("summary.json"));
  EXPECT_EQ(c.exit_code, 1) << c.out;  // one program rejected
  for (const char* s : {"Object", "First finding", "xdp_pass", "accepted", "rejected", "mem.null", "2 objects"}) {
    EXPECT_NE(c.out.find(s), std::string::npos) << s << "\n" << c.out;
  }
  const auto json = nlohmann::json::parse(std::ifstream(tmp("summary.json")));
  const auto errors = reports::validate_json(schema("verification-summary-1"), json);
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(json["schema"], "bpfcert/verification-summary/1");
  EXPECT_EQ(json["totals"]["programs"], 2);
  EXPECT_EQ(json["totals"]["accepted"], 1);
  ASSERT_EQ(json["objects"].size(), 2u);
  const auto& rejected = json["objects"][1]["programs"][0];
  EXPECT_EQ(rejected["verdict"], "rejected");
  EXPECT_EQ(rejected["first_finding"]["check"], "mem.null");
  EXPECT_TRUE(rejected["first_finding"]["source"]["file"].get<std::string>().ends_with("wrong_map_null_deref.c"));
  // A folder: every object under it; one object with --summary is a table too.
  const Command dir = bpfcert("verify " + std::string(BPFCERT_PROGRAMS_OUT) + " --quiet --json -");
  const auto all = nlohmann::json::parse(dir.out);
  EXPECT_EQ(all["totals"]["objects"].get<size_t>(), corpus_programs().size());
  EXPECT_TRUE(reports::validate_json(schema("verification-summary-1"), all).empty());
  const Command one = bpfcert("verify " + object("xdp_pass") + " --summary");
  EXPECT_EQ(one.exit_code, 0);
  EXPECT_NE(one.out.find("1 objects (0 not loaded), 1 programs: 1 accepted"), std::string::npos) << one.out;
}

// An executable embedding an object (as a libbpf skeleton does): verify and list find it.
TEST_F(CliElf, ObjectsEmbeddedInExecutables) {
  if (!std::filesystem::exists(loader_object("skeleton_host.o"))) GTEST_SKIP() << "loader test objects not built";
  const Command v = bpfcert("verify " + loader_object("skeleton_host.o") + " --program-type sched_cls");
  EXPECT_EQ(v.exit_code, 0) << v.out;
  EXPECT_NE(v.out.find("skeleton_host.o(.rodata+0x0)"), std::string::npos) << v.out;
  const Command l = bpfcert("list " + loader_object("skeleton_host.o"));
  EXPECT_EQ(l.exit_code, 0) << l.out;
  EXPECT_NE(l.out.find("tail-call"), std::string::npos) << l.out;
  // An ELF file with no BPF object in it is an input error that says so.
  const Command none = bpfcert("verify " + std::string(BPFCERT_BINARY_DIR) + "/cli/bpfcert");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.out.find("embeds none"), std::string::npos) << none.out;
  if (std::filesystem::exists("/usr/sbin/execsnoop")) {
    const Command real = bpfcert("verify /usr/sbin/execsnoop --quiet --json -");
    const auto j = nlohmann::json::parse(real.out);
    EXPECT_TRUE(j["object"].get<std::string>().starts_with("/usr/sbin/execsnoop(.rodata+0x"));
    EXPECT_GE(j["programs"].size(), 2u);
  }
}

// Programs whose type nothing selects load and are rejected with program.type (exit 1, not 2);
// --program-type decides for the whole object.
TEST_F(CliElf, ProgramTypesNotModelledOrNotSelected) {
  if (!std::filesystem::exists(loader_object("iproute2_tail_calls.o"))) GTEST_SKIP() << "loader test objects not built";
  const Command c = bpfcert("verify " + loader_object("iproute2_tail_calls.o"));
  EXPECT_EQ(c.exit_code, 1) << c.out;
  EXPECT_NE(c.out.find("error[program.type]: section 'from-netdev' selects no program type"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("tail-call section \"7/1\""), std::string::npos) << c.out;
  EXPECT_EQ(bpfcert("verify " + loader_object("iproute2_tail_calls.o") + " --program-type sched_cls").exit_code, 0);
  // tp_btf (tracing) is modelled; its call of a kfunc, which the platform does not model yet,
  // is what is rejected.
  const Command tracing = bpfcert("verify " + loader_object("externs.o") + " --program ksyms --btf none");
  EXPECT_EQ(tracing.exit_code, 1) << tracing.out;
  EXPECT_NE(tracing.out.find("program type tracing"), std::string::npos) << tracing.out;
  EXPECT_NE(tracing.out.find("error[helper.unknown]: kfunc"), std::string::npos) << tracing.out;
  const Command bad = bpfcert("verify " + object("xdp_pass") + " --kconfig HZ");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.out.find("KEY=VALUE"), std::string::npos) << bad.out;
}

// Kconfig values decide a verdict; --kconfig gives them.
TEST_F(CliElf, KconfigValuesOnTheCommandLine) {
  if (!std::filesystem::exists(loader_object("externs.o"))) GTEST_SKIP() << "loader test objects not built";
  const std::string base = "verify " + loader_object("externs.o") + " --program kconfig_index --btf none ";
  EXPECT_EQ(bpfcert(base + "--kconfig CONFIG_BPFCERT_INDEX=3 --kconfig LINUX_KERNEL_VERSION=6.1.0").exit_code, 0);
  const Command unknown = bpfcert(base);
  EXPECT_EQ(unknown.exit_code, 1) << unknown.out;
  EXPECT_NE(unknown.out.find("CONFIG_BPFCERT_INDEX"), std::string::npos) << unknown.out;
  const Command listed = bpfcert("list " + loader_object("externs.o") + " --btf none --kconfig CONFIG_BPFCERT_INDEX=1");
  EXPECT_NE(listed.out.find("CONFIG_BPFCERT_INDEX"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("= 1 (--kconfig)"), std::string::npos) << listed.out;
}

}  // namespace
}  // namespace bpfcert::tests
