// Skips up to two VLAN tags (802.1Q / 802.1ad) in a bounded loop and counts frames by the
// inner EtherType class.
// bpfcert: expect accept
#include "corpus.h"

#define VLAN_MAX_DEPTH 2

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 3);
} by_class SEC(".maps");

static __always_inline int is_vlan(__be16 proto) {
  return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

SEC("xdp")
int xdp_vlan_parse(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = (void *)(long)ctx->data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  __be16 proto = eth->h_proto;
  struct vlan_hdr *vlh = (void *)(eth + 1);
  for (int i = 0; i < VLAN_MAX_DEPTH; i++) {
    if (!is_vlan(proto)) break;
    if ((void *)(vlh + 1) > data_end) return XDP_PASS;
    proto = vlh->h_vlan_encapsulated_proto;
    vlh++;
  }
  __u32 key = proto == bpf_htons(ETH_P_IP) ? 0 : proto == bpf_htons(ETH_P_IPV6) ? 1 : 2;
  __u64 *n = bpf_map_lookup_elem(&by_class, &key);
  if (n) __sync_fetch_and_add(n, 1);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
