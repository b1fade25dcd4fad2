// Wrong: indexes a 16-entry stack array with a byte taken from the packet (0..255) without
// masking it.
// bpfcert: expect reject
#include "corpus.h"

SEC("xdp")
int xdp_stack_index(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  unsigned char *p = (void *)(long)ctx->data;
  if ((void *)(p + 1) > data_end) return XDP_PASS;
  __u32 table[16];
  for (int i = 0; i < 16; i++) table[i] = i * 3;
  volatile __u32 idx = p[0];
  return table[idx] == 9 ? XDP_DROP : XDP_PASS;  // bpfcert: finding mem.bounds
}

char LICENSE[] SEC("license") = "GPL";
