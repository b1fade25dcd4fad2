// Wrong: the bpf_loop callback counts into the caller's structure; after the loop the count
// (0..32) indexes a 4-entry stack array without a check.
// bpfcert: expect reject
#include "corpus.h"

struct loop_ctx {
  void *data;
  void *data_end;
  __u32 count;
};

static long count_nonzero(__u32 i, void *arg) {
  struct loop_ctx *lc = arg;
  unsigned char *p = lc->data;
  if (i >= 32) return 1;
  if ((void *)(p + i + 1) > lc->data_end) return 1;
  if (p[i] != 0) lc->count++;
  return 0;
}

SEC("xdp")
int xdp_bpf_loop_index(struct xdp_md *ctx) {
  struct loop_ctx lc = {(void *)(long)ctx->data, (void *)(long)ctx->data_end, 0};
  volatile __u32 verdicts[4] = {XDP_PASS, XDP_PASS, XDP_DROP, XDP_TX};
  bpf_loop(32, count_nonzero, &lc, 0);
  return verdicts[lc.count];  // bpfcert: finding mem.bounds
}

char LICENSE[] SEC("license") = "GPL";
