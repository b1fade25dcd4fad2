# src moves by a loaded amount in [0, 15]: not a constant stride; it may run past the end.
# @bpfcert verify reject mem.bounds pc=8
# @bpfcert verify reject mem.bounds pc=9
# @bpfcert mem-size 16384
    mov %r4, %r2
    rsh %r4, 4
    mov %r3, %r4
    lsh %r3, 3
    jlt %r2, 16, L_end
    mov %r2, 0
L_loop:
    mov %r0, %r1
    add %r0, %r3
    ldxdw %r6, [%r1+0]
    stxdw [%r0+0], %r6
    mov %r7, %r6
    and %r7, 15
    add %r1, %r7
    add %r2, 1
    jlt %r2, %r4, L_loop
L_end:
    mov %r0, 0
    exit
