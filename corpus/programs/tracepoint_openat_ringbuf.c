// On sys_enter_openat, copies the user-space file name (bpf_probe_read_user_str) into an event
// on the stack and sends it through a ring buffer.
// bpfcert: expect accept
#include "corpus.h"

struct sys_enter_openat_args {
  __u64 common;
  __s32 syscall_nr;
  __u32 pad;
  __u64 dfd;
  __u64 filename;
  __u64 flags;
  __u64 mode;
};

struct event {
  __u32 pid;
  __u32 flags;
  char filename[64];
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 18);
} open_events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_openat(struct sys_enter_openat_args *args) {
  struct event e = {};
  e.pid = bpf_get_current_pid_tgid() >> 32;
  e.flags = args->flags;
  bpf_probe_read_user_str(e.filename, sizeof(e.filename), (const void *)args->filename);
  bpf_ringbuf_output(&open_events, &e, sizeof(e), 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
