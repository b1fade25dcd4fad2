// Tracks TCP flows in an LRU hash keyed by the 5-tuple (the key is zeroed first, so its
// padding is initialised); packets of unknown flows without SYN are dropped.
// bpfcert: expect accept
#include "corpus.h"

struct flow_key {
  __u32 saddr;
  __u32 daddr;
  __u16 sport;
  __u16 dport;
  __u8 proto;
};

struct flow_state {
  __u64 packets;
  __u64 first_seen_ns;
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __type(key, struct flow_key);
  __type(value, struct flow_state);
  __uint(max_entries, 16384);
} flows SEC(".maps");

SEC("xdp")
int xdp_conntrack(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = (void *)(long)ctx->data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end || ip->ihl != 5 || ip->protocol != IPPROTO_TCP) return XDP_PASS;
  struct tcphdr *tcp = (void *)(ip + 1);
  if ((void *)(tcp + 1) > data_end) return XDP_PASS;
  struct flow_key key;
  __builtin_memset(&key, 0, sizeof(key));
  key.saddr = ip->saddr;
  key.daddr = ip->daddr;
  key.sport = tcp->source;
  key.dport = tcp->dest;
  key.proto = IPPROTO_TCP;
  struct flow_state *st = bpf_map_lookup_elem(&flows, &key);
  if (st) {
    st->packets++;
    return XDP_PASS;
  }
  if (!tcp->syn) return XDP_DROP;
  struct flow_state fresh = {.packets = 1, .first_seen_ns = bpf_ktime_get_ns()};
  bpf_map_update_elem(&flows, &key, &fresh, BPF_NOEXIST);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
