// Parses Ethernet, IPv4 (with options) and TCP, and counts SYN and SYN-ACK segments.
// bpfcert: expect accept
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 2);
} syn_counts SEC(".maps");

SEC("xdp")
int xdp_syn_counter(struct xdp_md *ctx) {
  struct cursor c = {(void *)(long)ctx->data, (void *)(long)ctx->data_end};
  struct ethhdr *eth = parse_eth(&c);
  if (!eth || eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = parse_ipv4(&c);
  if (!ip || ip->protocol != IPPROTO_TCP) return XDP_PASS;
  struct tcphdr *tcp = c.pos;
  if ((void *)(tcp + 1) > c.end) return XDP_PASS;
  if (!tcp->syn) return XDP_PASS;
  __u32 key = tcp->ack ? 1 : 0;
  __u64 *count = bpf_map_lookup_elem(&syn_counts, &key);
  if (count) __sync_fetch_and_add(count, 1);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
