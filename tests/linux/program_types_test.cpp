// Which program type a section selects: libbpf's definitions (checked against the installed
// libbpf wherever it knows the name, and the uapi ids against the installed headers), the
// legacy prefix rules with the rule they name, tail-call sections and user overrides.
#include <gtest/gtest.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "loader/program_types.h"

namespace bpfcert::loader {
namespace {

std::string type_of(std::string_view section) {
  const auto t = program_type_for_section(section);
  return t ? std::string(t->name()) : "(none)";
}

TEST(ProgramTypes, LibbpfSectionNamesSelectTypesAndAttachTypes) {
  EXPECT_EQ(type_of("xdp"), "xdp");
  EXPECT_EQ(type_of("xdp.frags"), "xdp");
  EXPECT_EQ(type_of("kprobe/do_sys_open"), "kprobe");
  EXPECT_EQ(type_of("kretprobe/vfs_read"), "kprobe");
  EXPECT_EQ(type_of("ksyscall/execve"), "kprobe");
  EXPECT_EQ(type_of("usdt/lib:prov:name"), "kprobe");
  EXPECT_EQ(type_of("tracepoint/sched/sched_switch"), "tracepoint");
  EXPECT_EQ(type_of("tp/sched/sched_switch"), "tracepoint");
  EXPECT_EQ(type_of("raw_tracepoint/sys_enter"), "raw_tracepoint");
  EXPECT_EQ(type_of("raw_tp.w/sys_enter"), "raw_tracepoint_writable");
  EXPECT_EQ(type_of("tc"), "sched_cls");
  EXPECT_EQ(type_of("tcx/ingress"), "sched_cls");
  EXPECT_EQ(type_of("netkit/peer"), "sched_cls");
  EXPECT_EQ(type_of("classifier"), "sched_cls");
  EXPECT_EQ(type_of("action"), "sched_act");
  EXPECT_EQ(type_of("socket"), "socket_filter");
  EXPECT_EQ(type_of("cgroup_skb/egress"), "cgroup_skb");
  EXPECT_EQ(type_of("cgroup/sock_create"), "cgroup_sock");
  EXPECT_EQ(type_of("cgroup/connect4"), "cgroup_sock_addr");
  EXPECT_EQ(type_of("cgroup/connect_unix"), "cgroup_sock_addr");
  EXPECT_EQ(type_of("cgroup/sysctl"), "cgroup_sysctl");
  EXPECT_EQ(type_of("cgroup/getsockopt"), "cgroup_sockopt");
  EXPECT_EQ(type_of("cgroup/dev"), "cgroup_device");
  EXPECT_EQ(type_of("sockops"), "sock_ops");
  EXPECT_EQ(type_of("sk_skb/stream_parser"), "sk_skb");
  EXPECT_EQ(type_of("sk_msg"), "sk_msg");
  EXPECT_EQ(type_of("lwt_xmit"), "lwt_xmit");
  EXPECT_EQ(type_of("flow_dissector"), "flow_dissector");
  EXPECT_EQ(type_of("sk_lookup"), "sk_lookup");
  EXPECT_EQ(type_of("fentry/do_unlinkat"), "tracing");
  EXPECT_EQ(type_of("fexit.s/do_unlinkat"), "tracing");
  EXPECT_EQ(type_of("tp_btf/sched_switch"), "tracing");
  EXPECT_EQ(type_of("iter/task"), "tracing");
  EXPECT_EQ(type_of("lsm/file_open"), "lsm");
  EXPECT_EQ(type_of("freplace/handler"), "ext");
  EXPECT_EQ(type_of("struct_ops/tcp_init"), "struct_ops");
  EXPECT_EQ(type_of("syscall"), "syscall");
  EXPECT_EQ(type_of("netfilter"), "netfilter");
  EXPECT_EQ(type_of("perf_event"), "perf_event");
  EXPECT_EQ(type_of("?xdp"), "xdp");  // libbpf: not loaded automatically, same type

  const auto fentry = program_type_for_section("fentry.s/do_unlinkat");
  ASSERT_TRUE(fentry);
  EXPECT_TRUE(fentry->attach_btf);
  EXPECT_TRUE(fentry->sleepable);
  EXPECT_EQ(fentry->attach_target, "do_unlinkat");
  EXPECT_EQ(fentry->expected_attach_type, static_cast<uint32_t>(BPF_TRACE_FENTRY));
  EXPECT_EQ(fentry->source, TypeSource::Section);
  EXPECT_EQ(fentry->rule, "libbpf SEC(\"fentry.s+\")");
  EXPECT_TRUE(program_type_for_section("xdp.frags")->xdp_frags);
  EXPECT_EQ(program_type_for_section("cgroup_skb/egress")->expected_attach_type, static_cast<uint32_t>(BPF_CGROUP_INET_EGRESS));
  EXPECT_EQ(program_type_for_section("kprobe/x")->expected_attach_type, std::nullopt);
  EXPECT_EQ(program_type_for_section("kprobe.multi/x")->expected_attach_type,
            static_cast<uint32_t>(BPF_TRACE_KPROBE_MULTI));
  EXPECT_EQ(program_type_for_section("tcx/egress")->expected_attach_type, 47u);  // BPF_TCX_EGRESS
  // "type+" needs the exact name or a '/': "kprobefoo" is no kprobe, "tracepoint_x" no tracepoint.
  EXPECT_EQ(type_of("kprobefoo"), "(none)");
  EXPECT_EQ(type_of("tracepoint_x"), "(none)");
  EXPECT_EQ(type_of(".text"), "(none)");
  EXPECT_EQ(type_of("from-netdev"), "(none)");
}

// The installed libbpf (1.1 on Debian 12) resolves the names it knows: ours must agree.
TEST(ProgramTypes, AgreeWithTheInstalledLibbpfOnEveryNameItKnows) {
  const char* names[] = {
      "socket", "sk_reuseport", "sk_reuseport/migrate", "kprobe/f", "uprobe/p:f", "kretprobe/f", "uretprobe/p:f",
      "kprobe.multi/f*", "kretprobe.multi/f*", "ksyscall/bpf", "kretsyscall/bpf", "usdt/p:a:b", "tc", "classifier",
      "action", "tracepoint/a/b", "tp/a/b", "raw_tracepoint/a", "raw_tp/a", "raw_tracepoint.w/a", "raw_tp.w/a",
      "tp_btf/a", "fentry/f", "fmod_ret/f", "fexit/f", "fentry.s/f", "fmod_ret.s/f", "fexit.s/f", "freplace/f",
      "lsm/f", "lsm.s/f", "lsm_cgroup/f", "iter/task", "iter.s/task", "syscall", "xdp.frags/devmap", "xdp/devmap",
      "xdp.frags/cpumap", "xdp/cpumap", "xdp.frags", "xdp", "perf_event", "lwt_in", "lwt_out", "lwt_xmit",
      "lwt_seg6local", "sockops", "sk_skb/stream_parser", "sk_skb/stream_verdict", "sk_skb", "sk_msg", "lirc_mode2",
      "flow_dissector", "cgroup_skb/ingress", "cgroup_skb/egress", "cgroup/skb", "cgroup/sock_create",
      "cgroup/sock_release", "cgroup/sock", "cgroup/post_bind4", "cgroup/post_bind6", "cgroup/bind4", "cgroup/bind6",
      "cgroup/connect4", "cgroup/connect6", "cgroup/sendmsg4", "cgroup/sendmsg6", "cgroup/recvmsg4", "cgroup/recvmsg6",
      "cgroup/getpeername4", "cgroup/getpeername6", "cgroup/getsockname4", "cgroup/getsockname6", "cgroup/sysctl",
      "cgroup/getsockopt", "cgroup/setsockopt", "cgroup/dev", "struct_ops/x", "sk_lookup"};
  size_t compared = 0;
  for (const char* name : names) {
    SCOPED_TRACE(name);
    bpf_prog_type type{};
    bpf_attach_type attach{};
    const bool known_to_libbpf = libbpf_prog_type_by_name(name, &type, &attach) == 0;
    const auto ours = program_type_for_section(name);
    ASSERT_TRUE(ours);
    EXPECT_EQ(ours->source, TypeSource::Section);
    if (!known_to_libbpf) continue;
    ++compared;
    EXPECT_EQ(ours->prog_type, static_cast<uint32_t>(type));
    EXPECT_EQ(ours->expected_attach_type.value_or(0), static_cast<uint32_t>(attach));
  }
  EXPECT_GE(compared, 70u);
}

TEST(ProgramTypes, UapiIdsAreTheInstalledHeadersOnes) {
  EXPECT_EQ(program_type_id("xdp"), static_cast<uint32_t>(BPF_PROG_TYPE_XDP));
  EXPECT_EQ(program_type_id("BPF_PROG_TYPE_SK_LOOKUP"), static_cast<uint32_t>(BPF_PROG_TYPE_SK_LOOKUP));
  EXPECT_EQ(program_type_id("syscall"), static_cast<uint32_t>(BPF_PROG_TYPE_SYSCALL));
  EXPECT_EQ(program_type_id("unspec"), std::nullopt);
  EXPECT_EQ(program_type_id("nosuch"), std::nullopt);
  // Every name libbpf gives a type is ours for the same id.
  for (const ProgramTypeName& t : linux_program_types()) {
    if (t.id == 0 || t.id > BPF_PROG_TYPE_SYSCALL) continue;  // newer than the installed libbpf and headers
    const char* libbpf_name = libbpf_bpf_prog_type_str(static_cast<bpf_prog_type>(t.id));
    ASSERT_NE(libbpf_name, nullptr) << t.id;
    EXPECT_EQ(t.name, libbpf_name);
  }
  for (const AttachTypeName& a : linux_attach_types()) {
    if (a.id > BPF_LSM_CGROUP) continue;
    const char* libbpf_name = libbpf_bpf_attach_type_str(static_cast<bpf_attach_type>(a.id));
    ASSERT_NE(libbpf_name, nullptr) << a.id;
  }
  EXPECT_EQ(attach_type_name(BPF_CGROUP_INET_EGRESS), "BPF_CGROUP_INET_EGRESS");
  EXPECT_EQ(attach_type_name(BPF_LSM_CGROUP), "BPF_LSM_CGROUP");
}

TEST(ProgramTypes, LegacyPrefixesNameTheirRule) {
  for (const auto& [section, type] : std::vector<std::pair<const char*, const char*>>{
           {"xdp1", "xdp"}, {"xdp_prog", "xdp"}, {"xdp_redirect_dummy", "xdp"}, {"socket1", "socket_filter"},
           {"sockops_prog", "sock_ops"}, {"classifier_ingress", "sched_cls"}, {"action_mirred", "sched_act"},
           {"cgroup/skb_count", "cgroup_skb"}, {"sk_skb_parser", "sk_skb"}, {"perf_event_x", "perf_event"},
           {"xdp_devmap/redirect", "xdp"}, {"lwt_xmit_encap", "lwt_xmit"}}) {
    SCOPED_TRACE(section);
    const auto t = program_type_for_section(section);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->name(), type);
    EXPECT_EQ(t->source, TypeSource::LegacyPrefix);
    EXPECT_NE(t->rule.find("legacy prefix"), std::string::npos) << t->rule;
    EXPECT_NE(t->rule.find("libbpf < 1.0"), std::string::npos) << t->rule;
  }
  EXPECT_EQ(program_type_for_section("xdp_devmap/redirect")->expected_attach_type, static_cast<uint32_t>(BPF_XDP_DEVMAP));
  // Prefix rules are only the ones libbpf 0.x marked SEC_SLOPPY_PFX.
  EXPECT_EQ(type_of("kprobe_sys_open"), "(none)");
  EXPECT_EQ(type_of("tc_ingress"), "(none)");
}

TEST(ProgramTypes, TailCallSectionsAndOverrides) {
  EXPECT_EQ(tail_call_section("2/17"), (std::pair<uint32_t, uint32_t>{2, 17}));
  EXPECT_EQ(tail_call_section("2/"), std::nullopt);
  EXPECT_EQ(tail_call_section("/1"), std::nullopt);
  EXPECT_EQ(tail_call_section("2/x"), std::nullopt);
  EXPECT_EQ(tail_call_section("xdp/1"), std::nullopt);
  EXPECT_EQ(type_of("2/1"), "(none)");  // decided by the object (its callers), not the name

  const auto o = program_type_override("sched_cls", "from-netdev");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->name(), "sched_cls");
  EXPECT_EQ(o->source, TypeSource::Override);
  // Overriding with the type the section selects keeps what the section adds.
  const auto c = program_type_override("cgroup_sock_addr", "cgroup/connect6");
  EXPECT_EQ(c->expected_attach_type, static_cast<uint32_t>(BPF_CGROUP_INET6_CONNECT));
  EXPECT_EQ(program_type_override("BPF_PROG_TYPE_XDP", "x")->prog_type, static_cast<uint32_t>(BPF_PROG_TYPE_XDP));
  EXPECT_EQ(program_type_override("nosuch", "x"), std::nullopt);
}

}  // namespace
}  // namespace bpfcert::loader
