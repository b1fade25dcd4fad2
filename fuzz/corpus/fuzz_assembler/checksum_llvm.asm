    r0 = 0
    r3 = 0
L2:
    if r3 >= r2 goto L10
    r4 = r1
    r4 += r3
    r5 = *(u16 *)(r4 + 0)
    r5 = be16 r5
    r0 += r5
    r3 += 2
    goto L2
L10:
    r4 = r0
    r4 >>= 16
    r0 &= 65535
    r0 += r4
    if r0 > 65535 goto L10
    r0 ^= 65535
    exit
