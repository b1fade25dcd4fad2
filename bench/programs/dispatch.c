/* Switch-heavy dispatch: a tiny bytecode interpreter, one case per opcode. */
#include "bench_prog.h"

uint64_t ENTRY(dispatch)(uint8_t *mem, uint64_t len) {
  uint64_t acc = 1, aux = 7;
  for (uint64_t i = 0; i < len; i++) {
    const uint8_t op = mem[i];
    switch (op & 15) {
      case 0: acc += op; break;
      case 1: acc ^= aux; break;
      case 2: acc = acc * 3 + 1; break;
      case 3: aux += acc; break;
      case 4: acc >>= 1; break;
      case 5: acc -= aux; break;
      case 6: aux ^= acc << 3; break;
      case 7: acc |= 0x100; break;
      case 8: acc &= 0xffffffffff; break;
      case 9: aux = aux * 5 + op; break;
      case 10: acc += aux >> 2; break;
      case 11: acc = ~acc; break;
      case 12: aux -= 3; break;
      case 13: acc ^= acc >> 7; break;
      case 14: aux = acc + aux; break;
      default: acc += 11; break;
    }
  }
  return acc ^ aux;
}
