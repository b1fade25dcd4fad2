# Atomics on the stack: fetch-add, compare-and-exchange (42 matches r0, so 7 is stored); r0 = 7.
    stdw [%r10-8], 40
    mov %r1, 2
    lock fetch add [%r10-8], %r1
    mov %r0, 42
    mov %r2, 7
    lock cmpxchg [%r10-8], %r2
    ldxdw %r0, [%r10-8]
    exit
