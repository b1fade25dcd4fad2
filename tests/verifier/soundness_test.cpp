// Soundness cross-checks of the verifier against the reference interpreter:
// - every conformance corpus program (corpus/conformance/, corpus/samples/) and every program
//   made from an SMT counterexample (corpus/prover/): where the verifier
//   accepts, the program must not trap and its r0 must lie in the abstract r0;
// - a random-program campaign: accepted programs never trap on random inputs, r0 lies in the
//   abstract r0, and the concrete registers at every executed pc lie in the per-pc invariants
//   (checked by a small stepper built from the same semantics templates).
// A counterexample prints the program; it then becomes a case in corpus/verifier/.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <sstream>
#include <random>

#include "conformance/data_file.h"
#include "conformance/test_environment.h"
#include "interp/linux_context.h"
#include "semantics/assembly.h"
#include "semantics/operations.h"
#include "tests/verifier/verifier_test_support.h"
#include "verifier/conformance_platform.h"

namespace bpfcert::verifier::testing {
namespace {

namespace fs = std::filesystem;

// ---- corpora --------------------------------------------------------------------------------

std::vector<std::string> conformance_files() {
  std::vector<std::string> out;
  // corpus/prover: programs made from the SMT checker's counterexamples (bpfcert prove).
  std::vector<fs::path> dirs{fs::path(BPFCERT_CORPUS_DIR) / "conformance", fs::path(BPFCERT_CORPUS_DIR) / "prover"};
  if (const char* extra = std::getenv("BPFCERT_CONFORMANCE_CORPUS")) dirs.emplace_back(extra);
  for (const fs::path& dir : dirs) {
    if (!fs::exists(dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ".data") out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct CorpusOutcome {
  size_t files = 0, accepted = 0, skipped = 0;
  std::vector<std::string> failures;
};

void check_file(const std::string& path, const std::string& text, CorpusOutcome& o) {
  Case c;
  c.path = path;
  auto df = conformance::parse_data_file(text, path);
  if (!df.ok()) {
    ++o.skipped;
    return;
  }
  c.file = std::move(df.value());
  auto insns = c.file.instructions();
  if (!insns.ok()) {
    ++o.skipped;  // negative tests of the assembler or the decoder
    return;
  }
  semantics::ValidationOptions vo;
  vo.allow_extensions = true;
  auto prog = semantics::validate(std::move(insns.value()), vo);
  if (!prog.ok()) {
    ++o.skipped;  // programs the validator rejects never reach the verifier
    return;
  }
  c.program = std::move(prog.value());
  c.mem_size = c.file.mem.size();
  VerifierInput in;
  if (auto err = make_input(c, in)) {
    ++o.skipped;
    return;
  }
  ++o.files;
  auto r = verify(in);
  if (!r.ok()) {
    o.failures.push_back(path + ": " + r.error().to_string());
    return;
  }
  if (!r->accepted) return;
  ++o.accepted;
  if (auto bad = check_concrete(c, *r, 8, 1)) o.failures.push_back(path + ": " + *bad);
}

TEST(Soundness, ConformanceCorpusAndSamples) {
  CorpusOutcome o;
  for (const std::string& path : conformance_files()) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    check_file(path, ss.str(), o);
  }
  // The README's samples: assembler text with an optional NAME.mem of hex bytes.
  for (const auto& e : fs::directory_iterator(fs::path(BPFCERT_CORPUS_DIR) / "samples")) {
    if (e.path().extension() != ".asm") continue;
    std::ifstream in(e.path());
    std::ostringstream ss;
    ss << "-- asm\n" << in.rdbuf();
    fs::path mem = e.path();
    mem.replace_extension(".mem");
    if (fs::exists(mem)) {
      std::ifstream m(mem);
      ss << "\n-- mem\n" << m.rdbuf();
    }
    check_file(e.path().string(), ss.str(), o);
  }
  std::string failures;
  for (const std::string& f : o.failures) failures += "\n  " + f;
  EXPECT_TRUE(o.failures.empty()) << o.failures.size() << " unsound verdicts:" << failures;
  EXPECT_GT(o.accepted, 0u);
  std::cout << fmt::format("[ soundness ] {} programs verified, {} accepted and run, {} skipped\n", o.files,
                           o.accepted, o.skipped);
}

// ---- random programs ------------------------------------------------------------------------

// Mostly verifiable programs over the conformance platform (32 bytes of memory): ALU on
// scalars, masked memory indexes, stack spills, forward branches, counted loops, helpers.
class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  std::string program(bool with_helpers) {
    lines_.clear();
    label_ = 0;
    emit("mov %r0, 0");
    for (int r : {3, 4, 5, 9}) emit(fmt::format("mov %r{}, {}", r, imm()));
    stored_.assign(8, false);
    const int n = 4 + static_cast<int>(rng_() % 14);
    for (int i = 0; i < n; ++i) snippet(with_helpers, 0);
    if (rng_() % 2) emit(fmt::format("mov %r0, %r{}", scalar_reg()));
    emit("exit");
    std::string out;
    for (const std::string& l : lines_) out += l + "\n";
    return out;
  }

 private:
  void emit(std::string s) { lines_.push_back(std::move(s)); }
  int scalar_reg() { return std::array{0, 3, 4, 5, 9}[rng_() % 5]; }
  int64_t imm() {
    switch (rng_() % 4) {
      case 0: return static_cast<int64_t>(rng_() % 16);
      case 1: return static_cast<int64_t>(rng_() % 256) - 128;
      case 2: return static_cast<int32_t>(rng_());
      default: return std::array<int64_t, 6>{0, 1, -1, 31, 32, 63}[rng_() % 6];
    }
  }
  std::string alu_op() {
    static const char* ops[] = {"add", "sub", "mul", "div", "mod", "or", "and", "xor", "lsh", "rsh", "arsh", "mov"};
    return ops[rng_() % 12];
  }
  void alu() {
    const bool w32 = rng_() % 3 == 0;
    const std::string op = alu_op() + (w32 ? "32" : "");
    const int d = scalar_reg();
    if (rng_() % 2) {
      emit(fmt::format("{} %r{}, {}", op, d, imm()));
    } else {
      emit(fmt::format("{} %r{}, %r{}", op, d, scalar_reg()));
    }
    if (rng_() % 8 == 0) emit(fmt::format("neg %r{}", d));
    if (rng_() % 10 == 0) emit(fmt::format("{} %r{}", std::array{"be16", "be32", "le16", "bswap64"}[rng_() % 4], d));
  }
  void snippet(bool with_helpers, int depth) {
    if (rng_() % 6 == 0) {  // a branch on a linked copy (mov + constant add, or spill + fill)
      static const char* jops[] = {"jgt", "jge", "jlt", "jle", "jsgt", "jslt", "jeq", "jne"};
      const std::string end = fmt::format("L{}", label_++);
      const int x = scalar_reg();
      if (rng_() % 2) {
        emit(fmt::format("mov %r6, %r{}", x));
        emit(fmt::format("add %r6, {}", static_cast<int>(rng_() % 17) - 8));
      } else {
        emit(fmt::format("stxdw [%r10-64], %r{}", x));
        emit("ldxdw %r6, [%r10-64]");
      }
      emit(fmt::format("{} %r6, {}, {}", jops[rng_() % 8], imm(), end));
      snippet(with_helpers, depth + 1);
      emit(end + ":");
      return;
    }
    switch (rng_() % (depth > 0 ? 6 : 8)) {
      case 0:
      case 1: alu(); break;
      case 2: {  // a load at a constant offset, sometimes out of bounds
        const int size = std::array{1, 2, 4, 8}[rng_() % 4];
        const int off = rng_() % 16 == 0 ? 30 : static_cast<int>(rng_() % (33 - size));
        emit(fmt::format("{} %r{}, [%r1+{}]", std::array{"", "ldxb", "ldxh", "", "ldxw", "", "", "", "ldxdw"}[size],
                         scalar_reg(), off));
        break;
      }
      case 3: {  // a masked index
        const int mask = std::array{7, 15, 31, 24}[rng_() % 4];
        emit(fmt::format("mov %r6, %r{}", scalar_reg()));
        emit(fmt::format("and %r6, {}", mask));
        emit("mov %r7, %r1");
        emit("add %r7, %r6");
        emit(fmt::format("ldxb %r{}, [%r7+0]", scalar_reg()));
        break;
      }
      case 4: {  // stack spill and fill
        const int slot = static_cast<int>(rng_() % 7);
        const bool narrow = rng_() % 3 == 0;  // 4-byte spills and reloads, as clang does for w registers
        if (!stored_[static_cast<size_t>(slot)] || rng_() % 2) {
          emit(fmt::format("{} [%r10-{}], %r{}", narrow ? "stxw" : "stxdw", 8 * (slot + 1), scalar_reg()));
          stored_[static_cast<size_t>(slot)] = true;
        } else {
          emit(fmt::format("{} %r{}, [%r10-{}]", narrow ? "ldxw" : "ldxdw", scalar_reg(), 8 * (slot + 1)));
        }
        break;
      }
      case 5: {  // if (cond) { snippet }
        static const char* jops[] = {"jeq", "jne", "jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt", "jsle", "jset"};
        const std::string end = fmt::format("L{}", label_++);
        const std::string w = rng_() % 4 == 0 ? "32" : "";
        emit(fmt::format("{}{} %r{}, {}, {}", jops[rng_() % 11], w, scalar_reg(), imm(), end));
        snippet(with_helpers, depth + 1);
        emit(end + ":");
        break;
      }
      case 6: {  // a counted loop (r8 is its counter; the body never writes it)
        const std::string head = fmt::format("L{}", label_++);
        if (rng_() % 2 == 0) {
          // != exits with a start or a limit unknown to the verifier; some never terminate.
          const std::string end = fmt::format("L{}", label_++);
          const int x = scalar_reg();
          switch (rng_() % 3) {
            case 0:  // do { } while (--n), n in [1, 16], or in [0, 15] (0: 2^64 iterations)
              emit(fmt::format("mov %r8, %r{}", x));
              emit("and %r8, 15");
              if (rng_() % 4 != 0) emit("add %r8, 1");
              emit(head + ":");
              alu();
              emit("sub %r8, 1");
              emit(fmt::format("jne %r8, 0, {}", head));
              break;
            case 1:  // for (i = 0; i != n; i++), n in [0, 31] in r7, sometimes moving away
              emit(fmt::format("mov %r7, %r{}", x));
              emit("and %r7, 31");
              emit("mov %r8, 0");
              emit(head + ":");
              emit(fmt::format("jeq %r8, %r7, {}", end));
              alu();
              if (rng_() % 4 == 0) emit("add %r7, 1");
              emit("add %r8, 1");
              emit(fmt::format("ja {}", head));
              emit(end + ":");
              break;
            default:  // while (n--) with the test on the old value
              emit(fmt::format("mov %r8, %r{}", x));
              emit("and %r8, 7");
              emit(head + ":");
              emit("mov %r7, %r8");
              emit("sub %r8, 1");
              emit(fmt::format("jeq %r7, 0, {}", end));
              alu();
              emit(fmt::format("ja {}", head));
              emit(end + ":");
              break;
          }
          break;
        }
        emit("mov %r8, 0");
        emit(head + ":");
        alu();
        if (rng_() % 2) snippet(with_helpers, depth + 1);
        emit(fmt::format("add %r8, {}", 1 + rng_() % 3));
        emit(fmt::format("jlt %r8, {}, {}", 1 + rng_() % 20, head));
        break;
      }
      case 7:
        if (with_helpers) {
          emit(std::array{"call 7", "call 5", "call 8"}[rng_() % 3]);
          for (int r : {3, 4, 5}) emit(fmt::format("mov %r{}, {}", r, imm()));
        } else {
          alu();
        }
        break;
    }
  }

  std::mt19937_64 rng_;
  std::vector<std::string> lines_;
  std::vector<bool> stored_;
  int label_ = 0;
};

TEST(Soundness, RandomProgramCampaign) {
  const Platform& platform = conformance_platform();
  size_t accepted = 0, traced = 0;
  // Longer campaigns: BPFCERT_SOUNDNESS_PROGRAMS=N, another region of seeds: BPFCERT_SOUNDNESS_SEED.
  const char* count_env = std::getenv("BPFCERT_SOUNDNESS_PROGRAMS");
  const char* seed_env = std::getenv("BPFCERT_SOUNDNESS_SEED");
  const int programs = count_env != nullptr ? std::atoi(count_env) : 4000;
  const uint64_t seed0 = seed_env != nullptr ? std::strtoull(seed_env, nullptr, 0) : 0;
  for (int i = 0; i < programs; ++i) {
    Generator gen((seed0 + static_cast<uint64_t>(i)) * 7919 + 1);
    const bool helpers = i % 3 == 0;
    const std::string text = gen.program(helpers);
    auto insns = semantics::assemble(text, semantics::Syntax::Conformance);
    ASSERT_TRUE(insns.ok()) << insns.error().to_string() << "\n" << text;
    auto prog = semantics::validate(std::move(insns.value()));
    ASSERT_TRUE(prog.ok()) << prog.error().to_string() << "\n" << text;
    VerifierInput in;
    in.program = &prog.value();
    in.platform = &platform;
    in.program_type = "conformance";
    in.memory_size = 32;
    in.options.collect_invariants = true;
    auto r = verify(in);
    ASSERT_TRUE(r.ok());
    if (!r->accepted) continue;
    ++accepted;
    Case c;
    c.path = fmt::format("random program {}", i);
    c.program = prog.value();
    c.mem_size = 32;
    const auto bad = check_concrete(c, *r, 6, static_cast<uint64_t>(i));
    ASSERT_FALSE(bad) << *bad << "\n" << text;
    if (!helpers) {
      std::mt19937_64 rng(static_cast<uint64_t>(i));
      for (int run = 0; run < 4; ++run) {
        std::vector<uint8_t> mem(32);
        for (uint8_t& b : mem) b = static_cast<uint8_t>(rng() % 3 == 0 ? rng() % 4 : rng());
        alignas(8) uint8_t stack[512] = {};
        std::array<uint64_t, 11> regs{};
        regs[1] = reinterpret_cast<uint64_t>(mem.data());
        regs[2] = mem.size();
        regs[10] = reinterpret_cast<uint64_t>(stack) + sizeof stack;
        const auto trace = trace_against_invariants(
            prog.value(), *r, regs, {{PointerKind::Memory, regs[1], mem.size(), true}}, stack);
        ASSERT_FALSE(trace) << *trace << "\n" << text;
      }
      ++traced;
    }
  }
  // The generator aims at verifiable programs: a campaign that accepts few proves little.
  EXPECT_GT(accepted, static_cast<size_t>(programs / 4));
  std::cout << fmt::format("[ soundness ] {} random programs, {} accepted, {} traced against invariants\n", programs,
                           accepted, traced);
}

// Map sets: one helper call through either of two maps (`map = c ? &a : &b`), then a load or a
// store in the value it returns, at offsets around the smaller value's end. The programs update
// the chosen map first (through the same set), so hash maps hold the entry the lookup finds.
// Whatever the verifier accepts must run on every input without a trap.
TEST(Soundness, MapSetCampaign) {
  size_t accepted = 0, rejected = 0;
  for (int i = 0; i < 600; ++i) {
    std::mt19937_64 rng(static_cast<uint64_t>(i) * 104729 + 7);
    struct MapShape {
      bool hash;
      uint32_t key, value;
    };
    auto shape = [&] {
      const bool hash = rng() % 2 == 0;
      return MapShape{hash, hash ? std::array<uint32_t, 3>{4, 8, 12}[rng() % 3] : 4u,
                      std::array<uint32_t, 4>{4, 8, 16, 24}[rng() % 4]};
    };
    const MapShape a = shape(), b = shape();
    const uint32_t key = std::array<uint32_t, 4>{4, 8, 12, 16}[rng() % 4];
    const uint32_t value = std::array<uint32_t, 4>{4, 8, 16, 24}[rng() % 4];
    std::string text = fmt::format(
        "# @bpfcert map fd=1 type={} key={} value={} entries=4\n# @bpfcert map fd=2 type={} key={} value={} entries=4\n"
        "# @bpfcert mem-size 8\n-- asm\n",
        a.hash ? "hash" : "array", a.key, a.value, b.hash ? "hash" : "array", b.key, b.value);
    auto emit = [&](const std::string& line) { text += "    " + line + "\n"; };
    emit("ldxw %r6, [%r1+0]");
    // Key (zero: index 0 of an array) at r10-32, value bytes at r10-64, both written in full.
    for (int o = 8; o <= 64; o += 8) emit(fmt::format("stdw [%r10-{}], 0", o));
    auto pick_map = [&](int label) {
      emit("lddw %r1, map_fd 1");
      emit(fmt::format("jset %r6, {}, M{}", 1 << label, label));
      emit("lddw %r1, map_fd 2");
      text += fmt::format("M{}:\n", label);
    };
    pick_map(0);
    emit("mov %r2, %r10");
    emit(fmt::format("add %r2, -{}", 32 - (32 - key) / 2 * 0));
    emit("mov %r3, %r10");
    emit(fmt::format("add %r3, -{}", value + 32));
    emit("mov %r4, 0");
    emit("call 2");
    pick_map(1);
    emit("mov %r2, %r10");
    emit("add %r2, -32");
    emit("call 1");
    // Past a tail too long to be analysed once per path, or not.
    const int pad = rng() % 2 == 0 ? 20 : 2;
    emit("mov %r7, 0");
    for (int k = 0; k < pad; ++k) emit("add %r7, 1");
    emit("jeq %r0, 0, out");
    const int size = std::array<int, 4>{1, 2, 4, 8}[rng() % 4];
    const uint32_t smaller = std::min(a.value, b.value);
    const int off = std::max(0, static_cast<int>(smaller) - size + static_cast<int>(rng() % 5) - 2);
    const char* w = size == 1 ? "b" : size == 2 ? "h" : size == 4 ? "w" : "dw";
    if (rng() % 2 == 0) {
      emit(fmt::format("ldx{} %r0, [%r0+{}]", w, off));
    } else {
      emit(fmt::format("st{} [%r0+{}], 7", w, off));
    }
    emit("mov %r0, 0");
    text += "out:\n";
    emit("exit");
    Case c;
    c.path = fmt::format("map set program {}", i);
    auto df = conformance::parse_data_file(text, c.path);
    ASSERT_TRUE(df.ok()) << df.error().to_string() << "\n" << text;
    c.file = std::move(df.value());
    auto insns = c.file.instructions();
    ASSERT_TRUE(insns.ok()) << insns.error().to_string() << "\n" << text;
    auto prog = semantics::validate(std::move(insns.value()));
    ASSERT_TRUE(prog.ok()) << prog.error().to_string() << "\n" << text;
    c.program = std::move(prog.value());
    c.mem_size = 8;
    VerifierInput in;
    ASSERT_FALSE(make_input(c, in)) << text;
    auto r = verify(in);
    ASSERT_TRUE(r.ok());
    if (!r->accepted) {
      ++rejected;
      continue;
    }
    ++accepted;
    const auto bad = check_concrete(c, *r, 6, static_cast<uint64_t>(i));
    ASSERT_FALSE(bad) << *bad << "\n" << text;
  }
  // Both verdicts occur: offsets straddle the smaller value's end.
  EXPECT_GT(accepted, 100u);
  EXPECT_GT(rejected, 100u);
  std::cout << fmt::format("[ soundness ] map sets: {} accepted, {} rejected\n", accepted, rejected);
}

// Ring buffer records: bpf_ringbuf_reserve, then stores, copies (a register, a stack spill),
// releases (bpf_ringbuf_submit or _discard) through any copy, on branches taken or not by the
// packet's first bytes, and early exits. Whatever the verifier accepts runs on random packets:
// no trap (a store into a released record traps, its memory being no longer the program's; a
// second release faults in the helper), r0 in the abstract r0, and no record left reserved when
// the program ends (a leak).
TEST(Soundness, RingBufferRecordCampaign) {
  size_t accepted = 0, rejected = 0;
  for (int i = 0; i < 500; ++i) {
    std::mt19937_64 rng(static_cast<uint64_t>(i) * 7919 + 3);
    const int size = std::array<int, 3>{8, 16, 24}[rng() % 3];
    std::string text =
        "# @bpfcert map fd=1 type=ringbuf key=0 value=0 entries=4096 name=events\n-- asm\n";
    auto emit = [&](const std::string& line) { text += "    " + line + "\n"; };
    int label = 0;
    // r9: the packet's first 8 bytes (0 when shorter), the bits the branches test.
    emit("ldxw %r2, [%r1+0]");
    emit("ldxw %r3, [%r1+4]");
    emit("mov %r9, 0");
    emit("mov %r4, %r2");
    emit("add %r4, 8");
    emit("jgt %r4, %r3, P");
    emit("ldxdw %r9, [%r2+0]");
    text += "P:\n";
    emit("lddw %r1, map_fd 1");
    emit(fmt::format("mov %r2, {}", size));
    emit("mov %r3, 0");
    emit("call 131");
    emit("mov %r6, %r0");
    if (rng() % 8 != 0) emit(rng() % 2 == 0 ? "jeq %r0, 0, out" : "jeq %r6, 0, out");
    bool copied = false, spilled = false;
    // A copy of the record: r6, r7 (after a copy) or the spill reloaded into r1.
    auto record = [&]() -> std::string {
      const int pick = static_cast<int>(rng() % 3);
      if (pick == 1 && copied) return "%r7";
      if (pick == 2 && spilled) {
        emit("ldxdw %r1, [%r10-8]");
        return "%r1";
      }
      return "%r6";
    };
    auto release = [&] {
      const std::string r = record();
      if (r != "%r1") emit("mov %r1, " + r);
      emit("mov %r2, 0");
      emit(rng() % 2 == 0 ? "call 132" : "call 133");
    };
    auto store = [&] {
      const int w = std::array<int, 4>{1, 2, 4, 8}[rng() % 4];
      // Mostly inside the record, sometimes across an end.
      const int off = rng() % 6 == 0 ? static_cast<int>(rng() % static_cast<uint64_t>(size + 4)) - 2
                                     : static_cast<int>(rng() % static_cast<uint64_t>(size - w + 1));
      const char* suffix = w == 1 ? "b" : w == 2 ? "h" : w == 4 ? "w" : "dw";
      const std::string r = record();
      emit(fmt::format("st{} [{}{:+}], 1", suffix, r, off));
    };
    auto branch = [&](const std::function<void()>& body) {
      const int l = label++;
      emit(fmt::format("jset %r9, {}, L{}", 1 << (l % 30), l));
      body();
      text += fmt::format("L{}:\n", l);
    };
    const int steps = 1 + static_cast<int>(rng() % 5);
    for (int k = 0; k < steps; ++k) {
      switch (rng() % 8) {
        case 0:
          emit("mov %r7, %r6");
          copied = true;
          break;
        case 1:
          emit("stxdw [%r10-8], %r6");
          spilled = true;
          break;
        case 2:
          if (rng() % 3 == 0) {  // an early exit, holding the record
            branch([&] {
              emit("mov %r0, 2");
              emit("exit");
            });
          }
          break;
        default: store(); break;
      }
    }
    // How the record ends: released once (on every path, or on a branch that then exits), twice
    // on some path, used after its release, or never released.
    switch (rng() % 8) {
      case 0:
        branch([&] {
          release();
          emit("mov %r0, 1");
          emit("exit");
        });
        release();
        break;
      case 1:
        branch(release);
        if (rng() % 2 == 0) release();
        break;
      case 2:
        release();
        store();
        break;
      case 3: break;
      default: release(); break;
    }
    text += "out:\n";
    emit("mov %r0, 2");
    emit("exit");

    Case c;
    c.path = fmt::format("ring buffer program {}", i);
    c.platform = "linux";
    c.program_type = "xdp";
    auto df = conformance::parse_data_file(text, c.path);
    ASSERT_TRUE(df.ok()) << df.error().to_string() << "\n" << text;
    c.file = std::move(df.value());
    auto insns = c.file.instructions();
    ASSERT_TRUE(insns.ok()) << insns.error().to_string() << "\n" << text;
    auto prog = semantics::validate(std::move(insns.value()));
    ASSERT_TRUE(prog.ok()) << prog.error().to_string() << "\n" << text;
    c.program = std::move(prog.value());
    VerifierInput in;
    ASSERT_FALSE(make_input(c, in)) << text;
    auto r = verify(in);
    ASSERT_TRUE(r.ok());
    if (!r->accepted) {
      ++rejected;
      continue;
    }
    ++accepted;
    for (int run = 0; run < 8; ++run) {
      interp::Environment env;
      auto built = conformance::build_test_environment(c.file, env);
      ASSERT_TRUE(built.ok()) << built.error().to_string();
      interp::add_linux_helpers(env, interp::LinuxContextKind::Xdp);
      auto linked = interp::link(c.program, env);
      ASSERT_TRUE(linked.ok()) << linked.error().to_string();
      interp::LinuxRunOptions ro;
      ro.kind = interp::LinuxContextKind::Xdp;
      ro.packet.resize(run == 0 ? 4 : 8 + rng() % 8);
      for (uint8_t& b : ro.packet) b = static_cast<uint8_t>(rng());
      auto lr = interp::LinuxRun::create(ro);
      ASSERT_TRUE(lr.ok()) << lr.error().to_string();
      const interp::Interpreter vm(*linked, env);
      const interp::RunResult out = vm.run((*lr)->invocation(), (*lr)->run_options);
      ASSERT_FALSE(out.trapped) << "accepted program trapped: " << out.trap.to_string() << "\n" << text;
      ASSERT_TRUE(r->exit_r0 && domain::scalar_contains<uint64_t>(*r->exit_r0, out.r0)) << text;
      for (size_t m = 0; m < env.map_count(); ++m) {
        const auto* live = env.map_at(m).live_records();
        ASSERT_TRUE(live == nullptr || live->empty()) << "accepted program ended holding a record\n" << text;
      }
    }
  }
  // Both verdicts occur: releases are skipped, repeated and done through stale copies.
  EXPECT_GT(accepted, 100u);
  EXPECT_GT(rejected, 100u);
  std::cout << fmt::format("[ soundness ] ring buffer records: {} accepted, {} rejected\n", accepted, rejected);
}

}  // namespace
}  // namespace bpfcert::verifier::testing
