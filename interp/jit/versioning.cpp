// Loop versioning in code generation (the analysis is loops.cpp). A versioned loop's header
// gets an entry test: the trip-count bound of the latch, then each range of the loop's accesses
// against the region it would be tested against inline (loops.h). When every range passes, the
// run continues in a copy of the loop whose accesses in those ranges are not checked; otherwise
// it falls through into the checked loop, whose back edge returns to its own header, past the
// test. Both copies charge the step budget alike, so a budget trap has the interpreter's pc and
// steps in either, and the checked copy traps on a bad access exactly as before.
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "interp/jit/emitter.h"

namespace bpfcert::interp::jit {

using semantics::JmpOp;
using semantics::Kind;

void Emitter::find_loops() {
  const size_t n = prog_.size();
  loop_of_.assign(n, -1);
  header_loop_.assign(n, -1);
  // Unchecked mode has no checks to drop; callx may enter any instruction.
  if (!checked() || has_callx_) return;
  auto found = find_versioned_loops(
      prog_, [this](size_t pc, uint8_t reg) { return likely_region(pc, reg); },
      [](int region) { return region == kCheckRegion || region == kCheckStack; });
  for (VersionedLoop& loop : found) {
    // Two back edges to one header give two loops sharing instructions: version the first.
    if (std::any_of(loop.pcs.begin(), loop.pcs.end(), [this](size_t pc) { return loop_of_[pc] >= 0; })) continue;
    const int index = static_cast<int>(loops_.size());
    for (size_t pc : loop.pcs) loop_of_[pc] = index;
    header_loop_[loop.header] = index;
    loops_.push_back(std::move(loop));
    checked_header_.push_back(a_.newLabel());
  }
}

// The label a jump at pc to target goes to: the checked loop's back edge skips its entry test;
// in a copy charged per iteration, a side exit first gives back the steps of the iteration it
// did not run.
asmjit::Label Emitter::jump_target(size_t pc, size_t target) {
  if (fast_ == nullptr && !header_loop_.empty() && header_loop_[target] >= 0 && loop_of_[pc] == header_loop_[target]) {
    return checked_header_[static_cast<size_t>(header_loop_[target])];
  }
  if (fast_ != nullptr && iteration_steps_ > 0 && loop_of_[target] != loop_of_[pc]) {
    const auto position = static_cast<size_t>(std::find(fast_->path.begin(), fast_->path.end(), pc) -
                                              fast_->path.begin());
    const uint64_t refund = iteration_steps_ - (position + 1);
    if (refund == 0) return labels_[target];
    const asmjit::Label stub = a_.newLabel(), to = labels_[target];
    cold_.push_back([this, stub, to, refund] {
      a_.bind(stub);
      a_.add(kBudget, static_cast<int32_t>(refund));
      a_.jmp(to);
    });
    return stub;
  }
  return labels_[target];
}

// Whether the copy without checks may charge the budget once per iteration rather than per
// segment: an iteration is one path from the header to the latch (every other edge leaves the
// loop) and none of its instructions can trap (every access proven at entry), so an iteration
// runs whole or leaves at a known position, and the steps it did not run are given back.
// Exact counting only (the other modes charge loop headers alike in both copies anyway).
bool Emitter::charges_per_iteration(const VersionedLoop& loop) const {
  if (options_.counting != StepCounting::Exact || loop.path.empty()) return false;
  for (size_t pc : loop.pcs) {
    const auto& row = prog_.row(pc);
    const auto& insn = prog_.insns[pc];
    if (row.kind == Kind::Atomic) return false;
    if ((row.kind == Kind::Load || row.kind == Kind::Store) && loop.range_of[pc] < 0 &&
        !elided(row.kind == Kind::Load ? insn.src : insn.dst, insn.off, row.size)) {
      return false;
    }
  }
  return true;
}

// At the header, reached from outside the loop: jumps to the copy without checks when every
// range of the loop lies in its region for all the iterations the latch allows, and falls
// through to the checked loop otherwise. Scratch: r10, r11 and the frame's scratch slot.
void Emitter::emit_loop_entry(size_t index) {
  const VersionedLoop& loop = loops_[index];
  const asmjit::Label checked_loop = checked_header_[index];
  const asmjit::Label fast = a_.newLabel();
  if (options_.listing) {
    const std::string line = fmt::format("entry test of the loop at pc {} (its copy without checks follows the body)",
                                         loop.header);
    a_.comment(line.data(), line.size());
  }
  const bool counted = std::any_of(loop.ranges.begin(), loop.ranges.end(), [](const AccessRange& r) {
    return r.counter >= 0;
  });
  if (counted) {
    // r11 = N, the number of header visits the latch allows (at least 1), from the counter's
    // value c here, its stride s (|s| = 2^shift) and the bound b. A loop that would run once,
    // or whose counter could wrap around before the latch stops it, takes the checked loop.
    const x86::Gp c = kReg[loop.counter];
    const int64_t s = loop.counter_stride;
    const auto m = static_cast<uint32_t>(s > 0 ? s : -s);
    const auto shift = static_cast<uint32_t>(__builtin_ctz(m));
    if (loop.bound_is_reg) {
      a_.mov(kT1, kReg[loop.bound_reg]);
    } else {
      load_imm(kT1, static_cast<uint64_t>(loop.bound_imm));
    }
    JmpOp op = loop.op;
    if (op == JmpOp::Jle) {  // c <= b is c < b + 1, unless b + 1 wraps
      a_.add(kT1, 1);
      a_.jb(checked_loop);
      op = JmpOp::Jlt;
    }
    if (op == JmpOp::Jge) {  // c >= b is c > b - 1, unless b is 0 (always true)
      a_.sub(kT1, 1);
      a_.jb(checked_loop);
      op = JmpOp::Jgt;
    }
    if (op == JmpOp::Jlt) {
      // c < b; the last value reached, below b + s, must not wrap: b + s < 2^64.
      a_.cmp(c, kT1);
      a_.jae(checked_loop);
      a_.mov(kT0, kT1);
      a_.add(kT0, static_cast<int32_t>(m));
      a_.jb(checked_loop);
      a_.sub(kT1, c);  // N = ceil((b - c) / s)
      if (m > 1) {
        a_.add(kT1, static_cast<int32_t>(m - 1));
        a_.shr(kT1, shift);
      }
    } else if (op == JmpOp::Jgt) {
      // c > b, counting down; the last value reached, above b - |s|, must not wrap: b >= |s| - 1.
      a_.cmp(c, kT1);
      a_.jbe(checked_loop);
      if (m > 1) {
        a_.cmp(kT1, static_cast<int32_t>(m - 1));
        a_.jb(checked_loop);
      }
      a_.mov(kT0, c);
      a_.sub(kT0, kT1);  // N = ceil((c - b) / |s|)
      if (m > 1) {
        a_.add(kT0, static_cast<int32_t>(m - 1));
        a_.shr(kT0, shift);
      }
      a_.mov(kT1, kT0);
    } else {  // Jne: the counter must reach b exactly, from below (s > 0) or above
      if (s > 0) {
        a_.cmp(c, kT1);
        a_.jae(checked_loop);
        a_.sub(kT1, c);
      } else {
        a_.cmp(c, kT1);
        a_.jbe(checked_loop);
        a_.mov(kT0, c);
        a_.sub(kT0, kT1);
        a_.mov(kT1, kT0);
      }
      if (m > 1) {
        a_.test(kT1.r32(), static_cast<uint32_t>(m - 1));
        a_.jnz(checked_loop);
        a_.shr(kT1, shift);
      }
    }
    // N < 2^32 keeps (N - 1) * |stride| (|stride| <= 2^30) exact; the frame keeps N - 1.
    a_.mov(kT0, kT1);
    a_.shr(kT0, 32);
    a_.jnz(checked_loop);
    a_.sub(kT1, 1);
    a_.mov(frame(F(scratch)), kT1);
  }
  for (const AccessRange& r : loop.ranges) {
    // r10 = the lowest address - region start, r11 = the range's bytes; in the region when
    // bytes <= limit and r10 <= limit - bytes (limits for 1-byte accesses: the region's size).
    const x86::Mem start = frame(r.region == kCheckStack ? F(stack_lo) : F(region_start));
    const x86::Mem lim = frame(r.region == kCheckStack ? F(stack_lim)
                               : r.write                ? F(region_write_lim)
                                                        : F(region_read_lim));
    const int64_t t = r.counter >= 0 ? r.stride : 0;
    const auto lo = static_cast<int32_t>(r.lo);
    const auto width = static_cast<int32_t>(r.hi - r.lo);
    if (r.base >= 0 && r.counter >= 0) {
      a_.lea(kT0, x86::ptr(kReg[r.base], kReg[r.counter], 0, lo));
    } else {
      a_.lea(kT0, x86::ptr(kReg[r.base >= 0 ? r.base : r.counter], lo));
    }
    if (t != 0) {
      a_.mov(kT1, frame(F(scratch)));
      if (t != 1 && t != -1) a_.imul(kT1, kT1, static_cast<int32_t>(t < 0 ? -t : t));  // the counter's travel
      if (t < 0) a_.sub(kT0, kT1);
      a_.add(kT1, width);
    } else {
      a_.mov(kT1.r32(), static_cast<uint32_t>(width));
    }
    a_.sub(kT0, start);
    a_.cmp(kT1, lim);
    a_.ja(checked_loop);
    a_.neg(kT1);
    a_.add(kT1, lim);
    a_.cmp(kT0, kT1);
    a_.ja(checked_loop);
  }
  a_.jmp(fast);
  cold_.push_back([this, index, fast] { emit_unchecked_copy(index, fast); });
}

// The loop once more, its pcs in order, with labels of its own (the header's is `entry`):
// accesses in a range the entry test proved go unchecked; jumps out of the loop go to the
// checked code's labels; a fall-through to an instruction that is not next here is a jump.
void Emitter::emit_unchecked_copy(size_t index, asmjit::Label entry) {
  const VersionedLoop& loop = loops_[index];
  std::vector<asmjit::Label> saved;
  saved.reserve(loop.pcs.size());
  for (size_t pc : loop.pcs) {
    saved.push_back(labels_[pc]);
    labels_[pc] = pc == loop.header ? entry : a_.newLabel();
    annotated_[pc] = 0;  // listed again, in this copy
  }
  if (options_.listing) {
    const std::string line = fmt::format("loop at pc {} without its checks ({} ranges tested at its entry)",
                                         loop.header, loop.ranges.size());
    a_.comment(line.data(), line.size());
  }
  // The copy is reached only by jumps (the entry test's and its own), so padding before its
  // header never runs: align it, as compilers align loops (a tight loop across a 64-byte
  // boundary costs a second fetch per iteration on some cores).
  a_.align(asmjit::AlignMode::kCode, 64);
  fast_ = &loop;
  fast_index_ = index;
  iteration_steps_ = charges_per_iteration(loop) ? loop.pcs.size() : 0;
  for (size_t i = 0; i < loop.pcs.size(); ++i) {
    const size_t last = emit_at(loop.pcs[i]);
    while (i + 1 < loop.pcs.size() && loop.pcs[i + 1] <= last) ++i;
    const auto& row = prog_.row(last);
    const size_t nx = next_pc(last);
    const bool falls = row.kind != Kind::Exit && semantics::falls_through(row);
    if (falls && (i + 1 == loop.pcs.size() || loop.pcs[i + 1] != nx)) a_.jmp(jump_target(last, nx));
  }
  fast_ = nullptr;
  iteration_steps_ = 0;
  for (size_t i = 0; i < loop.pcs.size(); ++i) labels_[loop.pcs[i]] = saved[i];
}

// At the header of a copy charged per iteration: the whole iteration's steps. When the budget
// cannot pay them, the iteration runs in the checked loop instead, which charges segment by
// segment and ends the run exactly where the interpreter does.
void Emitter::emit_iteration_charge() {
  const asmjit::Label short_budget = a_.newLabel(), checked_loop = checked_header_[fast_index_];
  const auto steps = static_cast<int32_t>(iteration_steps_);
  a_.sub(kBudget, steps);
  a_.jb(short_budget);
  cold_.push_back([this, short_budget, checked_loop, steps] {
    a_.bind(short_budget);
    a_.add(kBudget, steps);
    a_.jmp(checked_loop);
  });
}

// In the copy without checks, whether the access at pc needs no check (its range passed).
bool Emitter::proven_at_entry(size_t pc, uint64_t flags) const {
  return fast_ != nullptr && fast_->range_of[pc] >= 0 && (flags & kAccessAtomic) == 0;
}

}  // namespace bpfcert::interp::jit
