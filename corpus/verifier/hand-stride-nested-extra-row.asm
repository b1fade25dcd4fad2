# The nested walk over 5 rows of 4096 bytes: the fifth is past the end.
# @bpfcert verify reject mem.bounds pc=5
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
    jlt %r7, 5, L_outer
    exit
