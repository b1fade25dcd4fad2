    *(u64 *)(r10 - 8) = 40
    r1 = 2
    r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)
    r0 = 42
    r2 = 7
    r0 = cmpxchg_64(r10 - 8, r0, r2)
    r0 = *(u64 *)(r10 - 8)
    exit
