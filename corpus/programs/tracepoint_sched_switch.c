// Counts context switches away from each pid, reading the sched_switch trace record (layout
// from /sys/kernel/tracing/events/sched/sched_switch/format).
// bpfcert: expect accept
#include "corpus.h"

struct sched_switch_args {
  __u64 common;
  char prev_comm[16];
  __s32 prev_pid;
  __s32 prev_prio;
  __s64 prev_state;
  char next_comm[16];
  __s32 next_pid;
  __s32 next_prio;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __s32);
  __type(value, __u64);
  __uint(max_entries, 4096);
} switches SEC(".maps");

SEC("tracepoint/sched/sched_switch")
int tp_sched_switch(struct sched_switch_args *args) {
  __s32 pid = args->prev_pid;
  __u64 *n = bpf_map_lookup_elem(&switches, &pid);
  if (n) {
    __sync_fetch_and_add(n, 1);
  } else {
    __u64 one = 1;
    bpf_map_update_elem(&switches, &pid, &one, BPF_ANY);
  }
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
