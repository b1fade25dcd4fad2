// bpf-to-bpf calls three levels deep: subprograms receive pointers into the caller's stack,
// return values through them, and one is called from two places.
// bpfcert: expect accept
#include "corpus.h"

struct stats {
  __u64 min;
  __u64 max;
  __u64 sum;
};

static __attribute__((noinline)) __u64 clamp(__u64 v, __u64 hi) {
  return v > hi ? hi : v;
}

static __attribute__((noinline)) void update(struct stats *s, __u64 v) {
  v = clamp(v, 1500);
  if (v < s->min) s->min = v;
  if (v > s->max) s->max = v;
  s->sum += v;
}

static __attribute__((noinline)) int summarize(struct xdp_md *ctx, struct stats *s) {
  __u64 len = ctx->data_end - ctx->data;
  update(s, len);
  update(s, len / 2);
  return s->max > 1000;
}

SEC("xdp")
int xdp_subprog_calls(struct xdp_md *ctx) {
  struct stats s = {.min = ~0ULL, .max = 0, .sum = 0};
  if (summarize(ctx, &s)) return XDP_DROP;
  return clamp(s.sum, 2) == 2 ? XDP_PASS : XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
