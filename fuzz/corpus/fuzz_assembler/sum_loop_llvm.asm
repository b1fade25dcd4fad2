    r0 = 0
    r1 = 100
L2:
    r0 += r1
    r1 -= 1
    if r1 != 0 goto L2
    exit
