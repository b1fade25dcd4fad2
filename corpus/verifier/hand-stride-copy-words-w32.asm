# The word copy with a 32-bit counter (add32/jlt32) and a 64-bit pointer.
# @bpfcert verify accept mem.bounds
# @bpfcert mem-size 16384
    mov %r4, %r2
    rsh %r4, 4
    mov %r3, %r4
    lsh %r3, 3
    jlt %r2, 16, L_end
    mov32 %r2, 0
L_loop:
    mov %r0, %r1
    add %r0, %r3
    ldxdw %r6, [%r1+0]
    stxdw [%r0+0], %r6
    add %r1, 8
    add32 %r2, 1
    jlt32 %r2, %r4, L_loop
L_end:
    mov %r0, 0
    exit
