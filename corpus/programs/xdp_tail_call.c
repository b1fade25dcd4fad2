// A dispatcher that tail-calls a per-protocol program from a prog array (several programs in
// one object); the callees count what they see.
// bpfcert: expect accept
#include "corpus.h"

enum { PROG_TCP = 0, PROG_UDP = 1, PROG_MAX = 2 };

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
  __uint(max_entries, PROG_MAX);
} jump_table SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, PROG_MAX);
} seen SEC(".maps");

static __always_inline int count(__u32 which) {
  __u64 *n = bpf_map_lookup_elem(&seen, &which);
  if (n) __sync_fetch_and_add(n, 1);
  return XDP_PASS;
}

SEC("xdp")
int xdp_dispatch(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = (void *)(long)ctx->data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_PASS;
  if (ip->protocol == IPPROTO_TCP) bpf_tail_call(ctx, &jump_table, PROG_TCP);
  if (ip->protocol == IPPROTO_UDP) bpf_tail_call(ctx, &jump_table, PROG_UDP);
  return XDP_PASS;
}

SEC("xdp")
int xdp_tcp(struct xdp_md *ctx) {
  return count(PROG_TCP);
}

SEC("xdp")
int xdp_udp(struct xdp_md *ctx) {
  return count(PROG_UDP);
}

char LICENSE[] SEC("license") = "GPL";
