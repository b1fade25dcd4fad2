// perf_event sampling profiler: counts samples per instruction pointer (regs.rip) and keeps
// the sample period in a separate counter.
// bpfcert: expect accept
#include "corpus.h"
#include <linux/bpf_perf_event.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u64);
  __type(value, __u64);
  __uint(max_entries, 16384);
} samples SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} total_period SEC(".maps");

SEC("perf_event")
int perf_event_sample_ip(struct bpf_perf_event_data *ctx) {
  __u64 ip = ctx->regs.rip;
  __u64 *n = bpf_map_lookup_elem(&samples, &ip);
  if (n) {
    __sync_fetch_and_add(n, 1);
  } else {
    __u64 one = 1;
    bpf_map_update_elem(&samples, &ip, &one, BPF_NOEXIST);
  }
  __u32 zero = 0;
  __u64 *p = bpf_map_lookup_elem(&total_period, &zero);
  if (p) __sync_fetch_and_add(p, ctx->sample_period);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
