#include "interp/linux_context.h"

#include <fmt/format.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "interp/helpers.h"

namespace bpfcert::interp {

using semantics::Error;
using semantics::ErrorCode;

namespace {

constexpr uint64_t kHeaderMagic = 0x6270666365727431ull;  // "bpfcert1"
constexpr size_t kHeaderSize = 16;                        // magic, LinuxRun*
constexpr int kMaxTailCalls = 33;  // MAX_TAIL_CALL_CNT
constexpr uint32_t kEthHeader = 14;
constexpr const char* kContextRegionName = "linux-context";

size_t align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

// An skb context is followed by the struct bpf_flow_keys its flow_keys field points to (a flow
// dissector program fills it in; other skb types may not read the field).
size_t flow_keys_offset(uint32_t ctx_size) { return align_up(kHeaderSize + ctx_size, 8); }

void put_u32(uint8_t* base, size_t off, uint32_t v) { std::memcpy(base + off, &v, sizeof v); }

}  // namespace

semantics::Result<std::unique_ptr<LinuxRun>> LinuxRun::create(const LinuxRunOptions& options) {
  auto bad = [](std::string m) { return Error{ErrorCode::UsageError, {}, std::move(m)}; };
  if (options.packet.size() > kLinuxMaxPacket) {
    return bad(fmt::format("packet of {} bytes is larger than {} bytes", options.packet.size(), kLinuxMaxPacket));
  }
  std::unique_ptr<LinuxRun> run(new LinuxRun(options));
  switch (options.kind) {
    case LinuxContextKind::Xdp: run->ctx_size_ = sizeof(struct xdp_md); break;
    case LinuxContextKind::SkBuff: run->ctx_size_ = sizeof(struct __sk_buff); break;
    case LinuxContextKind::Raw:
      if (options.raw_size == 0 || options.raw_size > 4096) return bad("raw context size must be 1..4096 bytes");
      if (options.raw_context.size() > options.raw_size) {
        return bad(fmt::format("context bytes ({}) exceed the context size ({})", options.raw_context.size(),
                               options.raw_size));
      }
      run->ctx_size_ = options.raw_size;
      break;
  }
  const size_t keys_size = options.kind == LinuxContextKind::SkBuff ? sizeof(struct bpf_flow_keys) : 0;
  const size_t ctx_area = align_up(flow_keys_offset(run->ctx_size_) + keys_size, 64);
  run->block_size_ = align_up(ctx_area + kLinuxHeadroom + options.packet.size(), 4096);
  // Below 4 GiB so the u32 pointer fields of xdp_md and __sk_buff can hold the addresses.
  void* p = mmap(nullptr, run->block_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  if (p == MAP_FAILED) return bad("cannot map memory below 4 GiB for the context and packet (mmap MAP_32BIT)");
  run->block_ = static_cast<uint8_t*>(p);
  const uint64_t magic = kHeaderMagic;
  LinuxRun* self = run.get();
  std::memcpy(run->block_, &magic, sizeof magic);
  std::memcpy(run->block_ + 8, &self, sizeof self);
  run->ctx_ = run->block_ + kHeaderSize;
  run->buffer_ = run->block_ + ctx_area;
  std::memcpy(run->buffer_ + kLinuxHeadroom, options.packet.data(), options.packet.size());
  run->data = reinterpret_cast<uint64_t>(run->buffer_ + kLinuxHeadroom);
  run->data_end = run->data + options.packet.size();
  run->data_meta = run->data;

  if (options.kind == LinuxContextKind::Raw) {
    std::memcpy(run->ctx_, options.raw_context.data(), options.raw_context.size());
  } else if (options.kind == LinuxContextKind::Xdp) {
    put_u32(run->ctx_, offsetof(struct xdp_md, ingress_ifindex), options.ifindex);
    put_u32(run->ctx_, offsetof(struct xdp_md, rx_queue_index), options.rx_queue_index);
  } else {
    const uint32_t len = static_cast<uint32_t>(options.packet.size());
    // skb->protocol is the EtherType as it is on the wire (__be16 in a u32).
    uint16_t proto = 0;
    if (options.network_header_first) {
      const uint8_t version = options.packet.empty() ? 0 : options.packet[0] >> 4;
      const uint16_t host = version == 4 ? ETH_P_IP : version == 6 ? ETH_P_IPV6 : 0;
      proto = static_cast<uint16_t>((host >> 8) | (host << 8));  // network order
    } else if (options.packet.size() >= kEthHeader) {
      std::memcpy(&proto, options.packet.data() + 12, sizeof proto);
    }
    put_u32(run->ctx_, offsetof(struct __sk_buff, protocol), proto);
    put_u32(run->ctx_, offsetof(struct __sk_buff, ifindex), options.ifindex);
    put_u32(run->ctx_, offsetof(struct __sk_buff, ingress_ifindex), options.ifindex);
    put_u32(run->ctx_, offsetof(struct __sk_buff, queue_mapping), options.rx_queue_index);
    put_u32(run->ctx_, offsetof(struct __sk_buff, wire_len), len);
    put_u32(run->ctx_, offsetof(struct __sk_buff, gso_segs), 1);
    const uint64_t keys = reinterpret_cast<uint64_t>(run->block_ + flow_keys_offset(run->ctx_size_));
    std::memcpy(run->ctx_ + offsetof(struct __sk_buff, flow_keys), &keys, sizeof keys);
  }
  run->sync_context();
  return run;
}

LinuxRun::~LinuxRun() {
  if (block_ != nullptr) munmap(block_, block_size_);
}

void LinuxRun::sync_context() {
  const auto lo = [](uint64_t a) { return static_cast<uint32_t>(a); };
  if (options_.kind == LinuxContextKind::Xdp) {
    put_u32(ctx_, offsetof(struct xdp_md, data), lo(data));
    put_u32(ctx_, offsetof(struct xdp_md, data_end), lo(data_end));
    put_u32(ctx_, offsetof(struct xdp_md, data_meta), lo(data_meta));
  } else if (options_.kind == LinuxContextKind::SkBuff) {
    put_u32(ctx_, offsetof(struct __sk_buff, data), lo(data));
    put_u32(ctx_, offsetof(struct __sk_buff, data_end), lo(data_end));
    put_u32(ctx_, offsetof(struct __sk_buff, data_meta), lo(data_meta));
    put_u32(ctx_, offsetof(struct __sk_buff, len), lo(data_end - data));
  }
}

Invocation LinuxRun::invocation() const {
  Invocation inv;
  inv.args[0] = context_address();
  Region ctx;
  ctx.start = context_address();
  ctx.size = ctx_size_;
  ctx.kind = RegionKind::Context;
  ctx.writable = options_.kind == LinuxContextKind::SkBuff ||
                 (options_.kind == LinuxContextKind::Raw && options_.raw_writable);
  ctx.name = kContextRegionName;
  inv.regions.push_back(ctx);
  if (options_.kind != LinuxContextKind::Raw) {
    Region pkt;
    pkt.start = reinterpret_cast<uint64_t>(buffer_);
    pkt.size = data_end - pkt.start;
    pkt.kind = RegionKind::Packet;
    pkt.writable = true;
    pkt.name = "packet";
    if (pkt.size > 0) inv.regions.push_back(pkt);
  }
  if (options_.kind == LinuxContextKind::SkBuff) {
    Region keys;
    keys.start = reinterpret_cast<uint64_t>(block_ + flow_keys_offset(ctx_size_));
    keys.size = sizeof(struct bpf_flow_keys);
    keys.kind = RegionKind::Input;
    keys.writable = true;
    keys.name = "flow_keys";
    inv.regions.push_back(keys);
    inv.packet = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data), data_end - data);
  }
  return inv;
}

uint64_t LinuxRun::context_address() const { return reinterpret_cast<uint64_t>(ctx_); }

std::vector<uint8_t> LinuxRun::packet() const {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  return {p, p + (data_end - data)};
}

std::span<const uint8_t> LinuxRun::context_bytes() const { return {ctx_, ctx_size_}; }

void LinuxRun::set_tail_call_target(size_t map, uint32_t slot, const Engine* engine) {
  tail_calls_[{map, slot}] = engine;
}

const Engine* LinuxRun::tail_call_target(size_t map, uint32_t slot) const {
  const auto it = tail_calls_.find({map, slot});
  return it == tail_calls_.end() ? nullptr : it->second;
}

LinuxRun* LinuxRun::from_context(const HelperContext& hc, uint64_t ctx) {
  const Region* r = hc.memory.find(ctx, 1);
  if (r == nullptr || r->kind != RegionKind::Context || r->start != ctx || r->name != kContextRegionName) return nullptr;
  // Our context region always sits right after the header of its run's mapping.
  uint64_t magic = 0;
  LinuxRun* run = nullptr;
  std::memcpy(&magic, reinterpret_cast<const void*>(ctx - kHeaderSize), sizeof magic);
  std::memcpy(&run, reinterpret_cast<const void*>(ctx - kHeaderSize + 8), sizeof run);
  return magic == kHeaderMagic ? run : nullptr;
}

// --- helpers ---------------------------------------------------------------------------

namespace {

std::string hex(const uint8_t* p, uint64_t n) {
  std::string s;
  for (uint64_t i = 0; i < n; ++i) s += fmt::format("{}{:02x}", i == 0 ? "" : " ", p[i]);
  return s;
}

bool check(HelperContext& hc, bool ok, const char* helper, const char* what, uint64_t addr, uint64_t len) {
  if (ok) return true;
  hc.fault(fmt::format("{}: {} at {:#x} ({} bytes) is not accessible: {}", helper, what, addr, len,
                       hc.memory.describe(addr)));
  return false;
}

LinuxRun* run_arg(HelperContext& hc, uint64_t ctx, const char* helper) {
  LinuxRun* run = LinuxRun::from_context(hc, ctx);
  if (run == nullptr) hc.fault(fmt::format("{}: r1 = {:#x} is not the program's context", helper, ctx));
  return run;
}

uint64_t tail_call(HelperContext& hc, uint64_t ctx, uint64_t map, uint64_t index, uint64_t, uint64_t) {
  LinuxRun* run = run_arg(hc, ctx, "bpf_tail_call");
  Map* m = hc.env.map_from_handle(map);
  if (run == nullptr) return 0;
  if (m == nullptr || m->def().type != MapType::ProgArray) {
    return hc.fault(fmt::format("bpf_tail_call: r2 = {:#x} is not a prog array", map));
  }
  const Engine* target = run->tail_call_target(map - kMapHandleBase, static_cast<uint32_t>(index));
  if (target == nullptr) return static_cast<uint64_t>(kENOENT);  // empty slot: the program goes on
  if (run->tail_calls >= kMaxTailCalls) return static_cast<uint64_t>(kE2BIG);
  ++run->tail_calls;
  const RunResult r = target->run(run->invocation(), run->run_options);
  if (r.trapped) return hc.fault("bpf_tail_call: the called program trapped: " + r.trap.to_string());
  hc.exit_requested = true;
  hc.exit_value = r.r0;
  return 0;
}

uint64_t get_current_pid_tgid(HelperContext&, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  return (uint64_t{4242} << 32) | 4243;  // a fixed synthetic task: tgid 4242, pid 4243
}

uint64_t get_current_uid_gid(HelperContext&, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  return (uint64_t{1000} << 32) | 1000;
}

uint64_t get_current_comm(HelperContext& hc, uint64_t buf, uint64_t size, uint64_t, uint64_t, uint64_t) {
  if (size == 0) return static_cast<uint64_t>(kEINVAL);
  if (!check(hc, hc.memory.writable(buf, size), "bpf_get_current_comm", "buffer", buf, size)) return 0;
  const char comm[] = "bpfcert";
  auto* out = reinterpret_cast<char*>(buf);
  std::memset(out, 0, size);
  std::memcpy(out, comm, std::min<uint64_t>(size - 1, sizeof comm - 1));
  return 0;
}

uint64_t redirect_xdp(HelperContext& hc, uint64_t ifindex, uint64_t, uint64_t, uint64_t, uint64_t) {
  hc.env.trace_output += fmt::format("bpf_redirect: ifindex {}\n", ifindex);
  return XDP_REDIRECT;
}

uint64_t redirect_skb(HelperContext& hc, uint64_t ifindex, uint64_t, uint64_t, uint64_t, uint64_t) {
  hc.env.trace_output += fmt::format("bpf_redirect: ifindex {}\n", ifindex);
  return 7;  // TC_ACT_REDIRECT
}

uint64_t perf_event_output(HelperContext& hc, uint64_t ctx, uint64_t map, uint64_t, uint64_t data, uint64_t size) {
  Map* m = hc.env.map_from_handle(map);
  if (m == nullptr || m->def().type != MapType::PerfEventArray) {
    return hc.fault(fmt::format("bpf_perf_event_output: r2 = {:#x} is not a perf event array", map));
  }
  if (!check(hc, hc.memory.readable(ctx, 1), "bpf_perf_event_output", "context", ctx, 1)) return 0;
  if (!check(hc, size == 0 || hc.memory.readable(data, size), "bpf_perf_event_output", "data", data, size)) return 0;
  hc.env.trace_output += fmt::format("perf_event_output {}: {}\n", m->def().name,
                                     hex(reinterpret_cast<const uint8_t*>(data), size));
  return 0;
}

uint64_t ringbuf_output(HelperContext& hc, uint64_t map, uint64_t data, uint64_t size, uint64_t, uint64_t) {
  Map* m = hc.env.map_from_handle(map);
  if (m == nullptr || m->def().type != MapType::RingBuf) {
    return hc.fault(fmt::format("bpf_ringbuf_output: r1 = {:#x} is not a ring buffer", map));
  }
  if (!check(hc, size == 0 || hc.memory.readable(data, size), "bpf_ringbuf_output", "data", data, size)) return 0;
  hc.env.trace_output += fmt::format("ringbuf_output {}: {}\n", m->def().name,
                                     hex(reinterpret_cast<const uint8_t*>(data), size));
  return 0;
}

uint64_t ringbuf_reserve(HelperContext& hc, uint64_t map, uint64_t size, uint64_t flags, uint64_t, uint64_t) {
  Map* m = hc.env.map_from_handle(map);
  if (m == nullptr || m->def().type != MapType::RingBuf) {
    return hc.fault(fmt::format("bpf_ringbuf_reserve: r1 = {:#x} is not a ring buffer", map));
  }
  if (flags != 0) return 0;  // Linux: no flags are defined, any gives NULL
  return reinterpret_cast<uint64_t>(m->reserve_record(size));
}

// bpf_ringbuf_submit and _discard: the record goes back to its ring buffer (submitted records
// are the run's output).
uint64_t ringbuf_release(HelperContext& hc, uint64_t record, bool submit) {
  const char* name = submit ? "bpf_ringbuf_submit" : "bpf_ringbuf_discard";
  for (size_t i = 0; i < hc.env.map_count(); ++i) {
    Map& m = hc.env.map_at(i);
    const auto bytes = m.release_record(reinterpret_cast<const uint8_t*>(record));
    if (!bytes) continue;
    if (submit) hc.env.trace_output += fmt::format("ringbuf_submit {}: {}\n", m.def().name, hex(bytes->data(), bytes->size()));
    return 0;
  }
  return hc.fault(fmt::format("{}: r1 = {:#x} is not a record bpf_ringbuf_reserve returned and not yet released", name, record));
}
uint64_t ringbuf_submit(HelperContext& hc, uint64_t record, uint64_t, uint64_t, uint64_t, uint64_t) {
  return ringbuf_release(hc, record, true);
}
uint64_t ringbuf_discard(HelperContext& hc, uint64_t record, uint64_t, uint64_t, uint64_t, uint64_t) {
  return ringbuf_release(hc, record, false);
}

// Packet bytes at [offset, offset + len) of the run's packet, or nullptr.
uint8_t* packet_at(LinuxRun& run, uint64_t offset, uint64_t len) {
  const uint64_t size = run.data_end - run.data;
  if (offset > size || len > size - offset) return nullptr;
  return reinterpret_cast<uint8_t*>(run.data + offset);
}

uint64_t skb_load_bytes(HelperContext& hc, uint64_t ctx, uint64_t offset, uint64_t to, uint64_t len, uint64_t) {
  LinuxRun* run = run_arg(hc, ctx, "bpf_skb_load_bytes");
  if (run == nullptr || !check(hc, len == 0 || hc.memory.writable(to, len), "bpf_skb_load_bytes", "buffer", to, len)) {
    return 0;
  }
  const uint8_t* src = packet_at(*run, offset, len);
  if (src == nullptr) {
    std::memset(reinterpret_cast<void*>(to), 0, len);
    return static_cast<uint64_t>(kEFAULT);
  }
  std::memcpy(reinterpret_cast<void*>(to), src, len);
  return 0;
}

uint64_t skb_store_bytes(HelperContext& hc, uint64_t ctx, uint64_t offset, uint64_t from, uint64_t len, uint64_t) {
  LinuxRun* run = run_arg(hc, ctx, "bpf_skb_store_bytes");
  if (run == nullptr || !check(hc, len == 0 || hc.memory.readable(from, len), "bpf_skb_store_bytes", "data", from, len)) {
    return 0;
  }
  uint8_t* dst = packet_at(*run, offset, len);
  if (dst == nullptr) return static_cast<uint64_t>(kEFAULT);
  std::memmove(dst, reinterpret_cast<const void*>(from), len);
  return 0;
}

// One's-complement checksum update (RFC 1624) of the 16-bit checksum at `sum` when a 16- or
// 32-bit field changes from `from` to `to` (both as they sit in memory).
uint16_t csum_add16(uint32_t a, uint32_t b) {
  uint32_t s = a + b;
  s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>((s & 0xffff) + (s >> 16));
}

int64_t csum_replace(uint8_t* at, uint64_t from, uint64_t to, uint64_t size) {
  if (size != 2 && size != 4) return kEINVAL;
  uint16_t sum = 0;
  std::memcpy(&sum, at, sizeof sum);
  uint16_t acc = static_cast<uint16_t>(~sum);
  const uint32_t f = static_cast<uint32_t>(from), t = static_cast<uint32_t>(to);
  if (size == 2) {
    acc = csum_add16(acc, static_cast<uint16_t>(~f & 0xffff));
    acc = csum_add16(acc, t & 0xffff);
  } else {
    acc = csum_add16(acc, static_cast<uint16_t>(~f & 0xffff));
    acc = csum_add16(acc, static_cast<uint16_t>(~(f >> 16) & 0xffff));
    acc = csum_add16(acc, t & 0xffff);
    acc = csum_add16(acc, t >> 16);
  }
  sum = static_cast<uint16_t>(~acc);
  std::memcpy(at, &sum, sizeof sum);
  return 0;
}

uint64_t l3_csum_replace(HelperContext& hc, uint64_t ctx, uint64_t offset, uint64_t from, uint64_t to, uint64_t flags) {
  LinuxRun* run = run_arg(hc, ctx, "bpf_l3_csum_replace");
  if (run == nullptr) return 0;
  uint8_t* at = packet_at(*run, offset, 2);
  if (at == nullptr) return static_cast<uint64_t>(kEFAULT);
  return static_cast<uint64_t>(csum_replace(at, from, to, flags & BPF_F_HDR_FIELD_MASK));
}

uint64_t l4_csum_replace(HelperContext& hc, uint64_t ctx, uint64_t offset, uint64_t from, uint64_t to, uint64_t flags) {
  LinuxRun* run = run_arg(hc, ctx, "bpf_l4_csum_replace");
  if (run == nullptr) return 0;
  uint8_t* at = packet_at(*run, offset, 2);
  if (at == nullptr) return static_cast<uint64_t>(kEFAULT);
  uint16_t current = 0;
  std::memcpy(&current, at, sizeof current);
  if ((flags & BPF_F_MARK_MANGLED_0) != 0 && current == 0) return 0;  // UDP: no checksum
  const int64_t r = csum_replace(at, from, to, flags & BPF_F_HDR_FIELD_MASK);
  if ((flags & BPF_F_MARK_MANGLED_0) != 0) {
    std::memcpy(&current, at, sizeof current);
    if (current == 0) std::memset(at, 0xff, 2);  // CSUM_MANGLED_0
  }
  return static_cast<uint64_t>(r);
}

uint64_t xdp_adjust_head(HelperContext& hc, uint64_t ctx, uint64_t delta, uint64_t, uint64_t, uint64_t) {
  LinuxRun* run = run_arg(hc, ctx, "bpf_xdp_adjust_head");
  if (run == nullptr) return 0;
  const int64_t d = static_cast<int32_t>(delta);
  const uint64_t lowest = run->buffer_start();
  const uint64_t meta_len = run->data - run->data_meta;
  const uint64_t new_data = run->data + static_cast<uint64_t>(d);
  if (static_cast<int64_t>(new_data - lowest) < static_cast<int64_t>(meta_len) ||
      static_cast<int64_t>(run->data_end - new_data) < kEthHeader) {
    return static_cast<uint64_t>(kEINVAL);
  }
  if (meta_len != 0) {
    std::memmove(reinterpret_cast<void*>(run->data_meta + static_cast<uint64_t>(d)),
                 reinterpret_cast<const void*>(run->data_meta), meta_len);
  }
  run->data = new_data;
  run->data_meta = new_data - meta_len;
  run->sync_context();
  return 0;
}

uint64_t xdp_adjust_meta(HelperContext& hc, uint64_t ctx, uint64_t delta, uint64_t, uint64_t, uint64_t) {
  LinuxRun* run = run_arg(hc, ctx, "bpf_xdp_adjust_meta");
  if (run == nullptr) return 0;
  const int64_t d = static_cast<int32_t>(delta);
  const uint64_t meta = run->data_meta + static_cast<uint64_t>(d);
  const int64_t meta_len = static_cast<int64_t>(run->data - meta);
  // Linux: the metadata is at most 32 bytes, a multiple of 4, and fits the headroom.
  const uint64_t lowest = run->buffer_start();
  if (meta_len < 0 || meta_len > 32 || meta_len % 4 != 0 || meta < lowest) return static_cast<uint64_t>(kEINVAL);
  run->data_meta = meta;
  run->sync_context();
  return 0;
}

// Tracing programs read kernel and user memory through these; the synthetic address space has
// none, so every read faults as an unmapped address would: the buffer is zeroed, -EFAULT.
uint64_t probe_read_fault(HelperContext& hc, uint64_t dst, uint64_t size, uint64_t, uint64_t, uint64_t) {
  if (!check(hc, size == 0 || hc.memory.writable(dst, size), "bpf_probe_read", "buffer", dst, size)) return 0;
  if (size != 0) std::memset(reinterpret_cast<void*>(dst), 0, size);
  return static_cast<uint64_t>(kEFAULT);
}

}  // namespace

void add_linux_helpers(Environment& env, LinuxContextKind kind) {
  add_standard_helpers(env);
  add_tracing_helpers(env);
  add_checksum_helpers(env);
  env.add_helper({BPF_FUNC_redirect, "bpf_redirect", kind == LinuxContextKind::Xdp ? redirect_xdp : redirect_skb});
  env.add_helper({BPF_FUNC_tail_call, "bpf_tail_call", tail_call});
  env.add_helper({BPF_FUNC_get_current_pid_tgid, "bpf_get_current_pid_tgid", get_current_pid_tgid});
  env.add_helper({BPF_FUNC_get_current_uid_gid, "bpf_get_current_uid_gid", get_current_uid_gid});
  env.add_helper({BPF_FUNC_get_current_comm, "bpf_get_current_comm", get_current_comm});
  env.add_helper({BPF_FUNC_perf_event_output, "bpf_perf_event_output", perf_event_output});
  env.add_helper({BPF_FUNC_ringbuf_output, "bpf_ringbuf_output", ringbuf_output});
  env.add_helper({BPF_FUNC_ringbuf_reserve, "bpf_ringbuf_reserve", ringbuf_reserve});
  env.add_helper({BPF_FUNC_ringbuf_submit, "bpf_ringbuf_submit", ringbuf_submit});
  env.add_helper({BPF_FUNC_ringbuf_discard, "bpf_ringbuf_discard", ringbuf_discard});
  env.add_helper({BPF_FUNC_skb_load_bytes, "bpf_skb_load_bytes", skb_load_bytes});
  env.add_helper({BPF_FUNC_skb_store_bytes, "bpf_skb_store_bytes", skb_store_bytes});
  env.add_helper({BPF_FUNC_l3_csum_replace, "bpf_l3_csum_replace", l3_csum_replace});
  env.add_helper({BPF_FUNC_l4_csum_replace, "bpf_l4_csum_replace", l4_csum_replace});
  env.add_helper({BPF_FUNC_xdp_adjust_head, "bpf_xdp_adjust_head", xdp_adjust_head});
  env.add_helper({BPF_FUNC_xdp_adjust_meta, "bpf_xdp_adjust_meta", xdp_adjust_meta});
  for (const int32_t id : {BPF_FUNC_probe_read, BPF_FUNC_probe_read_str, BPF_FUNC_probe_read_kernel,
                           BPF_FUNC_probe_read_kernel_str, BPF_FUNC_probe_read_user, BPF_FUNC_probe_read_user_str}) {
    env.add_helper({id, "bpf_probe_read", probe_read_fault});
  }
}

// --- pcap --------------------------------------------------------------------------------

semantics::Result<std::vector<std::vector<uint8_t>>> read_pcap(std::span<const uint8_t> bytes, const std::string& path) {
  auto bad = [&](std::string m) { return Error{ErrorCode::BadFile, {path, 0, 0, -1}, std::move(m)}; };
  if (bytes.size() < 24) return bad("not a pcap file (shorter than its 24-byte header)");
  uint32_t magic = 0;
  std::memcpy(&magic, bytes.data(), 4);
  bool swap = false;
  if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du) {
    swap = false;
  } else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u) {
    swap = true;
  } else if (magic == 0x0a0d0d0au) {
    return bad("pcapng files are not supported; convert with: editcap -F pcap in.pcapng out.pcap");
  } else {
    return bad(fmt::format("not a pcap file (magic {:#010x})", magic));
  }
  auto u32 = [&](size_t off) {
    uint32_t v = 0;
    std::memcpy(&v, bytes.data() + off, 4);
    return swap ? __builtin_bswap32(v) : v;
  };
  std::vector<std::vector<uint8_t>> packets;
  size_t pos = 24;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 16) return bad(fmt::format("packet {}: record header truncated at byte {}", packets.size() + 1, pos));
    const uint32_t incl = u32(pos + 8);
    pos += 16;
    if (incl > bytes.size() - pos) {
      return bad(fmt::format("packet {}: {} bytes announced, {} left", packets.size() + 1, incl, bytes.size() - pos));
    }
    packets.emplace_back(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                         bytes.begin() + static_cast<std::ptrdiff_t>(pos + incl));
    pos += incl;
  }
  return packets;
}

}  // namespace bpfcert::interp
