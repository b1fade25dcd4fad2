// Wrong: the hash key has 4 bytes of padding between its fields that are never written, and
// bpf_map_update_elem reads the whole key.
// bpfcert: expect reject
// bpfcert: kernel accept Linux (6.18) takes an 8-byte stack slot that holds a 4-byte scalar spill as initialised, so the 4 padding bytes pass even without CAP_PERFMON (see bpfcert verify --kernel-unprivileged)
#include "corpus.h"

struct key {
  __u32 ifindex;
  __u64 cookie;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, struct key);
  __type(value, __u64);
  __uint(max_entries, 128);
} seen SEC(".maps");

SEC("tc")
int tc_uninit_key_padding(struct __sk_buff *skb) {
  struct key k;
  k.ifindex = skb->ifindex;
  k.cookie = skb->hash;
  __u64 one = 1;
  bpf_map_update_elem(&seen, &k, &one, BPF_ANY);  // bpfcert: finding stack.uninit
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
