// A non-static (global) function called from two programs of different sections; Linux
// verifies global functions once, on their own, from their BTF prototype when BTF is loaded.
// bpfcert: expect accept
#include "corpus.h"

__attribute__((noinline)) int classify_len(__u32 len) {
  if (len < 64) return 0;
  if (len < 512) return 1;
  return 2;
}

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 3);
} len_class SEC(".maps");

static __always_inline void bump(__u32 cls) {
  __u64 *n = bpf_map_lookup_elem(&len_class, &cls);
  if (n) __sync_fetch_and_add(n, 1);
}

SEC("xdp")
int xdp_len_class(struct xdp_md *ctx) {
  bump(classify_len(ctx->data_end - ctx->data) & 3);
  return XDP_PASS;
}

SEC("tc")
int tc_len_class(struct __sk_buff *skb) {
  bump(classify_len(skb->len) & 3);
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
