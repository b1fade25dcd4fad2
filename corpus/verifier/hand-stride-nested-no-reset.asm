# The inner pointer is not reset on entry into the inner loop: it keeps moving across the 5
# outer iterations (5 * 4096 bytes), past the end.
# @bpfcert verify reject mem.bounds pc=4
# @bpfcert mem-size 16384
    mov %r0, 0
    mov %r3, %r1
    mov %r7, 0
L_outer:
    mov %r2, 0
L_inner:
    ldxdw %r4, [%r3+0]
    add %r0, %r4
    add %r3, 8
    add %r2, 1
    jlt %r2, 512, L_inner
    add %r7, 1
    jlt %r7, 5, L_outer
    exit
