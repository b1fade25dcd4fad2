// Configuration in .rodata (const volatile, set by the loader), counters in .bss and a table in
// .data: global variables become array maps addressed by LDDW src 2.
// bpfcert: expect accept
#include "corpus.h"

const volatile __u16 allowed_port = 443;
const volatile __u8 verbose = 0;
__u64 passed = 0;
__u64 dropped = 0;
__u32 weights[4] = {1, 2, 4, 8};

SEC("xdp")
int xdp_global_config(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = (void *)(long)ctx->data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_PASS;
  if (ip->protocol != IPPROTO_TCP || ip->ihl != 5) return XDP_PASS;
  struct tcphdr *tcp = (void *)(ip + 1);
  if ((void *)(tcp + 1) > data_end) return XDP_PASS;
  if (tcp->dest == bpf_htons(allowed_port)) {
    passed += weights[ip->tos & 3];
    return XDP_PASS;
  }
  dropped++;
  if (verbose) bpf_printk("dropped port %d", bpf_ntohs(tcp->dest));
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
