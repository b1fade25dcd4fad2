/* strcmp-like: compares the two halves of the memory byte by byte, stopping at a difference
 * or a NUL. */
#include "bench_prog.h"

uint64_t ENTRY(compare_strings)(uint8_t *mem, uint64_t len) {
  const uint64_t half = len / 2;
  const uint8_t *a = mem, *b = mem + half;
  for (uint64_t i = 0; i < half; i++) {
    if (a[i] != b[i]) return (uint64_t)((int64_t)a[i] - (int64_t)b[i]);
    if (a[i] == 0) return 0;
  }
  return 0;
}
