/* A loop of map lookups: sums the values of an array map at keys taken from the memory. */
#include "bench_prog.h"

/* On BPF, &lookup_map is an LDDW with a relocation the harness turns into "map fd". */
#ifdef BENCH_NATIVE_CLANG
extern char lookup_map; /* defined by the gcc build of this file */
#else
char lookup_map __attribute__((section("maps")));
#endif

uint64_t ENTRY(map_lookup)(uint8_t *mem, uint64_t len) {
  uint64_t sum = 0;
  for (uint64_t i = 0; i < len; i++) {
    const uint32_t key = mem[i] & 63;
    const uint64_t *value = bpf_map_lookup_elem(&lookup_map, &key);
    if (value) sum += *value;
  }
  return sum;
}
