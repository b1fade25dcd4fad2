// Wrong: socket filters may write only skb->cb[]; this one sets skb->mark.
// bpfcert: expect reject
#include "corpus.h"

SEC("socket")
int socket_write_mark(struct __sk_buff *skb) {
  skb->mark = 7;  // bpfcert: finding mem.readonly
  return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
