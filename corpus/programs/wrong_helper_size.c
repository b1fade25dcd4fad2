// Wrong: asks bpf_probe_read_kernel to write 64 bytes into a 16-byte stack buffer.
// bpfcert: expect reject
#include "corpus.h"
#include <bpf/bpf_tracing.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} sink SEC(".maps");

SEC("kprobe/vfs_unlink")
int kprobe_helper_size(struct pt_regs *ctx) {
  __u64 buf[2] = {};
  bpf_probe_read_kernel(buf, 64, (void *)PT_REGS_PARM1(ctx));  // bpfcert: finding mem.bounds
  __u32 zero = 0;
  __u64 *s = bpf_map_lookup_elem(&sink, &zero);
  if (s) *s = buf[0] ^ buf[1];
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
