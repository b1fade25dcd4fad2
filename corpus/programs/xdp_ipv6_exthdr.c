// Walks at most four IPv6 extension headers (hop-by-hop, routing, destination options) to find
// the transport protocol; drops IPv6 fragments.
// bpfcert: expect accept
#include "corpus.h"

#define MAX_EXT_HDRS 4

struct ipv6_opt_hdr_ {
  __u8 nexthdr;
  __u8 hdrlen;
};

SEC("xdp")
int xdp_ipv6_exthdr(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = (void *)(long)ctx->data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_IPV6)) return XDP_PASS;
  struct ipv6hdr *ip6 = (void *)(eth + 1);
  if ((void *)(ip6 + 1) > data_end) return XDP_PASS;
  __u8 next = ip6->nexthdr;
  void *pos = ip6 + 1;
  for (int i = 0; i < MAX_EXT_HDRS; i++) {
    if (next == IPPROTO_FRAGMENT) return XDP_DROP;
    if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS) break;
    struct ipv6_opt_hdr_ *opt = pos;
    if ((void *)(opt + 1) > data_end) return XDP_PASS;
    next = opt->nexthdr;
    pos += (opt->hdrlen + 1) * 8;
  }
  if (next == IPPROTO_FRAGMENT) return XDP_DROP;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
