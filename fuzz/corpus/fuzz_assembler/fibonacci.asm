# fib(50) in a local function called from the main program: r0 = 12586269025.
    mov %r1, 50
    call local fib
    exit
fib:
    mov %r0, 0
    mov %r2, 1
fib_loop:
    jeq %r1, 0, fib_done
    mov %r3, %r0
    add %r3, %r2
    mov %r0, %r2
    mov %r2, %r3
    sub %r1, 1
    ja fib_loop
fib_done:
    exit
