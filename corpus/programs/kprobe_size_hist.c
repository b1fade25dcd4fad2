// Log2 histogram of the size argument of vfs_read (third parameter): a bounded loop computes
// the bucket, an array map holds the counts.
// bpfcert: expect accept
#include "corpus.h"
#include <bpf/bpf_tracing.h>

#define BUCKETS 32

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, BUCKETS);
} read_sizes SEC(".maps");

static __always_inline __u32 log2_bucket(__u64 v) {
  __u32 b = 0;
  for (int i = 0; i < BUCKETS - 1; i++) {
    if (v <= 1) break;
    v >>= 1;
    b++;
  }
  return b;
}

SEC("kprobe/vfs_read")
int kprobe_size_hist(struct pt_regs *ctx) {
  __u64 size = PT_REGS_PARM3(ctx);
  __u32 bucket = log2_bucket(size);
  __u64 *n = bpf_map_lookup_elem(&read_sizes, &bucket);
  if (n) __sync_fetch_and_add(n, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
