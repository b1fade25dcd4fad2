// Prints every frame's length and receive queue through bpf_trace_printk, with the format on
// the stack as the classic samples write it (the trace pipe shows "len 54 queue 0").
// bpfcert: expect accept
#include "corpus.h"

SEC("xdp")
int xdp_trace_len(struct xdp_md *ctx) {
  char fmt[] = "len %d queue %u";
  long len = (long)ctx->data_end - (long)ctx->data;
  bpf_trace_printk(fmt, sizeof(fmt), len, ctx->rx_queue_index);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
