/* Shared by the benchmark programs, which are compiled twice from the same source: to BPF
 * (clang-19 -target bpf -O2 -mcpu=v3) and natively (the host compiler, -O2). Each program is
 * one function: uint64_t name(uint8_t *mem, uint64_t len), r1 = mem and r2 = len on BPF. */
#ifndef BENCH_PROG_H
#define BENCH_PROG_H

#include <stdint.h>

#define INLINE static inline __attribute__((always_inline))

/* The native clang build gets its own symbol names, so both native builds link together. */
#ifdef BENCH_NATIVE_CLANG
#define ENTRY(name) clang_##name
#else
#define ENTRY(name) name
#endif

#ifdef __bpf__
/* Linux helper id 1; the bench harness links the map relocation to a map fd. */
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
#else
void *bench_map_lookup_elem(void *map, const void *key);
#define bpf_map_lookup_elem bench_map_lookup_elem
#endif

#endif
