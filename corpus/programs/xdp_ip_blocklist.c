// Drops IPv4 packets from blocked source addresses (a hash map filled from user space) and
// counts drops in a per-CPU array.
// bpfcert: expect accept
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, __u8);
  __uint(max_entries, 4096);
} blocklist SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} drop_count SEC(".maps");

SEC("xdp")
int xdp_ip_blocklist(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_PASS;
  __u32 saddr = ip->saddr;
  if (!bpf_map_lookup_elem(&blocklist, &saddr)) return XDP_PASS;
  __u32 zero = 0;
  __u64 *n = bpf_map_lookup_elem(&drop_count, &zero);
  if (n) *n += 1;
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
