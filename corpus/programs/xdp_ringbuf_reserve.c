// Sends a summary of every IPv4 packet to user space through a record it reserves in a ring
// buffer (bpf_ringbuf_reserve), fills in place and submits: the reference the reserve returns
// is released on every path (the null branch holds none).
// bpfcert: expect accept
#include "corpus.h"

struct event {
  __u32 saddr;
  __u32 daddr;
  __u16 len;
  __u8 protocol;
  __u8 pad;
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 16);
} events SEC(".maps");

SEC("xdp")
int xdp_ringbuf_reserve(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_PASS;
  struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) return XDP_PASS;
  e->saddr = ip->saddr;
  e->daddr = ip->daddr;
  e->len = data_end - data;
  e->protocol = ip->protocol;
  e->pad = 0;
  if (ip->ttl == 0) {
    bpf_ringbuf_discard(e, 0);  // a packet that should not exist: not reported
    return XDP_DROP;
  }
  bpf_ringbuf_submit(e, 0);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
