// Wrong: writes a const volatile global through a cast. It lives in .rodata, which is
// read-only for programs (BPF_F_RDONLY_PROG) and frozen by the loader.
// bpfcert: expect reject
#include "corpus.h"

const volatile __u32 packet_limit = 1500;

SEC("xdp")
int xdp_rodata_write(struct xdp_md *ctx) {
  *(volatile __u32 *)&packet_limit = 0;  // bpfcert: finding mem.readonly
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
