// Pops an outer 802.1Q tag with bpf_xdp_adjust_head: moves the MAC addresses over the tag,
// then re-derives the packet pointers and checks bounds again (the helper invalidates them).
// bpfcert: expect accept
#include "corpus.h"

SEC("xdp")
int xdp_pop_vlan(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_8021Q)) return XDP_PASS;
  struct vlan_hdr *vlh = (void *)(eth + 1);
  if ((void *)(vlh + 1) > data_end) return XDP_PASS;
  __be16 inner = vlh->h_vlan_encapsulated_proto;
  struct ethhdr copy;
  __builtin_memcpy(&copy, eth, sizeof(copy));
  copy.h_proto = inner;
  if (bpf_xdp_adjust_head(ctx, (int)sizeof(struct vlan_hdr))) return XDP_DROP;
  data = (void *)(long)ctx->data;
  data_end = (void *)(long)ctx->data_end;
  eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_DROP;
  __builtin_memcpy(eth, &copy, sizeof(copy));
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
