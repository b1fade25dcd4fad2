# Sum of 1..100 with a backward jump: r0 = 5050.
    mov %r0, 0
    mov %r1, 100
loop:
    add %r0, %r1
    sub %r1, 1
    jne %r1, 0, loop
    exit
