// Calls: local calls (call, callx through a code address), helper ids through callx, and
// bpf_loop's callback. Helper calls themselves are helpers.cpp's.
//
// Calls. Local calls are analysed per call site (context-sensitive by call string), each
// with its own frame; the depth is bounded by the platform (8 frames) and recursion is
// rejected, so the number of contexts is finite. Within one context a callee's result for a
// given entry state is memoised. r6-r9 and r10 are restored on return (as the interpreter
// does), r1-r5 become uninitialised (Linux's rule, stricter than the interpreter).
#include <fmt/format.h>

#include <algorithm>

#include "verifier/analyzer_impl.h"

namespace bpfcert::verifier::detail {

void Analyzer::havoc_call(State& s) {
  s.regs[0] = Value::scalar(scalar_top());
  for (int r = 1; r <= 5; ++r) s.regs[static_cast<size_t>(r)] = Value::uninit();
  for (uint32_t r = 0; r <= 5; ++r) rel_drop(s, r);
}

// After a helper that may move packet data: packet pointers become unusable (Linux's
// clear_all_pkt_pointers), in registers and spills of every frame, and proven ranges go.
void Analyzer::invalidate_packet(State& s) {
  packet_changed_ = true;
  s.packet.clear();
  const auto stale = is_packet_or_end;
  for (uint32_t r = 0; r <= 10; ++r) {
    if (!stale(s.regs[r])) continue;
    s.regs[r] = Value::uninit();
    rel_drop(s, r);
  }
  for (size_t f = 0; f < s.frames.size(); ++f) {
    for (int slot = 0; slot < kStackSlots; ++slot) {
      const StackFrame& fr = *s.frames[f];
      if (fr.kind[static_cast<size_t>(slot * 8)] != ByteKind::Spill || !stale(fr.spill[static_cast<size_t>(slot)])) continue;
      unspill(s.frame_mut(f), slot);  // not byte-addressable: the bytes become unreadable
      rel_drop(s, slot_cell(static_cast<int>(f), slot));
    }
  }
}

// bpf_loop(nr_loops, callback_fn, callback_ctx, flags) calls callback_fn(index, callback_ctx)
// up to min(nr_loops, 2^23) times (u32 nr_loops; Linux's BPF_MAX_LOOPS), index counting from 0,
// until it returns 1. The callback runs as a local call from this pc, with r1 = index (bounded
// by nr_loops), r2 = callback_ctx and r3-r5 unset; what it does to the caller's frames (through
// callback_ctx) is iterated to a fixpoint over any number of calls, joined with zero calls.
// Linux requires the callback to return 0 or 1.
void Analyzer::loop_callback(State& s, size_t pc, size_t target_pc) {
  const Value nr = s.regs[1];
  const Value ctx = s.regs[3];
  Scalar index = scalar_range(0, (uint64_t{1} << 23) - 1);
  if (nr.is_scalar()) {
    const uint64_t n = std::min<uint64_t>(nr.num.u32max, uint64_t{1} << 23);
    if (n == 0) return;  // no call
    index = scalar_range(0, n - 1);
  }
  auto call_once = [&](const State& from, bool& changed_packet) {
    State cs = from;
    cs.regs[1] = Value::scalar(index);
    cs.regs[2] = ctx;
    for (int r = 3; r <= 5; ++r) cs.regs[static_cast<size_t>(r)] = Value::uninit();
    for (uint32_t r = 1; r <= 5; ++r) rel_drop(cs, r);
    const bool saved = packet_changed_;
    packet_changed_ = false;
    local_call(cs, pc, target_pc);
    changed_packet = packet_changed_;
    packet_changed_ = saved || packet_changed_;
    return cs;
  };
  // The caller's state after some calls: only frames and packet facts change (r6-r9 are
  // restored, r0-r5 are set by the helper's result afterwards).
  auto merge = [&](const State& base, const State& after) {
    State m = base;
    if (after.bottom) return m;
    m.frames = after.frames;
    m.packet = after.packet;
    m.refs = after.refs;  // the callback may acquire or release records
    std::erase_if(m.relations, [&](const Relation& rel) {
      if (rel.cell < kRegisterCells) return false;
      const size_t f = (rel.cell - kRegisterCells) / kStackSlots;
      return f >= m.frames.size() || f >= base.frames.size() || m.frames[f] != base.frames[f];
    });
    settle_released(m);
    return state_join(base, m);
  };
  const bool saved_check = check_;
  check_ = false;
  State cur = s;
  bool changed_packet = false;
  bool stable = false;
  for (int iter = 0; iter < 256; ++iter) {
    bool changed = false;
    const State after = call_once(cur, changed);
    changed_packet = changed_packet || changed;
    if (changed) invalidate_packet(cur);
    State next = merge(cur, after);
    if (state_leq(next, cur)) {
      stable = true;
      break;
    }
    if (iter >= in_.options.widening_delay) {
      cur = state_widen(cur, next, iter < 16 ? &thresholds_ : nullptr);
      ++stats_.widenings;
    } else {
      cur = std::move(next);
    }
  }
  check_ = saved_check;
  if (!stable) {
    // Not expected (widening stabilises); if it happens nothing is proven.
    report(CheckId::AnalysisBudget, pc, fmt::format("the effects of bpf_loop's callback (pc {}) did not stabilise", target_pc), s);
    return;
  }
  if (check_) {
    bool changed = false;
    const State after = call_once(cur, changed);
    const Value& r0 = after.regs[0];
    if (!after.bottom && (!r0.is_scalar() || r0.num.umax > 1)) {
      report(CheckId::HelperArg, pc,
             fmt::format("bpf_loop's callback (pc {}) must return 0 or 1; it returns {}", target_pc, text(r0)), s);
    }
  }
  if (changed_packet) invalidate_packet(cur);
  s.frames = cur.frames;
  s.packet = cur.packet;
  s.relations = cur.relations;
  for (int r = 6; r <= 9; ++r) s.regs[static_cast<size_t>(r)] = cur.regs[static_cast<size_t>(r)];
}

void Analyzer::call_insn(State& s, size_t pc) {
  const Insn& insn = prog_.insns[pc];
  const semantics::Encoding& row = prog_.row(pc);
  switch (row.call_kind()) {
    case CallKind::Local:
      local_call(s, pc, static_cast<size_t>(semantics::branch_target(insn, row, pc)));
      return;
    case CallKind::Helper:
    case CallKind::Kfunc: {
      const bool kfunc = row.call_kind() == CallKind::Kfunc;
      const HelperPrototype* p = kfunc ? plat_.find_kfunc(insn.imm) : plat_.find_helper(insn.imm);
      const bool allowed =
          kfunc || type_.helpers.empty() || std::find(type_.helpers.begin(), type_.helpers.end(), insn.imm) != type_.helpers.end();
      // libbpf's mark for an instruction whose CO-RE relocation it could not resolve
      // (bpf_core_poison_insn): Linux refuses it as an unknown helper if the code is reachable.
      constexpr int32_t kCorePoison = 0xbad2310;
      if (p == nullptr && !kfunc && insn.imm == kCorePoison) {
        report(CheckId::HelperUnknown, pc,
               "call 0xbad2310: libbpf put this in place of an instruction whose CO-RE relocation it could not resolve "
               "against the target kernel (a field, type or enum value the kernel lacks); guard the access with "
               "bpf_core_field_exists() or similar so this path is dead on such kernels",
               s);
        havoc_call(s);
        return;
      }
      if (p == nullptr || !allowed) {
        report(CheckId::HelperUnknown, pc,
               p == nullptr ? fmt::format("{} {} is not part of platform {}", kfunc ? "kfunc" : "helper", insn.imm, plat_.name)
                            : fmt::format("helper {} ({}) is not allowed for program type {}", insn.imm, p->name, type_.name),
               s);
        havoc_call(s);
        return;
      }
      helper_call(s, pc, *p, kfunc);
      return;
    }
    case CallKind::Indirect: {
      const Value t = s.regs[insn.dst];
      if (t.is_pointer() && t.region == PointerKind::Code && cfg_.subprogram_at(static_cast<size_t>(t.object)) != kNoBlock) {
        local_call(s, pc, static_cast<size_t>(t.object));
        return;
      }
      if (t.is_scalar() && is_const(t.num) && t.num.t.value <= INT32_MAX) {
        const auto id = static_cast<int32_t>(t.num.t.value);
        const HelperPrototype* p = plat_.find_helper(id);
        if (p != nullptr) {
          helper_call(s, pc, *p, false);
          return;
        }
        report(CheckId::HelperUnknown, pc, fmt::format("callx r{} = helper {}: not part of platform {}", insn.dst, id, plat_.name), s);
        havoc_call(s);
        return;
      }
      report(CheckId::CallIndirect, pc,
             fmt::format("callx {}: the target must be a known code address or a constant helper id", reg_text(s, insn.dst)),
             s);
      havoc_call(s);
      return;
    }
  }
}

void Analyzer::local_call(State& s, size_t pc, size_t target_pc) {
  const size_t callee = cfg_.subprogram_at(target_pc);
  if (callee == kNoBlock) {
    report(CheckId::CallIndirect, pc, fmt::format("call to pc {}, which starts no function", target_pc), s);
    havoc_call(s);
    return;
  }
  if (static_cast<int>(s.frames.size()) + 1 > plat_.max_call_frames) {
    report(CheckId::CallDepth, pc,
           fmt::format("call to the function at pc {} would need frame {} of at most {}", target_pc, s.frames.size() + 1,
                       plat_.max_call_frames),
           s);
    havoc_call(s);
    return;
  }
  if (std::find(sub_stack_.begin(), sub_stack_.end(), callee) != sub_stack_.end()) {
    report(CheckId::CallRecursion, pc, fmt::format("recursive call to the function at pc {}", target_pc), s);
    havoc_call(s);
    return;
  }
  State e;
  e.bottom = false;
  for (int r = 1; r <= 5; ++r) e.regs[static_cast<size_t>(r)] = s.regs[static_cast<size_t>(r)];
  e.frames = s.frames;
  // A callee's frame holds what earlier calls left there when the platform zeroes the stack
  // once per run (initialised scalar bytes), and nothing known otherwise.
  e.frames.push_back(plat_.zeroed_stack ? misc_frame_ : empty_frame_);
  e.regs[10] = Value::pointer(PointerKind::Stack, e.depth(), scalar_const(0));
  e.packet = s.packet;
  call_string_.push_back(pc);
  sub_stack_.push_back(callee);
  if (check_) chains_.emplace_back(pc, sub_stack_);
  State exit;
  const bool saved_packet_changed = packet_changed_;
  packet_changed_ = false;
  if (check_) {
    exit = analyze_function(callee, e, true);
  } else {
    auto it = memo_.find(call_string_);
    if (it != memo_.end() && state_leq(e, it->second.entry) && state_leq(it->second.entry, e)) {
      exit = it->second.exit;
      packet_changed_ = it->second.changes_packet;
    } else {
      exit = analyze_function(callee, e, false);
      memo_[call_string_] = Memo{e, exit, packet_changed_};
    }
  }
  const bool callee_changed_packet = packet_changed_;
  packet_changed_ = saved_packet_changed || callee_changed_packet;
  call_string_.pop_back();
  sub_stack_.pop_back();
  if (exit.bottom) {
    s = State{};
    return;
  }
  s = return_from_call(s, std::move(exit), callee_changed_packet);
}

// The caller's state after the callee returned `exit`: the callee's frame is gone (pointers
// into it become unusable), r1-r5 are unset, r6-r10 are the caller's (the interpreter restores
// them), and what ids and relations the callee could have invalidated is dropped.
State Analyzer::return_from_call(const State& s, State exit, bool callee_changed_packet) {
  State r = std::move(exit);
  r.frames.pop_back();
  const int depth = r.depth();
  auto dangling = [&](Value& v) {
    if (v.is_pointer() && v.region == PointerKind::Stack && v.object > depth) v = Value::unknown();
  };
  dangling(r.regs[0]);
  for (size_t f = 0; f < r.frames.size(); ++f) {
    bool has = false;
    for (const Value& v : r.frames[f]->spill) has = has || (v.is_pointer() && v.region == PointerKind::Stack && v.object > depth);
    if (has) {
      for (Value& v : r.frame_mut(f).spill) dangling(v);
    }
  }
  for (int i = 1; i <= 5; ++i) r.regs[static_cast<size_t>(i)] = Value::uninit();
  for (int i = 6; i <= 10; ++i) r.regs[static_cast<size_t>(i)] = s.regs[static_cast<size_t>(i)];
  if (callee_changed_packet) {
    // The callee may have moved packet data: the restored registers' packet pointers are stale
    // (spills in the caller's frames were invalidated in the callee's state already).
    for (int i = 6; i <= 9; ++i) {
      Value& v = r.regs[static_cast<size_t>(i)];
      if (is_packet_or_end(v)) v = Value::uninit();
    }
  }
  // Ids are made from the pc that creates them, and the callee's own state forgot older holders
  // when it re-created one; r6-r9 were outside that state. An id created in the caller's own
  // function cannot be re-created by the callee (no recursion); any other is dropped.
  const size_t caller = sub_stack_.back();
  auto created_here = [&](int64_t at) {
    return at >= 0 && static_cast<size_t>(at) < prog_.size() && cfg_.block_of_pc[static_cast<size_t>(at)] != kNoBlock &&
           cfg_.blocks[cfg_.block_of_pc[static_cast<size_t>(at)]].subprogram == caller;
  };
  for (int i = 6; i <= 9; ++i) {
    Value& v = r.regs[static_cast<size_t>(i)];
    if (v.id == 0 || v.id == kOpaqueId) continue;
    if (v.is_scalar()) {
      if (!created_here(static_cast<int64_t>(v.id) - kScalarIdBase)) {
        v.id = 0;
        v.delta = 0;
      }
    } else if (v.is_pointer()) {
      const int64_t origin = is_packet(v.region) ? static_cast<int64_t>(v.id) - kPacketIdBase
                             : v.id >= kEntryIdBase ? -1  // entry ids, never re-created
                                                   : static_cast<int64_t>(v.id) - 1;
      if (origin >= 0 && !created_here(origin)) {
        v.id = kOpaqueId;
        if (is_packet(v.region)) v.delta = 0;
      }
    }
  }
  // A record the callee released is released in the restored registers too.
  settle_released(r);
  // The caller's relations survive for restored registers and untouched frames.
  r.relations.clear();
  for (const Relation& rel : s.relations) {
    if (rel.cell >= 6 && rel.cell <= 9) {
      r.relations.push_back(rel);
    } else if (rel.cell >= kRegisterCells) {
      const size_t f = (rel.cell - kRegisterCells) / kStackSlots;
      if (f < r.frames.size() && r.frames[f] == s.frames[f]) r.relations.push_back(rel);
    }
  }
  return r;
}

}  // namespace bpfcert::verifier::detail
