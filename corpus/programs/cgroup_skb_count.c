// cgroup_skb ingress accounting: counts packets and bytes of the cgroup and allows them all
// (return 1).
// bpfcert: expect accept
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 2);
} cgroup_traffic SEC(".maps");

SEC("cgroup_skb/ingress")
int cgroup_skb_count(struct __sk_buff *skb) {
  __u32 key = 0;
  __u64 *packets = bpf_map_lookup_elem(&cgroup_traffic, &key);
  if (packets) *packets += 1;
  key = 1;
  __u64 *bytes = bpf_map_lookup_elem(&cgroup_traffic, &key);
  if (bytes) *bytes += skb->len;
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
