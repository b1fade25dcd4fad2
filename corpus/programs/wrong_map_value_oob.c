// Wrong: indexes the 8-slot array inside a map value with an unchecked packet byte.
// bpfcert: expect reject
#include "corpus.h"

struct slots {
  __u64 v[8];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, struct slots);
  __uint(max_entries, 1);
} table SEC(".maps");

SEC("xdp")
int xdp_map_value_oob(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  unsigned char *p = (void *)(long)ctx->data;
  if ((void *)(p + 1) > data_end) return XDP_PASS;
  __u32 zero = 0;
  struct slots *s = bpf_map_lookup_elem(&table, &zero);
  if (!s) return XDP_PASS;
  s->v[p[0]] += 1;  // bpfcert: finding mem.bounds
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
