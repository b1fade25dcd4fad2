// The analyzer: abstract interpretation of a program over the CFG (cfg.h) with the state of
// state.h, the scalar domain of domain/scalar.h and the platform's tables. This file sets a
// run up (strides, thresholds, the entry state), runs the main program's fixpoint and collects
// the results; analyzer_impl.h says where each other part lives, and each part's file opens
// with the reasoning behind its design: the join of paths (fixpoint.cpp), calls by call
// string (calls.cpp), termination by counter relations (loops.cpp), soundness first and
// assertions as data (checker.cpp, assertions.h).
#include "verifier/analyzer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "verifier/analyzer_impl.h"

namespace bpfcert::verifier {

namespace {

// Tails of joins (Cfg::duplicate_tails) copied per path when at most this many instructions.
constexpr size_t kMaxDuplicatedTail = 16;

}  // namespace

namespace detail {

VerificationResult Analyzer::run() {
  const auto t0 = std::chrono::steady_clock::now();
  for (const CfgProblem& p : cfg_.problems) {
    Finding f;
    f.check = p.check;
    f.pc = static_cast<int64_t>(p.pc);
    f.message = p.message;
    f.severity = check_info(p.check).severity;
    add_finding(std::move(f));
  }
  const bool structural = std::any_of(cfg_.problems.begin(), cfg_.problems.end(),
                                      [](const CfgProblem& p) { return p.check != CheckId::CfgUnreachable; });
  loop_bound_.assign(cfg_.loops.size(), std::nullopt);
  loop_failed_.assign(cfg_.loops.size(), false);
  stack_usage_.assign(cfg_.subprograms.size(), 0);
  probe_load_.assign(prog_.size(), false);
  if (in_.options.collect_invariants) invariants_.assign(prog_.size(), State{});
  find_strides();
  find_loop_writes();
  find_thresholds();
  if (!structural) {
    sub_stack_.push_back(0);
    try {
      check_ = true;
      (void)analyze_function(0, entry_state(), true);
    } catch (const BudgetExceeded&) {
      check_ = true;
      Finding f;
      f.check = CheckId::AnalysisBudget;
      f.pc = -1;
      f.message = fmt::format("the analysis exceeded {} instruction transfers; nothing is proven",
                              in_.options.max_transfers);
      add_finding(std::move(f));
    }
    check_call_chains();
  }
  VerificationResult result = results();
  if (structural || exit_r0_bad_) result.exit_r0.reset();
  result.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

// Widening thresholds: the constants jumps compare with (and their neighbours), region sizes.
void Analyzer::find_thresholds() {
  std::set<int64_t> th{0, -1, 1, static_cast<int64_t>(plat_.stack_size), -static_cast<int64_t>(plat_.stack_size)};
  for (size_t pc = 0; pc < prog_.size(); ++pc) {
    const auto& row = prog_.row(pc);
    if (row.kind == Kind::Jump && row.operand == Operand::Imm) {
      const int64_t k = prog_.insns[pc].imm;
      for (int64_t d = -1; d <= 1; ++d) th.insert(k + d);
    }
  }
  if (in_.memory_size) th.insert(static_cast<int64_t>(*in_.memory_size));
  for (const MapDescriptor& m : in_.maps) th.insert(m.value_size);
  for (const VariableDescriptor& v : in_.variables) th.insert(v.size);
  th.insert(type_.context.size);
  for (int64_t x : th) {
    thresholds_.s.push_back(x);
    thresholds_.u.push_back(static_cast<uint64_t>(x));
  }
  std::sort(thresholds_.u.begin(), thresholds_.u.end());
}

// r10 the frame's top; r1 the context, or the memory (r2 its size, r3 and r4 a context).
State Analyzer::entry_state() const {
  State entry;
  entry.bottom = false;
  entry.frames.push_back(plat_.zeroed_stack ? zero_frame_ : empty_frame_);
  entry.regs[10] = Value::pointer(PointerKind::Stack, 0, scalar_const(0));
  if (type_.entry != ProgramType::Entry::Context) {
    Value mem = Value::pointer(PointerKind::Memory, 0, scalar_const(0));
    mem.nullable = in_.memory_size.value_or(0) == 0;
    mem.id = mem.nullable ? kEntryIdBase : 0;
    entry.regs[1] = mem;
    entry.regs[2] = Value::scalar(in_.memory_size ? scalar_const(*in_.memory_size) : scalar_range(0, 0xffffffffull));
    if (type_.entry == ProgramType::Entry::MemoryAndContext) {
      Value ctx = Value::pointer(PointerKind::Context, 0, scalar_const(0));
      ctx.nullable = type_.context.size == 0;
      ctx.id = ctx.nullable ? kEntryIdBase + 1 : 0;
      entry.regs[3] = ctx;
      entry.regs[4] = Value::scalar(scalar_const(type_.context.size));
    }
  } else {
    entry.regs[1] = Value::pointer(PointerKind::Context, 0, scalar_const(0));
  }
  return entry;
}

// Combined stack of every call chain (Linux's rule: frames rounded up to 32 bytes).
void Analyzer::check_call_chains() {
  for (const auto& [pc, subs] : chains_) {
    uint64_t total = 0;
    std::string parts;
    for (size_t sp : subs) {
      const uint64_t used = (static_cast<uint64_t>(std::max<int64_t>(stack_usage_[sp], 1)) + 31) / 32 * 32;
      total += used;
      parts += fmt::format("{}pc {}: {}", parts.empty() ? "" : ", ", cfg_.subprograms[sp].entry_pc, used);
    }
    if (plat_.combined_stack_size != 0 && total > plat_.combined_stack_size &&
        findings_.count(FindingKey{static_cast<int64_t>(pc), CheckId::FrameSize}) == 0) {
      Finding f;
      f.check = CheckId::FrameSize;
      f.pc = static_cast<int64_t>(pc);
      f.message = fmt::format("the call chain reaching this call uses {} bytes of stack ({}), more than {}", total,
                              parts, plat_.combined_stack_size);
      add_finding(std::move(f));
    }
  }
}

VerificationResult Analyzer::results() {
  VerificationResult result;
  for (auto& [k, f] : findings_) result.findings.push_back(std::move(f));
  result.accepted = std::none_of(result.findings.begin(), result.findings.end(),
                                 [](const Finding& f) { return f.severity == Severity::Error; });
  result.exit_r0 = exit_r0_;
  for (size_t pc = 0; pc < probe_load_.size(); ++pc) {
    if (probe_load_[pc]) result.probe_loads.push_back(pc);
  }
  for (size_t l = 0; l < cfg_.loops.size(); ++l) {
    result.loops.push_back({cfg_.blocks[cfg_.loops[l].header].first, loop_failed_[l] ? std::nullopt : loop_bound_[l]});
  }
  if (in_.options.collect_invariants) {
    for (size_t pc = 0; pc < invariants_.size(); ++pc) {
      const State& st = invariants_[pc];
      if (st.bottom) continue;
      Invariant inv;
      inv.pc = pc;
      for (size_t r = 0; r < 11; ++r) inv.registers[r] = view(st.regs[r], &in_);
      inv.stack = describe_stack(st, &in_);
      result.invariants.push_back(std::move(inv));
    }
  }
  stats_.instructions = prog_.size();
  stats_.blocks = cfg_.blocks.size();
  stats_.loops = cfg_.loops.size();
  stats_.subprograms = cfg_.subprograms.size();
  stats_.contexts = contexts_.size();
  result.stats = stats_;
  return result;
}

}  // namespace detail

namespace detail {
// The one place an UncheckedPermit is made from a verification (semantics/unchecked_permit.h).
struct PermitIssuer {
  static semantics::UncheckedPermit issue(const VerifierInput& in) {
    std::vector<semantics::UncheckedPermit::MapShape> maps;
    for (const MapDescriptor& m : in.maps) maps.push_back({m.value_size, m.max_entries});
    std::vector<std::pair<int32_t, uint64_t>> variables;
    for (const VariableDescriptor& v : in.variables) variables.emplace_back(v.id, v.size);
    std::ranges::sort(variables);
    return semantics::UncheckedPermit(*in.program, in.program_type, in.memory_size, std::move(maps),
                                      std::move(variables));
  }
};
}  // namespace detail

semantics::Result<VerificationResult> verify(const VerifierInput& input) {
  using semantics::Error;
  using semantics::ErrorCode;
  if (input.program == nullptr || input.platform == nullptr || input.program->size() == 0) {
    return Error{ErrorCode::UsageError, {}, "verify: no program or no platform"};
  }
  const ProgramType* type = input.platform->find_program_type(input.program_type);
  if (type == nullptr) {
    return Error{ErrorCode::UsageError, {},
                 fmt::format("platform {} has no program type '{}'", input.platform->name, input.program_type)};
  }
  if (input.platform->stack_size > static_cast<uint32_t>(kFrameBytes) || input.platform->max_call_frames < 1) {
    return Error{ErrorCode::UsageError, {}, "platform stack size above 512 bytes or no call frames"};
  }
  const auto t0 = std::chrono::steady_clock::now();
  Cfg cfg = Cfg::build(*input.program);
  cfg.duplicate_tails(*input.program, kMaxDuplicatedTail, std::max<size_t>(256, input.program->size()));
  // A program whose context or exit values are its own (a tracing program's attach target's
  // arguments, the return value its attach type allows).
  ProgramType own;
  if (input.context || input.return_range) {
    own = *type;
    if (input.context) own.context = *input.context;
    if (input.return_range) own.return_range = *input.return_range;
    type = &own;
  }
  detail::Analyzer analyzer(input, *type, cfg);
  VerificationResult r = analyzer.run();
  // Never for probe loads: the unchecked JIT's loads fault where they would give 0.
  if (r.accepted && r.probe_loads.empty() && type->entry == ProgramType::Entry::MemoryAndLength) {
    r.unchecked_permit = detail::PermitIssuer::issue(input);
  }
  r.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace bpfcert::verifier
