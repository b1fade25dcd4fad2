# The word copy with a continue-like second path around the loop: src still moves by 8 on
# every back edge, so the counter bound still bounds it.
# @bpfcert verify accept mem.bounds
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
    jeq %r6, 0, L_skip
    stxdw [%r0+0], %r6
    add %r1, 8
    add %r2, 1
    jlt %r2, %r4, L_loop
    ja L_end
L_skip:
    add %r2, 1
    add %r1, 8
    jlt %r2, %r4, L_loop
L_end:
    mov %r0, 0
    exit
