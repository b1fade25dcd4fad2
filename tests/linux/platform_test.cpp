// The Linux platform generated from the installed uapi headers: expected values come from the
// same headers compiled into this test (offsetof, enum constants) and from the kernel's
// documented helper prototypes, never from bpfcert's generator.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/bpf_perf_event.h>

#include <cstddef>

#include "verifier/platform/linux.h"

namespace bpfcert::verifier::platform {
namespace {

const HelperPrototype& helper(int32_t id) {
  const HelperPrototype* h = linux_platform().find_helper(id);
  EXPECT_NE(h, nullptr) << "helper " << id;
  static const HelperPrototype none;
  return h != nullptr ? *h : none;
}

using A = ArgType;

TEST(LinuxHelpers, MapHelpers) {
  const auto& lookup = helper(BPF_FUNC_map_lookup_elem);
  EXPECT_EQ(lookup.name, "bpf_map_lookup_elem");
  EXPECT_EQ(lookup.ret, RetType::MapValueOrNull);
  EXPECT_EQ(lookup.args, (std::array<A, 5>{A::MapHandle, A::MapKey, A::None, A::None, A::None}));
  EXPECT_EQ(helper(BPF_FUNC_map_update_elem).args,
            (std::array<A, 5>{A::MapHandle, A::MapKey, A::MapValue, A::Scalar, A::None}));
  EXPECT_EQ(helper(BPF_FUNC_map_update_elem).ret, RetType::Integer);
  EXPECT_EQ(helper(BPF_FUNC_map_delete_elem).args, (std::array<A, 5>{A::MapHandle, A::MapKey, A::None, A::None, A::None}));
}

TEST(LinuxHelpers, ContextMemoryAndSpecialResults) {
  EXPECT_EQ(helper(BPF_FUNC_tail_call).args, (std::array<A, 5>{A::Context, A::ProgArray, A::Scalar, A::None, A::None}));
  EXPECT_EQ(helper(BPF_FUNC_tail_call).ret, RetType::NoReturnOnSuccess);
  EXPECT_EQ(helper(BPF_FUNC_ktime_get_ns).args, (std::array<A, 5>{}));
  EXPECT_EQ(helper(BPF_FUNC_ktime_get_ns).ret, RetType::Integer);
  // Buffers the helper fills may be uninitialised; the size argument pairs with them.
  EXPECT_EQ(helper(BPF_FUNC_probe_read_kernel).args,
            (std::array<A, 5>{A::WritableMemory, A::ConstSizeOrZero, A::Anything, A::None, A::None}));
  EXPECT_EQ(helper(BPF_FUNC_get_current_comm).args,
            (std::array<A, 5>{A::WritableMemory, A::ConstSizeOrZero, A::None, A::None, A::None}));
  // Buffers the helper sends must be initialised.
  EXPECT_EQ(helper(BPF_FUNC_ringbuf_output).args,
            (std::array<A, 5>{A::MapHandle, A::ReadableMemory, A::ConstSizeOrZero, A::Scalar, A::None}));
  EXPECT_EQ(helper(BPF_FUNC_perf_event_output).args,
            (std::array<A, 5>{A::Context, A::MapHandle, A::Scalar, A::ReadableMemory, A::ConstSizeOrZero}));
  // Linux checks trace_printk's format at run time and leaves r3-r5 unchecked.
  EXPECT_EQ(helper(BPF_FUNC_trace_printk).args,
            (std::array<A, 5>{A::ReadableMemory, A::ConstSizeOrZero, A::None, A::None, A::None}));
  EXPECT_TRUE(helper(BPF_FUNC_trace_printk).format_string);
  EXPECT_EQ(helper(BPF_FUNC_get_prandom_u32).ret_range, (std::pair<int64_t, int64_t>{0, UINT32_MAX}));
  EXPECT_EQ(helper(BPF_FUNC_ktime_get_ns).ret_range, std::nullopt);
  const auto& reserve = helper(BPF_FUNC_ringbuf_reserve);
  EXPECT_EQ(reserve.ret, RetType::MemoryOrNull);
  EXPECT_EQ(reserve.ret_size_arg, 1);
  EXPECT_EQ(helper(BPF_FUNC_skb_load_bytes).args,
            (std::array<A, 5>{A::Context, A::Scalar, A::WritableMemory, A::ConstSizeOrZero, A::None}));
}

TEST(LinuxHelpers, EveryUapiHelperIsListedWithItsSignatureOrAReason) {
  const auto& all = uapi_helpers();
  ASSERT_GE(all.size(), 150u);  // linux-libc-dev 6.1 documents 211
  int32_t expected_id = 1;
  size_t modelled = 0;
  for (const UapiHelper& h : all) {
    EXPECT_EQ(h.id, expected_id++) << h.name;  // ids are dense, 1..N
    EXPECT_FALSE(h.signature.empty()) << h.name;
    EXPECT_NE(h.signature.find("bpf_" + h.name + "("), std::string::npos) << h.signature;
    if (h.prototype) {
      ++modelled;
      EXPECT_EQ(h.prototype->id, h.id);
    } else {
      EXPECT_FALSE(h.unmodelled_reason.empty()) << h.name;
    }
  }
  EXPECT_GE(modelled, all.size() / 2);
  // Ring buffer records are references: reserve acquires one, submit and discard release it.
  for (const UapiHelper& h : all) {
    if (h.name == "ringbuf_reserve") {
      ASSERT_TRUE(h.prototype);
      EXPECT_TRUE(h.prototype->acquires);
    }
    if (h.name == "ringbuf_submit" || h.name == "ringbuf_discard") {
      ASSERT_TRUE(h.prototype) << h.unmodelled_reason;
      EXPECT_EQ(h.prototype->args, (std::array<A, 5>{A::ReleasedRecord, A::Scalar, A::None, A::None, A::None}));
    }
  }
}

TEST(LinuxHelpers, SignatureParserOnHandWrittenSignatures) {
  auto h = parse_helper_signature(1, "f", "long bpf_f(struct bpf_map *map, const void *key, const void *value, u64 flags)");
  ASSERT_TRUE(h.prototype);
  EXPECT_EQ(h.prototype->args, (std::array<A, 5>{A::MapHandle, A::MapKey, A::MapValue, A::Scalar, A::None}));
  h = parse_helper_signature(2, "g", "struct bpf_sock *bpf_g(struct bpf_sock *sk)");
  EXPECT_FALSE(h.prototype);
  h = parse_helper_signature(3, "h", "no signature here");
  EXPECT_FALSE(h.prototype);
  EXPECT_EQ(h.unmodelled_reason, "no C signature in the uapi doc comment");
  h = parse_helper_signature(4, "x", "long bpf_x(struct xdp_buff *xdp_md, int delta)");
  ASSERT_TRUE(h.prototype);
  EXPECT_EQ(h.context_struct, "xdp_md");
}

TEST(LinuxHelpers, ContextTypedHelpersOnlyForTheirProgramTypes) {
  const auto* xdp = linux_platform().find_program_type("xdp");
  const auto* tc = linux_platform().find_program_type("sched_cls");
  ASSERT_NE(xdp, nullptr);
  ASSERT_NE(tc, nullptr);
  auto has = [](const ProgramType* t, int32_t id) {
    return std::find(t->helpers.begin(), t->helpers.end(), id) != t->helpers.end();
  };
  EXPECT_TRUE(has(xdp, BPF_FUNC_xdp_adjust_head));
  EXPECT_FALSE(has(tc, BPF_FUNC_xdp_adjust_head));
  EXPECT_TRUE(has(tc, BPF_FUNC_skb_store_bytes));
  EXPECT_FALSE(has(xdp, BPF_FUNC_skb_store_bytes));
  EXPECT_TRUE(has(xdp, BPF_FUNC_map_lookup_elem));
  EXPECT_TRUE(has(tc, BPF_FUNC_map_lookup_elem));
}

const ContextField* field(const ProgramType& t, const std::string& name) {
  for (const ContextField& f : t.context.fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

TEST(LinuxContexts, XdpMd) {
  const ProgramType* t = linux_platform().find_program_type("xdp");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->linux_id, static_cast<uint32_t>(BPF_PROG_TYPE_XDP));
  EXPECT_EQ(t->context.size, sizeof(struct xdp_md));
  EXPECT_TRUE(t->has_packet);
  const auto* data = field(*t, "data");
  const auto* end = field(*t, "data_end");
  const auto* meta = field(*t, "data_meta");
  ASSERT_TRUE(data && end && meta);
  EXPECT_EQ(data->offset, offsetof(struct xdp_md, data));
  EXPECT_EQ(end->offset, offsetof(struct xdp_md, data_end));
  EXPECT_EQ(meta->offset, offsetof(struct xdp_md, data_meta));
  EXPECT_EQ(data->holds, PointerKind::Packet);
  EXPECT_EQ(end->holds, PointerKind::PacketEnd);
  EXPECT_EQ(meta->holds, PointerKind::PacketMeta);
  for (const ContextField& f : t->context.fields) EXPECT_FALSE(f.writable) << f.name;
  EXPECT_EQ(field(*t, "egress_ifindex"), nullptr);  // devmap programs only
  ASSERT_NE(field(*t, "rx_queue_index"), nullptr);
  EXPECT_EQ(field(*t, "rx_queue_index")->offset, offsetof(struct xdp_md, rx_queue_index));
}

TEST(LinuxContexts, SkBuffRulesDifferByType) {
  const ProgramType* tc = linux_platform().find_program_type("sched_cls");
  const ProgramType* sf = linux_platform().find_program_type("socket_filter");
  const ProgramType* cg = linux_platform().find_program_type("cgroup_skb");
  ASSERT_TRUE(tc && sf && cg);
  EXPECT_EQ(tc->context.size, sizeof(struct __sk_buff));
  EXPECT_EQ(field(*tc, "data_end")->offset, offsetof(struct __sk_buff, data_end));
  EXPECT_EQ(field(*tc, "data_end")->holds, PointerKind::PacketEnd);
  EXPECT_EQ(field(*tc, "cb[4]")->offset, offsetof(struct __sk_buff, cb[4]));
  EXPECT_EQ(field(*tc, "cb[4]")->size, sizeof(((struct __sk_buff*)nullptr)->cb[4]));
  EXPECT_TRUE(field(*tc, "cb[2]")->writable);
  EXPECT_TRUE(field(*tc, "mark")->writable);
  EXPECT_TRUE(field(*tc, "tc_classid")->writable);
  EXPECT_FALSE(field(*tc, "len")->writable);
  EXPECT_TRUE(field(*tc, "len")->narrow_loads);
  EXPECT_FALSE(field(*tc, "data")->narrow_loads);
  // Socket filters read the packet only through helpers and legacy loads.
  EXPECT_EQ(field(*sf, "data"), nullptr);
  EXPECT_EQ(field(*sf, "data_end"), nullptr);
  EXPECT_FALSE(field(*sf, "mark")->writable);
  EXPECT_TRUE(field(*sf, "cb[0]")->writable);
  EXPECT_TRUE(sf->legacy_packet_loads);
  EXPECT_FALSE(sf->has_packet);
  // cgroup_skb: packet access, no data_meta, no tc_classid, verdict 0 or 1.
  EXPECT_NE(field(*cg, "data"), nullptr);
  EXPECT_EQ(field(*cg, "data_meta"), nullptr);
  EXPECT_EQ(field(*cg, "tc_classid"), nullptr);
  EXPECT_EQ(cg->return_range, (std::pair<int64_t, int64_t>{0, 1}));
  EXPECT_FALSE(cg->legacy_packet_loads);
}

TEST(LinuxContexts, TracingTypes) {
  const ProgramType* kp = linux_platform().find_program_type("kprobe");
  const ProgramType* pe = linux_platform().find_program_type("perf_event");
  const ProgramType* tp = linux_platform().find_program_type("tracepoint");
  const ProgramType* raw = linux_platform().find_program_type("raw_tracepoint");
  const ProgramType* sock = linux_platform().find_program_type("cgroup_sock");
  ASSERT_TRUE(kp && pe && tp && raw && sock);
  EXPECT_EQ(kp->context.size, sizeof(struct pt_regs));
  EXPECT_EQ(field(*kp, "rdi")->offset, offsetof(struct pt_regs, rdi));
  EXPECT_EQ(pe->context.size, sizeof(struct bpf_perf_event_data));
  EXPECT_EQ(field(*pe, "sample_period")->offset, offsetof(struct bpf_perf_event_data, sample_period));
  EXPECT_EQ(field(*pe, "regs.rip")->offset, offsetof(struct bpf_perf_event_data, regs) + offsetof(struct pt_regs, rip));
  EXPECT_EQ(tp->context.size, 2048u);
  EXPECT_EQ(raw->context.fields.size(), 12u);
  EXPECT_EQ(sock->context.size, sizeof(struct bpf_sock));
  EXPECT_TRUE(field(*sock, "mark")->writable);
  EXPECT_FALSE(field(*sock, "family")->writable);
  EXPECT_EQ(field(*sock, "src_ip4"), nullptr);  // post_bind programs only
}

TEST(LinuxPlatform, ModelledTypesByTheirUapiId) {
  EXPECT_EQ(program_type_for_linux_id(BPF_PROG_TYPE_XDP)->name, "xdp");
  EXPECT_EQ(program_type_for_linux_id(BPF_PROG_TYPE_SCHED_CLS)->name, "sched_cls");
  EXPECT_EQ(program_type_for_linux_id(BPF_PROG_TYPE_KPROBE)->name, "kprobe");
  EXPECT_EQ(program_type_for_linux_id(BPF_PROG_TYPE_CGROUP_SOCK)->name, "cgroup_sock");
  for (const ProgramType& t : linux_platform().program_types) EXPECT_EQ(program_type_for_linux_id(t.linux_id), &t);
  // Not modelled yet: the object still loads, verification says so (program.type).
  EXPECT_EQ(program_type_for_linux_id(BPF_PROG_TYPE_EXT), nullptr);
  EXPECT_EQ(program_type_for_linux_id(BPF_PROG_TYPE_UNSPEC), nullptr);
}

TEST(LinuxPlatform, MapTypesAndConstants) {
  const auto& types = linux_platform().map_types;
  ASSERT_EQ(types.count(BPF_MAP_TYPE_RINGBUF), 1u);
  EXPECT_EQ(types.at(BPF_MAP_TYPE_RINGBUF).name, "ringbuf");
  EXPECT_FALSE(types.at(BPF_MAP_TYPE_RINGBUF).lookup_returns_value);
  EXPECT_FALSE(types.at(BPF_MAP_TYPE_PROG_ARRAY).lookup_returns_value);
  EXPECT_TRUE(types.at(BPF_MAP_TYPE_PROG_ARRAY).array_like);
  EXPECT_TRUE(types.at(BPF_MAP_TYPE_PERCPU_ARRAY).value_is_per_cpu);
  EXPECT_TRUE(types.at(BPF_MAP_TYPE_PERCPU_ARRAY).array_like);
  EXPECT_TRUE(types.at(BPF_MAP_TYPE_LRU_HASH).lookup_returns_value);
  EXPECT_FALSE(types.at(BPF_MAP_TYPE_LRU_HASH).array_like);
  EXPECT_EQ(types.at(BPF_MAP_TYPE_PERF_EVENT_ARRAY).name, "perf_event_array");
  EXPECT_EQ(uapi_constant("BPF_PROG_TYPE_CGROUP_SKB"), BPF_PROG_TYPE_CGROUP_SKB);
  EXPECT_EQ(uapi_constant("XDP_TX"), XDP_TX);
  EXPECT_EQ(uapi_constant("NO_SUCH_CONSTANT"), std::nullopt);
  EXPECT_FALSE(linux_platform().allow_pointer_leaks);
}

}  // namespace
}  // namespace bpfcert::verifier::platform
