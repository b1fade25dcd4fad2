// Every map helper on a hash map: lookup, insert with BPF_NOEXIST, update with BPF_EXIST,
// delete when a counter reaches its limit.
// bpfcert: expect accept
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 128);
} budget SEC(".maps");

SEC("tc")
int tc_hash_crud(struct __sk_buff *skb) {
  __u32 key = skb->mark;
  __u32 *left = bpf_map_lookup_elem(&budget, &key);
  if (!left) {
    __u32 start = 10;
    bpf_map_update_elem(&budget, &key, &start, BPF_NOEXIST);
    return TC_ACT_OK;
  }
  if (*left == 0) {
    bpf_map_delete_elem(&budget, &key);
    return TC_ACT_SHOT;
  }
  __u32 next = *left - 1;
  bpf_map_update_elem(&budget, &key, &next, BPF_EXIST);
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
