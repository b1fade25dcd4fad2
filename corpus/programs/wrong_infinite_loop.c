// Wrong: waits for a map value to change; nothing in the program changes it, so the loop
// never ends once entered.
// bpfcert: expect reject
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 1);
} flag SEC(".maps");

SEC("tc")
int tc_infinite_loop(struct __sk_buff *skb) {
  __u32 zero = 0;
  volatile __u32 *f = bpf_map_lookup_elem(&flag, &zero);
  if (!f) return TC_ACT_OK;
  __u32 spins = 0;
  while (*f == 0) {  // bpfcert: finding loop.unbounded
    spins++;
  }
  skb->mark = spins;
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
