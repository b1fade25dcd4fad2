// Wrong: tc_classid belongs to tc programs; cgroup_skb programs may not read it.
// bpfcert: expect reject
#include "corpus.h"

SEC("cgroup_skb/ingress")
int cgroup_skb_tc_classid(struct __sk_buff *skb) {
  return skb->tc_classid == 0x10001 ? 0 : 1;  // bpfcert: finding ctx.access
}

char LICENSE[] SEC("license") = "GPL";
