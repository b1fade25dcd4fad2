// Function latency: the kprobe stores the entry time per thread, the kretprobe computes the
// duration, adds it to a histogram in microseconds (log2) and deletes the entry.
// bpfcert: expect accept
#include "corpus.h"
#include <bpf/bpf_tracing.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u64);
  __type(value, __u64);
  __uint(max_entries, 8192);
} start SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 24);
} latency_us SEC(".maps");

SEC("kprobe/vfs_fsync")
int latency_entry(struct pt_regs *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  __u64 ts = bpf_ktime_get_ns();
  bpf_map_update_elem(&start, &id, &ts, BPF_ANY);
  return 0;
}

SEC("kretprobe/vfs_fsync")
int latency_exit(struct pt_regs *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  __u64 *ts = bpf_map_lookup_elem(&start, &id);
  if (!ts) return 0;
  __u64 us = (bpf_ktime_get_ns() - *ts) / 1000;
  bpf_map_delete_elem(&start, &id);
  __u32 bucket = 0;
  while (us > 1 && bucket < 23) {
    us >>= 1;
    bucket++;
  }
  __u64 *n = bpf_map_lookup_elem(&latency_us, &bucket);
  if (n) __sync_fetch_and_add(n, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
