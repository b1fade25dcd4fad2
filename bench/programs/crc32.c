/* CRC-32 (IEEE 802.3, reflected, bitwise) of the memory. */
#include "bench_prog.h"

uint64_t ENTRY(crc32)(uint8_t *mem, uint64_t len) {
  uint32_t crc = 0xffffffffu;
  for (uint64_t i = 0; i < len; i++) {
    crc ^= mem[i];
    for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}
