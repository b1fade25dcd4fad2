// tc classifier that drops frames tagged with VLAN 0 (priority-only tags) using the
// vlan_present and vlan_tci fields of the context.
// bpfcert: expect accept
#include "corpus.h"

SEC("tc")
int tc_vlan_check(struct __sk_buff *skb) {
  if (!skb->vlan_present) return TC_ACT_OK;
  if ((skb->vlan_tci & 0x0fff) == 0) return TC_ACT_SHOT;
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
