// Socket filter written with the legacy packet loads (LD_ABS / LD_IND through clang's
// llvm.bpf.load.* builtins), as classic BPF filters translated to eBPF look: keep ICMP only.
// bpfcert: expect accept
#include "corpus.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

SEC("socket")
int socket_ld_abs(struct __sk_buff *skb) {
  if (load_half(skb, __builtin_offsetof(struct ethhdr, h_proto)) != ETH_P_IP) return 0;
  if (load_byte(skb, ETH_HLEN + __builtin_offsetof(struct iphdr, protocol)) != IPPROTO_ICMP) return 0;
  return -1;
}

char LICENSE[] SEC("license") = "GPL";
