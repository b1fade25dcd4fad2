// Counts calls of a kernel function per process (tgid) in a hash map.
// bpfcert: expect accept
#include "corpus.h"
#include <bpf/bpf_tracing.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 10240);
} calls SEC(".maps");

SEC("kprobe/do_sys_openat2")
int kprobe_count_calls(struct pt_regs *ctx) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  __u64 *n = bpf_map_lookup_elem(&calls, &tgid);
  if (n) {
    __sync_fetch_and_add(n, 1);
    return 0;
  }
  __u64 one = 1;
  bpf_map_update_elem(&calls, &tgid, &one, BPF_NOEXIST);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
