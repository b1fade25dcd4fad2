// Wrong: reads the Ethernet type without comparing the packet against data_end.
// bpfcert: expect reject
#include "corpus.h"

SEC("xdp")
int xdp_no_bounds_check(struct xdp_md *ctx) {
  struct ethhdr *eth = (void *)(long)ctx->data;
  if (eth->h_proto == bpf_htons(ETH_P_IPV6)) return XDP_DROP;  // bpfcert: finding mem.bounds
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
