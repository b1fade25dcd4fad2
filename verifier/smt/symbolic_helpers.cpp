// Models of the VM's helpers for the symbolic executor: their argument checks as fault
// conditions (the machine model's access checks on buffers, map handles, the context), the test
// helpers and kfuncs of the conformance platform, the Linux packet helpers, and helpers whose
// results the world decides (clocks, random numbers, probe reads), which become witness inputs.
// Map helpers are in symbolic_maps.cpp.
#include <fmt/format.h>

#include <algorithm>

#include "semantics/machine.h"
#include "semantics/operations.h"
#include "verifier/smt/symbolic_executor.h"

namespace bpfcert::verifier::smt::detail {

using semantics::AluOp;
using semantics::Kind;
using semantics::Width;

namespace {

using semantics::Access;
using semantics::kStackBytes;
using semantics::kStackFrameBytes;
using semantics::TrapKind;

}  // namespace

// ---- helpers ------------------------------------------------------------------------------

void SymbolicExecutor::memory_arg(const SymState& s, int reg, const z3::expr& n, bool write, std::vector<Fault>& faults,
                                  std::vector<Fault>* quiet) {
  const SymValue& v = s.regs[static_cast<size_t>(reg)];
  const z3::expr used = (n != bv(0)).simplify();
  if (!v.is_ptr()) {
    faults.push_back({Violation::Null, used && v.v == bv(0)});
    faults.push_back({Violation::Type, used && v.v != bv(0)});
    return;
  }
  // The VM's helpers check their buffers as the machine checks accesses; their failures are
  // helper faults.
  const z3::expr in = region_contains(s, v.region, v.v, n);
  faults.push_back({Violation::Bounds, used && !in});
  if (semantics::write_to_read_only(write ? Access::Write : Access::Read, s.regions[static_cast<size_t>(v.region)].writable)) {
    faults.push_back({Violation::HelperArg, used && in});
  }
  if (quiet == nullptr) return;
  quiet->push_back({Violation::ObjectBounds, used && in && object_overflow(v, v.v, n)});
  if (!write && s.regions[static_cast<size_t>(v.region)].role == RegionRole::Stack) {
    uint64_t k = 0;
    const unsigned max_n = static_cast<unsigned>(numeral(n, k) ? std::min(k, kStackFrameBytes) : kStackFrameBytes);
    quiet->push_back({Violation::StackUninit, in && stack_uninit(s, v.v, n, max_n)});
  }
}

std::optional<size_t> SymbolicExecutor::map_arg(const SymState& s, int reg, std::vector<Fault>& faults, std::string& why) {
  const SymValue& v = s.regs[static_cast<size_t>(reg)];
  uint64_t k = 0;
  if (!v.is_ptr() && !numeral(v.v, k)) {
    why = "a map argument the input decides";
    return std::nullopt;
  }
  const std::optional<uint64_t> index = v.is_ptr() ? std::nullopt : semantics::map_index_of(k);
  if (!index || *index >= setup_.maps.size()) {
    faults.push_back({Violation::HelperArg, ctx_.bool_val(true)});  // the VM's helper: "is not a map"
    return std::nullopt;
  }
  return static_cast<size_t>(*index);
}

bool SymbolicExecutor::context_arg(const SymState& s, int reg, std::vector<Fault>& faults) {
  const SymValue& v = s.regs[static_cast<size_t>(reg)];
  if (v.region == context_region_ && context_region_ >= 0) {
    faults.push_back({Violation::HelperArg, v.v != bv(0)});
    return true;
  }
  faults.push_back({Violation::HelperArg, ctx_.bool_val(true)});  // "is not the program's context"
  return false;
}

SymbolicExecutor::Flow SymbolicExecutor::faults_at(SymState& s, std::vector<Fault>& faults, const Expectation& expect) {
  if (at_target(s)) {
    for (const Fault& f : faults) {
      if (offer(s, f.kind, f.cond, expect)) return Flow::Found;
    }
  }
  z3::expr none = ctx_.bool_val(true);
  for (const Fault& f : faults) none = none && !f.cond;
  return assume(none) ? Flow::Continue : Flow::Ended;  // otherwise the helper faults on every input
}

SymbolicExecutor::Flow SymbolicExecutor::finish_call(SymState& s, const SymValue& r0) {
  s.regs[0] = r0;
  for (int r = 1; r <= 5; ++r) s.regs[static_cast<size_t>(r)].init = false;  // the VM keeps them; the verifier does not
  return advance(s, s.pc + 1);
}

SymbolicExecutor::Flow SymbolicExecutor::helper_call(SymState& s, int32_t id, bool kfunc) {
  const std::map<int32_t, std::string>& vm = kfunc ? setup_.kfuncs : setup_.helpers;
  const auto callee = vm.find(id);
  const Platform& plat = *setup_.input->platform;
  const HelperPrototype* proto = kfunc ? plat.find_kfunc(id) : plat.find_helper(id);
  if (callee == vm.end()) {
    if (proto == nullptr) return Flow::Ended;  // the VM traps, and the verifier says helper.unknown
    // The platform has it, the VM does not: what follows the call is not the VM's to show.
    abandon(fmt::format("the reference VM does not implement {} {} ({})", kfunc ? "kfunc" : "helper", id, proto->name));
    return Flow::Ended;
  }
  const std::string& name = callee->second;
  Expectation fault;
  fault.kind = Expectation::Kind::Trap;
  fault.trap = TrapKind::HelperFault;
  fault.pc = s.pc;
  fault.steps_before = s.steps;
  Expectation reach = fault;
  reach.kind = Expectation::Kind::Reach;

  std::vector<Fault> faults, quiet;
  auto check_faults = [&]() {
    if (at_target(s)) {
      for (const Fault& q : quiet) {
        if (offer(s, q.kind, q.cond, reach)) return Flow::Found;
      }
    }
    return faults_at(s, faults, fault);
  };

  // A helper that writes a number of bytes (register `len`) through register `buf`: the
  // buffer's faults first, then the length, which the search models only when the program
  // fixes it (at most the stack's size). nullopt: the run ends here, as `flow` says.
  auto constant_output = [&](int buf, int len, const char* unmodelled, Flow& flow) -> std::optional<uint64_t> {
    memory_arg(s, buf, s.regs[static_cast<size_t>(len)].v, true, faults, &quiet);
    flow = check_faults();
    if (flow != Flow::Continue) return std::nullopt;
    uint64_t n = 0;
    if (!numeral(s.regs[static_cast<size_t>(len)].v, n) || n > kStackBytes) {
      abandon(unmodelled);
      flow = Flow::Ended;
      return std::nullopt;
    }
    return n;
  };

  if (name == "bpf_map_lookup_elem" || name == "bpf_map_update_elem" || name == "bpf_map_delete_elem") {
    std::string why;
    const std::optional<size_t> map = map_arg(s, 1, faults, why);
    if (!why.empty()) {
      abandon(why);
      return Flow::Ended;
    }
    if (map) {
      const MapDescriptor& d = setup_.input->maps[*map];
      memory_arg(s, 2, bv(d.key_size), false, faults, &quiet);
      if (name == "bpf_map_update_elem") memory_arg(s, 3, bv(d.value_size), false, faults, &quiet);
    }
    const Flow f = check_faults();
    if (f != Flow::Continue) return f;
    if (!map) return Flow::Ended;
    if (name == "bpf_map_lookup_elem") return map_lookup(s, *map);
    if (name == "bpf_map_update_elem") return map_update(s, *map);
    return map_delete(s, *map);
  }
  if (name == "bpf_tail_call") {
    context_arg(s, 1, faults);
    std::string why;
    const std::optional<size_t> map = map_arg(s, 2, faults, why);
    if (!why.empty()) {
      abandon(why);
      return Flow::Ended;
    }
    if (map && !setup_.maps[*map].prog_array) faults.push_back({Violation::HelperArg, ctx_.bool_val(true)});
    const Flow f = check_faults();
    if (f != Flow::Continue) return f;
    // The replay fills no prog array slot, so the call fails and the program goes on (-ENOENT).
    return finish_call(s, scalar(bv(static_cast<uint64_t>(int64_t{-2}))));
  }
  if (name == "bpfcert_test_sum5" || name == "bpfcert_kfunc_sum5" || name == "bpfcert_kfunc_mul") {
    const bool mul = name == "bpfcert_kfunc_mul";
    for (int r = 1; r <= (mul ? 2 : 5); ++r) {
      if (s.regs[static_cast<size_t>(r)].is_ptr()) {
        abandon("a test helper given a pointer (its result is an address)");
        return Flow::Ended;
      }
    }
    z3::expr acc = s.regs[1].v;
    for (int r = 2; r <= (mul ? 2 : 5); ++r) {
      acc = semantics::alu<Z3Word>(mul ? AluOp::Mul : AluOp::Add, Width::W64, w(acc), w(s.regs[static_cast<size_t>(r)].v)).e;
    }
    return finish_call(s, scalar(acc.simplify()));
  }
  if (name == "bpfcert_kfunc_memset") {
    if (s.regs[3].is_ptr()) {
      abandon("memset of a length that is a pointer");
      return Flow::Ended;
    }
    Flow f = Flow::Continue;
    const std::optional<uint64_t> length = constant_output(1, 3, "memset of a length the input decides", f);
    if (!length) return f;
    const uint64_t len = *length;
    if (len == 0) return finish_call(s, scalar(bv(0)));
    const z3::expr byte = s.regs[2].is_ptr() ? fresh("memset_byte", 8) : s.regs[2].v.extract(7, 0);
    write_bytes(s, s.regs[1].region, s.regs[1].v, std::vector<z3::expr>(len, byte));
    return finish_call(s, scalar(bv(len)));
  }
  if (name == "bpf_skb_load_bytes" && packet_region_ >= 0) {
    context_arg(s, 1, faults);
    if (s.regs[4].is_ptr() || s.regs[2].is_ptr()) {
      abandon("bpf_skb_load_bytes with a pointer as offset or length");
      return Flow::Ended;
    }
    Flow f = Flow::Continue;
    const std::optional<uint64_t> length =
        constant_output(3, 4, "bpf_skb_load_bytes with a length the input decides", f);
    if (!length) return f;
    const uint64_t len = *length;
    // linux_context.cpp: the packet's bytes [offset, offset + len) from data, or zeroes and -EFAULT.
    const z3::expr off = s.regs[2].v;
    const z3::expr size = packet_len_ - *s.data_off;
    const z3::expr in = (z3::ule(off, size) && z3::ule(bv(len), size - off)).simplify();
    if (len != 0) {
      const std::vector<z3::expr> src = read_bytes(s, packet_region_, (*s.data_off + off).simplify(), static_cast<unsigned>(len));
      std::vector<z3::expr> bytes;
      for (const z3::expr& b : src) bytes.push_back(z3::ite(in, b, ctx_.bv_val(0, 8)).simplify());
      write_bytes(s, s.regs[3].region, s.regs[3].v, bytes);
    }
    return finish_call(s, scalar(z3::ite(in, bv(0), bv(static_cast<uint64_t>(semantics::kEFAULT))).simplify()));
  }
  if (proto == nullptr) {
    abandon(fmt::format("{} has no prototype on the platform", name));
    return Flow::Ended;
  }
  if ((name == "bpf_xdp_adjust_head" || name == "bpf_xdp_adjust_meta" || name == "bpf_skb_store_bytes") &&
      packet_region_ >= 0) {
    return packet_helper(s, name);
  }
  return generic_helper(s, id, name, *proto);
}

SymValue SymbolicExecutor::packet_pointer(const SymState& s, PointerKind kind) const {
  const z3::expr& data = *s.data_off;
  switch (kind) {
    case PointerKind::PacketEnd: return SymValue{packet_len_, packet_region_, true};
    case PointerKind::PacketMeta:
      return SymValue{*s.meta_off, packet_region_, true, *s.meta_off, (data - *s.meta_off).simplify()};
    default: return SymValue{data, packet_region_, true, data, (packet_len_ - data).simplify()};
  }
}

// The verifier's rule after a helper that may move packet data: every packet pointer is void
// (the VM's pointers still work, so reading one is what a witness of reg.uninit shows).
void SymbolicExecutor::invalidate_packet_pointers(SymState& s) {
  for (SymValue& v : s.regs) {
    if (v.region == packet_region_) v.init = false;
  }
  for (SymRegion& r : s.regions) {
    for (auto& [at, v] : r.spills) {
      if (v.region == packet_region_) v.init = false;
    }
  }
}

SymbolicExecutor::Flow SymbolicExecutor::packet_helper(SymState& s, const std::string& name) {
  std::vector<Fault> faults, quiet;
  context_arg(s, 1, faults);
  Expectation fault;
  fault.kind = Expectation::Kind::Trap;
  fault.trap = TrapKind::HelperFault;
  fault.pc = s.pc;
  fault.steps_before = s.steps;
  const bool store = name == "bpf_skb_store_bytes";
  if (s.regs[2].is_ptr() || (store && s.regs[4].is_ptr())) {
    abandon(fmt::format("{} given a pointer where it takes a number", name));
    return Flow::Ended;
  }
  if (store) memory_arg(s, 3, s.regs[4].v, false, faults, &quiet);
  if (at_target(s)) {
    Expectation reach = fault;
    reach.kind = Expectation::Kind::Reach;
    for (const Fault& q : quiet) {
      if (offer(s, q.kind, q.cond, reach)) return Flow::Found;
    }
  }
  const Flow f = faults_at(s, faults, fault);
  if (f != Flow::Continue) return f;
  const z3::expr data = *s.data_off, meta = *s.meta_off, len = packet_len_;
  const z3::expr headroom = bv(setup_.headroom);
  z3::expr r0 = bv(0);
  if (store) {
    // linux_context.cpp: bytes [offset, offset + len) from data, or -EFAULT.
    uint64_t n = 0;
    if (!numeral(s.regs[4].v, n) || n > kStackBytes) {
      abandon("bpf_skb_store_bytes with a length the input decides");
      return Flow::Ended;
    }
    const z3::expr off = s.regs[2].v, size = len - data;
    const z3::expr in = (z3::ule(off, size) && z3::ule(bv(n), size - off)).simplify();
    if (n != 0) {
      const std::vector<z3::expr> src = read_bytes(s, s.regs[3].region, s.regs[3].v, static_cast<unsigned>(n));
      SymRegion& p = s.regions[static_cast<size_t>(packet_region_)];
      for (uint64_t i = 0; i < n; ++i) {
        const z3::expr at = (data + off + bv(i)).simplify();
        p.bytes = z3::store(p.bytes, at, z3::ite(in, src[i], z3::select(p.bytes, at)));
      }
    }
    r0 = z3::ite(in, bv(0), bv(static_cast<uint64_t>(semantics::kEFAULT)));
  } else {
    const z3::expr delta = z3::sext(s.regs[2].v.extract(31, 0), 32);
    z3::expr ok = ctx_.bool_val(false);
    if (name == "bpf_xdp_adjust_head") {
      const z3::expr meta_len = (data - meta).simplify();
      const z3::expr next = (data + delta).simplify();
      ok = (!(z3::slt(next + headroom, meta_len) || z3::slt(len - next, bv(14)))).simplify();
      uint64_t m = 0;
      if (!numeral(meta_len, m) || m > 32) {
        abandon("bpf_xdp_adjust_head with metadata whose length the input decides");
        return Flow::Ended;
      }
      if (m != 0) {  // the metadata moves with data
        const std::vector<z3::expr> bytes = read_bytes(s, packet_region_, meta, static_cast<unsigned>(m));
        SymRegion& p = s.regions[static_cast<size_t>(packet_region_)];
        for (uint64_t i = 0; i < m; ++i) {
          const z3::expr at = (meta + delta + bv(i)).simplify();
          p.bytes = z3::store(p.bytes, at, z3::ite(ok, bytes[i], z3::select(p.bytes, at)));
        }
      }
      s.data_off = z3::ite(ok, next, data).simplify();
      s.meta_off = z3::ite(ok, next - meta_len, meta).simplify();
    } else {
      // Metadata of at most 32 bytes, a multiple of 4, inside the headroom.
      const z3::expr next = (meta + delta).simplify();
      const z3::expr meta_len = data - next;
      ok = (!(z3::slt(meta_len, bv(0)) || z3::slt(bv(32), meta_len) || z3::urem(meta_len, bv(4)) != bv(0) ||
              z3::slt(next, bv(0) - headroom)))
               .simplify();
      s.meta_off = z3::ite(ok, next, meta).simplify();
    }
    r0 = z3::ite(ok, bv(0), bv(static_cast<uint64_t>(semantics::kEINVAL)));
  }
  invalidate_packet_pointers(s);
  return finish_call(s, scalar(r0.simplify()));
}


SymbolicExecutor::Flow SymbolicExecutor::generic_helper(SymState& s, int32_t id, const std::string& name,
                                                        const HelperPrototype& p) {
  // Helpers whose result (and the bytes they write) the world decides: clocks, random numbers,
  // task identity, probe reads, output helpers. Their results are witness inputs, constrained
  // to the prototype's range, and the replay returns them (after running the real helper, whose
  // argument checks stay the VM's).
  if (p.changes_packet_data) {
    abandon(fmt::format("{} moves packet data, which the witness search does not model", name));
    return Flow::Ended;
  }
  if (p.ret != RetType::Integer && p.ret != RetType::Void) {
    abandon(fmt::format("{} returns memory, which the witness search does not model", name));
    return Flow::Ended;
  }
  std::vector<Fault> faults, quiet;
  std::optional<size_t> map;
  int pending = -1;
  bool pending_write = false;
  int buffer_reg = 0;
  uint64_t buffer_len = 0;
  for (int i = 0; i < 5; ++i) {
    const int r = i + 1;
    const SymValue& v = s.regs[static_cast<size_t>(r)];
    switch (p.args[static_cast<size_t>(i)]) {
      case ArgType::None:
      case ArgType::Anything:
      case ArgType::Scalar: break;
      case ArgType::MapHandle: {
        std::string why;
        map = map_arg(s, r, faults, why);
        if (!why.empty()) {
          abandon(why);
          return Flow::Ended;
        }
        break;
      }
      case ArgType::MapKey:
      case ArgType::MapValue:
        if (map) {
          const MapDescriptor& d = setup_.input->maps[*map];
          memory_arg(s, r, bv(p.args[static_cast<size_t>(i)] == ArgType::MapKey ? d.key_size : d.value_size), false, faults,
                     &quiet);
        }
        break;
      case ArgType::Context: context_arg(s, r, faults); break;
      case ArgType::ReadableMemory:
      case ArgType::WritableMemory:
        pending = r;
        pending_write = p.args[static_cast<size_t>(i)] == ArgType::WritableMemory;
        break;
      case ArgType::ConstSize:
      case ArgType::ConstSizeOrZero: {
        if (v.is_ptr() || pending < 0) {
          abandon(fmt::format("{}: a size argument the model cannot pair", name));
          return Flow::Ended;
        }
        if (p.format_string) {
          // bpf_trace_printk refuses a format size of 0 or above 4096.
          faults.push_back({Violation::HelperArg, v.v == bv(0) || z3::ugt(v.v, bv(4096))});
        }
        memory_arg(s, pending, v.v, pending_write, faults, &quiet);
        if (pending_write) {
          uint64_t k = 0;
          if (!numeral(v.v, k) || k > kStackBytes || buffer_reg != 0) {
            abandon(fmt::format("{} writes a buffer whose size the input decides", name));
            return Flow::Ended;
          }
          buffer_reg = pending;
          buffer_len = k;
        }
        pending = -1;
        break;
      }
      case ArgType::Stack:
      case ArgType::Function:
      case ArgType::ProgArray:
      case ArgType::ReleasedRecord:
        abandon(fmt::format("{} takes a {} argument, which the witness search does not model", name,
                            p.args[static_cast<size_t>(i)] == ArgType::Function         ? "callback"
                            : p.args[static_cast<size_t>(i)] == ArgType::ReleasedRecord ? "ring buffer record"
                                                                                        : "stack or prog array"));
        return Flow::Ended;
    }
  }
  Expectation fault;
  fault.kind = Expectation::Kind::Trap;
  fault.trap = TrapKind::HelperFault;
  fault.pc = s.pc;
  fault.steps_before = s.steps;
  Expectation reach = fault;
  reach.kind = Expectation::Kind::Reach;
  if (at_target(s)) {
    for (const Fault& q : quiet) {
      if (offer(s, q.kind, q.cond, reach)) return Flow::Found;
    }
  }
  const Flow f = faults_at(s, faults, fault);
  if (f != Flow::Continue) return f;

  HelperCallRecord rec{s.pc, id, name, fresh(fmt::format("{}_r0", name), 64), 0, {}};
  if (buffer_reg != 0 && buffer_len != 0) {
    const SymValue& b = s.regs[static_cast<size_t>(buffer_reg)];
    if (auto why = spill_conflict(s, b.region, b.v, static_cast<unsigned>(buffer_len), true, nullptr)) {
      abandon(*why);
      return Flow::Ended;
    }
    for (uint64_t i = 0; i < buffer_len; ++i) rec.buffer.push_back(fresh(fmt::format("{}_buf", name), 8));
    rec.buffer_register = buffer_reg;
    write_bytes(s, b.region, b.v, rec.buffer);
  }
  if (p.ret_range) {
    const z3::expr lo = bv(static_cast<uint64_t>(p.ret_range->first)), hi = bv(static_cast<uint64_t>(p.ret_range->second));
    assume(z3::sle(lo, rec.r0) && z3::sle(rec.r0, hi));  // always feasible: a fresh symbol
  }
  SymValue r0 = scalar(rec.r0);
  r0.init = p.ret != RetType::Void;
  s.helpers = push_log(s.helpers, rec);
  return finish_call(s, r0);
}


}  // namespace bpfcert::verifier::smt::detail
