/* A byte copy loop: copies the first half of the memory onto the second half, one byte at a
 * time (a load and a store per iteration, through two pointers that move by 1). */
#include "bench_prog.h"

uint64_t ENTRY(copy_bytes)(uint8_t *mem, uint64_t len) {
  const uint64_t half = len / 2;
  uint8_t *dst = mem + half;
  for (uint64_t i = 0; i < half; i++) dst[i] = mem[i];
  return (uint64_t)dst[0] | (uint64_t)dst[half / 2] << 8 | (uint64_t)dst[half - 1] << 16;
}
