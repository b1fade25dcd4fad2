/* A switch-dispatch interpreter loop whose state lives in memory: eight 64-bit registers and a
 * 256-byte data area after the bytecode (the first half of the memory). Each opcode loads and
 * stores its registers, some read or write the data area at a computed index. */
#include "bench_prog.h"

uint64_t ENTRY(bytecode_vm)(uint8_t *mem, uint64_t len) {
  const uint64_t code_len = len / 2;
  uint64_t *regs = (uint64_t *)(mem + code_len);
  uint8_t *data = mem + code_len + 64;
  for (uint64_t r = 0; r < 8; r++) regs[r] = r;
  for (uint64_t i = 0; i < 256; i++) data[i] = (uint8_t)i;
  for (uint64_t pc = 0; pc < code_len; pc++) {
    const uint8_t op = mem[pc];
    const uint64_t a = (op >> 3) & 7, b = op >> 5;
    switch (op & 7) {
      case 0: regs[a] += regs[b]; break;
      case 1: regs[a] ^= regs[b] >> 3; break;
      case 2: regs[a] = data[regs[b] & 255]; break;
      case 3: data[regs[a] & 255] = (uint8_t)regs[b]; break;
      case 4: regs[a] = regs[a] * 5 + 1; break;
      case 5: regs[a] -= op; break;
      case 6: regs[a] = regs[b] | (regs[a] << 1); break;
      default: data[op] += 1; break;
    }
  }
  uint64_t acc = 0;
  for (uint64_t r = 0; r < 8; r++) acc = acc * 131 + regs[r];
  return acc ^ data[17];
}
