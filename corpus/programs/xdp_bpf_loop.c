// Counts the 0xff bytes among the first 32 bytes of the frame with bpf_loop and a callback; the
// callback's context is a structure on the caller's stack holding the packet bounds.
// bpfcert: expect accept
#include "corpus.h"

struct loop_ctx {
  void *data;
  void *data_end;
  __u32 count;
};

static long count_ff(__u32 i, void *arg) {
  struct loop_ctx *lc = arg;
  unsigned char *p = lc->data;
  if (i >= 32) return 1;
  if ((void *)(p + i + 1) > lc->data_end) return 1;
  if (p[i] == 0xff) lc->count++;
  return 0;
}

SEC("xdp")
int xdp_bpf_loop(struct xdp_md *ctx) {
  struct loop_ctx lc = {(void *)(long)ctx->data, (void *)(long)ctx->data_end, 0};
  bpf_loop(32, count_ff, &lc, 0);
  return lc.count > 8 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
