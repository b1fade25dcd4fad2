// Wrong: a kprobe reads the start timestamp from a hash map and subtracts it unchecked.
// bpfcert: expect reject
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u64);
  __type(value, __u64);
  __uint(max_entries, 1024);
} start_ns SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} total_ns SEC(".maps");

SEC("kretprobe/vfs_write")
int kprobe_null_deref(struct pt_regs *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  __u64 *ts = bpf_map_lookup_elem(&start_ns, &id);
  __u64 delta = bpf_ktime_get_ns() - *ts;  // bpfcert: finding mem.null
  __u32 zero = 0;
  __u64 *total = bpf_map_lookup_elem(&total_ns, &zero);
  if (total) *total += delta;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
