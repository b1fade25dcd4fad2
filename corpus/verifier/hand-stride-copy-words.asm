# clang -O2's word copy (bench/bpf/copy_words.c): src walks by 8 while the counter i is compared;
# the counter bound (1023 back edges) bounds src to mem + 8 * [0, 1023] (counter_narrow).
# @bpfcert verify accept mem.bounds
# @bpfcert mem-size 16384
    mov %r4, %r2
    rsh %r4, 4
    mov %r3, %r4
    lsh %r3, 3
    mov %r5, %r1
    add %r5, %r3
    jlt %r2, 16, L_end
    mov %r2, 0
L_loop:
    mov %r0, %r1
    add %r0, %r3
    ldxdw %r6, [%r1+0]
    stxdw [%r0+0], %r6
    add %r1, 8
    add %r2, 1
    jlt %r2, %r4, L_loop
L_end:
    add %r5, %r3
    ldxdw %r0, [%r5-8]
    exit
