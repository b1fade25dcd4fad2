// Wrong: cgroup_skb ingress programs may only return 0 (drop) or 1 (allow); this one returns 2
// for IPv6.
// bpfcert: expect reject
#include "corpus.h"

SEC("cgroup_skb/ingress")
int cgroup_return_range(struct __sk_buff *skb) {
  int verdict = 1;
  if (skb->protocol == bpf_htons(ETH_P_IPV6)) verdict = 2;
  return verdict;  // bpfcert: finding exit.r0
}

char LICENSE[] SEC("license") = "GPL";
