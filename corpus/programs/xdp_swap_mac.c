// Reflects every Ethernet frame: swaps source and destination MAC addresses and transmits it
// back (writes to the packet after the bounds check).
// bpfcert: expect accept
#include "corpus.h"

SEC("xdp")
int xdp_swap_mac(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = (void *)(long)ctx->data;
  if ((void *)(eth + 1) > data_end) return XDP_DROP;
  unsigned char tmp[ETH_ALEN];
  __builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
  __builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
  __builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
  return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
