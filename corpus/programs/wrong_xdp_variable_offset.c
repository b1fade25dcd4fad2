// Wrong: a header length taken from the packet moves the pointer by up to 60 bytes, but the
// check that follows only covers the old position.
// bpfcert: expect reject
#include "corpus.h"

SEC("xdp")
int xdp_variable_offset(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = (void *)(long)ctx->data;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_PASS;
  struct udphdr *udp = (void *)ip + ip->ihl * 4;
  if (udp->dest == bpf_htons(53)) return XDP_DROP;  // bpfcert: finding mem.bounds
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
