// Running Linux programs on the reference VM: synthetic contexts (struct xdp_md, struct
// __sk_buff, or raw zeroed bytes for tracing types) over a packet buffer, the Linux helpers
// such programs call, and a pcap reader for their input packets.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "interp/engine.h"
#include "interp/environment.h"
#include "interp/interpreter.h"
#include "semantics/diagnostic.h"

namespace bpfcert::interp {

enum class LinuxContextKind : uint8_t {
  Xdp,     // struct xdp_md; read-only; data / data_end / data_meta point into the packet
  SkBuff,  // struct __sk_buff (socket filters, tc, cgroup_skb); legacy packet loads read the packet
  Raw,     // a context of raw bytes (pt_regs, tracepoint record, bpf_sock, ...)
};

struct LinuxRunOptions {
  LinuxContextKind kind = LinuxContextKind::Xdp;
  std::vector<uint8_t> packet;          // frame bytes (Xdp, SkBuff)
  std::vector<uint8_t> raw_context;     // Raw: the context's bytes (zero-padded to raw_size)
  uint32_t raw_size = 0;                // Raw: context size in bytes
  bool raw_writable = false;            // Raw: may the program store into it (bpf_sock)
  uint32_t ifindex = 1;
  uint32_t rx_queue_index = 0;
  // The packet starts at the network header (cgroup_skb programs see no Ethernet header):
  // skb->protocol then comes from the IP version.
  bool network_header_first = false;
};

// Headroom in front of the packet, as XDP_PACKET_HEADROOM: bpf_xdp_adjust_head and
// bpf_xdp_adjust_meta may grow the packet into it.
inline constexpr uint32_t kLinuxHeadroom = 256;
// Largest packet a synthetic context takes (a jumbo frame).
inline constexpr uint32_t kLinuxMaxPacket = 9216;

// One invocation of a Linux program. The context and the packet live in memory below 4 GiB,
// so the 32-bit pointer fields of xdp_md and __sk_buff hold real addresses (Linux rewrites
// these loads into 64-bit loads; a zero-extended 32-bit address is the same value here). The
// packet region spans the headroom and the packet, and ends exactly at data_end, so reads past
// the packet's end trap.
class LinuxRun {
 public:
  static semantics::Result<std::unique_ptr<LinuxRun>> create(const LinuxRunOptions& options);
  ~LinuxRun();
  LinuxRun(const LinuxRun&) = delete;
  LinuxRun& operator=(const LinuxRun&) = delete;

  LinuxContextKind kind() const { return options_.kind; }
  Invocation invocation() const;
  uint64_t context_address() const;
  // The packet as the program left it, [data, data_end) (after adjust_head, stores, ...).
  std::vector<uint8_t> packet() const;
  std::span<const uint8_t> context_bytes() const;

  // Tail calls: bpf_tail_call(ctx, prog_array, i) runs `engine` when the prog array with map
  // index `map` has `engine` in slot i; otherwise the helper fails and the program goes on.
  void set_tail_call_target(size_t map, uint32_t slot, const Engine* engine);
  const Engine* tail_call_target(size_t map, uint32_t slot) const;
  int tail_calls = 0;  // taken so far in this run (Linux allows 33)
  RunOptions run_options;

  // Where helpers find their run from a context pointer (nullptr when `ctx` is not one).
  static LinuxRun* from_context(const HelperContext& hc, uint64_t ctx);

  // Packet bounds, as 64-bit addresses; helpers move them.
  uint64_t data = 0, data_end = 0, data_meta = 0;
  void sync_context();  // writes data / data_end / data_meta into the context fields
  uint64_t buffer_start() const { return reinterpret_cast<uint64_t>(buffer_); }  // headroom start

 private:
  explicit LinuxRun(const LinuxRunOptions& options) : options_(options) {}
  LinuxRunOptions options_;
  uint8_t* block_ = nullptr;  // the mapping: header, context, headroom, packet
  size_t block_size_ = 0;
  uint8_t* ctx_ = nullptr;
  uint32_t ctx_size_ = 0;
  uint8_t* buffer_ = nullptr;  // headroom start
  std::map<std::pair<size_t, uint32_t>, const Engine*> tail_calls_;
};

// The Linux helpers the reference VM provides beyond the standard ones (tail calls, pid/uid,
// comm, redirect, packet access and checksum helpers, xdp_adjust_head/meta, probe reads that
// fault as in an empty address space, ring buffer and perf event output captured to the trace
// output). Adds the standard helpers too.
// bpf_redirect returns XDP_REDIRECT for XDP and TC_ACT_REDIRECT otherwise, hence the kind.
void add_linux_helpers(Environment& env, LinuxContextKind kind);

// Packets of a pcap file (classic format, either byte order, micro- or nanosecond stamps).
semantics::Result<std::vector<std::vector<uint8_t>>> read_pcap(std::span<const uint8_t> bytes, const std::string& path);

}  // namespace bpfcert::interp
