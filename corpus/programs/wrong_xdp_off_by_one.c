// Wrong: the bounds check covers one byte less than the Ethernet header that is read.
// bpfcert: expect reject
#include "corpus.h"

SEC("xdp")
int xdp_off_by_one(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if (data + sizeof(*eth) - 1 > data_end) return XDP_PASS;
  if (eth->h_proto == bpf_htons(ETH_P_ARP)) return XDP_DROP;  // bpfcert: finding mem.bounds
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
