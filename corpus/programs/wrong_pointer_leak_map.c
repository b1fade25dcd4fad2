// Wrong: stores the address of the packet in a map value, where user space can read it
// (a kernel address leak).
// bpfcert: expect reject
// bpfcert: kernel accept Linux lets privileged (CAP_PERFMON) loaders store pointers into maps
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} last_packet SEC(".maps");

SEC("xdp")
int xdp_pointer_leak_map(struct xdp_md *ctx) {
  __u32 zero = 0;
  __u64 *slot = bpf_map_lookup_elem(&last_packet, &zero);
  if (!slot) return XDP_PASS;
  *slot = (__u64)(long)ctx->data;  // bpfcert: finding ptr.leak
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
