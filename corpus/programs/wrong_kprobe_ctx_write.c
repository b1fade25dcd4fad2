// Wrong: a kprobe's struct pt_regs is read-only; this program overwrites the return register
// (bpf_override_return exists for that).
// bpfcert: expect reject
#include "corpus.h"

SEC("kprobe/should_failslab")
int kprobe_ctx_write(struct pt_regs *ctx) {
  ctx->rax = -12;  // bpfcert: finding mem.readonly
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
