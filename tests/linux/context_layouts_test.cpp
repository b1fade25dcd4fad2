// The Linux program types beyond the first few, checked against the uapi structures and the
// kernel's *_is_valid_access rules they transcribe; and the reference VM's side of the
// platform: every helper the platform lets a program call runs, every map type can be made.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "objects/object_input.h"
#include "interp/helpers.h"
#include "interp/linux_context.h"
#include "interp/maps.h"
#include "interp/memory.h"
#include "interp/world_helpers.h"
#include "loader/object.h"
#include "loader/program_types.h"
#include "verifier/platform/linux.h"

namespace bpfcert::verifier::platform {
namespace {

const ProgramType& type(const std::string& name) {
  const ProgramType* t = linux_platform().find_program_type(name);
  EXPECT_NE(t, nullptr) << name;
  static const ProgramType none;
  return t != nullptr ? *t : none;
}

const ContextField* field(const ProgramType& t, const std::string& name) {
  for (const ContextField& f : t.context.fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

interp::Region region(const char* name, const void* at, uint64_t size, bool writable) {
  interp::Region r;
  r.start = reinterpret_cast<uint64_t>(at);
  r.size = size;
  r.writable = writable;
  r.name = name;
  return r;
}

TEST(LinuxProgramTypes, EveryTypeHasItsUapiId) {
  const std::pair<const char*, uint32_t> expected[] = {
      {"cgroup_sock_addr", BPF_PROG_TYPE_CGROUP_SOCK_ADDR}, {"sock_ops", BPF_PROG_TYPE_SOCK_OPS},
      {"sk_skb", BPF_PROG_TYPE_SK_SKB},                     {"sk_msg", BPF_PROG_TYPE_SK_MSG},
      {"lwt_in", BPF_PROG_TYPE_LWT_IN},                     {"lwt_out", BPF_PROG_TYPE_LWT_OUT},
      {"lwt_xmit", BPF_PROG_TYPE_LWT_XMIT},                 {"lwt_seg6local", BPF_PROG_TYPE_LWT_SEG6LOCAL},
      {"flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR},     {"sk_lookup", BPF_PROG_TYPE_SK_LOOKUP},
      {"sk_reuseport", BPF_PROG_TYPE_SK_REUSEPORT},         {"cgroup_sysctl", BPF_PROG_TYPE_CGROUP_SYSCTL},
      {"cgroup_sockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT},     {"cgroup_device", BPF_PROG_TYPE_CGROUP_DEVICE},
      {"tracing", BPF_PROG_TYPE_TRACING},                   {"lirc_mode2", BPF_PROG_TYPE_LIRC_MODE2},
      {"lsm", BPF_PROG_TYPE_LSM},                           {"struct_ops", BPF_PROG_TYPE_STRUCT_OPS},
      {"syscall", BPF_PROG_TYPE_SYSCALL},                   {"raw_tracepoint_writable", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE},
      {"netfilter", 32},  // BPF_PROG_TYPE_NETFILTER (Linux 6.4) is newer than Debian 12's headers
  };
  for (const auto& [name, id] : expected) {
    EXPECT_EQ(type(name).linux_id, id) << name;
    EXPECT_FALSE(type(name).context.fields.empty()) << name;
  }
}

// Every program type the loader can select is modelled, but ext (freplace: its context is the
// replaced function's, which only the target program's BTF says).
TEST(LinuxProgramTypes, EveryLoaderTypeIsModelled) {
  for (const loader::ProgramTypeName& t : loader::linux_program_types()) {
    if (t.id == 0 || t.name == "ext") continue;
    const ProgramType* modelled = program_type_for_linux_id(t.id);
    ASSERT_NE(modelled, nullptr) << t.name;
    EXPECT_EQ(modelled->name, t.name);
  }
}

TEST(LinuxProgramTypes, SockAddrWritesUserAddressesWholeOnly) {
  const ProgramType& t = type("cgroup_sock_addr");
  EXPECT_EQ(t.context.size, sizeof(bpf_sock_addr));
  const ContextField* ip4 = field(t, "user_ip4");
  ASSERT_NE(ip4, nullptr);
  EXPECT_EQ(ip4->offset, offsetof(bpf_sock_addr, user_ip4));
  EXPECT_TRUE(ip4->writable);
  EXPECT_TRUE(ip4->narrow_loads);
  const ContextField* family = field(t, "family");
  ASSERT_NE(family, nullptr);
  EXPECT_FALSE(family->writable);
  EXPECT_FALSE(family->narrow_loads);
  EXPECT_EQ(field(t, "sk"), nullptr);  // a socket pointer: not modelled, not accessible
  EXPECT_EQ(t.return_range, (std::pair<int64_t, int64_t>{0, 1}));
}

TEST(LinuxProgramTypes, SockOpsReplyIsWritableAndPacketReadOnly) {
  const ProgramType& t = type("sock_ops");
  EXPECT_EQ(t.context.size, sizeof(bpf_sock_ops));
  const ContextField* reply = field(t, "reply");
  ASSERT_NE(reply, nullptr);
  EXPECT_TRUE(reply->writable);
  // args[] shares reply's offset: hidden, so an access at that offset finds reply.
  EXPECT_EQ(field(t, "args[0]"), nullptr);
  EXPECT_FALSE(field(t, "op")->writable);
  EXPECT_FALSE(field(t, "op")->narrow_loads);
  EXPECT_EQ(field(t, "skb_data")->holds, PointerKind::Packet);
  EXPECT_EQ(field(t, "skb_data_end")->holds, PointerKind::PacketEnd);
  EXPECT_TRUE(t.has_packet);
  EXPECT_FALSE(t.packet_writable);
}

TEST(LinuxProgramTypes, SkbFamilies) {
  // sk_skb: no mark, tc_index and priority writable, packet writable.
  const ProgramType& sk = type("sk_skb");
  EXPECT_EQ(field(sk, "mark"), nullptr);
  EXPECT_TRUE(field(sk, "tc_index")->writable);
  EXPECT_FALSE(field(sk, "cb[0]")->writable);
  EXPECT_TRUE(sk.packet_writable);
  // lwt_in reads the packet, lwt_xmit writes it; neither sees the socket fields.
  EXPECT_FALSE(type("lwt_in").packet_writable);
  EXPECT_TRUE(type("lwt_xmit").packet_writable);
  EXPECT_EQ(field(type("lwt_in"), "family"), nullptr);
  EXPECT_TRUE(field(type("lwt_out"), "cb[4]")->writable);
  // cgroup_skb only reads packet data.
  EXPECT_FALSE(type("cgroup_skb").packet_writable);
}

TEST(LinuxProgramTypes, FlowDissectorSeesOnlyPacketAndFlowKeys) {
  const ProgramType& t = type("flow_dissector");
  ASSERT_EQ(t.context.fields.size(), 3u);
  const ContextField* keys = field(t, "flow_keys");
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->holds, PointerKind::Memory);
  EXPECT_EQ(keys->holds_size, sizeof(bpf_flow_keys));
  EXPECT_FALSE(t.packet_writable);
}

TEST(LinuxProgramTypes, SmallContexts) {
  EXPECT_EQ(type("cgroup_sysctl").context.size, sizeof(bpf_sysctl));
  EXPECT_FALSE(field(type("cgroup_sysctl"), "write")->writable);
  EXPECT_TRUE(field(type("cgroup_sysctl"), "file_pos")->writable);
  EXPECT_EQ(type("cgroup_device").context.size, sizeof(bpf_cgroup_dev_ctx));
  EXPECT_TRUE(field(type("cgroup_device"), "access_type")->narrow_loads);
  EXPECT_FALSE(field(type("cgroup_device"), "major")->narrow_loads);
  const ProgramType& so = type("cgroup_sockopt");
  EXPECT_EQ(field(so, "optval")->holds, PointerKind::Packet);
  EXPECT_EQ(field(so, "optval_end")->holds, PointerKind::PacketEnd);
  EXPECT_TRUE(field(so, "optlen")->writable);
  EXPECT_EQ(field(type("sk_lookup"), "sk"), nullptr);
  EXPECT_FALSE(field(type("sk_lookup"), "local_port")->writable);
}

TEST(LinuxProgramTypes, BtfTypedArgumentsAreReadOnlyWholeSlots) {
  for (const char* name : {"tracing", "lsm", "struct_ops"}) {
    const ProgramType& t = type(name);
    EXPECT_EQ(t.context.size, 12u * 8) << name;
    for (const ContextField& f : t.context.fields) {
      EXPECT_EQ(f.size, 8u);
      EXPECT_EQ(f.offset % 8, 0u);
      EXPECT_FALSE(f.writable);
      EXPECT_FALSE(f.narrow_loads);
    }
  }
}

TEST(LinuxProgramTypes, PerfmonTypesMayLeakPointers) {
  for (const char* name : {"kprobe", "tracepoint", "raw_tracepoint", "perf_event", "tracing", "lsm"}) {
    EXPECT_TRUE(type(name).pointer_leaks) << name;
  }
  for (const char* name : {"xdp", "sched_cls", "socket_filter", "cgroup_skb", "sk_skb", "cgroup_sock_addr"}) {
    EXPECT_FALSE(type(name).pointer_leaks) << name;
  }
}

TEST(LinuxProgramTypes, HelpersNamingAContextGoToItsTypes) {
  const auto has = [](const ProgramType& t, int32_t id) {
    return std::find(t.helpers.begin(), t.helpers.end(), id) != t.helpers.end();
  };
  EXPECT_TRUE(has(type("cgroup_sock_addr"), BPF_FUNC_bind));
  EXPECT_FALSE(has(type("xdp"), BPF_FUNC_bind));
  EXPECT_TRUE(has(type("sock_ops"), BPF_FUNC_sock_ops_cb_flags_set));
  EXPECT_TRUE(has(type("cgroup_sysctl"), BPF_FUNC_sysctl_get_name));
  EXPECT_TRUE(has(type("sk_msg"), BPF_FUNC_msg_apply_bytes));
  EXPECT_FALSE(has(type("sk_skb"), BPF_FUNC_msg_apply_bytes));
  EXPECT_TRUE(has(type("lwt_xmit"), BPF_FUNC_skb_load_bytes));
}

TEST(LinuxHelpers, CsumDiffTakesNullBuffersWithSizeZero) {
  const HelperPrototype* p = linux_platform().find_helper(BPF_FUNC_csum_diff);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->args[0], ArgType::ReadableMemory);
  EXPECT_EQ(p->args[2], ArgType::ReadableMemory);  // `to` is only read (MEM_RDONLY)
  EXPECT_EQ(p->null_args, 0b101);
  EXPECT_EQ(linux_platform().find_helper(BPF_FUNC_skb_load_bytes)->null_args, 0);
}

// The reference VM runs whatever the platform lets a program call.
TEST(LinuxVm, EveryPlatformHelperIsImplemented) {
  interp::Environment env;
  interp::add_linux_helpers(env, interp::LinuxContextKind::SkBuff);
  size_t specific = 0;
  for (const auto& [id, proto] : linux_platform().helpers) specific += env.helper(id) != nullptr;
  objects::add_world_helpers(linux_platform(), env);
  for (const auto& [id, proto] : linux_platform().helpers) {
    EXPECT_NE(env.helper(id), nullptr) << proto.name;
  }
  // The named ones run their own code, not the world's.
  for (int32_t id : {BPF_FUNC_perf_event_read, BPF_FUNC_perf_event_read_value, BPF_FUNC_override_return,
                     BPF_FUNC_csum_diff, BPF_FUNC_map_push_elem, BPF_FUNC_map_pop_elem, BPF_FUNC_map_peek_elem}) {
    EXPECT_EQ(env.world_signatures.count(id), 0u) << id;
  }
  EXPECT_GT(specific, 20u);
}

// A world helper writes zeroes into its output buffer and traps on one it may not write.
TEST(LinuxVm, WorldHelperChecksAndZeroesItsBuffers) {
  interp::Environment env;
  ASSERT_TRUE(interp::add_world_helper(env, 300, "test", {interp::WorldArg::Value, interp::WorldArg::Output,
                                                           interp::WorldArg::Size, interp::WorldArg::Value,
                                                           interp::WorldArg::Value}));
  EXPECT_FALSE(interp::add_world_helper(env, interp::kMaxWorldHelperId, "too big", {}));
  uint8_t buf[8];
  std::memset(buf, 0xaa, sizeof buf);
  interp::Memory mem;
  mem.add(region("buf", buf, sizeof buf, true));
  interp::HelperContext hc(env, mem);
  const interp::Helper* h = env.helper(300);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->fn(hc, 0, reinterpret_cast<uint64_t>(buf), 8, 0, 0), 0u);
  EXPECT_FALSE(hc.faulted);
  for (uint8_t b : buf) EXPECT_EQ(b, 0);
  h->fn(hc, 0, reinterpret_cast<uint64_t>(buf), 9, 0, 0);
  EXPECT_TRUE(hc.faulted);
}

TEST(LinuxVm, CsumDiffIsTheOnesComplementSum) {
  interp::Environment env;
  interp::add_checksum_helpers(env);
  uint32_t from[1] = {0x0000ffffu}, to[2] = {0x00010002u, 0x00000003u};
  interp::Memory mem;
  mem.add(region("from", from, sizeof from, false));
  mem.add(region("to", to, sizeof to, false));
  interp::HelperContext hc(env, mem);
  const interp::Helper* h = env.helper(BPF_FUNC_csum_diff);
  ASSERT_NE(h, nullptr);
  // ~0x0000ffff + 0x00010002 + 0x00000003 = 0xffff0000 + 0x00010005 = 0x1_0000_0005 -> 0x6.
  EXPECT_EQ(h->fn(hc, reinterpret_cast<uint64_t>(from), 4, reinterpret_cast<uint64_t>(to), 8, 0), 6u);
  EXPECT_EQ(h->fn(hc, 0, 0, reinterpret_cast<uint64_t>(to), 8, 1), 0x00010006u);  // NULL from, size 0
  EXPECT_EQ(static_cast<int64_t>(h->fn(hc, 0, 0, reinterpret_cast<uint64_t>(to), 6, 0)), interp::kEINVAL);
  EXPECT_FALSE(hc.faulted);
}

// A flow dissector reads skb->flow_keys and writes the struct bpf_flow_keys it points to: the
// VM's skb context points it at a writable buffer of that size.
TEST(LinuxVm, SkbFlowKeysPointToWritableKeys) {
  interp::LinuxRunOptions options;
  options.kind = interp::LinuxContextKind::SkBuff;
  options.packet.assign(64, 0);
  auto run = interp::LinuxRun::create(options);
  ASSERT_TRUE(run.ok());
  uint64_t keys = 0;
  std::memcpy(&keys, reinterpret_cast<const uint8_t*>((*run)->context_address()) + offsetof(__sk_buff, flow_keys),
              sizeof keys);
  const interp::Invocation inv = (*run)->invocation();
  const auto it = std::find_if(inv.regions.begin(), inv.regions.end(), [&](const interp::Region& r) { return r.start == keys; });
  ASSERT_NE(it, inv.regions.end());
  EXPECT_EQ(it->size, sizeof(bpf_flow_keys));
  EXPECT_TRUE(it->writable);
}

TEST(LinuxVm, EveryUapiMapTypeCanBeCreated) {
  for (uint32_t id = 1; id <= interp::kLastMapType; ++id) {
    interp::MapDef def;
    def.type = static_cast<interp::MapType>(id);
    def.name = interp::to_string(def.type);
    def.key_size = 4;
    def.value_size = 8;
    def.max_entries = 16;
    switch (def.type) {
      case interp::MapType::LpmTrie: def.key_size = 8; break;
      case interp::MapType::Queue:
      case interp::MapType::Stack:
      case interp::MapType::BloomFilter: def.key_size = 0; break;
      case interp::MapType::RingBuf:
      case interp::MapType::UserRingBuf:
        def.key_size = def.value_size = 0;
        def.max_entries = 4096;
        break;
      case interp::MapType::SkStorage:
      case interp::MapType::TaskStorage: def.max_entries = 0; break;  // as Linux requires
      default: break;
    }
    auto m = interp::make_map(def);
    EXPECT_TRUE(m.ok()) << def.name << ": " << (m.ok() ? "" : m.error().to_string());
    EXPECT_EQ(interp::map_type_from_string(def.name), def.type);
  }
}

// Every map the real objects on this machine declare (the BPF objects embedded in Debian's
// libbpf-tools, cilium/ebpf's test objects) can be created for a run.
TEST(LinuxVm, EveryMapOfTheRealCorporaCanBeCreated) {
  std::vector<std::string> inputs;
  std::ifstream tools("/var/lib/dpkg/info/libbpf-tools.list");
  for (std::string line; std::getline(tools, line);) {
    if (line.starts_with("/usr/sbin/")) inputs.push_back(line);
  }
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator("/usr/share/gocode/src/github.com/cilium/ebpf", ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().string().ends_with("-el.elf")) inputs.push_back(it->path().string());
  }
  size_t objects = 0, maps = 0;
  for (const std::string& input : inputs) {
    auto sources = objects::expand_object_inputs({input});
    if (!sources.ok()) continue;  // not a BPF object and embeds none
    for (const objects::ObjectSource& src : *sources) {
      auto object = loader::load_object(src.bytes, src.name);
      if (!object.ok()) continue;  // the loader's business, measured by its own tests
      interp::Environment env;
      const auto e = objects::add_object_maps(*object, env);
      EXPECT_FALSE(e.has_value()) << src.name << ": " << (e ? e->to_string() : "");
      ++objects;
      maps += object->maps.size();
    }
  }
  if (objects == 0) GTEST_SKIP() << "neither libbpf-tools nor golang-github-cilium-ebpf-dev is installed";
  std::cout << fmt::format("[ maps ] {} maps of {} objects created\n", maps, objects);
}

TEST(LinuxVm, LpmTrieFindsTheLongestPrefix) {
  interp::MapDef def{"lpm", interp::MapType::LpmTrie, 8, 8, 8, 0};
  auto m = interp::make_map(def);
  ASSERT_TRUE(m.ok());
  auto key = [](uint32_t len, uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    std::array<uint8_t, 8> k{};
    std::memcpy(k.data(), &len, 4);
    k[4] = a, k[5] = b, k[6] = c, k[7] = d;
    return k;
  };
  const uint64_t v8 = 8, v24 = 24;
  ASSERT_EQ((*m)->update(key(8, 10, 0, 0, 0).data(), reinterpret_cast<const uint8_t*>(&v8), 0), 0);
  ASSERT_EQ((*m)->update(key(24, 10, 1, 2, 99).data(), reinterpret_cast<const uint8_t*>(&v24), 0), 0);
  auto lookup = [&](std::array<uint8_t, 8> k) -> uint64_t {
    const uint8_t* p = (*m)->lookup(k.data());
    uint64_t v = 0;
    if (p != nullptr) std::memcpy(&v, p, 8);
    return v;
  };
  EXPECT_EQ(lookup(key(32, 10, 1, 2, 3)), 24u);  // bits past /24 of the entry do not count
  EXPECT_EQ(lookup(key(32, 10, 9, 9, 9)), 8u);
  EXPECT_EQ(lookup(key(32, 11, 1, 2, 3)), 0u);
  EXPECT_EQ(lookup(key(16, 10, 1, 2, 3)), 8u);  // a /16 key matches only prefixes up to 16
  EXPECT_EQ((*m)->erase(key(24, 10, 1, 2, 0).data()), 0);
  EXPECT_EQ(lookup(key(32, 10, 1, 2, 3)), 8u);
}

TEST(LinuxVm, QueueAndStackOrder) {
  for (const auto type : {interp::MapType::Queue, interp::MapType::Stack}) {
    interp::MapDef def{"q", type, 0, 4, 2, 0};
    auto m = interp::make_map(def);
    ASSERT_TRUE(m.ok());
    const uint32_t a = 1, b = 2, c = 3;
    EXPECT_EQ((*m)->push(reinterpret_cast<const uint8_t*>(&a), 0), 0);
    EXPECT_EQ((*m)->push(reinterpret_cast<const uint8_t*>(&b), 0), 0);
    EXPECT_EQ((*m)->push(reinterpret_cast<const uint8_t*>(&c), 0), interp::kE2BIG);
    EXPECT_EQ((*m)->push(reinterpret_cast<const uint8_t*>(&c), interp::kUpdateExist), 0);  // drops the oldest (1)
    uint32_t out = 0;
    EXPECT_EQ((*m)->pop(reinterpret_cast<uint8_t*>(&out), false), 0);
    EXPECT_EQ(out, type == interp::MapType::Queue ? 2u : 3u);
    EXPECT_EQ((*m)->pop(reinterpret_cast<uint8_t*>(&out), true), 0);
    EXPECT_EQ((*m)->pop(reinterpret_cast<uint8_t*>(&out), true), 0);
    EXPECT_EQ(out, type == interp::MapType::Queue ? 3u : 2u);
    EXPECT_EQ((*m)->pop(reinterpret_cast<uint8_t*>(&out), true), interp::kENOENT);
  }
}

}  // namespace
}  // namespace bpfcert::verifier::platform
