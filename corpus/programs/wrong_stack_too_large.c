// Wrong: two nested functions each keep 320 bytes on their stack frame; together they exceed
// the 512 bytes Linux allows for a call chain.
// bpfcert: expect reject
#include "corpus.h"

static __attribute__((noinline)) __u64 inner(__u32 seed) {
  volatile __u64 buf[40];
  for (int i = 0; i < 40; i++) buf[i] = seed + i;
  return buf[seed & 31];
}

static __attribute__((noinline)) __u64 outer(__u32 seed) {
  volatile __u64 buf[40];
  for (int i = 0; i < 40; i++) buf[i] = seed * i;
  return buf[seed & 31] + inner(seed);  // bpfcert: finding frame.size
}

SEC("xdp")
int xdp_stack_too_large(struct xdp_md *ctx) {
  return outer(ctx->rx_queue_index) == 3 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
