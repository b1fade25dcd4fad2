// Wrong: the loop count comes from a map value with no upper bound, so the loop may run for
// up to 2^32 iterations.
// bpfcert: expect reject
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 2);
} config SEC(".maps");

SEC("xdp")
int xdp_unbounded_loop(struct xdp_md *ctx) {
  __u32 zero = 0, one = 1;
  __u32 *rounds = bpf_map_lookup_elem(&config, &zero);
  __u32 *acc = bpf_map_lookup_elem(&config, &one);
  if (!rounds || !acc) return XDP_PASS;
  __u32 n = *rounds;
  __u32 h = *acc;
  for (__u32 i = 0; i < n; i++) {  // bpfcert: finding loop.unbounded
    h = h * 31 + i;
  }
  *acc = h;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
