// Wrong: the map's key is 8 bytes, but the key passed is a 4-byte variable at the top of the
// stack frame, so the helper reads past the frame.
// bpfcert: expect reject
#include "corpus.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(key_size, 8);
  __uint(value_size, 8);
  __uint(max_entries, 16);
} wide_keys SEC(".maps");

SEC("socket")
int socket_helper_key_size(struct __sk_buff *skb) {
  __u32 key = skb->len;
  void *v = bpf_map_lookup_elem(&wide_keys, &key);  // bpfcert: finding mem.bounds
  return v ? skb->len : 0;
}

char LICENSE[] SEC("license") = "GPL";
