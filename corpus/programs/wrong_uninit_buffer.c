// Wrong: sends a 32-byte stack buffer of which only the first 16 bytes were written.
// bpfcert: expect reject
// bpfcert: kernel accept Linux lets privileged (CAP_PERFMON) loaders read uninitialised stack
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 12);
} out SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_write")
int tp_uninit_buffer(void *ctx) {
  __u64 buf[4];
  buf[0] = bpf_get_current_pid_tgid();
  buf[1] = bpf_ktime_get_ns();
  bpf_ringbuf_output(&out, buf, sizeof(buf), 0);  // bpfcert: finding stack.uninit
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
