start: mov %r0, 4294967296
  ja nowhere
  ldxw %r1, [%r2-32769]
  lock cmpxchg32 [%r10-4], %r11
  .raw 0x0000000000000095
