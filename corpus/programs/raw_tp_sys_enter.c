// Raw tracepoint on sys_enter: counts system calls by number (args[1]), ignoring numbers
// outside the table.
// bpfcert: expect accept
#include "corpus.h"

#define MAX_SYSCALL 512

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, MAX_SYSCALL);
} syscalls SEC(".maps");

SEC("raw_tracepoint/sys_enter")
int raw_tp_sys_enter(struct bpf_raw_tracepoint_args *ctx) {
  __u64 nr = ctx->args[1];
  if (nr >= MAX_SYSCALL) return 0;
  __u32 key = nr;
  __u64 *n = bpf_map_lookup_elem(&syscalls, &key);
  if (n) *n += 1;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
