// Uses the 20-byte skb->cb[] scratch area to pass state between two helpers of the same
// program: the parser stores the L4 offset there, the counter reads it back.
// bpfcert: expect accept
#include "corpus.h"

static __attribute__((noinline)) int parse(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  struct iphdr *ip = data + ETH_HLEN;
  if ((void *)(ip + 1) > data_end) return 0;
  skb->cb[0] = ETH_HLEN + ip->ihl * 4;
  skb->cb[1] = ip->protocol;
  return 1;
}

SEC("tc")
int tc_cb_scratch(struct __sk_buff *skb) {
  if (skb->protocol != bpf_htons(ETH_P_IP)) return TC_ACT_OK;
  if (!parse(skb)) return TC_ACT_OK;
  if (skb->cb[1] == IPPROTO_TCP && skb->cb[0] > 60) skb->mark = 0x10;
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
