// Wrong: passes a global variable (a pointer into .bss) where bpf_map_lookup_elem expects a
// map.
// bpfcert: expect reject
#include "corpus.h"

__u64 not_a_map[4];

SEC("xdp")
int xdp_helper_map_arg(struct xdp_md *ctx) {
  __u32 key = 0;
  __u64 *v = bpf_map_lookup_elem((void *)&not_a_map, &key);  // bpfcert: finding helper.arg
  if (v) return XDP_DROP;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
