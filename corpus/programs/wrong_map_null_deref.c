// Wrong: uses the result of bpf_map_lookup_elem without checking it for NULL.
// bpfcert: expect reject
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 64);
} counters SEC(".maps");

SEC("xdp")
int xdp_map_null_deref(struct xdp_md *ctx) {
  __u32 key = ctx->rx_queue_index;
  __u64 *n = bpf_map_lookup_elem(&counters, &key);
  *n += 1;  // bpfcert: finding mem.null
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
