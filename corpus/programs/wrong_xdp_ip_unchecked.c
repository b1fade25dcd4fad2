// Wrong: checks the Ethernet header, then reads the IPv4 header behind it unchecked.
// bpfcert: expect reject
#include "corpus.h"

SEC("xdp")
int xdp_ip_unchecked(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = (void *)(long)ctx->data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if (ip->protocol == IPPROTO_UDP) return XDP_DROP;  // bpfcert: finding mem.bounds
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
