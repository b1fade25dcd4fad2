// An array map of structures with an inner array, indexed by a bounded value: the index is
// masked to the array length before use.
// bpfcert: expect accept
#include "corpus.h"

struct slot {
  __u32 hits;
  __u32 last_len;
  __u64 history[8];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, struct slot);
  __uint(max_entries, 16);
} slots SEC(".maps");

SEC("xdp")
int xdp_array_of_structs(struct xdp_md *ctx) {
  __u32 len = ctx->data_end - ctx->data;
  __u32 key = ctx->rx_queue_index & 15;
  struct slot *s = bpf_map_lookup_elem(&slots, &key);
  if (!s) return XDP_PASS;
  s->history[s->hits & 7] = len;
  s->hits++;
  s->last_len = len;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
