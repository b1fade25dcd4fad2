// Wrong: compares a packet pointer against a length instead of data_end, so the check proves
// nothing about the packet's size.
// bpfcert: expect reject
#include "corpus.h"

SEC("tc")
int tc_wrong_end(struct __sk_buff *skb) {
  unsigned char *data = (void *)(long)skb->data;
  __u32 len = skb->len;
  if (len < 20) return TC_ACT_OK;
  if (data[19] == 0xff) return TC_ACT_SHOT;  // bpfcert: finding mem.bounds
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
