// Packet and byte counters per IP protocol number in a per-CPU array of 256 entries.
// bpfcert: expect accept
#include "corpus.h"

struct counters {
  __u64 packets;
  __u64 bytes;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __type(key, __u32);
  __type(value, struct counters);
  __uint(max_entries, 256);
} proto_stats SEC(".maps");

SEC("xdp")
int xdp_proto_stats(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_PASS;
  __u32 key = ip->protocol;
  struct counters *c = bpf_map_lookup_elem(&proto_stats, &key);
  if (!c) return XDP_PASS;
  c->packets++;
  c->bytes += data_end - data;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
