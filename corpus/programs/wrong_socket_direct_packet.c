// Wrong: socket filters have no direct packet access; skb->data is not readable there.
// bpfcert: expect reject
#include "corpus.h"

SEC("socket")
int socket_direct_packet(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;  // bpfcert: finding ctx.access
  void *data_end = (void *)(long)skb->data_end;  // bpfcert: finding ctx.access
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return 0;
  return eth->h_proto == bpf_htons(ETH_P_IP) ? skb->len : 0;
}

char LICENSE[] SEC("license") = "GPL";
