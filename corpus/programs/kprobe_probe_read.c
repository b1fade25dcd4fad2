// Reads the first 32 bytes of the file name argument of do_unlinkat's struct filename with
// bpf_probe_read_kernel into a stack buffer and emits it through the trace pipe.
// bpfcert: expect accept
#include "corpus.h"
#include <bpf/bpf_tracing.h>

SEC("kprobe/do_unlinkat")
int kprobe_probe_read(struct pt_regs *ctx) {
  const void *filename = (const void *)PT_REGS_PARM2(ctx);
  const char *name_ptr = 0;
  if (bpf_probe_read_kernel(&name_ptr, sizeof(name_ptr), filename)) return 0;
  char name[32];
  if (bpf_probe_read_kernel_str(name, sizeof(name), name_ptr) < 0) return 0;
  bpf_printk("unlink %s", name);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
