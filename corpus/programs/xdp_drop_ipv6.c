// Drops IPv6 frames, passes everything else (reads the Ethernet type after a bounds check).
// bpfcert: expect accept
#include "corpus.h"

SEC("xdp")
int xdp_drop_ipv6(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_ABORTED;
  if (eth->h_proto == bpf_htons(ETH_P_IPV6)) return XDP_DROP;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
