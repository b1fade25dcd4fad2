// The JIT's code pages (interp/jit/code_pages.cpp): how compiled code is installed (memfd or
// the mprotect fallback), pooled, recycled, given back, shared across threads and forks, and
// never writable and executable at once. Part of jit_tests, which runs once more on the
// fallback (tests/jit/CMakeLists.txt).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "interp/jit/jit.h"
#include "interp/link.h"
#include "semantics/assembly.h"

namespace bpfcert::interp {
namespace {

// Code pages (interp/jit/code_pages.cpp). Compiled code is installed either by pwrite() into a
// memfd mapped only read + execute (CodeInstall::Memfd, the default) or, in the fallback, by
// copying into read + write pages that mprotect() then makes read + execute. The tests below
// run on both: jit_force_mprotect(true) selects the fallback in-process, and the whole suite
// runs a second time with BPFCERT_JIT_MPROTECT=1 (tests/jit/CMakeLists.txt, "mprotect:"
// prefix), where the memfd-only tests skip.

// Selects the fallback for as long as it lives (or not), then goes back to the default.
class InstallMode {
 public:
  explicit InstallMode(CodeInstall mode) { jit_force_mprotect(mode == CodeInstall::Mprotect); }
  ~InstallMode() { jit_force_mprotect(false); }
  InstallMode(const InstallMode&) = delete;
  InstallMode& operator=(const InstallMode&) = delete;
};

const char* install_name(CodeInstall mode) { return mode == CodeInstall::Memfd ? "memfd" : "mprotect"; }

// The mechanisms this process can test: the fallback always, the memfd unless the environment
// forces the fallback.
std::vector<CodeInstall> install_modes() {
  std::vector<CodeInstall> modes;
  if (jit_code_install() == CodeInstall::Memfd) modes.push_back(CodeInstall::Memfd);
  modes.push_back(CodeInstall::Mprotect);
  return modes;
}

bool environment_forces_mprotect() {
  const char* v = std::getenv("BPFCERT_JIT_MPROTECT");
  return v != nullptr && *v != '\0' && std::string_view(v) != "0";
}

struct Mapping {
  uint64_t start = 0, end = 0;
  std::string perms, path, line;
};

std::vector<Mapping> mappings() {
  std::vector<Mapping> out;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    Mapping m;
    m.line = line;
    std::istringstream in(line);
    std::string range, offset, dev, inode;
    in >> range >> m.perms >> offset >> dev >> inode;
    const size_t dash = range.find('-');
    m.start = std::stoull(range.substr(0, dash), nullptr, 16);
    m.end = std::stoull(range.substr(dash + 1), nullptr, 16);
    std::getline(in >> std::ws, m.path);
    out.push_back(std::move(m));
  }
  return out;
}

constexpr std::string_view kJitMemfd = "/memfd:bpfcert-jit";

bool is_jit_memfd(const Mapping& m) { return m.path.starts_with(kJitMemfd); }

// The first mapping that is writable and executable, or one of the JIT's memfd that is anything
// but read + execute (shared); empty when there is none.
std::string bad_mapping() {
  for (const Mapping& m : mappings()) {
    if (m.perms.find('w') != std::string::npos && m.perms.find('x') != std::string::npos) return m.line;
    if (is_jit_memfd(m) && m.perms != "r-xs") return m.line;
  }
  return {};
}

// The mapping holding `address`.
Mapping mapping_of(const void* address) {
  const auto a = reinterpret_cast<uint64_t>(address);
  for (Mapping& m : mappings()) {
    if (m.start <= a && a < m.end) return m;
  }
  return {};
}

// "r0 = value, then `adds` times r0 += 1", compiled, with what the Jit refers to (the program
// and its linked form must outlive it).
struct Compiled {
  semantics::Program program;
  LinkedProgram linked;
  std::unique_ptr<Jit> jit;
  uint64_t expected = 0;
};

std::unique_ptr<Compiled> compile_sum(Environment& env, uint64_t value, int adds) {
  std::string text = fmt::format("lddw %r0, {:#x}\n", value);
  for (int k = 0; k < adds; ++k) text += "add %r0, 1\n";
  text += "exit\n";
  auto c = std::make_unique<Compiled>();
  auto prog = semantics::validate(*semantics::assemble_any(text));
  if (!prog.ok()) return nullptr;
  c->program = std::move(prog.value());
  auto linked = link(c->program, env);
  if (!linked.ok()) return nullptr;
  c->linked = std::move(linked.value());
  auto jit = Jit::compile(c->linked, env);
  if (!jit.ok()) return nullptr;
  c->jit = std::move(jit.value());
  c->expected = value + static_cast<uint64_t>(adds);
  return c;
}

// Runs it; true when it returned what it should.
bool runs_right(const Compiled& c) {
  const RunResult r = c.jit->run(Invocation{});
  return !r.trapped && r.r0 == c.expected;
}

TEST(Jit, CodeIsNeverWritableAndExecutable) {
  for (CodeInstall mode : install_modes()) {
    SCOPED_TRACE(install_name(mode));
    InstallMode install(mode);
    Runner r("mov %r0, 1\nexit");
    EXPECT_EQ(r.run(EngineKind::Jit).result.r0, 1u);
    semantics::Program prog = *semantics::validate(*semantics::assemble_any("mov %r0, 1\nexit"));
    Environment env;
    auto linked = link(prog, env);
    ASSERT_TRUE(linked.ok());
    auto jit = Jit::compile(*linked, env);
    ASSERT_TRUE(jit.ok());
    EXPECT_EQ((*jit)->code_install(), mode);
    EXPECT_EQ((*jit)->run(Invocation{}).r0, 1u);
    EXPECT_GT(mappings().size(), 0u);
    EXPECT_EQ(bad_mapping(), "");
    EXPECT_GT((*jit)->code_size(), 0u);
    // The code is where the mechanism says: the memfd, or anonymous pages.
    const Mapping m = mapping_of((*jit)->code().data());
    EXPECT_EQ(m.perms.substr(0, 3), "r-x") << m.line;
    EXPECT_EQ(is_jit_memfd(m), mode == CodeInstall::Memfd) << m.line;
  }
}

TEST(Jit, UsesTheMemfdUnlessTheEnvironmentAsksForTheFallback) {
  // Hosts that refuse executable memfd mappings (seccomp, SELinux execmem) fall back on their
  // own; the development and CI hosts do not refuse them, so the memfd must be in use here.
  EXPECT_EQ(jit_code_install(), environment_forces_mprotect() ? CodeInstall::Mprotect : CodeInstall::Memfd);
  {
    InstallMode install(CodeInstall::Mprotect);
    EXPECT_EQ(jit_code_install(), CodeInstall::Mprotect);
  }
  Environment env;
  auto c = compile_sum(env, 5, 1);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->jit->code_install(), jit_code_install());
  EXPECT_TRUE(runs_right(*c));
}

// With the memfd, no mapping of it is ever writable: its mappings are read + execute and
// shared, from the first compile through recycling, programs of one and of several pages, and
// programs too large for a chunk (their own mapping).
TEST(Jit, MemfdMappingsAreNeverWritable) {
  if (jit_code_install() != CodeInstall::Memfd) GTEST_SKIP() << "the memfd is not in use (BPFCERT_JIT_MPROTECT)";
  Environment env;
  std::vector<std::unique_ptr<Compiled>> kept;
  for (uint32_t i = 0; i < 200; ++i) {
    const int adds = i % 50 == 0 ? 20000 : i % 7 == 0 ? 1500 : 1;  // 20000: beyond a chunk
    auto c = compile_sum(env, i, adds);
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(c->jit->code_install(), CodeInstall::Memfd);
    EXPECT_TRUE(runs_right(*c)) << i;
    if (i % 20 == 0) {
      const Mapping m = mapping_of(c->jit->code().data());
      EXPECT_TRUE(is_jit_memfd(m)) << m.line;
      EXPECT_EQ(m.perms, "r-xs") << m.line;
      EXPECT_EQ(bad_mapping(), "");
    }
    if (i % 3 == 0) kept.push_back(std::move(c));
  }
  size_t memfd_mappings = 0;
  for (const Mapping& m : mappings()) {
    if (!is_jit_memfd(m)) continue;
    ++memfd_mappings;
    EXPECT_EQ(m.perms, "r-xs") << m.line;
    EXPECT_NE(m.path.find("(deleted)"), std::string::npos) << m.line;  // no name in any file system
  }
  EXPECT_GT(memfd_mappings, 0u);
  for (const auto& c : kept) EXPECT_TRUE(runs_right(*c));
}

// Code pages are pooled and recycled (interp/jit/code_pages.cpp): compile and free more programs
// than a recycling batch, of one and of several pages, and check each runs its own code (not
// what a previous program left in a recycled block) and that no mapping is ever writable and
// executable (nor, with the memfd, writable at all). On both mechanisms.
TEST(Jit, RecycledCodePagesRunTheirOwnCodeAndAreNeverWritableAndExecutable) {
  for (CodeInstall mode : install_modes()) {
    SCOPED_TRACE(install_name(mode));
    InstallMode install(mode);
    Environment env;
    std::vector<std::unique_ptr<Compiled>> kept;  // some stay alive across batches
    for (uint32_t i = 0; i < 300; ++i) {
      // Every 7th program is long enough for several pages. A recycled block that got only
      // the new code, not the padding, would still hold the tail of a longer program.
      const int adds = i % 7 == 0 ? 3000 : i % 2 == 0 ? 1 : 40;
      auto c = compile_sum(env, i, adds);
      ASSERT_NE(c, nullptr);
      EXPECT_EQ(c->jit->code_install(), mode);
      EXPECT_TRUE(runs_right(*c)) << i;
      const std::span<const uint8_t> code = c->jit->code();
      const auto* end = code.data() + code.size();
      const size_t padding = (4096 - code.size() % 4096) % 4096;
      EXPECT_TRUE(std::all_of(end, end + padding, [](uint8_t b) { return b == 0; })) << "stale bytes after " << i;
      if (i % 5 == 0) kept.push_back(std::move(c));
      if (i % 50 == 0) {
        EXPECT_EQ(bad_mapping(), "");
      }
    }
    for (const auto& c : kept) EXPECT_TRUE(runs_right(*c));
    kept.clear();
    EXPECT_EQ(bad_mapping(), "");
  }
}

// Jits from both mechanisms alive at once, freed in any order, each back to its own pool.
TEST(Jit, MechanismsCanBeSwitchedWhileJitsAreAlive) {
  Environment env;
  std::vector<std::unique_ptr<Compiled>> alive;
  for (uint32_t i = 0; i < 200; ++i) {
    const CodeInstall mode = install_modes()[i % install_modes().size()];
    InstallMode install(mode);
    auto c = compile_sum(env, 1000 + i, i % 9 == 0 ? 1500 : 2);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->jit->code_install(), mode);
    alive.push_back(std::move(c));
    if (i % 4 == 3) alive.erase(alive.begin() + static_cast<std::ptrdiff_t>(i % alive.size()));
  }
  for (const auto& c : alive) EXPECT_TRUE(runs_right(*c));
  EXPECT_EQ(bad_mapping(), "");
}

// Compiles on several threads at once (the pool has one mutex; writing the code runs outside
// it): every thread's programs, fresh and kept alive, return their own values. Then again with
// a thread switching mechanisms while the others compile.
TEST(Jit, ConcurrentCompilesRunTheirOwnCode) {
  auto hammer = [](uint64_t thread, int rounds, std::atomic<int>& wrong) {
    Environment env;  // one per thread: environments are not shared across threads
    std::vector<std::unique_ptr<Compiled>> kept;
    for (int i = 0; i < rounds; ++i) {
      const int adds = i % 25 == 0 ? 1500 : i % 3 == 0 ? 60 : 1;
      auto c = compile_sum(env, (thread << 32) | static_cast<uint64_t>(i), adds);
      if (c == nullptr || !runs_right(*c)) {
        ++wrong;
        continue;
      }
      if (i % 4 == 0) kept.push_back(std::move(c));
      if (kept.size() > 16) kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(i % 16));
      for (const auto& k : kept) {
        if (!runs_right(*k)) ++wrong;
      }
    }
  };
  constexpr int kThreads = 6, kRounds = 150;
  for (CodeInstall mode : install_modes()) {
    SCOPED_TRACE(install_name(mode));
    InstallMode install(mode);
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) threads.emplace_back(hammer, t + 1, kRounds, std::ref(wrong));
    for (auto& t : threads) t.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_EQ(bad_mapping(), "");
  }
  std::atomic<int> wrong{0};
  std::atomic<bool> done{false};
  std::thread flipper([&] {
    for (bool force = true; !done.load(); force = !force) {
      jit_force_mprotect(force);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    jit_force_mprotect(false);
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(hammer, t + 100, kRounds, std::ref(wrong));
  for (auto& t : threads) t.join();
  done = true;
  flipper.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(bad_mapping(), "");
}

// Bytes of memory the JIT's memfds hold (their allocated blocks, holes excluded).
uint64_t memfd_bytes_allocated() {
  uint64_t total = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (ec || !target.starts_with(kJitMemfd)) continue;
    struct stat st {};
    if (stat(entry.path().c_str(), &st) == 0) total += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  return total;
}

uint64_t memfd_bytes_mapped() {
  uint64_t total = 0;
  for (const Mapping& m : mappings()) {
    if (is_jit_memfd(m)) total += m.end - m.start;
  }
  return total;
}

// The pool keeps at most 1024 free pages (interp/jit/code_pages.cpp, kMaxPooledPages); blocks freed beyond
// that are unmapped and, with the memfd, their part of the file is given back (a hole). The
// blocks left in the pool are reused and run their new code.
TEST(Jit, FreedCodePagesBeyondThePoolsBoundAreGivenBack) {
  constexpr uint64_t kPage = 4096, kBound = 1024 * kPage, kChunk = 64 * kPage;
  for (CodeInstall mode : install_modes()) {
    SCOPED_TRACE(install_name(mode));
    InstallMode install(mode);
    const bool memfd = mode == CodeInstall::Memfd;
    const uint64_t mapped_before = memfd_bytes_mapped(), allocated_before = memfd_bytes_allocated();
    Environment env;
    std::vector<std::unique_ptr<Compiled>> alive;
    for (uint32_t i = 0; i < 1500; ++i) {
      alive.push_back(compile_sum(env, 20000 + i, 1));
      ASSERT_NE(alive.back(), nullptr);
    }
    if (memfd) {
      // (Before may include a chunk not carved yet.)
      EXPECT_GE(memfd_bytes_mapped(), 1500 * kPage);
      EXPECT_GE(memfd_bytes_allocated(), 1500 * kPage);
    }
    for (const auto& c : alive) EXPECT_TRUE(runs_right(*c));
    alive.clear();
    if (memfd) {
      // What stays: the pool's 1024 pages, the chunk being carved and what was there before.
      EXPECT_LE(memfd_bytes_mapped(), mapped_before + kBound + kChunk);
      EXPECT_LE(memfd_bytes_allocated(), allocated_before + kBound + kChunk);
    }
    for (uint32_t i = 0; i < 1200; ++i) {
      alive.push_back(compile_sum(env, 40000 + i, i % 2 == 0 ? 1 : 40));
      ASSERT_NE(alive.back(), nullptr);
      EXPECT_TRUE(runs_right(*alive.back()));
    }
    alive.clear();
    EXPECT_EQ(bad_mapping(), "");
  }
}

// A child shares the parent's MAP_SHARED mappings rather than getting copies, so after a fork
// neither may write code into the file they share: the parent frees a Jit the child still
// runs and compiles more, the child compiles its own; each must keep running its own code.
TEST(Jit, ParentAndForkedChildNeverOverwriteEachOthersCode) {
  if (jit_code_install() != CodeInstall::Memfd) GTEST_SKIP() << "the memfd is not in use (BPFCERT_JIT_MPROTECT)";
  Environment env;
  std::vector<std::unique_ptr<Compiled>> before;  // alive in both processes
  for (uint32_t i = 0; i < 40; ++i) {
    before.push_back(compile_sum(env, 7000 + i, i % 10 == 0 ? 1500 : 1));
    ASSERT_NE(before.back(), nullptr);
  }
  // Some free blocks in the pool at the fork: both sides would take them first.
  for (uint32_t i = 0; i < 20; ++i) ASSERT_NE(compile_sum(env, 1, 1), nullptr);
  int go[2], back[2];
  ASSERT_EQ(pipe(go), 0);
  ASSERT_EQ(pipe(back), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child: no gtest assertions here, the exit status says what went wrong.
    close(go[1]);
    close(back[0]);
    char byte = 0;
    if (read(go[0], &byte, 1) != 1) _exit(10);  // the parent has freed and reused blocks
    for (const auto& c : before) {
      if (!runs_right(*c)) _exit(11);
    }
    std::vector<std::unique_ptr<Compiled>> mine;
    for (uint32_t i = 0; i < 60; ++i) {
      mine.push_back(compile_sum(env, 9000 + i, i % 10 == 0 ? 1500 : 1));
      if (mine.back() == nullptr || !runs_right(*mine.back())) _exit(12);
      if (mine.back()->jit->code_install() != CodeInstall::Memfd) _exit(13);
    }
    if (!bad_mapping().empty()) _exit(14);
    if (write(back[1], &byte, 1) != 1) _exit(15);  // now the parent checks its own
    if (read(go[0], &byte, 1) != 1) _exit(16);     // and has compiled more
    for (const auto& c : mine) {
      if (!runs_right(*c)) _exit(17);
    }
    for (const auto& c : before) {
      if (!runs_right(*c)) _exit(18);
    }
    _exit(0);
  }
  close(go[0]);
  close(back[1]);
  auto child_exit_status = [pid] {
    int status = 0;
    return waitpid(pid, &status, 0) == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  // The parent frees half of what the child still runs and compiles as many programs of the
  // same sizes, which would land in those very blocks if the file were still shared.
  std::vector<std::unique_ptr<Compiled>> after;
  for (size_t i = 0; i < before.size(); i += 2) before[i].reset();
  for (uint32_t i = 0; i < 60; ++i) {
    after.push_back(compile_sum(env, 8000 + i, i % 10 == 0 ? 1500 : 1));
    ASSERT_NE(after.back(), nullptr);
    EXPECT_TRUE(runs_right(*after.back()));
  }
  char byte = 1;
  ASSERT_EQ(write(go[1], &byte, 1), 1);
  if (read(back[0], &byte, 1) != 1) {  // the child has compiled its programs, or stopped
    FAIL() << "the child stopped early, exit status " << child_exit_status() << " (see its _exit codes)";
  }
  for (const auto& c : after) EXPECT_TRUE(runs_right(*c));
  for (const auto& c : before) {
    if (c != nullptr) {
      EXPECT_TRUE(runs_right(*c));
    }
  }
  after.clear();
  for (uint32_t i = 0; i < 60; ++i) {
    after.push_back(compile_sum(env, 8500 + i, i % 10 == 0 ? 1500 : 1));
    ASSERT_NE(after.back(), nullptr);
  }
  ASSERT_EQ(write(go[1], &byte, 1), 1);
  EXPECT_EQ(child_exit_status(), 0) << "see the child's _exit codes";
  for (const auto& c : after) EXPECT_TRUE(runs_right(*c));
  EXPECT_EQ(bad_mapping(), "");
  close(go[1]);
  close(back[0]);
}

}  // namespace
}  // namespace bpfcert::interp
