// Every program of the repository's corpora on the interpreter and on the JIT: the same r0 or
// trap (kind and pc), the same steps, the same memory. The conformance corpus itself checks
// expected values (conformance runner); this checks that the JIT is the interpreter on it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "conformance/data_file.h"
#include "conformance/test_environment.h"
#include "interp/helpers.h"
#include "interp/jit/jit.h"
#include "semantics/assembly.h"

namespace bpfcert {
namespace {

namespace fs = std::filesystem;

struct Program {
  std::vector<semantics::Insn> insns;
  std::vector<uint8_t> memory;
  std::optional<conformance::DataFile> data;
};

// Runs on both engines; empty when they agree (or the file is not a runnable program).
std::string compare_engines(const Program& p, const std::string& name) {
  semantics::ValidationOptions vopt;
  vopt.allow_extensions = true;
  auto valid = semantics::validate(p.insns, vopt);
  if (!valid.ok()) return {};  // a validation test: nothing to run
  interp::RunResult results[2];
  std::vector<uint8_t> memories[2];
  for (int engine = 0; engine < 2; ++engine) {
    interp::Environment env;
    if (p.data) {
      if (!conformance::build_test_environment(*p.data, env).ok()) return {};
    } else {
      interp::add_standard_helpers(env);
      interp::add_test_helpers(env);
    }
    auto linked = interp::link(*valid, env);
    if (!linked.ok()) return {};
    auto vm = engine == 0 ? interp::make_engine(interp::EngineKind::Interpreter, *linked, env)
                          : interp::make_engine(interp::EngineKind::Jit, *linked, env);
    // The JIT refuses what it does not compile (may_goto): nothing to compare, never a miscompile.
    if (!vm.ok() && engine == 1 && vm.error().code == semantics::ErrorCode::ExtensionDisabled) return {};
    if (!vm.ok()) return name + ": " + vm.error().to_string();
    memories[engine] = p.memory;
    results[engine] = (*vm)->run(interp::memory_invocation(memories[engine]), interp::RunOptions{});
  }
  const auto& a = results[0];
  const auto& b = results[1];
  const bool same = a.trapped == b.trapped && a.steps == b.steps &&
                    (a.trapped ? a.trap.kind == b.trap.kind && a.trap.pc == b.trap.pc : a.r0 == b.r0);
  if (!same) {
    return name + ": interp " + (a.trapped ? a.trap.to_string() : std::to_string(a.r0)) + " / jit " +
           (b.trapped ? b.trap.to_string() : std::to_string(b.r0));
  }
  if (memories[0] != memories[1]) return name + ": memory differs";
  return {};
}

size_t run_folder(const fs::path& dir) {
  size_t ran = 0;
  if (!fs::exists(dir)) return 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const fs::path& path = entry.path();
    Program p;
    if (path.extension() == ".data") {
      auto file = conformance::read_data_file(path.string());
      if (!file.ok()) continue;
      auto insns = file->instructions();
      if (!insns.ok()) continue;
      p.insns = std::move(insns.value());
      p.memory = file->mem;
      p.data = std::move(file.value());
    } else if (path.extension() == ".asm") {
      std::ifstream in(path);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      auto insns = semantics::assemble_any(text);
      if (!insns.ok()) continue;
      p.insns = std::move(insns.value());
      fs::path mem = path;
      mem.replace_extension(".mem");
      if (fs::exists(mem)) {
        std::ifstream m(mem);
        const std::string hex((std::istreambuf_iterator<char>(m)), std::istreambuf_iterator<char>());
        auto bytes = conformance::parse_hex_bytes(hex, mem.string());
        if (bytes.ok()) p.memory = std::move(bytes.value());
      }
    } else {
      continue;
    }
    ++ran;
    const std::string diff = compare_engines(p, path.string());
    EXPECT_TRUE(diff.empty()) << diff;
  }
  return ran;
}

TEST(CorpusParity, Samples) { EXPECT_GT(run_folder(fs::path(BPFCERT_CORPUS_DIR) / "samples"), 0u); }

TEST(CorpusParity, ConformanceCorpus) {
  const fs::path dir = fs::path(BPFCERT_CORPUS_DIR) / "conformance";
  if (!fs::exists(dir)) GTEST_SKIP() << "corpus/conformance is not in this checkout yet";
  EXPECT_GT(run_folder(dir), 0u);
}

}  // namespace
}  // namespace bpfcert
