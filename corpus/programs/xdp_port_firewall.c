// Drops TCP and UDP packets whose destination port is in a hash map of blocked ports, and
// counts the drops per port.
// bpfcert: expect accept
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u16);
  __type(value, __u64);
  __uint(max_entries, 1024);
} blocked_ports SEC(".maps");

static __always_inline int dest_port(struct cursor *c, __u8 proto) {
  if (proto == IPPROTO_TCP) {
    struct tcphdr *tcp = c->pos;
    if ((void *)(tcp + 1) > c->end) return -1;
    return bpf_ntohs(tcp->dest);
  }
  if (proto == IPPROTO_UDP) {
    struct udphdr *udp = c->pos;
    if ((void *)(udp + 1) > c->end) return -1;
    return bpf_ntohs(udp->dest);
  }
  return -1;
}

SEC("xdp")
int xdp_port_firewall(struct xdp_md *ctx) {
  struct cursor c = {(void *)(long)ctx->data, (void *)(long)ctx->data_end};
  struct ethhdr *eth = parse_eth(&c);
  if (!eth || eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = parse_ipv4(&c);
  if (!ip) return XDP_PASS;
  int port = dest_port(&c, ip->protocol);
  if (port < 0) return XDP_PASS;
  __u16 key = port;
  __u64 *drops = bpf_map_lookup_elem(&blocked_ports, &key);
  if (!drops) return XDP_PASS;
  __sync_fetch_and_add(drops, 1);
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
