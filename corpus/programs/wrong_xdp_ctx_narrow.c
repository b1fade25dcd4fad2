// Wrong: struct xdp_md fields are read as whole u32 values; this reads the low 16 bits of
// ingress_ifindex.
// bpfcert: expect reject
#include "corpus.h"

SEC("xdp")
int xdp_ctx_narrow(struct xdp_md *ctx) {
  __u16 low = *(volatile __u16 *)&ctx->ingress_ifindex;  // bpfcert: finding ctx.access
  return low == 3 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
