// Wrong: reads past the end of struct xdp_md through a larger, made-up context structure.
// bpfcert: expect reject
#include "corpus.h"

struct fake_xdp_md {
  __u32 fields[6];
  __u32 beyond;
};

SEC("xdp")
int xdp_ctx_out_of_range(struct fake_xdp_md *ctx) {
  if (ctx->beyond == 7) return XDP_DROP;  // bpfcert: finding ctx.access
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
