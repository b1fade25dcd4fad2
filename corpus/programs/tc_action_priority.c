// tc action (sched_act): raises skb->priority for small packets, the classic "interactive
// traffic first" rule.
// bpfcert: expect accept
#include "corpus.h"

SEC("action")
int tc_action_priority(struct __sk_buff *skb) {
  if (skb->len < 128) skb->priority = 7;
  return TC_ACT_PIPE;
}

char LICENSE[] SEC("license") = "GPL";
