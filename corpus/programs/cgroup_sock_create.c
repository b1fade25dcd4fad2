// cgroup/sock_create: refuses raw sockets in the cgroup and marks every other socket it lets
// through (writes bpf_sock->mark).
// bpfcert: expect accept
#include "corpus.h"

#define SOCK_RAW_ 3

SEC("cgroup/sock_create")
int cgroup_sock_create(struct bpf_sock *sk) {
  if (sk->type == SOCK_RAW_) return 0;
  if (sk->family == 10 /* AF_INET6 */) sk->priority = 1;
  sk->mark = 0x1234;
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
