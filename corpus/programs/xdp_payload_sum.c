// Sums the first 64 payload bytes of UDP packets in a bounded loop, checking the bound of
// every byte against data_end, and keeps the running total in an array map.
// bpfcert: expect accept
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} payload_total SEC(".maps");

SEC("xdp")
int xdp_payload_sum(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = (void *)(long)ctx->data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP) return XDP_PASS;
  struct udphdr *udp = (void *)(ip + 1);
  if ((void *)(udp + 1) > data_end) return XDP_PASS;
  unsigned char *p = (void *)(udp + 1);
  __u64 sum = 0;
  for (int i = 0; i < 64; i++) {
    if ((void *)(p + i + 1) > data_end) break;
    sum += p[i];
  }
  __u32 zero = 0;
  __u64 *total = bpf_map_lookup_elem(&payload_total, &zero);
  if (total) __sync_fetch_and_add(total, sum);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
