// Wrong: bpf_tail_call needs a prog array; this passes an ordinary array map.
// bpfcert: expect reject
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 4);
} not_progs SEC(".maps");

SEC("xdp")
int xdp_tail_call_map(struct xdp_md *ctx) {
  bpf_tail_call(ctx, &not_progs, 0);  // bpfcert: finding helper.arg
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
