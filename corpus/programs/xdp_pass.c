// The smallest XDP program: let every packet through.
// bpfcert: expect accept
#include "corpus.h"

SEC("xdp")
int xdp_pass(struct xdp_md *ctx) {
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
