#include "conformance/mutate.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <thread>

#include "conformance/engine_target.h"
#include "reports/output.h"

namespace bpfcert::conformance {

using semantics::AluOp;
using semantics::Encoding;
using semantics::JmpOp;
using semantics::Kind;
using semantics::Operand;
using semantics::Width;

namespace {

// Pairs of operations a VM may confuse, each in both directions.
template <class Op>
using OpPairs = std::vector<std::pair<Op, Op>>;

const OpPairs<AluOp> kAluSignedness = {{AluOp::Rsh, AluOp::Arsh}, {AluOp::Div, AluOp::Sdiv}, {AluOp::Mod, AluOp::Smod}};
const OpPairs<JmpOp> kJmpSignedness = {
    {JmpOp::Jgt, JmpOp::Jsgt}, {JmpOp::Jge, JmpOp::Jsge}, {JmpOp::Jlt, JmpOp::Jslt}, {JmpOp::Jle, JmpOp::Jsle}};
const OpPairs<JmpOp> kJmpOffByOne = {
    {JmpOp::Jgt, JmpOp::Jge}, {JmpOp::Jlt, JmpOp::Jle}, {JmpOp::Jsgt, JmpOp::Jsge}, {JmpOp::Jslt, JmpOp::Jsle}};
// a > b is b < a: a VM that swaps the operands runs jgt as jlt.
const OpPairs<JmpOp> kJmpSwap = {
    {JmpOp::Jgt, JmpOp::Jlt}, {JmpOp::Jge, JmpOp::Jle}, {JmpOp::Jsgt, JmpOp::Jslt}, {JmpOp::Jsge, JmpOp::Jsle}};

template <class Op>
std::optional<Op> partner(const OpPairs<Op>& pairs, Op op) {
  for (const auto& [a, b] : pairs) {
    if (a == op) return b;
    if (b == op) return a;
  }
  return std::nullopt;
}

// The row of the table that matches `want`, or nullptr.
const Encoding* find_row(const std::function<bool(const Encoding&)>& want) {
  for (const Encoding& e : semantics::encodings()) {
    if (want(e)) return &e;
  }
  return nullptr;
}

bool same_shape(const Encoding& a, const Encoding& b) { return a.kind == b.kind && a.operand == b.operand; }

std::string describe_as(const Encoding& from, const Encoding& as, std::string_view what) {
  return fmt::format("{} executed as {} ({})", from.id, as.id, what);
}

void add(std::vector<Mutant>& out, std::string family, const Encoding& from, const Encoding* as, std::string_view what) {
  if (as == nullptr || as == &from) return;
  Mutant m;
  m.id = fmt::format("{}:{}>{}", family, from.id, as->id);
  m.family = std::move(family);
  m.description = describe_as(from, *as, what);
  m.fault.from = &from;
  m.fault.as = as;
  out.push_back(std::move(m));
}

// A 64-bit operation that takes its immediate zero-extended instead of sign-extended.
void add_zero_extended_imm(std::vector<Mutant>& out, const Encoding& r) {
  Mutant m;
  m.id = fmt::format("extension:{}", r.id);
  m.family = "extension";
  m.description = fmt::format("{} with its immediate zero-extended, not sign-extended", r.id);
  m.fault.from = &r;
  m.fault.zero_extend_imm = true;
  out.push_back(std::move(m));
}

void alu_mutants(std::vector<Mutant>& out, const Encoding& r) {
  const AluOp op = r.alu_op();
  const bool end = op == AluOp::ToLe || op == AluOp::ToBe || op == AluOp::Bswap;
  if (!end) {
    add(out, "width", r, find_row([&](const Encoding& e) {
          return same_shape(e, r) && e.alu_op() == op && e.width != r.width && e.size == r.size;
        }),
        r.width == Width::W32 ? "64-bit operation: no zero extension of the upper half" : "32-bit operation");
  }
  if (auto p = partner(kAluSignedness, op)) {
    add(out, "signedness", r, find_row([&](const Encoding& e) {
          return same_shape(e, r) && e.alu_op() == *p && e.width == r.width;
        }),
        "signed and unsigned confused");
  }
  if (op == AluOp::Movsx) {
    add(out, "extension", r, find_row([&](const Encoding& e) {
          return same_shape(e, r) && e.alu_op() == AluOp::Mov && e.width == r.width;
        }),
        "no sign extension");
  }
  if (end) {
    for (const unsigned bits : {16u, 32u, 64u}) {
      add(out, "size", r, find_row([&](const Encoding& e) {
            return same_shape(e, r) && e.alu_op() == op && e.size == bits && bits != r.size;
          }),
          bits > r.size ? "no truncation to the swapped width" : "too few bytes swapped");
    }
    if (op != AluOp::Bswap) {
      add(out, "byte-order", r, find_row([&](const Encoding& e) {
            return same_shape(e, r) && e.alu_op() == (op == AluOp::ToLe ? AluOp::ToBe : AluOp::ToLe) && e.size == r.size;
          }),
          "the other byte order");
    }
  }
  // 64-bit operations take the immediate sign-extended. Shifts mask their count to 6 bits,
  // which sign and zero extension leave alike, so they have no such mutant.
  const bool shift = op == AluOp::Lsh || op == AluOp::Rsh || op == AluOp::Arsh;
  if (r.operand == Operand::Imm && r.width == Width::W64 && !shift) {
    add_zero_extended_imm(out, r);
  }
}

void jump_mutants(std::vector<Mutant>& out, const Encoding& r) {
  const JmpOp op = r.jmp_op();
  if (op == JmpOp::Ja) return;
  add(out, "width", r, find_row([&](const Encoding& e) {
        return same_shape(e, r) && e.jmp_op() == op && e.width != r.width;
      }),
      r.width == Width::W32 ? "64-bit comparison" : "32-bit comparison");
  auto pair_mutant = [&](const OpPairs<JmpOp>& pairs, const char* family, const char* what) {
    if (auto p = partner(pairs, op)) {
      add(out, family, r, find_row([&](const Encoding& e) {
            return same_shape(e, r) && e.jmp_op() == *p && e.width == r.width;
          }),
          what);
    }
  };
  pair_mutant(kJmpSignedness, "signedness", "signed and unsigned confused");
  pair_mutant(kJmpOffByOne, "off-by-one", "strict and non-strict comparison confused");
  pair_mutant(kJmpSwap, "operand-swap", "operands swapped");
  if (r.operand == Operand::Imm && r.width == Width::W64) {
    add_zero_extended_imm(out, r);
  }
}

void memory_mutants(std::vector<Mutant>& out, const Encoding& r) {
  for (const unsigned size : {1u, 2u, 4u, 8u}) {
    if (size == r.size) continue;
    add(out, "size", r, find_row([&](const Encoding& e) {
          if (!same_shape(e, r) || e.size != size) return false;
          switch (r.kind) {
            case Kind::Load: return e.sign_extend == r.sign_extend;
            case Kind::Atomic: return e.atomic_op() == r.atomic_op() && e.fetch == r.fetch;
            case Kind::PacketLoad:
            case Kind::Store: return true;
            default: return false;
          }
        }),
        fmt::format("{} bytes accessed instead of {}", size, r.size));
  }
  if (r.kind == Kind::Load) {
    add(out, "extension", r, find_row([&](const Encoding& e) {
          return same_shape(e, r) && e.size == r.size && e.sign_extend != r.sign_extend;
        }),
        r.sign_extend ? "no sign extension" : "sign extension where the load zero-extends");
  }
  if (r.kind == Kind::Atomic) {
    add(out, "fetch", r, find_row([&](const Encoding& e) {
          return same_shape(e, r) && e.size == r.size && e.atomic_op() == r.atomic_op() && e.fetch != r.fetch;
        }),
        r.fetch ? "the old value not written back" : "the old value written back");
  }
}

std::vector<Mutant> derive() {
  std::vector<Mutant> out;
  for (const Encoding& r : semantics::encodings()) {
    switch (r.kind) {
      case Kind::Alu: alu_mutants(out, r); break;
      case Kind::Jump: jump_mutants(out, r); break;
      case Kind::Load:
      case Kind::Store:
      case Kind::Atomic:
      case Kind::PacketLoad: memory_mutants(out, r); break;
      default: break;
    }
  }
  for (unsigned reg = 6; reg <= 10; ++reg) {
    Mutant m;
    m.id = fmt::format("restore:r{}", reg);
    m.family = "restore";
    m.description = fmt::format("r{} not restored when a local call returns", reg);
    m.fault.restored = static_cast<uint16_t>(interp::Fault::kCalleeSaved & ~(1u << reg));
    out.push_back(std::move(m));
  }
  return out;
}

bool makes_local_calls(const TestCase& t) {
  for (const Encoding* e : t.encodings) {
    if (e->kind == Kind::Call &&
        (e->call_kind() == semantics::CallKind::Local || e->call_kind() == semantics::CallKind::Indirect)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool Mutant::touches(const TestCase& test) const {
  if (fault.from == nullptr) return makes_local_calls(test);
  for (const Encoding* e : test.encodings) {
    if (e == fault.from) return true;
  }
  return false;
}

const std::vector<Mutant>& mutants() {
  static const std::vector<Mutant> all = derive();
  return all;
}

std::vector<const Mutant*> mutants_giving(const TestCase& test, uint64_t r0) {
  RunSettings settings;
  settings.allow_extensions = true;
  // A mutant that loops is cut short: the reference's budget is plenty for a single fault that
  // reproduces a completed run.
  settings.max_steps = 1'000'000;
  std::vector<const Mutant*> out;
  for (const Mutant& m : mutants()) {
    if (!m.touches(test)) continue;
    const EngineRun r = run_on_engine(test, settings, interp::EngineKind::Interpreter, &m.fault);
    if (r.run.actual == fmt::format("{:#x}", r0)) out.push_back(&m);
  }
  return out;
}

semantics::Result<reports::MutationReport> measure_corpus(const MutationOptions& options) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  std::optional<std::regex> include, exclude;
  try {
    if (!options.include_regex.empty()) include.emplace(options.include_regex, std::regex::ECMAScript);
    if (!options.exclude_regex.empty()) exclude.emplace(options.exclude_regex, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return semantics::Error{semantics::ErrorCode::UsageError, {}, fmt::format("bad regular expression: {}", e.what())};
  }
  auto files = find_tests(options.test_paths);
  if (!files.ok()) return files.error();
  std::vector<TestFile> selected;
  for (const TestFile& f : *files) {
    if ((include && !std::regex_search(f.name, *include)) || (exclude && std::regex_search(f.name, *exclude))) continue;
    selected.push_back(f);
  }

  const std::vector<Mutant>& all = mutants();
  // Per test: whether it passed on the reference (why not, when not), and which mutants it kills.
  struct Row {
    bool used = false;
    std::string not_used;
    std::vector<size_t> touched, killed;
  };
  std::vector<Row> rows(selected.size());
  RunSettings settings;
  settings.allow_extensions = true;  // every group: the corpus is measured, not a VM's claim
  std::atomic<size_t> next{0}, done{0}, runs{0};
  std::mutex progress_mutex;
  auto worker = [&] {
    for (size_t i = next++; i < selected.size(); i = next++) {
      Row& row = rows[i];
      auto test = load_test_case(selected[i].path, selected[i].name);
      if (!test.ok()) {
        row.not_used = fmt::format("{}: cannot read the test: {}", selected[i].name, test.error().to_string());
      } else if (!test->unsupported.empty() || test->expect == ExpectKind::None) {
        row.not_used = fmt::format("{}: not a test bpfcert runs", selected[i].name);
      } else {
        const EngineRun reference = run_on_engine(*test, settings, interp::EngineKind::Interpreter);
        if (reference.run.outcome != Outcome::Passed) {
          row.not_used = fmt::format("{}: {} on the reference: {}", selected[i].name, to_string(reference.run.outcome),
                                     reference.run.message);
        } else {
          row.used = true;
          // A mutant that turns a loop into a longer one is caught by its budget, not waited for.
          RunSettings mutant_settings = settings;
          mutant_settings.max_steps = 2 * reference.steps + 1000;
          for (size_t m = 0; m < all.size(); ++m) {
            if (!all[m].touches(*test)) continue;
            row.touched.push_back(m);
            const EngineRun r = run_on_engine(*test, mutant_settings, interp::EngineKind::Interpreter, &all[m].fault);
            ++runs;
            if (r.run.outcome != Outcome::Passed) row.killed.push_back(m);
          }
        }
      }
      const size_t n = ++done;
      if (options.progress) {
        std::lock_guard lock(progress_mutex);
        options.progress(n, selected.size());
      }
    }
  };
  const unsigned jobs = std::max(1u, std::min<unsigned>(options.jobs, static_cast<unsigned>(std::max<size_t>(1, selected.size()))));
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();

  reports::MutationReport report;
  report.tool_version = options.tool_version;
  report.test_paths = options.test_paths;
  report.include_regex = options.include_regex;
  report.exclude_regex = options.exclude_regex;
  report.jobs = jobs;
  report.min_kills = options.min_kills;
  report.started_at = reports::utc_timestamp();
  report.mutants.resize(all.size());
  for (size_t m = 0; m < all.size(); ++m) {
    report.mutants[m] = {all[m].id, all[m].family, all[m].description, all[m].equivalent, 0, {}};
  }
  for (size_t i = 0; i < selected.size(); ++i) {
    const Row& row = rows[i];
    if (!row.used) {
      report.not_used.push_back(row.not_used);
      continue;
    }
    report.tests.push_back(selected[i].name);
    for (size_t m : row.touched) ++report.mutants[m].tests_run;
    for (size_t m : row.killed) report.mutants[m].killed_by.push_back(selected[i].name);
  }
  report.runs = runs;
  report.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return report;
}

}  // namespace bpfcert::conformance
