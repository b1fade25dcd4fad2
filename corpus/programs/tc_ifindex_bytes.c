// tc ingress accounting: bytes and packets per interface index in a hash map, from skb->len
// and skb->ifindex (no packet access at all).
// bpfcert: expect accept
#include "corpus.h"

struct totals {
  __u64 packets;
  __u64 bytes;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, struct totals);
  __uint(max_entries, 256);
} per_ifindex SEC(".maps");

SEC("tc")
int tc_ifindex_bytes(struct __sk_buff *skb) {
  __u32 ifindex = skb->ifindex;
  struct totals *t = bpf_map_lookup_elem(&per_ifindex, &ifindex);
  if (t) {
    __sync_fetch_and_add(&t->packets, 1);
    __sync_fetch_and_add(&t->bytes, skb->len);
    return TC_ACT_OK;
  }
  struct totals init = {1, skb->len};
  bpf_map_update_elem(&per_ifindex, &ifindex, &init, BPF_NOEXIST);
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
