// Reserves 4 bytes of metadata in front of the packet (bpf_xdp_adjust_meta) and stores a mark
// there for a later tc program, after checking data_meta + 4 <= data.
// bpfcert: expect accept
#include "corpus.h"

SEC("xdp")
int xdp_metadata(struct xdp_md *ctx) {
  if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(__u32))) return XDP_PASS;
  void *data = (void *)(long)ctx->data;
  void *meta = (void *)(long)ctx->data_meta;
  __u32 *mark = meta;
  if ((void *)(mark + 1) > data) return XDP_PASS;
  *mark = 0x2a;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
