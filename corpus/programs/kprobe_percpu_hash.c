// Per-CPU hash of page-fault counts per pid, with an unrolled loop folding the pid into one of
// 8 shards first.
// bpfcert: expect accept
#include "corpus.h"
#include <bpf/bpf_tracing.h>

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 8);
} faults SEC(".maps");

SEC("kprobe/handle_mm_fault")
int kprobe_percpu_hash(struct pt_regs *ctx) {
  __u32 pid = bpf_get_current_pid_tgid();
  __u32 shard = 0;
#pragma unroll
  for (int i = 0; i < 4; i++) shard ^= (pid >> (i * 8)) & 0xff;
  shard &= 7;
  __u64 *n = bpf_map_lookup_elem(&faults, &shard);
  if (n) {
    *n += 1;
    return 0;
  }
  __u64 one = 1;
  bpf_map_update_elem(&faults, &shard, &one, BPF_ANY);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
