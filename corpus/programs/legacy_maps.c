// Maps declared the pre-BTF way, in the "maps" section with struct bpf_map_def records, as
// older samples and iproute2 programs do.
// bpfcert: expect accept
#include "corpus.h"

struct bpf_map_def_legacy {
  unsigned int type;
  unsigned int key_size;
  unsigned int value_size;
  unsigned int max_entries;
  unsigned int map_flags;
};

struct bpf_map_def_legacy rx_bytes SEC("maps") = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 1,
};

struct bpf_map_def_legacy src_seen SEC("maps") = {
    .type = BPF_MAP_TYPE_HASH,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 1024,
};

SEC("xdp")
int xdp_legacy_maps(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  __u32 zero = 0;
  __u64 *bytes = bpf_map_lookup_elem(&rx_bytes, &zero);
  if (bytes) __sync_fetch_and_add(bytes, data_end - data);
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_PASS;
  __u32 src = ip->saddr;
  __u64 now = bpf_ktime_get_ns();
  bpf_map_update_elem(&src_seen, &src, &now, BPF_ANY);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
