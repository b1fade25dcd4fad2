// Counts execs per user id on sched_process_exec, with bpf_get_current_uid_gid.
// bpfcert: expect accept
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1024);
} execs_by_uid SEC(".maps");

SEC("tp/sched/sched_process_exec")
int tp_exec_count(void *ctx) {
  __u32 uid = (__u32)bpf_get_current_uid_gid();
  __u64 *n = bpf_map_lookup_elem(&execs_by_uid, &uid);
  if (n) {
    __sync_fetch_and_add(n, 1);
    return 0;
  }
  __u64 one = 1;
  bpf_map_update_elem(&execs_by_uid, &uid, &one, BPF_NOEXIST);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
