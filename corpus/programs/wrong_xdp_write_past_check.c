// Wrong: the check proves 14 bytes, the store writes the 4 bytes after them.
// bpfcert: expect reject
#include "corpus.h"

SEC("xdp")
int xdp_write_past_check(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = (void *)(long)ctx->data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  __u32 *after = (void *)(eth + 1);
  *after = 0;  // bpfcert: finding mem.bounds
  return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
