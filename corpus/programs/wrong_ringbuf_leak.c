// Wrong: reserves a ring buffer record for every IPv4 packet but submits it only for UDP; on
// the other paths the program returns holding the record, a reference it must release.
// bpfcert: expect reject
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 16);
} events SEC(".maps");

SEC("xdp")
int wrong_ringbuf_leak(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_PASS;
  __u32 *saddr = bpf_ringbuf_reserve(&events, sizeof(*saddr), 0);
  if (!saddr) return XDP_PASS;
  *saddr = ip->saddr;
  if (ip->protocol == IPPROTO_UDP) bpf_ringbuf_submit(saddr, 0);
  return XDP_PASS;
}  // bpfcert: finding ref.leak (the return above, on the paths that did not submit)

char LICENSE[] SEC("license") = "GPL";
