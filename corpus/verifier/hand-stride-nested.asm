# Nested walk: 4 rows of 4096 bytes; the row pointer moves by 4096 per outer iteration and the
# inner pointer, reset to it on each entry into the inner loop, by 8 per inner iteration.
# @bpfcert verify accept mem.bounds
# @bpfcert mem-size 16384
    mov %r0, 0
    mov %r6, %r1
    mov %r7, 0
L_outer:
    mov %r3, %r6
    mov %r2, 0
L_inner:
    ldxdw %r4, [%r3+0]
    add %r0, %r4
    add %r3, 8
    add %r2, 1
    jlt %r2, 512, L_inner
    add %r6, 4096
    add %r7, 1
    jlt %r7, 4, L_outer
    exit
