    w1 += 0
    goto L2
L2:
    gotol L3
L3:
    r1 += 0
    w1 += w2
    r1 += r2
    w1 -= 0
    if r1 == 0 goto L8
L8:
    if w1 == 0 goto L9
L9:
    r1 -= 0
    r1 = 0x0 ll
    ld_pseudo r1, 1, 0
    ld_pseudo r1, 2, 0, 0
    ld_pseudo r1, 3, 0
    ld_pseudo r1, 4, +0
    ld_pseudo r1, 5, 0
    ld_pseudo r1, 6, 0, 0
    w1 -= w2
    if r1 == r2 goto L26
L26:
    if w1 == w2 goto L27
L27:
    r1 -= r2
    r0 = *(u32 *)skb[0]
    w1 *= 0
    if r1 > 0 goto L31
L31:
    if w1 > 0 goto L32
L32:
    r1 *= 0
    r0 = *(u16 *)skb[0]
    w1 *= w2
    if r1 > r2 goto L36
L36:
    if w1 > w2 goto L37
L37:
    r1 *= r2
    r0 = *(u8 *)skb[0]
    w1 /= 0
    w1 s/= 0
    if r1 >= 0 goto L42
L42:
    if w1 >= 0 goto L43
L43:
    r1 /= 0
    r1 s/= 0
    w1 /= w2
    w1 s/= w2
    if r1 >= r2 goto L48
L48:
    if w1 >= w2 goto L49
L49:
    r1 /= r2
    r1 s/= r2
    r0 = *(u32 *)skb[r2 + 0]
    w1 |= 0
    if r1 & 0 goto L54
L54:
    if w1 & 0 goto L55
L55:
    r1 |= 0
    r0 = *(u16 *)skb[r2 + 0]
    w1 |= w2
    if r1 & r2 goto L59
L59:
    if w1 & w2 goto L60
L60:
    r1 |= r2
    r0 = *(u8 *)skb[r2 + 0]
    w1 &= 0
    if r1 != 0 goto L64
L64:
    if w1 != 0 goto L65
L65:
    r1 &= 0
    w1 &= w2
    if r1 != r2 goto L68
L68:
    if w1 != w2 goto L69
L69:
    r1 &= r2
    r1 = *(u32 *)(r2 + 0)
    *(u32 *)(r1 + 0) = 0
    *(u32 *)(r1 + 0) = r2
    w1 <<= 0
    if r1 s> 0 goto L75
L75:
    if w1 s> 0 goto L76
L76:
    r1 <<= 0
    r1 = *(u16 *)(r2 + 0)
    *(u16 *)(r1 + 0) = 0
    *(u16 *)(r1 + 0) = r2
    w1 <<= w2
    if r1 s> r2 goto L82
L82:
    if w1 s> w2 goto L83
L83:
    r1 <<= r2
    r1 = *(u8 *)(r2 + 0)
    *(u8 *)(r1 + 0) = 0
    *(u8 *)(r1 + 0) = r2
    w1 >>= 0
    if r1 s>= 0 goto L89
L89:
    if w1 s>= 0 goto L90
L90:
    r1 >>= 0
    r1 = *(u64 *)(r2 + 0)
    *(u64 *)(r1 + 0) = 0
    *(u64 *)(r1 + 0) = r2
    w1 >>= w2
    if r1 s>= r2 goto L96
L96:
    if w1 s>= w2 goto L97
L97:
    r1 >>= r2
    r1 = *(s32 *)(r2 + 0)
    w1 = -w1
    call 1000
    call L102
L102:
    call kfunc 0
    r1 = -r1
    r1 = *(s16 *)(r2 + 0)
    callx r1
    r1 = *(s8 *)(r2 + 0)
    w1 %= 0
    w1 s%= 0
    exit
    r1 %= 0
    r1 s%= 0
    w1 %= w2
    w1 s%= w2
    r1 %= r2
    r1 s%= r2
    w1 ^= 0
    if r1 < 0 goto L118
L118:
    if w1 < 0 goto L119
L119:
    r1 ^= 0
    w1 ^= w2
    if r1 < r2 goto L122
L122:
    if w1 < w2 goto L123
L123:
    r1 ^= r2
    w1 = 0
    if r1 <= 0 goto L126
L126:
    if w1 <= 0 goto L127
L127:
    r1 = 0
    w1 = w2
    w1 = (s8)w2
    w1 = (s16)w2
    if r1 <= r2 goto L132
L132:
    if w1 <= w2 goto L133
L133:
    r1 = r2
    r1 = (s8)r2
    r1 = (s16)r2
    r1 = (s32)r2
    lock *(u32 *)(r1 + 0) += w2
    w2 = atomic_fetch_add((u32 *)(r1 + 0), w2)
    lock *(u32 *)(r1 + 0) |= w2
    w2 = atomic_fetch_or((u32 *)(r1 + 0), w2)
    lock *(u32 *)(r1 + 0) &= w2
    w2 = atomic_fetch_and((u32 *)(r1 + 0), w2)
    lock *(u32 *)(r1 + 0) ^= w2
    w2 = atomic_fetch_xor((u32 *)(r1 + 0), w2)
    w2 = xchg32_32(r1 + 0, w2)
    w0 = cmpxchg32_32(r1 + 0, w0, w2)
    w1 s>>= 0
    if r1 s< 0 goto L149
L149:
    if w1 s< 0 goto L150
L150:
    r1 s>>= 0
    w1 s>>= w2
    if r1 s< r2 goto L153
L153:
    if w1 s< w2 goto L154
L154:
    r1 s>>= r2
    r1 = le16 r1
    r1 = le32 r1
    r1 = le64 r1
    if r1 s<= 0 goto L159
L159:
    if w1 s<= 0 goto L160
L160:
    r1 = bswap16 r1
    r1 = bswap32 r1
    r1 = bswap64 r1
    lock *(u64 *)(r1 + 0) += r2
    r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)
    lock *(u64 *)(r1 + 0) |= r2
    r2 = atomic_fetch_or((u64 *)(r1 + 0), r2)
    lock *(u64 *)(r1 + 0) &= r2
    r2 = atomic_fetch_and((u64 *)(r1 + 0), r2)
    lock *(u64 *)(r1 + 0) ^= r2
    r2 = atomic_fetch_xor((u64 *)(r1 + 0), r2)
    r2 = xchg_64(r1 + 0, r2)
    r0 = cmpxchg_64(r1 + 0, r0, r2)
    r1 = be16 r1
    r1 = be32 r1
    r1 = be64 r1
    if r1 s<= r2 goto L177
L177:
    if w1 s<= w2 goto L178
L178:
    exit
