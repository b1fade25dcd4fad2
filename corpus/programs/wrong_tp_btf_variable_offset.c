// Wrong: a tp_btf program on sched_switch reads a byte of the next task's struct task_struct
// at a random offset below 64. Linux checks loads through BTF-typed pointers member by
// member, so the offset must be a constant.
// bpfcert: expect reject
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} seen SEC(".maps");

SEC("tp_btf/sched_switch")
int tp_btf_variable_offset(unsigned long long *ctx) {
  const unsigned char *next = (const unsigned char *)ctx[2];
  __u32 i = bpf_get_prandom_u32() & 63;
  __u64 byte = next[i];  // bpfcert: finding mem.bounds
  __u32 zero = 0;
  bpf_map_update_elem(&seen, &zero, &byte, BPF_ANY);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
