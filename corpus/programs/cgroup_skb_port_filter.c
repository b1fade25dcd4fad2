// cgroup_skb egress filter: denies IPv4 TCP connections to port 25 from the cgroup, reading
// the packet directly (data / data_end, allowed with CAP_BPF).
// bpfcert: expect accept
#include "corpus.h"

SEC("cgroup_skb/egress")
int cgroup_skb_port_filter(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  if (skb->protocol != bpf_htons(ETH_P_IP)) return 1;
  struct iphdr *ip = data;
  if ((void *)(ip + 1) > data_end) return 1;
  if (ip->protocol != IPPROTO_TCP || ip->ihl != 5) return 1;
  struct tcphdr *tcp = (void *)(ip + 1);
  if ((void *)(tcp + 1) > data_end) return 1;
  return tcp->dest == bpf_htons(25) ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
