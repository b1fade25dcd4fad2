// Wrong: returns a value that is only assigned on one path, so r0 may be uninitialised at the
// exit (written in assembly: C compilers turn this undefined behaviour into anything).
// bpfcert: expect reject
#include "corpus.h"

SEC("xdp")
int xdp_uninit_register(struct xdp_md *ctx) {
  int ret;
  asm volatile(  // bpfcert: finding reg.uninit (line info covers the whole asm statement)
      "r2 = *(u32 *)(%[ctx] + 16)\n"
      "if r2 == 0 goto 1f\n"
      "r3 = 2\n"
      "1:\n"
      "%[ret] = r3\n"
      : [ret] "=r"(ret)
      : [ctx] "r"(ctx)
      : "r2", "r3");
  return ret;
}

char LICENSE[] SEC("license") = "GPL";
