// tc classifier that drops UDP datagrams to a configurable port range and passes the rest.
// bpfcert: expect accept
#include "corpus.h"

const volatile __u16 low_port = 6000;
const volatile __u16 high_port = 6100;

SEC("tc")
int tc_drop_udp(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  if (skb->protocol != bpf_htons(ETH_P_IP)) return TC_ACT_OK;
  struct iphdr *ip = data + sizeof(struct ethhdr);
  if ((void *)(ip + 1) > data_end) return TC_ACT_OK;
  if (ip->protocol != IPPROTO_UDP) return TC_ACT_OK;
  struct udphdr *udp = (void *)ip + ip->ihl * 4;
  if ((void *)(udp + 1) > data_end) return TC_ACT_OK;
  __u16 port = bpf_ntohs(udp->dest);
  if (port >= low_port && port <= high_port) return TC_ACT_SHOT;
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
