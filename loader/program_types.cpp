#include "loader/program_types.h"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace bpfcert::loader {

namespace {

// uapi enum bpf_prog_type, with libbpf's names (libbpf.c prog_type_name[]).
constexpr ProgramTypeName kProgramTypes[] = {
    {0, "unspec", "BPF_PROG_TYPE_UNSPEC"},
    {1, "socket_filter", "BPF_PROG_TYPE_SOCKET_FILTER"},
    {2, "kprobe", "BPF_PROG_TYPE_KPROBE"},
    {3, "sched_cls", "BPF_PROG_TYPE_SCHED_CLS"},
    {4, "sched_act", "BPF_PROG_TYPE_SCHED_ACT"},
    {5, "tracepoint", "BPF_PROG_TYPE_TRACEPOINT"},
    {6, "xdp", "BPF_PROG_TYPE_XDP"},
    {7, "perf_event", "BPF_PROG_TYPE_PERF_EVENT"},
    {8, "cgroup_skb", "BPF_PROG_TYPE_CGROUP_SKB"},
    {9, "cgroup_sock", "BPF_PROG_TYPE_CGROUP_SOCK"},
    {10, "lwt_in", "BPF_PROG_TYPE_LWT_IN"},
    {11, "lwt_out", "BPF_PROG_TYPE_LWT_OUT"},
    {12, "lwt_xmit", "BPF_PROG_TYPE_LWT_XMIT"},
    {13, "sock_ops", "BPF_PROG_TYPE_SOCK_OPS"},
    {14, "sk_skb", "BPF_PROG_TYPE_SK_SKB"},
    {15, "cgroup_device", "BPF_PROG_TYPE_CGROUP_DEVICE"},
    {16, "sk_msg", "BPF_PROG_TYPE_SK_MSG"},
    {17, "raw_tracepoint", "BPF_PROG_TYPE_RAW_TRACEPOINT"},
    {18, "cgroup_sock_addr", "BPF_PROG_TYPE_CGROUP_SOCK_ADDR"},
    {19, "lwt_seg6local", "BPF_PROG_TYPE_LWT_SEG6LOCAL"},
    {20, "lirc_mode2", "BPF_PROG_TYPE_LIRC_MODE2"},
    {21, "sk_reuseport", "BPF_PROG_TYPE_SK_REUSEPORT"},
    {22, "flow_dissector", "BPF_PROG_TYPE_FLOW_DISSECTOR"},
    {23, "cgroup_sysctl", "BPF_PROG_TYPE_CGROUP_SYSCTL"},
    {24, "raw_tracepoint_writable", "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE"},
    {25, "cgroup_sockopt", "BPF_PROG_TYPE_CGROUP_SOCKOPT"},
    {26, "tracing", "BPF_PROG_TYPE_TRACING"},
    {27, "struct_ops", "BPF_PROG_TYPE_STRUCT_OPS"},
    {28, "ext", "BPF_PROG_TYPE_EXT"},
    {29, "lsm", "BPF_PROG_TYPE_LSM"},
    {30, "sk_lookup", "BPF_PROG_TYPE_SK_LOOKUP"},
    {31, "syscall", "BPF_PROG_TYPE_SYSCALL"},
    {32, "netfilter", "BPF_PROG_TYPE_NETFILTER"},
};

// uapi enum bpf_attach_type, in order (include/uapi/linux/bpf.h).
constexpr AttachTypeName kAttachTypes[] = {
    {0, "BPF_CGROUP_INET_INGRESS"},       {1, "BPF_CGROUP_INET_EGRESS"},
    {2, "BPF_CGROUP_INET_SOCK_CREATE"},   {3, "BPF_CGROUP_SOCK_OPS"},
    {4, "BPF_SK_SKB_STREAM_PARSER"},      {5, "BPF_SK_SKB_STREAM_VERDICT"},
    {6, "BPF_CGROUP_DEVICE"},             {7, "BPF_SK_MSG_VERDICT"},
    {8, "BPF_CGROUP_INET4_BIND"},         {9, "BPF_CGROUP_INET6_BIND"},
    {10, "BPF_CGROUP_INET4_CONNECT"},     {11, "BPF_CGROUP_INET6_CONNECT"},
    {12, "BPF_CGROUP_INET4_POST_BIND"},   {13, "BPF_CGROUP_INET6_POST_BIND"},
    {14, "BPF_CGROUP_UDP4_SENDMSG"},      {15, "BPF_CGROUP_UDP6_SENDMSG"},
    {16, "BPF_LIRC_MODE2"},               {17, "BPF_FLOW_DISSECTOR"},
    {18, "BPF_CGROUP_SYSCTL"},            {19, "BPF_CGROUP_UDP4_RECVMSG"},
    {20, "BPF_CGROUP_UDP6_RECVMSG"},      {21, "BPF_CGROUP_GETSOCKOPT"},
    {22, "BPF_CGROUP_SETSOCKOPT"},        {23, "BPF_TRACE_RAW_TP"},
    {24, "BPF_TRACE_FENTRY"},             {25, "BPF_TRACE_FEXIT"},
    {26, "BPF_MODIFY_RETURN"},            {27, "BPF_LSM_MAC"},
    {28, "BPF_TRACE_ITER"},               {29, "BPF_CGROUP_INET4_GETPEERNAME"},
    {30, "BPF_CGROUP_INET6_GETPEERNAME"}, {31, "BPF_CGROUP_INET4_GETSOCKNAME"},
    {32, "BPF_CGROUP_INET6_GETSOCKNAME"}, {33, "BPF_XDP_DEVMAP"},
    {34, "BPF_CGROUP_INET_SOCK_RELEASE"}, {35, "BPF_XDP_CPUMAP"},
    {36, "BPF_SK_LOOKUP"},                {37, "BPF_XDP"},
    {38, "BPF_SK_SKB_VERDICT"},           {39, "BPF_SK_REUSEPORT_SELECT"},
    {40, "BPF_SK_REUSEPORT_SELECT_OR_MIGRATE"}, {41, "BPF_PERF_EVENT"},
    {42, "BPF_TRACE_KPROBE_MULTI"},       {43, "BPF_LSM_CGROUP"},
    {44, "BPF_STRUCT_OPS"},               {45, "BPF_NETFILTER"},
    {46, "BPF_TCX_INGRESS"},              {47, "BPF_TCX_EGRESS"},
    {48, "BPF_TRACE_UPROBE_MULTI"},       {49, "BPF_CGROUP_UNIX_CONNECT"},
    {50, "BPF_CGROUP_UNIX_SENDMSG"},      {51, "BPF_CGROUP_UNIX_RECVMSG"},
    {52, "BPF_CGROUP_UNIX_GETPEERNAME"},  {53, "BPF_CGROUP_UNIX_GETSOCKNAME"},
    {54, "BPF_NETKIT_PRIMARY"},           {55, "BPF_NETKIT_PEER"},
    {56, "BPF_TRACE_KPROBE_SESSION"},     {57, "BPF_TRACE_UPROBE_SESSION"},
};

constexpr bool ids_in_order() {
  for (size_t i = 0; i < std::size(kProgramTypes); ++i) {
    if (kProgramTypes[i].id != i) return false;
  }
  for (size_t i = 0; i < std::size(kAttachTypes); ++i) {
    if (kAttachTypes[i].id != i) return false;
  }
  return true;
}
static_assert(ids_in_order(), "the tables are indexed by id");

enum Flags : uint8_t {
  kNone = 0,
  kAttachBtf = 1,   // SEC_ATTACH_BTF
  kSleepable = 2,   // SEC_SLEEPABLE
  kXdpFrags = 4,    // SEC_XDP_FRAGS
  kSloppy = 8,      // SEC_SLOPPY_PFX of libbpf 0.7-0.8: a bare prefix match was allowed
};

constexpr int kNoAttach = -1;

// One of libbpf's section definitions (libbpf.c section_defs[], SEC_DEF(sec, type, attach,
// flags)). `sec` is matched as libbpf's sec_def_matches does: "x+" matches "x" and "x/...",
// "x/" matches "x/...", anything else the exact name. Order matters: the first match wins.
struct SectionDef {
  std::string_view sec;
  uint32_t prog_type;
  int attach;
  uint8_t flags;
};

// libbpf 1.x's table (as of 1.6), with the SEC_SLOPPY_PFX marks libbpf 0.7-0.8 gave the same
// entries. Attach type numbers are the uapi's (kAttachTypes above).
constexpr SectionDef kSectionDefs[] = {
    {"socket", 1, kNoAttach, kSloppy},
    {"sk_reuseport/migrate", 21, 40, kSloppy},
    {"sk_reuseport", 21, 39, kSloppy},
    {"kprobe+", 2, kNoAttach, kNone},
    {"uprobe+", 2, kNoAttach, kNone},
    {"uprobe.s+", 2, kNoAttach, kSleepable},
    {"kretprobe+", 2, kNoAttach, kNone},
    {"uretprobe+", 2, kNoAttach, kNone},
    {"uretprobe.s+", 2, kNoAttach, kSleepable},
    {"kprobe.multi+", 2, 42, kNone},
    {"kretprobe.multi+", 2, 42, kNone},
    {"kprobe.session+", 2, 56, kNone},
    {"uprobe.multi+", 2, 48, kNone},
    {"uretprobe.multi+", 2, 48, kNone},
    {"uprobe.multi.s+", 2, 48, kSleepable},
    {"uretprobe.multi.s+", 2, 48, kSleepable},
    {"uprobe.session+", 2, 57, kNone},
    {"uprobe.session.s+", 2, 57, kSleepable},
    {"ksyscall+", 2, kNoAttach, kNone},
    {"kretsyscall+", 2, kNoAttach, kNone},
    {"usdt+", 2, kNoAttach, kNone},
    {"usdt.s+", 2, kNoAttach, kSleepable},
    {"tc/ingress", 3, 46, kNone},
    {"tc/egress", 3, 47, kNone},
    {"tcx/ingress", 3, 46, kNone},
    {"tcx/egress", 3, 47, kNone},
    {"tc", 3, kNoAttach, kNone},
    {"classifier", 3, kNoAttach, kSloppy},
    {"action", 4, kNoAttach, kSloppy},
    {"netkit/primary", 3, 54, kNone},
    {"netkit/peer", 3, 55, kNone},
    {"tracepoint+", 5, kNoAttach, kNone},
    {"tp+", 5, kNoAttach, kNone},
    {"raw_tracepoint+", 17, kNoAttach, kNone},
    {"raw_tp+", 17, kNoAttach, kNone},
    {"raw_tracepoint.w+", 24, kNoAttach, kNone},
    {"raw_tp.w+", 24, kNoAttach, kNone},
    {"tp_btf+", 26, 23, kAttachBtf},
    {"fentry+", 26, 24, kAttachBtf},
    {"fmod_ret+", 26, 26, kAttachBtf},
    {"fexit+", 26, 25, kAttachBtf},
    {"fentry.s+", 26, 24, kAttachBtf | kSleepable},
    {"fmod_ret.s+", 26, 26, kAttachBtf | kSleepable},
    {"fexit.s+", 26, 25, kAttachBtf | kSleepable},
    {"freplace+", 28, kNoAttach, kAttachBtf},
    {"lsm+", 29, 27, kAttachBtf},
    {"lsm.s+", 29, 27, kAttachBtf | kSleepable},
    {"lsm_cgroup+", 29, 43, kAttachBtf},
    {"iter+", 26, 28, kAttachBtf},
    {"iter.s+", 26, 28, kAttachBtf | kSleepable},
    {"syscall", 31, kNoAttach, kSleepable},
    {"xdp.frags/devmap", 6, 33, kXdpFrags},
    {"xdp/devmap", 6, 33, kNone},
    {"xdp.frags/cpumap", 6, 35, kXdpFrags},
    {"xdp/cpumap", 6, 35, kNone},
    {"xdp.frags", 6, 37, kXdpFrags},
    {"xdp", 6, 37, kSloppy},
    {"perf_event", 7, kNoAttach, kSloppy},
    {"lwt_in", 10, kNoAttach, kSloppy},
    {"lwt_out", 11, kNoAttach, kSloppy},
    {"lwt_xmit", 12, kNoAttach, kSloppy},
    {"lwt_seg6local", 19, kNoAttach, kSloppy},
    {"sockops", 13, 3, kSloppy},
    {"sk_skb/stream_parser", 14, 4, kSloppy},
    {"sk_skb/stream_verdict", 14, 5, kSloppy},
    {"sk_skb", 14, kNoAttach, kSloppy},
    {"sk_msg", 16, 7, kSloppy},
    {"lirc_mode2", 20, 16, kSloppy},
    {"flow_dissector", 22, 17, kSloppy},
    {"cgroup_skb/ingress", 8, 0, kSloppy},
    {"cgroup_skb/egress", 8, 1, kSloppy},
    {"cgroup/skb", 8, kNoAttach, kSloppy},
    {"cgroup/sock_create", 9, 2, kSloppy},
    {"cgroup/sock_release", 9, 34, kSloppy},
    {"cgroup/sock", 9, 2, kSloppy},
    {"cgroup/post_bind4", 9, 12, kSloppy},
    {"cgroup/post_bind6", 9, 13, kSloppy},
    {"cgroup/bind4", 18, 8, kSloppy},
    {"cgroup/bind6", 18, 9, kSloppy},
    {"cgroup/connect4", 18, 10, kSloppy},
    {"cgroup/connect6", 18, 11, kSloppy},
    {"cgroup/connect_unix", 18, 49, kNone},
    {"cgroup/sendmsg4", 18, 14, kSloppy},
    {"cgroup/sendmsg6", 18, 15, kSloppy},
    {"cgroup/sendmsg_unix", 18, 50, kNone},
    {"cgroup/recvmsg4", 18, 19, kSloppy},
    {"cgroup/recvmsg6", 18, 20, kSloppy},
    {"cgroup/recvmsg_unix", 18, 51, kNone},
    {"cgroup/getpeername4", 18, 29, kSloppy},
    {"cgroup/getpeername6", 18, 30, kSloppy},
    {"cgroup/getpeername_unix", 18, 52, kNone},
    {"cgroup/getsockname4", 18, 31, kSloppy},
    {"cgroup/getsockname6", 18, 32, kSloppy},
    {"cgroup/getsockname_unix", 18, 53, kNone},
    {"cgroup/sysctl", 23, 18, kSloppy},
    {"cgroup/getsockopt", 25, 21, kSloppy},
    {"cgroup/setsockopt", 25, 22, kSloppy},
    {"cgroup/dev", 15, 6, kSloppy},
    {"struct_ops+", 27, kNoAttach, kNone},
    {"struct_ops.s+", 27, kNoAttach, kSleepable},
    {"sk_lookup", 30, 36, kSloppy},
    {"netfilter", 32, 45, kNone},
};

// Sections libbpf 0.x still accepted with a deprecation warning, removed in 1.0.
constexpr SectionDef kRemovedDefs[] = {
    {"xdp_devmap/", 6, 33, kNone},
    {"xdp_cpumap/", 6, 35, kNone},
};

// libbpf's sec_def_matches. Returns the length of the matched prefix ("kprobe" for
// "kprobe/do_sys_open" against "kprobe+"), or nullopt.
std::optional<size_t> matches(std::string_view def, std::string_view section) {
  if (def.ends_with('/')) {
    if (section.starts_with(def)) return def.size();
    return std::nullopt;
  }
  if (def.ends_with('+')) {
    def.remove_suffix(1);
    if (!section.starts_with(def)) return std::nullopt;
    if (section.size() == def.size() || section[def.size()] == '/') return def.size();
    return std::nullopt;
  }
  if (section == def) return def.size();
  return std::nullopt;
}

std::string_view bare(std::string_view def) {
  if (def.ends_with('+') || def.ends_with('/')) def.remove_suffix(1);
  return def;
}

ProgramTypeInfo from_def(const SectionDef& d, std::string_view section, size_t matched, TypeSource source) {
  ProgramTypeInfo t;
  t.prog_type = d.prog_type;
  if (d.attach != kNoAttach) t.expected_attach_type = static_cast<uint32_t>(d.attach);
  t.attach_btf = (d.flags & kAttachBtf) != 0;
  t.sleepable = (d.flags & kSleepable) != 0;
  t.xdp_frags = (d.flags & kXdpFrags) != 0;
  t.source = source;
  if (t.attach_btf && matched < section.size()) t.attach_target = std::string(section.substr(matched + 1));
  if (source == TypeSource::Section) {
    t.rule = fmt::format("libbpf SEC(\"{}\")", d.sec);
  } else {
    t.rule = fmt::format("legacy prefix \"{}\" (libbpf < 1.0, iproute2 and PREVAIL match it; libbpf >= 1.0 requires "
                         "SEC(\"{}\"){})",
                         bare(d.sec), bare(d.sec), d.sec.ends_with('+') || d.sec.ends_with('/') ? " or \"/...\"" : "");
  }
  return t;
}

}  // namespace

std::span<const ProgramTypeName> linux_program_types() { return kProgramTypes; }

std::string_view program_type_name(uint32_t id) {
  return id < std::size(kProgramTypes) ? kProgramTypes[id].name : std::string_view{};
}

std::optional<uint32_t> program_type_id(std::string_view name) {
  for (const ProgramTypeName& t : kProgramTypes) {
    if (t.id != 0 && (name == t.name || name == t.uapi)) return t.id;
  }
  return std::nullopt;
}

std::span<const AttachTypeName> linux_attach_types() { return kAttachTypes; }

std::string_view attach_type_name(uint32_t id) {
  return id < std::size(kAttachTypes) ? kAttachTypes[id].uapi : std::string_view{};
}

const char* to_string(TypeSource s) {
  switch (s) {
    case TypeSource::None: return "none";
    case TypeSource::Section: return "section";
    case TypeSource::LegacyPrefix: return "legacy-prefix";
    case TypeSource::TailCall: return "tail-call";
    case TypeSource::Override: return "override";
  }
  return "?";
}

std::optional<ProgramTypeInfo> program_type_for_section(std::string_view section) {
  if (section.starts_with('?')) section.remove_prefix(1);
  for (const SectionDef& d : kSectionDefs) {
    if (const auto m = matches(d.sec, section)) return from_def(d, section, *m, TypeSource::Section);
  }
  // Definitions libbpf 1.0 removed; in libbpf 0.x's table they preceded "xdp".
  for (const SectionDef& d : kRemovedDefs) {
    if (section.starts_with(d.sec)) return from_def(d, section, d.sec.size() - 1, TypeSource::LegacyPrefix);
  }
  // libbpf 0.7-0.8 without LIBBPF_STRICT_SEC_NAME (and every older libbpf): a SEC_SLOPPY_PFX
  // definition matched any name it prefixes ("xdp1", "socket_prog", "sockops_x"), in table
  // order; iproute2 and PREVAIL match the same prefixes.
  for (const SectionDef& d : kSectionDefs) {
    if ((d.flags & kSloppy) != 0 && section.starts_with(bare(d.sec))) {
      return from_def(d, section, bare(d.sec).size(), TypeSource::LegacyPrefix);
    }
  }
  return std::nullopt;
}

std::optional<ProgramTypeInfo> program_type_override(std::string_view name, std::string_view section) {
  const auto id = program_type_id(name);
  if (!id) return std::nullopt;
  ProgramTypeInfo t;
  if (auto s = program_type_for_section(section); s && s->prog_type == *id) {
    t = *s;
  } else {
    t.prog_type = *id;
    for (const SectionDef& d : kSectionDefs) {
      if (d.prog_type != *id) continue;
      if (d.attach != kNoAttach) t.expected_attach_type = static_cast<uint32_t>(d.attach);
      t.attach_btf = (d.flags & kAttachBtf) != 0;
      break;
    }
  }
  t.source = TypeSource::Override;
  t.rule = fmt::format("program type '{}' given by the user", program_type_name(*id));
  return t;
}

std::optional<std::pair<uint32_t, uint32_t>> tail_call_section(std::string_view section) {
  const size_t slash = section.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == section.size()) return std::nullopt;
  auto number = [](std::string_view s) -> std::optional<uint32_t> {
    uint32_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
  };
  const auto id = number(section.substr(0, slash));
  const auto key = number(section.substr(slash + 1));
  if (!id || !key) return std::nullopt;
  return std::pair{*id, *key};
}

}  // namespace bpfcert::loader
