#!/usr/bin/env bash
# The clang command line docs/verify-bpf-objects.md gives, run as written on a program that
# includes the uapi and libbpf headers every BPF program includes; bpfcert then verifies it.
# Exit 77 (skipped) without clang-19.
#   doc_clang_test.sh SOURCE_DIR BPFCERT WORK_DIR
set -euo pipefail
src=$1 bpfcert=$2 work=$3
command -v clang-19 >/dev/null || { echo "clang-19 not installed: skipped"; exit 77; }
rm -rf "$work"
mkdir -p "$work"
cd "$work"
line=$(grep -m1 -E '^clang-19 -target bpf' "$src/docs/verify-bpf-objects.md" | sed 's/ *#.*//')
[ -n "$line" ] || { echo "docs/verify-bpf-objects.md shows no clang-19 command"; exit 1; }
cat >prog.c <<'C'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int pass_all(struct xdp_md *ctx) { return XDP_PASS; }

char LICENSE[] SEC("license") = "GPL";
C
echo "+ $line"
eval "$line"
"$bpfcert" verify prog.o
