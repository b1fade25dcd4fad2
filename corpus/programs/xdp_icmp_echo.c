// Answers ICMP echo requests in XDP: swaps MAC and IPv4 addresses, turns the request into a
// reply and patches the ICMP checksum incrementally (RFC 1624).
// bpfcert: expect accept
#include "corpus.h"

/* linux/icmp.h pulls in libc's sys/socket.h, which does not build for -target bpf. */
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8
struct icmphdr {
  __u8 type;
  __u8 code;
  __sum16 checksum;
  __be16 id;
  __be16 sequence;
};

static __always_inline __u16 csum_fold(__u32 csum) {
  csum = (csum & 0xffff) + (csum >> 16);
  csum = (csum & 0xffff) + (csum >> 16);
  return (__u16)~csum;
}

SEC("xdp")
int xdp_icmp_echo(struct xdp_md *ctx) {
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = (void *)(long)ctx->data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end) return XDP_PASS;
  if (ip->ihl != 5 || ip->protocol != IPPROTO_ICMP) return XDP_PASS;
  struct icmphdr *icmp = (void *)(ip + 1);
  if ((void *)(icmp + 1) > data_end) return XDP_PASS;
  if (icmp->type != ICMP_ECHO || icmp->code != 0) return XDP_PASS;

  unsigned char mac[ETH_ALEN];
  __builtin_memcpy(mac, eth->h_source, ETH_ALEN);
  __builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
  __builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
  __be32 addr = ip->saddr;
  ip->saddr = ip->daddr;
  ip->daddr = addr;

  icmp->type = ICMP_ECHOREPLY;
  /* HC' = ~(~HC + ~m + m'): the type byte went from 8 to 0. */
  __u32 sum = (__u16)~icmp->checksum;
  sum += (__u16)~bpf_htons(ICMP_ECHO << 8);
  sum += bpf_htons(ICMP_ECHOREPLY << 8);
  icmp->checksum = csum_fold(sum);
  return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
