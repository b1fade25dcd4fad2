/* Insertion sort of 32-bit keys: the first half of the memory is copied into the second half,
 * which is sorted in place (so every run sorts the same input), then summed. The inner loop
 * walks down the array with a data-dependent exit: a load, a compare and a store per step. */
#include "bench_prog.h"

uint64_t ENTRY(insertion_sort)(uint8_t *mem, uint64_t len) {
  const uint64_t n = len / 8;
  const uint32_t *in = (const uint32_t *)mem;
  uint32_t *a = (uint32_t *)(mem + n * 4);
  for (uint64_t i = 0; i < n; i++) a[i] = in[i];
  for (uint64_t i = 1; i < n; i++) {
    const uint32_t key = a[i];
    uint64_t j = i;
    while (j > 0 && a[j - 1] > key) {
      a[j] = a[j - 1];
      j--;
    }
    a[j] = key;
  }
  uint64_t sum = 0;
  for (uint64_t i = 0; i < n; i++) sum = sum * 31 + a[i];
  return sum;
}
