// Per-source token bucket: an LRU hash keyed by IPv4 source keeps tokens and the last refill
// time (bpf_ktime_get_ns); packets beyond the rate are dropped.
// bpfcert: expect accept
#include "corpus.h"

#define RATE_PER_SEC 100
#define BURST 200
#define NSEC_PER_SEC 1000000000ULL

struct bucket {
  __u64 last_ns;
  __u64 tokens;
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __type(key, __u32);
  __type(value, struct bucket);
  __uint(max_entries, 65536);
} buckets SEC(".maps");

SEC("xdp")
int xdp_rate_limit(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = (void *)(long)ctx->data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_PASS;
  __u32 src = ip->saddr;
  __u64 now = bpf_ktime_get_ns();
  struct bucket *b = bpf_map_lookup_elem(&buckets, &src);
  if (!b) {
    struct bucket fresh = {.last_ns = now, .tokens = BURST - 1};
    bpf_map_update_elem(&buckets, &src, &fresh, BPF_ANY);
    return XDP_PASS;
  }
  __u64 elapsed = now - b->last_ns;
  __u64 refill = elapsed * RATE_PER_SEC / NSEC_PER_SEC;
  if (refill > 0) {
    b->tokens = b->tokens + refill > BURST ? BURST : b->tokens + refill;
    b->last_ns = now;
  }
  if (b->tokens == 0) return XDP_DROP;
  b->tokens--;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
