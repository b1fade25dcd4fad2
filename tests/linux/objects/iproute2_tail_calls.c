/* An object as iproute2 (tc) and older Cilium write them: legacy map definitions in the
 * 36-byte struct bpf_elf_map of iproute2's bpf_elf.h, an entry program in "classifier",
 * tail-call programs in sections "ID/KEY" naming the prog array by its iproute2 id, and an
 * entry section whose type only the loader's command line gives. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#define SEC(name) __attribute__((section(name), used))

struct bpf_elf_map {
  __u32 type;
  __u32 size_key;
  __u32 size_value;
  __u32 max_elem;
  __u32 flags;
  __u32 id;
  __u32 pinning;
  __u32 inner_id;
  __u32 inner_idx;
};

struct bpf_elf_map SEC("maps") jumps = {
    .type = BPF_MAP_TYPE_PROG_ARRAY, .size_key = 4, .size_value = 4, .max_elem = 4, .id = 7, .pinning = 2};
struct bpf_elf_map SEC("maps") counters = {
    .type = BPF_MAP_TYPE_ARRAY, .size_key = 4, .size_value = 8, .max_elem = 1, .id = 9};

static long (*bpf_tail_call)(void *ctx, void *map, __u32 index) = (void *)BPF_FUNC_tail_call;

SEC("classifier") int entry(struct __sk_buff *skb) {
  bpf_tail_call(skb, &jumps, 1);
  return TC_ACT_OK;
}

SEC("7/1") int tail_one(struct __sk_buff *skb) { return skb->len > 100 ? TC_ACT_SHOT : TC_ACT_OK; }

SEC("from-netdev") int from_netdev(struct __sk_buff *skb) { return TC_ACT_OK; }

char __license[] SEC("license") = "GPL";
