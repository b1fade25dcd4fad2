// Helper and kfunc calls: each argument checked against its prototype's type (ArgType), left to
// right, a memory argument paired with the size that follows it; then the helper's effects
// (packet data moved, stack arguments forgotten, bpf_loop's callback run) and its result.
#include <fmt/format.h>

#include <algorithm>

#include "verifier/analyzer_impl.h"

namespace bpfcert::verifier::detail {

void Analyzer::helper_call(State& s, size_t pc, const HelperPrototype& p, bool kfunc) {
  HelperArgs h;
  h.name = fmt::format("{} {} ({})", kfunc ? "kfunc" : "helper", p.id, p.name);
  std::optional<Scalar> ret_size;
  if (p.ret_size_arg && *p.ret_size_arg >= 0 && *p.ret_size_arg < 5) {
    const Value& v = s.regs[static_cast<size_t>(*p.ret_size_arg + 1)];
    if (v.is_scalar()) ret_size = v.num;
  }
  for (int i = 0; i < 5; ++i) {
    const int r = i + 1;
    const ArgType t = p.args[static_cast<size_t>(i)];
    if (t == ArgType::None) continue;
    if (!check_initialized(s, pc, r)) continue;
    helper_arg(s, pc, p, r, t, h);
  }
  if (p.format_string && h.format_reg > 0) check_format(s, pc, h);
  if (h.callback) {
    loop_callback(s, pc, *h.callback);
    h.stack_args.clear();  // the callback's context: bpf_loop itself does not touch it
  }
  forget_stack_args(s, h.stack_args);
  if (h.released) release(s, *h.released);
  if (p.ret == RetType::NoReturnOnSuccess) check_no_references(s, pc, fmt::format("{} may end the program", h.name));
  if (p.changes_packet_data) invalidate_packet(s);
  for (int r = 1; r <= 5; ++r) s.regs[static_cast<size_t>(r)] = Value::uninit();
  for (uint32_t r = 0; r <= 5; ++r) rel_drop(s, r);
  helper_result(s, pc, p, h, ret_size);
}

void Analyzer::helper_arg_error(const State& s, size_t pc, const HelperArgs& h, int r, const std::string& what) {
  report(CheckId::HelperArg, pc, fmt::format("{} argument r{}: {}; {}", h.name, r, what, reg_text(s, r)), s);
}

// Argument register r (initialised) against its type t.
void Analyzer::helper_arg(State& s, size_t pc, const HelperPrototype& p, int r, ArgType t, HelperArgs& h) {
  const Value v = s.regs[static_cast<size_t>(r)];
  switch (t) {
    case ArgType::None: break;
    case ArgType::Anything:
      if (!v.is_scalar() && !allow_leaks_) {
        report(CheckId::PtrLeak, pc, fmt::format("{} receives {} as a plain value: the platform forbids leaking pointers", h.name, reg_text(s, r)), s);
      }
      break;
    case ArgType::Scalar:
      if (!v.is_scalar()) helper_arg_error(s, pc, h, r, "expected a scalar");
      break;
    case ArgType::MapHandle:
    case ArgType::ProgArray:
      if (!v.is_pointer() || v.region != PointerKind::MapHandle) {
        helper_arg_error(s, pc, h, r, "expected a map (LDDW of a map fd or index)");
        break;
      }
      h.maps = map_indexes(v);
      h.map = h.maps.front();
      h.map_mask = v.size;
      if (t == ArgType::ProgArray && std::ranges::any_of(h.maps, [&](size_t m) { return in_.maps[m].type != 3; })) {
        helper_arg_error(s, pc, h, r, "expected a prog_array map");
      }
      break;
    case ArgType::MapKey:
    case ArgType::MapValue: {
      if (!h.map) {
        helper_arg_error(s, pc, h, r, "no map argument precedes it");
        break;
      }
      // The helper reads the key or value size of the map it is given: of a set, the largest.
      uint64_t n = 0;
      for (size_t m : h.maps) n = std::max<uint64_t>(n, t == ArgType::MapKey ? in_.maps[m].key_size : in_.maps[m].value_size);
      if (!v.is_pointer()) {
        helper_arg_error(s, pc, h, r, fmt::format("expected a pointer to the map's {} ({} bytes)", t == ArgType::MapKey ? "key" : "value", n));
        break;
      }
      helper_memory(s, pc, h, r, n, n, false);
      break;
    }
    case ArgType::Context:
      if (!v.is_pointer() || v.region != PointerKind::Context || !is_const(v.num) || v.num.t.value != 0) {
        helper_arg_error(s, pc, h, r, "expected the context pointer, unmodified");
      }
      break;
    case ArgType::Stack:
      if (!v.is_pointer() || v.region != PointerKind::Stack || v.object > s.depth()) {
        helper_arg_error(s, pc, h, r, "expected a stack pointer");
      } else {
        h.stack_args.push_back(v);
      }
      break;
    case ArgType::Function:
      // The helper runs the callback. bpf_loop's is analysed (loop_callback); for the other
      // helpers, rather than accept code nobody checked, reject.
      if (!v.is_pointer() || v.region != PointerKind::Code) {
        helper_arg_error(s, pc, h, r, "expected a code address (LDDW src 4)");
      } else if (p.name == "bpf_loop" && r == 2 && cfg_.subprogram_at(static_cast<size_t>(v.object)) != kNoBlock) {
        h.callback = static_cast<size_t>(v.object);
      } else {
        helper_arg_error(s, pc, h, r, "callbacks are not analysed by this verifier (bpf_loop's excepted), so the call cannot be "
                     "proven safe");
      }
      break;
    case ArgType::ReleasedRecord:
      // Linux (check_func_arg_reg_off): a released pointer is the one acquired, at offset 0.
      // A record the check finds wrong is still released afterwards (the finding is assumed
      // away, as every assertion's is), so one mistake gives one finding.
      if (v.id == kReleasedId) {
        report(CheckId::RefReleased, pc,
               fmt::format("{} argument r{}: the record was already submitted or discarded; {}", h.name, r, reg_text(s, r)), s);
        break;
      }
      if (!is_record(v) || v.nullable || !is_const(v.num) || v.num.t.value != 0) {
        helper_arg_error(s, pc, h, r,
                         v.nullable && is_record(v) ? "the record may be null: compare it with 0 first"
                                                    : "expected a record bpf_ringbuf_reserve returned, at offset 0");
      }
      if (is_record(v)) h.released = v.object;
      break;
    case ArgType::ReadableMemory:
    case ArgType::WritableMemory: {
      const bool may_be_null = (p.null_args >> (r - 1) & 1) != 0;
      if (!v.is_pointer() && !(may_be_null && is_null(v))) {
        helper_arg_error(s, pc, h, r, may_be_null ? "expected a pointer to memory, or NULL" : "expected a pointer to memory");
        break;
      }
      h.pending_reg = r;
      h.pending_null = !v.is_pointer();
      h.pending_write = t == ArgType::WritableMemory;
      if (p.format_string && h.format_reg < 0) h.format_reg = r;
      break;
    }
    case ArgType::ConstSize:
    case ArgType::ConstSizeOrZero: {
      if (!v.is_scalar()) {
        helper_arg_error(s, pc, h, r, "expected a size (scalar)");
        break;
      }
      if (t == ArgType::ConstSize && v.num.umin == 0) {
        helper_arg_error(s, pc, h, r, "the size may be 0");
        break;
      }
      if (v.num.umax > (uint64_t{1} << 29)) {
        helper_arg_error(s, pc, h, r, "the size is not bounded");
        break;
      }
      if (h.pending_reg < 0) {
        helper_arg_error(s, pc, h, r, "no memory argument precedes this size");
        break;
      }
      if (h.pending_reg == h.format_reg && is_const(v.num)) h.format_size = v.num.umax;
      if (h.pending_null) {
        // Linux (check_helper_mem_access): a NULL buffer only with a size of exactly 0.
        if (v.num.umax != 0) helper_arg_error(s, pc, h, r, fmt::format("r{} is NULL, so the size must be 0", h.pending_reg));
      } else {
        helper_memory(s, pc, h, h.pending_reg, v.num.umin, v.num.umax, h.pending_write);
      }
      h.pending_reg = -1;
      h.pending_null = false;
      break;
    }
  }
}

// A memory argument r of at least lo_n and at most hi_n bytes, which the helper reads or
// writes: an Access assertion of a helper kind, then the stack bytes it reads (initialised,
// no spilled pointer where pointers must not leak) or writes.
void Analyzer::helper_memory(State& s, size_t pc, HelperArgs& h, int r, uint64_t lo_n, uint64_t hi_n, bool write) {
  const Value& v = s.regs[static_cast<size_t>(r)];
  if (hi_n == 0) return;
  if (!v.is_pointer()) {
    helper_arg_error(s, pc, h, r, fmt::format("expected a pointer to {} {} bytes", write ? "writable" : "readable", hi_n));
    return;
  }
  const Access access{write ? AccessKind::HelperWrite : AccessKind::HelperRead, static_cast<uint8_t>(r), 0, hi_n};
  const Assertion about = access;
  if (!check_access(s, pc, access, &about).region || v.region != PointerKind::Stack) return;
  const int lo = static_cast<int>(smin(v.num)) + kFrameBytes;
  const int hi = static_cast<int>(smax(v.num)) + static_cast<int>(hi_n) + kFrameBytes;
  const StackFrame& fr = *s.frames[static_cast<size_t>(v.object)];
  if (write) {
    const uint64_t definite = is_const(v.num) ? lo_n : 0;
    stack_write(s, v, 0, static_cast<unsigned>(hi_n), Value::scalar(scalar_top()), definite);
    return;
  }
  for (int i = lo; i < hi; ++i) {
    const ByteView b = byte_at(fr, i);
    if (b.kind == ByteKind::Uninit) {
      // The catalogue's stack.uninit: "read by a load or a helper".
      report(CheckId::StackUninit, pc,
             fmt::format("{} argument r{} reads {} bytes of stack, but byte r10{:+} is not initialised; {}", h.name, r,
                         hi_n, i - kFrameBytes, reg_text(s, r)),
             s, &about);
      if (r == h.format_reg) h.format_reported = true;
      return;
    }
    if (b.pointer && !allow_leaks_) {
      report(CheckId::PtrLeak, pc, fmt::format("{} reads the spilled pointer at r10{:+} as data", h.name, (i - kFrameBytes) & ~7),
             s, &about);
      return;
    }
  }
}

void Analyzer::check_format(const State& s, size_t pc, const HelperArgs& h) {
  // The format must be bytes the analysis knows (constants on the stack or in frozen read-only
  // data), as bpf_snprintf's ARG_PTR_TO_CONST_STR asks in Linux: stricter than Linux's
  // bpf_trace_printk, which checks its format at run time. No conversion needs a proof: %s
  // prints an empty string when its bytes fault (Linux's strncpy_from_kernel_nofault, and
  // bpfcert's helper), the others read only the arguments.
  const Value& f = s.regs[static_cast<size_t>(h.format_reg)];
  bool known = false;
  const std::vector<uint8_t>* frozen = frozen_bytes(f);
  if (frozen != nullptr && is_const(f.num) && h.format_size) {
    // A format in frozen read-only data (.rodata, where clang puts string literals).
    const uint64_t start = f.num.t.value;
    known = start <= frozen->size() && frozen->size() - start >= *h.format_size;
  } else if (f.is_pointer() && f.region == PointerKind::Stack && is_const(f.num) && h.format_size && f.object <= s.depth()) {
    const StackFrame& fr = *s.frames[static_cast<size_t>(f.object)];
    const int start = static_cast<int>(static_cast<int64_t>(f.num.t.value)) + kFrameBytes;
    known = start >= 0 && start + static_cast<int>(*h.format_size) <= kFrameBytes;
    for (int i = 0; known && i < static_cast<int>(*h.format_size); ++i) {
      if (byte_at(fr, start + i).kind != ByteKind::Const) known = false;
    }
  }
  if (!known && !h.format_reported) {
    report(CheckId::HelperArg, pc,
           fmt::format("{}: the format must be constant bytes on the stack or in frozen read-only data", h.name), s);
  }
}

// A stack argument without a size: the helper may read or write any byte of that frame at or
// above the pointer, so what the state knows of them is forgotten (still initialised scalar
// bytes; spilled pointers become unreadable).
void Analyzer::forget_stack_args(State& s, const std::vector<Value>& stack_args) {
  for (const Value& v : stack_args) {
    const auto f = static_cast<size_t>(v.object);
    const int64_t lo = std::max<int64_t>(smin(v.num), -static_cast<int64_t>(plat_.stack_size));
    if (lo >= 0) continue;
    StackFrame& fr = s.frame_mut(f);
    for (int slot = static_cast<int>(lo + kFrameBytes) / 8; slot < kStackSlots; ++slot) {
      rel_drop(s, slot_cell(static_cast<int>(f), slot));
      if (fr.kind[static_cast<size_t>(slot * 8)] == ByteKind::Spill) unspill(fr, slot);
      for (int half = slot * 2; half < slot * 2 + 2; ++half) {
        if (fr.kind[static_cast<size_t>(half * 4)] == ByteKind::Spill32) unspill32(fr, half);
      }
    }
    for (int i = static_cast<int>(lo + kFrameBytes); i < kFrameBytes; ++i) {
      if (fr.kind[static_cast<size_t>(i)] == ByteKind::Const) fr.kind[static_cast<size_t>(i)] = ByteKind::Misc;
    }
  }
}

void Analyzer::helper_result(State& s, size_t pc, const HelperPrototype& p, const HelperArgs& h,
                             std::optional<Scalar> ret_size) {
  switch (p.ret) {
    case RetType::Integer:
    case RetType::NoReturnOnSuccess:
      if (p.ret_range) {
        Scalar x = scalar_top();
        x.smin = static_cast<uint64_t>(p.ret_range->first);
        x.smax = static_cast<uint64_t>(p.ret_range->second);
        s.regs[0] = Value::scalar(dm::scalar_sync(x));
      } else {
        s.regs[0] = Value::scalar(scalar_top());
      }
      break;
    case RetType::Void: s.regs[0] = Value::uninit(); break;
    case RetType::MapValueOrNull: {
      // A value pointer when every map the argument may be gives one.
      const auto gives_value = [&](size_t m) {
        const auto it = plat_.map_types.find(in_.maps[m].type);
        return it != plat_.map_types.end() && it->second.lookup_returns_value;
      };
      if (!h.map || !std::ranges::all_of(h.maps, gives_value)) {
        s.regs[0] = Value::scalar(scalar_top());
        break;
      }
      const auto id = static_cast<uint32_t>(pc) + 1;
      fresh_id(s, id);
      Value v = Value::pointer(PointerKind::MapValue, static_cast<int64_t>(*h.map), scalar_const(0));
      v.size = h.map_mask;
      v.nullable = true;
      v.id = id;
      s.regs[0] = v;
      break;
    }
    case RetType::MemoryOrNull: {
      // Memory of the size the size argument holds (a constant), or NULL.
      if (!ret_size || !is_const(*ret_size) || ret_size->t.value == 0 || ret_size->t.value > (uint64_t{1} << 29)) {
        report(CheckId::HelperArg, pc, fmt::format("{}: the size of the memory it returns must be a non-zero constant", h.name), s);
        s.regs[0] = Value::scalar(scalar_top());
        break;
      }
      const auto id = static_cast<uint32_t>(pc) + 1;
      fresh_id(s, id);
      Value v = Value::pointer(PointerKind::Memory, static_cast<int64_t>(pc) + 1, scalar_const(0));
      v.size = ret_size->t.value;
      v.nullable = true;
      v.id = id;
      s.regs[0] = v;
      if (p.acquires) acquire(s, pc, h, v.object);
      break;
    }
  }
}

}  // namespace bpfcert::verifier::detail
