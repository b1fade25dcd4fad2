// Wrong: a recursive bpf-to-bpf call; Linux forbids recursion (the call graph must be a DAG).
// bpfcert: expect reject
#include "corpus.h"

static __attribute__((noinline)) int fib(int n) {
  if (n <= 1) return n;
  return fib(n - 1) + fib(n - 2);  // bpfcert: finding call.recursion
}

SEC("xdp")
int xdp_recursion(struct xdp_md *ctx) {
  return fib(ctx->rx_queue_index & 7) > 5 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
