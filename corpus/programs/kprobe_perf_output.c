// Emits an event (pid, timestamp, first argument) per call through a perf event array with
// bpf_perf_event_output.
// bpfcert: expect accept
#include "corpus.h"
#include <bpf/bpf_tracing.h>

struct event {
  __u32 pid;
  __u32 cpu;
  __u64 ts;
  __u64 arg;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

SEC("kprobe/security_file_open")
int kprobe_perf_output(struct pt_regs *ctx) {
  struct event e = {};
  e.pid = bpf_get_current_pid_tgid() >> 32;
  e.cpu = bpf_get_smp_processor_id();
  e.ts = bpf_ktime_get_ns();
  e.arg = PT_REGS_PARM1(ctx);
  bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &e, sizeof(e));
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
