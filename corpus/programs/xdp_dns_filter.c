// Drops DNS queries (UDP port 53) whose header asks for more than 4 questions, a crude
// amplification filter; reads the DNS header after the UDP header.
// bpfcert: expect accept
#include "corpus.h"

struct dnshdr {
  __be16 id;
  __be16 flags;
  __be16 qdcount;
  __be16 ancount;
  __be16 nscount;
  __be16 arcount;
};

SEC("xdp")
int xdp_dns_filter(struct xdp_md *ctx) {
  struct cursor c = {(void *)(long)ctx->data, (void *)(long)ctx->data_end};
  struct ethhdr *eth = parse_eth(&c);
  if (!eth || eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = parse_ipv4(&c);
  if (!ip || ip->protocol != IPPROTO_UDP) return XDP_PASS;
  struct udphdr *udp = c.pos;
  if ((void *)(udp + 1) > c.end) return XDP_PASS;
  if (udp->dest != bpf_htons(53)) return XDP_PASS;
  struct dnshdr *dns = (void *)(udp + 1);
  if ((void *)(dns + 1) > c.end) return XDP_DROP;
  if (bpf_ntohs(dns->qdcount) > 4) return XDP_DROP;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
