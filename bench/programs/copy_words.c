/* memcpy-like: copies the first half of the memory onto the second half, 8 bytes at a time. */
#include "bench_prog.h"

uint64_t ENTRY(copy_words)(uint8_t *mem, uint64_t len) {
  const uint64_t words = len / 16;
  const uint64_t *src = (const uint64_t *)mem;
  uint64_t *dst = (uint64_t *)(mem + words * 8);
  for (uint64_t i = 0; i < words; i++) dst[i] = src[i];
  return dst[words - 1];
}
