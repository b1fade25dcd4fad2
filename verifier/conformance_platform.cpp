#include "verifier/conformance_platform.h"

#include "semantics/machine.h"

namespace bpfcert::verifier {

namespace {

HelperPrototype proto(int32_t id, const char* name, RetType ret, std::array<ArgType, 5> args) {
  HelperPrototype p;
  p.id = id;
  p.name = name;
  p.ret = ret;
  p.args = args;
  return p;
}

Platform make() {
  using A = ArgType;
  using R = RetType;
  constexpr auto N = A::None;
  Platform p;
  p.name = "conformance";
  ProgramType t;
  t.name = kConformanceProgramType;
  t.entry = ProgramType::Entry::MemoryAndLength;
  t.legacy_packet_loads = true;  // they read the input memory (interp/interpreter.h)
  p.program_types.push_back(t);

  // Ids and behaviour: interp/helpers.h. Return ranges are what those implementations return.
  const std::pair<int64_t, int64_t> errno_or_zero{-4095, 0};
  const std::pair<int64_t, int64_t> u32{0, 0xffffffffLL};
  auto add = [&](HelperPrototype h) { p.helpers[h.id] = std::move(h); };
  add(proto(1, "bpf_map_lookup_elem", R::MapValueOrNull, {A::MapHandle, A::MapKey, N, N, N}));
  auto update = proto(2, "bpf_map_update_elem", R::Integer, {A::MapHandle, A::MapKey, A::MapValue, A::Scalar, N});
  update.ret_range = errno_or_zero;
  add(update);
  auto del = proto(3, "bpf_map_delete_elem", R::Integer, {A::MapHandle, A::MapKey, N, N, N});
  del.ret_range = errno_or_zero;
  add(del);
  add(proto(5, "bpf_ktime_get_ns", R::Integer, {N, N, N, N, N}));
  auto printk = proto(6, "bpf_trace_printk", R::Integer,
                      {A::ReadableMemory, A::ConstSize, A::Anything, A::Anything, A::Anything});
  printk.format_string = true;
  printk.ret_range = std::pair<int64_t, int64_t>{0, 1 << 20};
  add(printk);
  auto prandom = proto(7, "bpf_get_prandom_u32", R::Integer, {N, N, N, N, N});
  prandom.ret_range = u32;
  add(prandom);
  auto cpu = proto(8, "bpf_get_smp_processor_id", R::Integer, {N, N, N, N, N});
  cpu.ret_range = u32;
  add(cpu);
  add(proto(1000, "bpfcert_test_sum5", R::Integer, {A::Anything, A::Anything, A::Anything, A::Anything, A::Anything}));

  auto addk = [&](HelperPrototype h) { p.kfuncs[h.id] = std::move(h); };
  addk(proto(1, "bpfcert_kfunc_sum5", R::Integer, {A::Anything, A::Anything, A::Anything, A::Anything, A::Anything}));
  addk(proto(2, "bpfcert_kfunc_mul", R::Integer, {A::Anything, A::Anything, N, N, N}));
  addk(proto(3, "bpfcert_kfunc_memset", R::Integer, {A::WritableMemory, A::Scalar, A::ConstSizeOrZero, N, N}));

  // uapi bpf_map_type ids of the types interp/maps.h implements.
  auto map_type = [&](uint32_t id, const char* name, bool array_like, bool returns_value, bool per_cpu) {
    MapTypeInfo m;
    m.id = id;
    m.name = name;
    m.array_like = array_like;
    m.lookup_returns_value = returns_value;
    m.value_is_per_cpu = per_cpu;
    p.map_types[id] = m;
  };
  map_type(1, "hash", false, true, false);
  map_type(2, "array", true, true, false);
  map_type(3, "prog_array", true, false, false);
  map_type(4, "perf_event_array", true, false, false);
  map_type(5, "percpu_hash", false, true, true);
  map_type(6, "percpu_array", true, true, true);
  map_type(9, "lru_hash", false, true, false);
  map_type(10, "lru_percpu_hash", false, true, true);
  map_type(27, "ringbuf", false, false, false);
  p.allow_pointer_leaks = false;
  p.stack_size = semantics::kStackFrameBytes;  // the reference VM's machine
  p.max_call_frames = semantics::kMaxCallFrames;
  return p;
}

}  // namespace

const Platform& conformance_platform() {
  static const Platform p = make();
  return p;
}

}  // namespace bpfcert::verifier
