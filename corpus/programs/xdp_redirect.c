// Redirects IPv4 traffic for one destination to another interface with bpf_redirect; the
// target interface index comes from an array map.
// bpfcert: expect accept
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 1);
} egress_ifindex SEC(".maps");

SEC("xdp")
int xdp_redirect(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = (void *)(long)ctx->data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_PASS;
  if (ip->daddr != bpf_htonl(0x0a000001)) return XDP_PASS;
  __u32 zero = 0;
  __u32 *ifindex = bpf_map_lookup_elem(&egress_ifindex, &zero);
  if (!ifindex || *ifindex == 0) return XDP_PASS;
  return bpf_redirect(*ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
