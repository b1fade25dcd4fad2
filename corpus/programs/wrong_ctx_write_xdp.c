// Wrong: the XDP context is read-only; this program writes rx_queue_index.
// bpfcert: expect reject
#include "corpus.h"

SEC("xdp")
int xdp_ctx_write(struct xdp_md *ctx) {
  ctx->rx_queue_index = 0;  // bpfcert: finding mem.readonly
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
