/* Prime counting by trial division: division-heavy (one modulo per inner step). */
#include "bench_prog.h"

uint64_t ENTRY(prime_count)(uint8_t *mem, uint64_t len) {
  (void)len;
  const uint32_t limit = *(const uint32_t *)mem;
  uint32_t count = 0;
  for (uint32_t n = 2; n < limit; n++) {
    uint32_t prime = 1;
    for (uint32_t d = 2; d * d <= n; d++) {
      if (n % d == 0) {
        prime = 0;
        break;
      }
    }
    count += prime;
  }
  return count;
}
