// The commands as one tool: the same flag for the same thing everywhere, help and version,
// did-you-mean for misspelt commands, options that do not apply refused, run --json.
#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/json_schema.h"
#include "tests/cli/cli_fixture.h"
#include "verifier/analyzer.h"

namespace {

using bpfcert::cli::test_support::Cli;
using bpfcert::cli::test_support::Output;

const std::vector<std::string> kCommands{"asm", "disasm", "run", "verify", "list", "conform",
                                         "plugin", "prove", "precision", "mutate", "help"};

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

TEST_F(Cli, VersionWithEitherSpelling) {
  for (const std::string flag : {"-V", "--version"}) {
    const Output o = run(flag);
    EXPECT_EQ(o.exit_code, 0) << flag;
    EXPECT_TRUE(o.out.starts_with("bpfcert 0.")) << flag << ": " << o.out;
  }
}

TEST_F(Cli, HelpCommandAndHelpFlagsAgree) {
  const Output all = run("help");
  EXPECT_EQ(all.exit_code, 0) << all.err;
  for (const std::string& c : kCommands) EXPECT_TRUE(has(all.out, c)) << c;
  for (const std::string& c : kCommands) {
    const Output h = run("help " + c);
    EXPECT_EQ(h.exit_code, 0) << c << ": " << h.err;
    EXPECT_EQ(h.out, run(c + " --help").out) << c;
    // Every command's help ends with examples and what its exit codes mean.
    EXPECT_TRUE(has(h.out, "Examples:\n  bpfcert ") || c == "plugin") << c << ":\n" << h.out;
    EXPECT_TRUE(has(h.out, "Exit codes:\n  0  ")) << c << ":\n" << h.out;
    EXPECT_TRUE(has(h.out, "  2  usage or input error")) << c;
  }
  EXPECT_TRUE(has(run("help report merge").out, "bpfcert report merge s1.json s2.json"));
  const Output bad = run("help veriyf");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(has(bad.err, "did you mean 'verify'?")) << bad.err;
}

TEST_F(Cli, MisspeltCommandGetsASuggestion) {
  const Output o = run("veriyf prog.o");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(o.err, "bpfcert: unknown command 'veriyf', did you mean 'verify'? (`bpfcert help` lists the commands)\n");
  const Output far = run("frobnicate");
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_TRUE(has(far.err, "unknown command 'frobnicate' (")) << far.err;
  const Output none = run("");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_TRUE(has(none.err, "Subcommands:")) << none.err;
}

TEST_F(Cli, SameFlagNamesOnEveryCommand) {
  auto help = [&](const std::string& c) { return run(c + " --help").out; };
  for (const std::string c : {"conform", "prove", "precision", "mutate"}) EXPECT_TRUE(has(help(c), "-j,--jobs")) << c;
  for (const std::string c : {"run", "verify", "list", "conform", "prove", "precision"}) {
    EXPECT_TRUE(has(help(c), "-q,--quiet")) << c;
    EXPECT_TRUE(has(help(c), "--json")) << c;
  }
  for (const std::string c : {"run", "conform", "prove"}) EXPECT_TRUE(has(help(c), "-v,--verbose")) << c;
  for (const std::string c : {"asm", "disasm"}) EXPECT_TRUE(has(help(c), "-o,--output")) << c;
}

TEST_F(Cli, RunJsonReportMatchesItsSchema) {
  const auto p = write("ld.asm", "ldxw %r0, [%r1+0]\nexit\n");
  const Output ok = run("run " + p.string() + " --mem '01 02 03 04' --json -");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  const auto j = nlohmann::json::parse(ok.out);
  const auto schema = nlohmann::json::parse(bpfcert::reports::published_schema("run-1"));
  EXPECT_EQ(bpfcert::reports::validate_json(schema, j), std::vector<std::string>{});
  EXPECT_EQ(j["schema"], "bpfcert/run/1");
  EXPECT_EQ(j["runs"][0]["r0"], 0x04030201u);
  EXPECT_EQ(j["runs"][0]["steps"], 2u);
  EXPECT_EQ(j["input"]["kind"], "assembly");
  EXPECT_EQ(ok.err, "0x0000000004030201\n");  // the r0 line moves off standard output
  const Output trap = run("run " + p.string() + " --mem '01' --json " + (dir_ / "t.json").string());
  EXPECT_EQ(trap.exit_code, 1);
  const auto t = nlohmann::json::parse(bpfcert::cli::test_support::slurp(dir_ / "t.json"));
  EXPECT_EQ(bpfcert::reports::validate_json(schema, t), std::vector<std::string>{});
  EXPECT_EQ(t["verdict"], "trap");
  EXPECT_EQ(t["runs"][0]["trap"]["kind"], "out-of-bounds");
  EXPECT_EQ(t["runs"][0]["trap"]["pc"], 0);
  EXPECT_EQ(run("run -q " + p.string() + " --mem '01 02 03 04'").out, "");
  EXPECT_TRUE(has(run("run -v " + p.string() + " --mem '01 02 03 04'").err, "2 instructions executed"));
}

TEST_F(Cli, OptionsThatDoNotApplyAreErrors) {
  const auto p = write("p.asm", "mov %r0, 0\nexit\n");
  const Output section = run("verify " + p.string() + " --section xdp");
  EXPECT_EQ(section.exit_code, 2);
  EXPECT_EQ(section.err, "bpfcert verify: --section does not apply here: IN is not a BPF ELF object\n");
  EXPECT_EQ(run("run " + p.string() + " --packet x.pcap").exit_code, 2);
  EXPECT_EQ(run("verify " + p.string() + " --compare-kernel").exit_code, 2);
  const Output platform = run("verify " + p.string() + " --platform linx");
  EXPECT_EQ(platform.exit_code, 2);
  EXPECT_TRUE(has(platform.err, "unknown or unavailable platform 'linx', did you mean 'linux'?")) << platform.err;
  const Output type = run("verify " + p.string() + " --platform linux --program-type xpd");
  EXPECT_EQ(type.exit_code, 2);
  EXPECT_TRUE(has(type.err, "--program-type xpd: the linux platform has no such type, did you mean 'xdp'?")) << type.err;
}

TEST_F(Cli, PluginVersionRunsNothing) {
  const std::string cmd = std::string(BPFCERT_BINARY_DIR) + "/cli/bpfcert-plugin --version <" + write("prog", "95 00 00 00 00 00 00 00").string() +
                          " >" + (dir_ / "out").string();
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(bpfcert::cli::test_support::slurp(dir_ / "out").starts_with("bpfcert-plugin 0.")) << bpfcert::cli::test_support::slurp(dir_ / "out");
  const Output sub = run("plugin -V");
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_TRUE(sub.out.starts_with("bpfcert-plugin 0."));
}

TEST_F(Cli, DisasmWritesToAFileOrStandardOutput) {
  const auto p = write("p.asm", "mov %r0, 1\nexit\n");
  const std::string text = run("disasm " + p.string()).out;
  EXPECT_EQ(text, "    mov %r0, 1\n    exit\n");
  EXPECT_EQ(run("disasm " + p.string() + " -o " + (dir_ / "o.asm").string()).exit_code, 0);
  EXPECT_EQ(bpfcert::cli::test_support::slurp(dir_ / "o.asm"), text);
}

// SARIF rules link to docs/checks.md#<id>: every check has its entry there, with the
// catalogue's description and help (the text a finding's `help:` line shows).
TEST(Docs, EveryCheckHasItsEntryInChecksMd) {
  const std::string doc = bpfcert::cli::test_support::slurp(std::string(BPFCERT_SOURCE_DIR) + "/docs/checks.md");
  for (const bpfcert::verifier::CheckInfo& c : bpfcert::verifier::check_catalog()) {
    const std::string name = c.name;
    EXPECT_TRUE(has(doc, "<a id=\"" + name + "\"></a>\n## `" + name + "` (" + bpfcert::verifier::to_string(c.severity) + ")"))
        << name;
    std::string description = c.description;
    description[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(description[0])));
    EXPECT_TRUE(has(doc, description + ".")) << name << ": docs/checks.md lacks the catalogue's description";
    EXPECT_TRUE(has(doc, "**Fix:** " + std::string(c.help) + ".")) << name << ": docs/checks.md lacks the catalogue's help";
  }
}

}  // namespace
