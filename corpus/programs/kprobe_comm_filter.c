// Counts calls only from processes named "sshd": bpf_get_current_comm into a stack buffer and
// a bounded comparison loop.
// bpfcert: expect accept
#include "corpus.h"
#include <bpf/bpf_tracing.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} sshd_calls SEC(".maps");

static __always_inline int comm_is(const char *comm, const char *want, int n) {
  for (int i = 0; i < n; i++) {
    if (comm[i] != want[i]) return 0;
    if (want[i] == 0) return 1;
  }
  return 1;
}

SEC("kprobe/tcp_v4_connect")
int kprobe_comm_filter(struct pt_regs *ctx) {
  char comm[16];
  if (bpf_get_current_comm(comm, sizeof(comm))) return 0;
  const char want[] = "sshd";
  if (!comm_is(comm, want, sizeof(want))) return 0;
  __u32 zero = 0;
  __u64 *n = bpf_map_lookup_elem(&sshd_calls, &zero);
  if (n) __sync_fetch_and_add(n, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
