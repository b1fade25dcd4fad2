// Socket filter that counts packets per EtherType class in an array map and keeps them all.
// bpfcert: expect accept
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 4);
} classes SEC(".maps");

SEC("socket")
int socket_proto_count(struct __sk_buff *skb) {
  __u32 key;
  switch (bpf_ntohs(skb->protocol)) {
    case ETH_P_IP: key = 0; break;
    case ETH_P_IPV6: key = 1; break;
    case ETH_P_ARP: key = 2; break;
    default: key = 3;
  }
  __u64 *n = bpf_map_lookup_elem(&classes, &key);
  if (n) __sync_fetch_and_add(n, 1);
  return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
