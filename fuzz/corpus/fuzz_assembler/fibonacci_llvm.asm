    r1 = 50
    call L3
    exit
L3:
    r0 = 0
    r2 = 1
L5:
    if r1 == 0 goto L12
    r3 = r0
    r3 += r2
    r0 = r2
    r2 = r3
    r1 -= 1
    goto L5
L12:
    exit
