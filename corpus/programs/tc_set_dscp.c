// tc egress: rewrites the IPv4 DSCP field with bpf_skb_store_bytes and fixes the header
// checksum with bpf_l3_csum_replace.
// bpfcert: expect accept
#include "corpus.h"

#define IP_TOS_OFF (ETH_HLEN + __builtin_offsetof(struct iphdr, tos))
#define IP_CSUM_OFF (ETH_HLEN + __builtin_offsetof(struct iphdr, check))

SEC("tc")
int tc_set_dscp(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return TC_ACT_OK;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return TC_ACT_OK;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return TC_ACT_OK;
  __u8 old_tos = ip->tos;
  __u8 new_tos = (0x2e << 2) | (old_tos & 3); /* EF */
  if (old_tos == new_tos) return TC_ACT_OK;
  bpf_l3_csum_replace(skb, IP_CSUM_OFF, bpf_htons(old_tos), bpf_htons(new_tos), 2);
  bpf_skb_store_bytes(skb, IP_TOS_OFF, &new_tos, sizeof(new_tos), 0);
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
