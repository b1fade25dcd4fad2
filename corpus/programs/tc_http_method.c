// Marks TCP segments to port 80 whose payload starts with an HTTP method ("GET ", "POST"),
// comparing four payload bytes after checking them against data_end.
// bpfcert: expect accept
#include "corpus.h"

SEC("tc")
int tc_http_method(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP)) return TC_ACT_OK;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end || ip->ihl != 5 || ip->protocol != IPPROTO_TCP) return TC_ACT_OK;
  struct tcphdr *tcp = (void *)(ip + 1);
  if ((void *)(tcp + 1) > data_end || tcp->dest != bpf_htons(80)) return TC_ACT_OK;
  unsigned char *payload = (void *)tcp + tcp->doff * 4;
  if ((void *)(payload + 4) > data_end) return TC_ACT_OK;
  if (payload[0] == 'G' && payload[1] == 'E' && payload[2] == 'T' && payload[3] == ' ') skb->mark = 0x80;
  if (payload[0] == 'P' && payload[1] == 'O' && payload[2] == 'S' && payload[3] == 'T') skb->mark = 0x81;
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
