// tc classifier that copies the IPv4 header to the stack with bpf_skb_load_bytes (works for
// non-linear skbs) and counts TTL values below 5.
// bpfcert: expect accept
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 5);
} low_ttl SEC(".maps");

SEC("classifier")
int tc_load_bytes(struct __sk_buff *skb) {
  if (skb->protocol != bpf_htons(ETH_P_IP)) return TC_ACT_OK;
  struct iphdr ip;
  if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0) return TC_ACT_OK;
  __u32 ttl = ip.ttl;
  if (ttl >= 5) return TC_ACT_OK;
  __u64 *n = bpf_map_lookup_elem(&low_ttl, &ttl);
  if (n) __sync_fetch_and_add(n, 1);
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
