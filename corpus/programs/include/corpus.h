/* Shared definitions for the corpus programs: uapi headers, libbpf's helper declarations
 * (from the system's libbpf-dev), and a few protocol structures uapi does not define.
 * Annotations read by bpfcert's tests:
 *   bpfcert: expect accept | reject      the verdict a correct verifier gives every program
 *   bpfcert: finding <check-id>          on the C line where a wrong variant is rejected
 *   bpfcert: kernel <accept|reject> <why> where Linux (loading as root) disagrees, and why
 */
#ifndef BPFCERT_CORPUS_H
#define BPFCERT_CORPUS_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <asm/ptrace.h> /* struct pt_regs (x86-64 uapi) for kprobes */
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* 802.1Q tag (linux/if_vlan.h is kernel-internal). */
struct vlan_hdr {
  __be16 h_vlan_TCI;
  __be16 h_vlan_encapsulated_proto;
};

#ifndef ETH_P_8021Q
#define ETH_P_8021Q 0x8100
#endif
#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

/* A parsing cursor over [pos, end), as XDP tutorials write it. */
struct cursor {
  void *pos;
  void *end;
};

static __always_inline struct ethhdr *parse_eth(struct cursor *c) {
  struct ethhdr *eth = c->pos;
  if ((void *)(eth + 1) > c->end) return 0;
  c->pos = eth + 1;
  return eth;
}

static __always_inline struct iphdr *parse_ipv4(struct cursor *c) {
  struct iphdr *ip = c->pos;
  if ((void *)(ip + 1) > c->end) return 0;
  if (ip->ihl < 5) return 0;
  c->pos = (void *)ip + ip->ihl * 4;
  if (c->pos > c->end) return 0;
  return ip;
}

#endif
