// LLVM syntax with every operand shape
  r1 = 0x1122334455667788 ll
  w2 = (s16)w1
  *(u64 *)(r10 - 8) = r1
  r3 = *(s32 *)(r10 - 8)
  lock *(u32 *)(r10 - 8) += w2
  w0 = cmpxchg32_32(r10 - 8, w0, w2)
  r0 = *(u16 *)skb[r3 + 4]
  if w1 s<= -5 goto +1
  call kfunc 3
  callx r1
  ld_pseudo r1, 2, 7, 8
L9: gotol L9
  exit
