// Running corpus programs on the reference VM (and the JIT when it is built) with synthetic
// Linux contexts. Expected results come from the protocols: checksums are recomputed here from
// RFC 1071, headers built by hand, never taken from a run.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <cstring>
#include <map>

#include "objects/object_input.h"
#include "interp/engine.h"
#include "interp/interpreter.h"
#include "interp/link.h"
#include "interp/linux_context.h"
#include "tests/linux/corpus_support.h"
#include "verifier/platform/linux.h"

namespace bpfcert::tests {
namespace {

using interp::LinuxContextKind;
using Bytes = std::vector<uint8_t>;

// RFC 1071 checksum over 16-bit big-endian words.
uint16_t inet_checksum(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t{p[i]} << 8) | p[i + 1];
  if (n % 2 != 0) sum += uint32_t{p[n - 1]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

Bytes eth(uint16_t type) {
  return {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type)};
}

// IPv4 header (20 bytes, valid checksum) + payload.
Bytes ipv4(uint8_t proto, uint8_t tos, const Bytes& payload) {
  const uint16_t total = static_cast<uint16_t>(20 + payload.size());
  Bytes h = {0x45, tos, static_cast<uint8_t>(total >> 8), static_cast<uint8_t>(total), 0, 1, 0, 0, 64, proto, 0, 0,
             10, 0, 0, 2, 10, 0, 0, 1};
  const uint16_t c = inet_checksum(h.data(), 20);
  h[10] = static_cast<uint8_t>(c >> 8);
  h[11] = static_cast<uint8_t>(c);
  h.insert(h.end(), payload.begin(), payload.end());
  return h;
}

Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct Outcome {
  interp::RunResult result;
  Bytes packet;
  std::string trace;
  uint64_t data_meta_offset = 0;  // data - data_meta after the run
  std::map<std::string, std::vector<std::pair<Bytes, Bytes>>> maps;  // entries after the run
  int engines = 0;  // engines that ran the program (2 when the JIT is built)
};

// Loads corpus object `name`, runs `program` once on `packet` with every available engine and
// checks the engines agree; returns the interpreter's outcome.
class LinuxRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = corpus_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  }

  static Outcome run(const std::string& name, const std::string& program, const Bytes& packet,
                     const std::vector<std::pair<uint32_t, std::string>>& tail_calls = {}) {
    auto loaded = objects::load_object_program(std::string(BPFCERT_PROGRAMS_OUT) + "/" + name + ".o", "", program);
    EXPECT_TRUE(loaded.ok()) << loaded.error().to_string();
    if (!loaded.ok()) return {};
    std::optional<Outcome> first;
    int engines = 0;
    for (const auto kind : {interp::EngineKind::Interpreter, interp::EngineKind::Jit}) {
      auto out = run_with(*loaded, kind, packet, tail_calls);
      if (!out) continue;  // the JIT is not built here
      ++engines;
      if (!first) {
        first = out;
        continue;
      }
      EXPECT_EQ(out->result.trapped, first->result.trapped) << "engines disagree on " << name;
      EXPECT_EQ(out->result.r0, first->result.r0) << "engines disagree on " << name;
      EXPECT_EQ(out->packet, first->packet) << "engines disagree on " << name;
    }
    Outcome out = first.value_or(Outcome{});
    out.engines = engines;
    return out;
  }

  static std::optional<Outcome> run_with(const objects::ObjectProgram& op, interp::EngineKind kind, const Bytes& packet,
                                         const std::vector<std::pair<uint32_t, std::string>>& tail_calls) {
    interp::Environment env;
    const LinuxContextKind ck = op.type->name == "xdp" ? LinuxContextKind::Xdp
                                : op.type->context.name == "struct __sk_buff" ? LinuxContextKind::SkBuff
                                                                              : LinuxContextKind::Raw;
    interp::add_linux_helpers(env, ck);
    EXPECT_FALSE(objects::add_object_maps(op.object, env).has_value());
    std::vector<std::unique_ptr<semantics::Program>> programs;
    std::vector<std::unique_ptr<interp::LinkedProgram>> linked;
    std::vector<std::unique_ptr<interp::Engine>> engines;
    auto build = [&](const loader::ProgramInfo& p) -> interp::Engine* {
      auto valid = semantics::validate(p.insns);
      if (!valid.ok()) return nullptr;
      programs.push_back(std::make_unique<semantics::Program>(std::move(valid.value())));
      auto l = interp::link(*programs.back(), env);
      if (!l.ok()) return nullptr;
      linked.push_back(std::make_unique<interp::LinkedProgram>(std::move(l.value())));
      auto e = interp::make_engine(kind, *linked.back(), env);
      if (!e.ok()) return nullptr;
      engines.push_back(std::move(e.value()));
      return engines.back().get();
    };
    interp::Engine* main = build(*op.program);
    if (main == nullptr) return std::nullopt;
    interp::LinuxRunOptions ro;
    ro.kind = ck;
    ro.packet = packet;
    ro.raw_size = op.type->context.size;
    ro.network_header_first = op.type->name == "cgroup_skb";
    auto run = interp::LinuxRun::create(ro);
    EXPECT_TRUE(run.ok());
    for (const auto& [slot, name] : tail_calls) {
      size_t prog_array = 0;
      for (size_t i = 0; i < op.object.maps.size(); ++i) {
        if (op.object.maps[i].type == BPF_MAP_TYPE_PROG_ARRAY) prog_array = i;
      }
      (*run)->set_tail_call_target(prog_array, slot, build(*op.object.find_program(name)));
    }
    Outcome out;
    out.result = main->run((*run)->invocation(), (*run)->run_options);
    out.packet = (*run)->packet();
    out.trace = env.trace_output;
    out.data_meta_offset = (*run)->data - (*run)->data_meta;
    for (size_t i = 0; i < env.map_count(); ++i) {
      const interp::Map& m = env.map_at(i);
      for (const auto& [key, value] : m.entries()) {
        out.maps[m.def().name].emplace_back(key, Bytes(value, value + m.def().value_size));
      }
    }
    return out;
  }
};

bool jit_built() {
  interp::Environment env;
  auto p = semantics::validate({semantics::Insn{0x95, 0, 0, 0, 0}});
  auto l = interp::link(*p, env);
  return interp::make_engine(interp::EngineKind::Jit, *l, env).ok();
}

TEST_F(LinuxRun, XdpVerdictFromTheEtherType) {
  const auto v6 = run("xdp_drop_ipv6", "", cat(eth(0x86dd), Bytes(40, 0)));
  EXPECT_EQ(v6.engines, jit_built() ? 2 : 1);  // the interpreter, and the JIT when built
  ASSERT_FALSE(v6.result.trapped) << v6.result.trap.to_string();
  EXPECT_EQ(v6.result.r0, uint64_t{XDP_DROP});
  const auto v4 = run("xdp_drop_ipv6", "", cat(eth(0x0800), ipv4(17, 0, Bytes(8, 0))));
  EXPECT_EQ(v4.result.r0, uint64_t{XDP_PASS});
  const auto runt = run("xdp_drop_ipv6", "", Bytes(6, 0));  // shorter than an Ethernet header
  EXPECT_EQ(runt.result.r0, uint64_t{XDP_ABORTED});
}

TEST_F(LinuxRun, XdpRewritesThePacket) {
  const Bytes in = cat(eth(0x0800), ipv4(6, 0, Bytes(20, 0)));
  const auto out = run("xdp_swap_mac", "", in);
  EXPECT_EQ(out.result.r0, uint64_t{XDP_TX});
  Bytes expected = in;
  std::swap_ranges(expected.begin(), expected.begin() + 6, expected.begin() + 6);
  EXPECT_EQ(out.packet, expected);
}

TEST_F(LinuxRun, IcmpEchoReplyHasAValidChecksum) {
  Bytes icmp = {8, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g'};
  const uint16_t c = inet_checksum(icmp.data(), icmp.size());
  icmp[2] = static_cast<uint8_t>(c >> 8);
  icmp[3] = static_cast<uint8_t>(c);
  const auto out = run("xdp_icmp_echo", "", cat(eth(0x0800), ipv4(1, 0, icmp)));
  ASSERT_FALSE(out.result.trapped) << out.result.trap.to_string();
  EXPECT_EQ(out.result.r0, uint64_t{XDP_TX});
  ASSERT_EQ(out.packet.size(), 14u + 20 + icmp.size());
  const uint8_t* reply = out.packet.data() + 34;
  EXPECT_EQ(reply[0], 0);                                   // echo reply
  EXPECT_EQ(inet_checksum(reply, icmp.size()), 0);          // checksum still verifies
  EXPECT_EQ(0, std::memcmp(out.packet.data() + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8));  // addresses swapped
}

TEST_F(LinuxRun, TcRewritesDscpAndKeepsTheHeaderChecksumValid) {
  const auto out = run("tc_set_dscp", "", cat(eth(0x0800), ipv4(17, 0x01, Bytes(8, 0))));
  ASSERT_FALSE(out.result.trapped) << out.result.trap.to_string();
  EXPECT_EQ(out.result.r0, uint64_t{TC_ACT_OK});
  EXPECT_EQ(out.packet[15], (0x2e << 2) | 0x01);          // EF, ECN bits kept
  EXPECT_EQ(inet_checksum(out.packet.data() + 14, 20), 0);  // header checksum verifies
}

TEST_F(LinuxRun, SocketFilterWithLegacyPacketLoads) {
  const auto icmp = run("socket_ld_abs", "", cat(eth(0x0800), ipv4(1, 0, Bytes(8, 0))));
  ASSERT_FALSE(icmp.result.trapped) << icmp.result.trap.to_string();
  EXPECT_EQ(static_cast<int32_t>(icmp.result.r0), -1);  // keep the whole packet
  const auto udp = run("socket_ld_abs", "", cat(eth(0x0800), ipv4(17, 0, Bytes(8, 0))));
  EXPECT_EQ(udp.result.r0, 0u);
  const auto runt = run("socket_ld_abs", "", Bytes(10, 0));  // LD_ABS past the end ends with 0
  EXPECT_FALSE(runt.result.trapped);
  EXPECT_EQ(runt.result.r0, 0u);
}

TEST_F(LinuxRun, AdjustHeadPopsTheVlanTag) {
  const Bytes inner = ipv4(17, 0, Bytes(8, 0xab));
  Bytes tagged = eth(0x8100);
  tagged.insert(tagged.end(), {0x00, 0x05, 0x08, 0x00});  // VID 5, inner IPv4
  tagged = cat(tagged, inner);
  const auto out = run("xdp_adjust_head", "", tagged);
  ASSERT_FALSE(out.result.trapped) << out.result.trap.to_string();
  EXPECT_EQ(out.result.r0, uint64_t{XDP_PASS});
  EXPECT_EQ(out.packet, cat(eth(0x0800), inner));
}

TEST_F(LinuxRun, MetadataInFrontOfThePacket) {
  const auto out = run("xdp_metadata", "", cat(eth(0x0800), ipv4(17, 0, Bytes(8, 0))));
  ASSERT_FALSE(out.result.trapped) << out.result.trap.to_string();
  EXPECT_EQ(out.data_meta_offset, 4u);
}

TEST_F(LinuxRun, TailCallRunsTheProgramInTheSlot) {
  const Bytes tcp = cat(eth(0x0800), ipv4(6, 0, Bytes(20, 0)));
  const auto with = run("xdp_tail_call", "xdp_dispatch", tcp, {{0, "xdp_tcp"}});
  ASSERT_FALSE(with.result.trapped) << with.result.trap.to_string();
  EXPECT_EQ(with.result.r0, uint64_t{XDP_PASS});
  // xdp_tcp counted the packet in seen[0] (a u64 counter).
  ASSERT_EQ(with.maps.at("seen").size(), 2u);
  EXPECT_EQ(with.maps.at("seen")[0].second, (Bytes{1, 0, 0, 0, 0, 0, 0, 0}));
  const auto empty = run("xdp_tail_call", "xdp_dispatch", tcp);  // empty slot: the program goes on
  EXPECT_EQ(empty.result.r0, uint64_t{XDP_PASS});
  EXPECT_EQ(empty.maps.at("seen")[0].second, Bytes(8, 0));
}

TEST_F(LinuxRun, RingBufferOutputIsCaptured) {
  const auto out = run("xdp_ringbuf_sample", "", cat(eth(0x0800), ipv4(17, 0, Bytes(8, 0))));
  ASSERT_FALSE(out.result.trapped) << out.result.trap.to_string();
  // struct event: saddr 10.0.0.2, daddr 10.0.0.1, len 42 (LE u16), protocol 17, pad 0.
  EXPECT_NE(out.trace.find("ringbuf_output events: 0a 00 00 02 0a 00 00 01 2a 00 11 00"), std::string::npos) << out.trace;
}

TEST_F(LinuxRun, CgroupSkbSeesTheIpHeaderFirst) {
  // TCP to port 25 is denied (0), port 80 allowed (1); the packet has no Ethernet header.
  Bytes tcp(20, 0);
  tcp[2] = 0;
  tcp[3] = 25;
  tcp[12] = 0x50;
  EXPECT_EQ(run("cgroup_skb_port_filter", "", ipv4(6, 0, tcp)).result.r0, 0u);
  tcp[3] = 80;
  EXPECT_EQ(run("cgroup_skb_port_filter", "", ipv4(6, 0, tcp)).result.r0, 1u);
}

TEST_F(LinuxRun, TracePrintkIsCaptured) {
  const auto out = run("xdp_trace_len", "", cat(eth(0x0800), ipv4(6, 0, Bytes(20, 0))));
  ASSERT_FALSE(out.result.trapped) << out.result.trap.to_string();
  EXPECT_EQ(out.trace, "len 54 queue 0");
}

TEST_F(LinuxRun, UncheckedPacketReadTraps) {
  const auto out = run("wrong_xdp_no_bounds_check", "", Bytes(2, 0));
  EXPECT_TRUE(out.result.trapped);
  EXPECT_EQ(out.result.trap.kind, interp::TrapKind::OutOfBounds);
}

TEST(Pcap, ClassicFilesInBothByteOrders) {
  auto u32le = [](Bytes& b, uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  Bytes f;
  u32le(f, 0xa1b2c3d4);
  f.insert(f.end(), {2, 0, 4, 0});
  for (int i = 0; i < 3; ++i) u32le(f, 0);
  u32le(f, 1);  // LINKTYPE_ETHERNET
  for (const Bytes& p : {Bytes{1, 2, 3}, Bytes{4, 5}}) {
    u32le(f, 0);
    u32le(f, 0);
    u32le(f, static_cast<uint32_t>(p.size()));
    u32le(f, static_cast<uint32_t>(p.size()));
    f.insert(f.end(), p.begin(), p.end());
  }
  auto packets = interp::read_pcap(f, "t.pcap");
  ASSERT_TRUE(packets.ok()) << packets.error().to_string();
  EXPECT_EQ(*packets, (std::vector<Bytes>{{1, 2, 3}, {4, 5}}));
  Bytes cut(f.begin(), f.end() - 1);
  auto bad = interp::read_pcap(cut, "t.pcap");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where.file, "t.pcap");
  // The same packets in a file written big-endian.
  Bytes be;
  auto u32be = [](Bytes& b, uint32_t v) {
    for (int i = 3; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  u32be(be, 0xa1b2c3d4);
  be.insert(be.end(), {0, 2, 0, 4});
  for (int i = 0; i < 3; ++i) u32be(be, 0);
  u32be(be, 1);
  for (const Bytes& p : {Bytes{1, 2, 3}, Bytes{4, 5}}) {
    for (uint32_t v : {0u, 0u, static_cast<uint32_t>(p.size()), static_cast<uint32_t>(p.size())}) u32be(be, v);
    be.insert(be.end(), p.begin(), p.end());
  }
  auto swapped = interp::read_pcap(be, "be.pcap");
  ASSERT_TRUE(swapped.ok()) << swapped.error().to_string();
  EXPECT_EQ(*swapped, (std::vector<Bytes>{{1, 2, 3}, {4, 5}}));
  Bytes ng = {0x0a, 0x0d, 0x0d, 0x0a};
  ng.resize(32, 0);
  auto pcapng = interp::read_pcap(ng, "t.pcapng");
  ASSERT_FALSE(pcapng.ok());
  EXPECT_NE(pcapng.error().message.find("pcapng"), std::string::npos);
}

}  // namespace
}  // namespace bpfcert::tests
