// tc classifier: sets skb->mark and skb->priority from the TCP destination port so that later
// qdiscs can classify (writes writable __sk_buff fields).
// bpfcert: expect accept
#include "corpus.h"

SEC("tc")
int tc_mark_by_port(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return TC_ACT_OK;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return TC_ACT_OK;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end || ip->ihl != 5 || ip->protocol != IPPROTO_TCP) return TC_ACT_OK;
  struct tcphdr *tcp = (void *)(ip + 1);
  if ((void *)(tcp + 1) > data_end) return TC_ACT_OK;
  __u16 port = bpf_ntohs(tcp->dest);
  __u32 mark = 0;
  if (port == 22) mark = 1;
  if (port == 80 || port == 443) mark = 2;
  if (mark) skb->mark = mark;
  if (mark == 1) skb->priority = 6;
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
