// The Linux program types beyond the first few (linux.cpp): socket address and socket option
// hooks, sock_ops, sk_skb, sk_msg, lwt_*, flow dissector, sk_lookup, sysctl, device cgroups,
// netfilter, and the BTF-typed tracing family (fentry/fexit/fmod_ret/tp_btf/iter, lsm,
// struct_ops) and syscall programs. Each context rule list is the kernel's *_is_valid_access
// function for that type (net/core/filter.c, kernel/bpf/cgroup.c, kernel/trace/bpf_trace.c,
// kernel/bpf/syscall.c) read against the uapi structure the generator measured. Where the
// kernel hands out a pointer to an object bpfcert does not model (a socket, a BTF-typed kernel
// structure), the field is left out or read as a scalar, so every access the verifier allows
// is one the reference VM can perform.
#include <fmt/format.h>

#include "verifier/platform/linux.h"
#include "verifier/platform/linux_layout.h"

namespace bpfcert::verifier::platform {

namespace {

// `id` is the type's uapi value, for headers older than the type (uapi ids never change).
ProgramType& add(std::vector<ProgramType>& types, std::string name, std::string_view uapi, ContextLayout ctx,
                 uint32_t id = 0) {
  ProgramType t;
  t.name = std::move(name);
  t.linux_id = constant(uapi) != 0 ? constant(uapi) : id;
  t.context = std::move(ctx);
  types.push_back(std::move(t));
  return types.back();
}

std::pair<int64_t, int64_t> zero_or_one() { return {0, 1}; }

// MAX_BPF_FUNC_ARGS (include/linux/bpf.h, not uapi): the most arguments a BTF-typed program's
// context holds, each widened to u64.
constexpr uint32_t kMaxFuncArgs = 12;

// Tracing, LSM and struct_ops programs see the traced function's arguments as u64 slots
// (tracing_prog_is_valid_access, btf_ctx_access): read-only, whole 8-byte slots at multiples
// of 8. A pointer argument is a BTF-typed kernel pointer in Linux; here it is a scalar, which
// the program may pass to the probe-read helpers (BPF_CORE_READ) but not dereference.
ContextLayout argument_slots(std::string name, uint32_t count) {
  ContextLayout l;
  l.name = std::move(name);
  for (uint32_t i = 0; i < count; ++i) {
    l.fields.push_back(ContextField{fmt::format("args[{}]", i), 8 * i, 8, true, false, std::nullopt, false});
  }
  l.size = 8 * count;
  return l;
}

// The __sk_buff fields only tc may see (bpf_skb_is_valid_access's shared part leaves them to
// the types that allow them).
std::vector<FieldRule> skb_socket_fields_hidden(std::vector<FieldRule> rules) {
  for (std::string_view f : {"family", "remote_ip4", "local_ip4", "remote_ip6", "local_ip6", "remote_port", "local_port"}) {
    rules.push_back(FieldRule{f, Access::None});
  }
  return rules;
}

}  // namespace

void add_more_program_types(std::vector<ProgramType>& types) {
  // cgroup_sock_addr: sock_addr_is_valid_access. The user and message addresses and the port
  // may be read in parts and written whole (which hook may write which of them depends on the
  // attach type, which a program type does not know: every hook's writes are allowed); family,
  // type and protocol are read whole; sk (a socket) is not modelled.
  {
    ProgramType& t = add(types, "cgroup_sock_addr", "BPF_PROG_TYPE_CGROUP_SOCK_ADDR",
                         layout("bpf_sock_addr", Access::Read, false,
                                {{"user_ip4", Access::ReadWrite, std::nullopt, true},
                                 {"user_ip6", Access::ReadWrite, std::nullopt, true},
                                 {"user_port", Access::ReadWrite, std::nullopt, true},
                                 {"msg_src_ip4", Access::ReadWrite, std::nullopt, true},
                                 {"msg_src_ip6", Access::ReadWrite, std::nullopt, true},
                                 {"sk", Access::None}}));
    t.return_range = zero_or_one();
  }
  // sock_ops: sock_ops_is_valid_access. Whole-field reads; only reply and sk_txhash are
  // written; skb_data / skb_data_end bound the packet of the header-option callbacks; the
  // args / reply / replylong union answers as reply (writable) and replylong (read-only).
  {
    ProgramType& t = add(types, "sock_ops", "BPF_PROG_TYPE_SOCK_OPS",
                         layout("bpf_sock_ops", Access::Read, false,
                                {{"args", Access::None},
                                 {"reply", Access::ReadWrite, std::nullopt, false},
                                 {"sk_txhash", Access::ReadWrite, std::nullopt, false},
                                 {"skb_tcp_flags", Access::Read, std::nullopt, true},
                                 {"sk", Access::None},
                                 {"skb_data", Access::Read, PointerKind::Packet, false},
                                 {"skb_data_end", Access::Read, PointerKind::PacketEnd, false}}));
    t.has_packet = true;
    t.packet_writable = false;
  }
  // sk_skb: sk_skb_is_valid_access on top of bpf_skb_is_valid_access: tc_index and priority
  // are its only writable fields, mark is hidden, the addresses are read whole.
  {
    ProgramType& t = add(types, "sk_skb", "BPF_PROG_TYPE_SK_SKB",
                         skb_layout({{"tc_classid", Access::None},
                                     {"data_meta", Access::None},
                                     {"tstamp", Access::None},
                                     {"wire_len", Access::None},
                                     {"hwtstamp", Access::None},
                                     {"tstamp_type", Access::None},
                                     {"mark", Access::None},
                                     {"tc_index", Access::ReadWrite},
                                     {"priority", Access::ReadWrite},
                                     {"remote_ip4", Access::Read, std::nullopt, false},
                                     {"local_ip4", Access::Read, std::nullopt, false},
                                     {"remote_ip6", Access::Read, std::nullopt, false},
                                     {"local_ip6", Access::Read, std::nullopt, false},
                                     {"data", Access::Read, PointerKind::Packet},
                                     {"data_end", Access::Read, PointerKind::PacketEnd}}));
    t.has_packet = true;
  }
  // sk_msg: sk_msg_is_valid_access. Read-only; the addresses and ports are read whole.
  {
    ProgramType& t = add(types, "sk_msg", "BPF_PROG_TYPE_SK_MSG",
                         layout("sk_msg_md", Access::Read, false,
                                {{"data", Access::Read, PointerKind::Packet, false},
                                 {"data_end", Access::Read, PointerKind::PacketEnd, false},
                                 {"sk", Access::None}}));
    t.has_packet = true;
    t.return_range = zero_or_one();
  }
  // lwt_in / lwt_out / lwt_xmit / lwt_seg6local: lwt_is_valid_access. mark, priority and cb
  // are writable; packet data is writable only from lwt_xmit (may_access_direct_pkt_data).
  for (const auto& [name, uapi, writable] :
       {std::tuple<const char*, const char*, bool>{"lwt_in", "BPF_PROG_TYPE_LWT_IN", false},
        std::tuple<const char*, const char*, bool>{"lwt_out", "BPF_PROG_TYPE_LWT_OUT", false},
        std::tuple<const char*, const char*, bool>{"lwt_xmit", "BPF_PROG_TYPE_LWT_XMIT", true},
        std::tuple<const char*, const char*, bool>{"lwt_seg6local", "BPF_PROG_TYPE_LWT_SEG6LOCAL", false}}) {
    ProgramType& t = add(types, name, uapi,
                         skb_layout(skb_socket_fields_hidden({{"tc_classid", Access::None},
                                                              {"data_meta", Access::None},
                                                              {"tstamp", Access::None},
                                                              {"wire_len", Access::None},
                                                              {"hwtstamp", Access::None},
                                                              {"tstamp_type", Access::None},
                                                              {"mark", Access::ReadWrite},
                                                              {"priority", Access::ReadWrite},
                                                              {"cb", Access::ReadWrite},
                                                              {"data", Access::Read, PointerKind::Packet},
                                                              {"data_end", Access::Read, PointerKind::PacketEnd}})));
    t.has_packet = true;
    t.packet_writable = writable;
  }
  // flow_dissector: flow_dissector_is_valid_access. Only data, data_end and flow_keys, read;
  // flow_keys points to a struct bpf_flow_keys the program fills in.
  {
    uint32_t keys_size = 0;
    for (const UapiField& f : uapi_fields()) {
      if (f.structure == "bpf_flow_keys" && f.field.empty()) keys_size = f.size;
    }
    ContextLayout l = layout("__sk_buff", Access::None, false,
                             {{"data", Access::Read, PointerKind::Packet, false},
                              {"data_end", Access::Read, PointerKind::PacketEnd, false},
                              {"flow_keys", Access::Read, PointerKind::Memory, false, keys_size}});
    ProgramType& t = add(types, "flow_dissector", "BPF_PROG_TYPE_FLOW_DISSECTOR", std::move(l));
    t.has_packet = true;
    t.packet_writable = false;
  }
  // sk_lookup: sk_lookup_is_valid_access. Read-only, in parts; sk and the cookie sharing its
  // slot are a socket pointer (not modelled). Return SK_DROP (0) or SK_PASS (1).
  {
    ProgramType& t = add(types, "sk_lookup", "BPF_PROG_TYPE_SK_LOOKUP",
                         layout("bpf_sk_lookup", Access::Read, true, {{"sk", Access::None}, {"cookie", Access::None}}));
    t.return_range = zero_or_one();
  }
  // sk_reuseport: sk_reuseport_is_valid_access. Read-only; data / data_end bound the packet.
  {
    ProgramType& t = add(types, "sk_reuseport", "BPF_PROG_TYPE_SK_REUSEPORT",
                         layout("sk_reuseport_md", Access::Read, true,
                                {{"data", Access::Read, PointerKind::Packet, false},
                                 {"data_end", Access::Read, PointerKind::PacketEnd, false},
                                 {"sk", Access::None},
                                 {"migrating_sk", Access::None}}));
    t.has_packet = true;
    t.packet_writable = false;
    t.return_range = zero_or_one();
  }
  // cgroup_sysctl: sysctl_is_valid_access. write is read in parts, file_pos read in parts and
  // written whole.
  {
    ProgramType& t = add(types, "cgroup_sysctl", "BPF_PROG_TYPE_CGROUP_SYSCTL",
                         layout("bpf_sysctl", Access::None, true,
                                {{"write", Access::Read, std::nullopt, true}, {"file_pos", Access::ReadWrite, std::nullopt, true}}));
    t.return_range = zero_or_one();
  }
  // cgroup_sockopt: cg_sockopt_is_valid_access. optval / optval_end bound the option buffer
  // (a packet-like region); optlen is writable, level and optname from setsockopt hooks and
  // retval from getsockopt hooks (both allowed here: the attach type is not the type's); sk is
  // a socket (not modelled).
  {
    ProgramType& t = add(types, "cgroup_sockopt", "BPF_PROG_TYPE_CGROUP_SOCKOPT",
                         layout("bpf_sockopt", Access::Read, false,
                                {{"sk", Access::None},
                                 {"optval", Access::Read, PointerKind::Packet, false},
                                 {"optval_end", Access::Read, PointerKind::PacketEnd, false},
                                 {"level", Access::ReadWrite, std::nullopt, false},
                                 {"optname", Access::ReadWrite, std::nullopt, false},
                                 {"optlen", Access::ReadWrite, std::nullopt, false},
                                 {"retval", Access::ReadWrite, std::nullopt, false}}));
    t.has_packet = true;
    t.return_range = zero_or_one();
  }
  // cgroup_device: cgroup_dev_is_valid_access. Read-only; access_type in parts.
  {
    ProgramType& t = add(types, "cgroup_device", "BPF_PROG_TYPE_CGROUP_DEVICE",
                         layout("bpf_cgroup_dev_ctx", Access::Read, false, {{"access_type", Access::Read, std::nullopt, true}}));
    t.return_range = zero_or_one();
  }
  // netfilter: nf_is_valid_access. struct bpf_nf_ctx (kernel-internal: two pointers, state and
  // skb, BTF-typed) read whole; here they are scalars. Return NF_DROP (0) or NF_ACCEPT (1).
  {
    ContextLayout l = argument_slots("struct bpf_nf_ctx", 2);
    l.fields[0].name = "state";
    l.fields[1].name = "skb";
    ProgramType& t = add(types, "netfilter", "BPF_PROG_TYPE_NETFILTER", std::move(l), 32);
    t.return_range = zero_or_one();
  }
  // lirc_mode2: lirc_mode2_is_valid_access. The context is one u32 sample, read whole.
  {
    ContextLayout l;
    l.name = "lirc sample";
    l.size = 4;
    l.fields.push_back(ContextField{"sample", 0, 4, true, false, std::nullopt, false});
    add(types, "lirc_mode2", "BPF_PROG_TYPE_LIRC_MODE2", std::move(l));
  }
  // The BTF-typed family: the traced function's (or struct_ops member's, or LSM hook's)
  // arguments as u64 slots. Linux bounds the slots by the target's BTF prototype; without the
  // target here, every one of MAX_BPF_FUNC_ARGS slots is readable.
  for (const auto& [name, uapi] : {std::pair<const char*, const char*>{"tracing", "BPF_PROG_TYPE_TRACING"},
                                   std::pair<const char*, const char*>{"lsm", "BPF_PROG_TYPE_LSM"},
                                   std::pair<const char*, const char*>{"struct_ops", "BPF_PROG_TYPE_STRUCT_OPS"}}) {
    add(types, name, uapi, argument_slots("function arguments", kMaxFuncArgs));
  }
  // raw_tracepoint_writable: as raw_tracepoint, whose layout linux.cpp builds (the writable
  // tracepoint buffer is a BTF-typed argument, a scalar here).
  for (const ProgramType& t : std::vector<ProgramType>(types)) {
    if (t.name == "raw_tracepoint") add(types, "raw_tracepoint_writable", "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE", t.context);
  }
  // syscall: syscall_prog_is_valid_access. The context is the caller's buffer (ctx_in of
  // BPF_PROG_RUN), any aligned access below U16_MAX, read and written; the kernel refuses a run
  // whose buffer is shorter than the largest offset the program uses.
  {
    ContextLayout l;
    l.name = "syscall arguments";
    l.size = 65535;
    l.fields.push_back(ContextField{"ctx", 0, 65535, true, true, std::nullopt, true});
    add(types, "syscall", "BPF_PROG_TYPE_SYSCALL", std::move(l));
  }
  // cgroup_skb (linux.cpp) reads packet data but may not write it (may_access_direct_pkt_data).
  for (ProgramType& t : types) {
    if (t.name == "cgroup_skb") t.packet_writable = false;
  }
  // Loading these types needs CAP_PERFMON (is_perfmon_prog_type in kernel/bpf/syscall.c), and
  // a loader with CAP_PERFMON may leak pointers (bpf_allow_ptr_leaks).
  for (ProgramType& t : types) {
    for (std::string_view perfmon : {"BPF_PROG_TYPE_KPROBE", "BPF_PROG_TYPE_TRACEPOINT", "BPF_PROG_TYPE_PERF_EVENT",
                                     "BPF_PROG_TYPE_RAW_TRACEPOINT", "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE",
                                     "BPF_PROG_TYPE_TRACING", "BPF_PROG_TYPE_LSM", "BPF_PROG_TYPE_STRUCT_OPS",
                                     "BPF_PROG_TYPE_EXT"}) {
      if (t.linux_id != 0 && t.linux_id == constant(perfmon)) t.pointer_leaks = true;
    }
  }
}

}  // namespace bpfcert::verifier::platform
