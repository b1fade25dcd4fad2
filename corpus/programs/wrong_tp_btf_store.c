// Wrong: a tp_btf program on sched_switch changes the next task's pid through the
// tracepoint's BTF-typed argument. Linux lets tracing programs read kernel objects, never
// write them.
// bpfcert: expect reject
#include "corpus.h"

struct task_struct {
  int pid;
} __attribute__((preserve_access_index));

SEC("tp_btf/sched_switch")
int tp_btf_store(unsigned long long *ctx) {
  struct task_struct *next = (struct task_struct *)ctx[2];
  next->pid = 0;  // bpfcert: finding mem.readonly
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
