// tp_btf on sched_switch: counts switches to each pid and records the parent of the task
// switched out, read through the tracepoint's BTF-typed arguments (next->pid,
// prev->real_parent->tgid, at the running kernel's offsets by CO-RE). No null test: Linux
// makes loads through BTF-typed pointers probe loads, where a fault gives 0.
// bpfcert: expect accept
#include "corpus.h"

struct task_struct {
  int pid;
  int tgid;
  struct task_struct *real_parent;
} __attribute__((preserve_access_index));

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1024);
} switches SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 1);
} last_parent SEC(".maps");

// sched_switch(bool preempt, struct task_struct *prev, struct task_struct *next, ...)
SEC("tp_btf/sched_switch")
int tp_btf_sched_switch(unsigned long long *ctx) {
  struct task_struct *prev = (struct task_struct *)ctx[1];
  struct task_struct *next = (struct task_struct *)ctx[2];
  __u32 pid = next->pid;
  __u32 parent = prev->real_parent->tgid;
  __u32 zero = 0;
  bpf_map_update_elem(&last_parent, &zero, &parent, BPF_ANY);
  __u64 *n = bpf_map_lookup_elem(&switches, &pid);
  if (n) {
    __sync_fetch_and_add(n, 1);
  } else {
    __u64 one = 1;
    bpf_map_update_elem(&switches, &pid, &one, BPF_NOEXIST);
  }
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
