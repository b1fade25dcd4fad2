/* Section names libbpf before 1.0, iproute2 and PREVAIL match by prefix, and 28-byte legacy
 * map definitions as samples/bpf's bpf_load.h wrote them (inner_map_idx, numa_node). */
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))

struct bpf_map_def {
  unsigned int type;
  unsigned int key_size;
  unsigned int value_size;
  unsigned int max_entries;
  unsigned int map_flags;
  unsigned int inner_map_idx;
  unsigned int numa_node;
};

struct bpf_map_def SEC("maps") inner = {.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1};
struct bpf_map_def SEC("maps") outer = {
    .type = BPF_MAP_TYPE_ARRAY_OF_MAPS, .key_size = 4, .value_size = 4, .max_entries = 2, .inner_map_idx = 0};

SEC("xdp1") int xdp_one(struct xdp_md *ctx) { return XDP_PASS; }
SEC("xdp_prog") int xdp_two(struct xdp_md *ctx) { return XDP_DROP; }
SEC("socket1") int sock_one(struct __sk_buff *skb) { return 0; }
SEC("sockops") int ops(struct bpf_sock_ops *ops) { return 1; }
SEC("xdp_devmap/redirect") int devmap(struct xdp_md *ctx) { return XDP_PASS; }

char __license[] SEC("license") = "GPL";
