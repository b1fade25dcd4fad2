// Wrong: a tp_btf program on sched_switch reads 32000 bytes past the start of the next
// task's struct task_struct, beyond the structure's end: the BTF says no member is there.
// bpfcert: expect reject
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} seen SEC(".maps");

SEC("tp_btf/sched_switch")
int tp_btf_out_of_struct(unsigned long long *ctx) {
  const __u64 *next = (const __u64 *)ctx[2];
  __u64 word = next[4000];  // bpfcert: finding mem.bounds
  __u32 zero = 0;
  bpf_map_update_elem(&seen, &zero, &word, BPF_ANY);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
