// Wrong: a cgroup_skb program returns a pointer (the packet start) as its verdict.
// bpfcert: expect reject
#include "corpus.h"

SEC("cgroup_skb/ingress")
int cgroup_pointer_return(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  if (data + 1 > data_end) return 1;
  return (long)data;
}  // bpfcert: finding exit.r0 (clang gives the exit instruction the closing brace's line)

char LICENSE[] SEC("license") = "GPL";
