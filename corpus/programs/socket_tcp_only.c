// Socket filter that keeps only TCP over IPv4 (returns the packet length to keep it, 0 to
// drop), reading the packet with bpf_skb_load_bytes since socket filters have no direct access.
// bpfcert: expect accept
#include "corpus.h"

SEC("socket")
int socket_tcp_only(struct __sk_buff *skb) {
  __u8 proto;
  if (skb->protocol != bpf_htons(ETH_P_IP)) return 0;
  if (bpf_skb_load_bytes(skb, ETH_HLEN + __builtin_offsetof(struct iphdr, protocol), &proto, 1) < 0) return 0;
  return proto == IPPROTO_TCP ? skb->len : 0;
}

char LICENSE[] SEC("license") = "GPL";
