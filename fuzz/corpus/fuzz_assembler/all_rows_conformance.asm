    add32 %r1, 0
    ja L2
L2:
    ja32 L3
L3:
    add %r1, 0
    add32 %r1, %r2
    add %r1, %r2
    sub32 %r1, 0
    jeq %r1, 0, L8
L8:
    jeq32 %r1, 0, L9
L9:
    sub %r1, 0
    lddw %r1, 0x0
    lddw %r1, map_fd 0
    lddw %r1, map_value 0, 0
    lddw %r1, var 0
    lddw %r1, code +0
    lddw %r1, map_idx 0
    lddw %r1, map_idx_value 0, 0
    sub32 %r1, %r2
    jeq %r1, %r2, L26
L26:
    jeq32 %r1, %r2, L27
L27:
    sub %r1, %r2
    ldabsw 0
    mul32 %r1, 0
    jgt %r1, 0, L31
L31:
    jgt32 %r1, 0, L32
L32:
    mul %r1, 0
    ldabsh 0
    mul32 %r1, %r2
    jgt %r1, %r2, L36
L36:
    jgt32 %r1, %r2, L37
L37:
    mul %r1, %r2
    ldabsb 0
    div32 %r1, 0
    sdiv32 %r1, 0
    jge %r1, 0, L42
L42:
    jge32 %r1, 0, L43
L43:
    div %r1, 0
    sdiv %r1, 0
    div32 %r1, %r2
    sdiv32 %r1, %r2
    jge %r1, %r2, L48
L48:
    jge32 %r1, %r2, L49
L49:
    div %r1, %r2
    sdiv %r1, %r2
    ldindw %r2, 0
    or32 %r1, 0
    jset %r1, 0, L54
L54:
    jset32 %r1, 0, L55
L55:
    or %r1, 0
    ldindh %r2, 0
    or32 %r1, %r2
    jset %r1, %r2, L59
L59:
    jset32 %r1, %r2, L60
L60:
    or %r1, %r2
    ldindb %r2, 0
    and32 %r1, 0
    jne %r1, 0, L64
L64:
    jne32 %r1, 0, L65
L65:
    and %r1, 0
    and32 %r1, %r2
    jne %r1, %r2, L68
L68:
    jne32 %r1, %r2, L69
L69:
    and %r1, %r2
    ldxw %r1, [%r2+0]
    stw [%r1+0], 0
    stxw [%r1+0], %r2
    lsh32 %r1, 0
    jsgt %r1, 0, L75
L75:
    jsgt32 %r1, 0, L76
L76:
    lsh %r1, 0
    ldxh %r1, [%r2+0]
    sth [%r1+0], 0
    stxh [%r1+0], %r2
    lsh32 %r1, %r2
    jsgt %r1, %r2, L82
L82:
    jsgt32 %r1, %r2, L83
L83:
    lsh %r1, %r2
    ldxb %r1, [%r2+0]
    stb [%r1+0], 0
    stxb [%r1+0], %r2
    rsh32 %r1, 0
    jsge %r1, 0, L89
L89:
    jsge32 %r1, 0, L90
L90:
    rsh %r1, 0
    ldxdw %r1, [%r2+0]
    stdw [%r1+0], 0
    stxdw [%r1+0], %r2
    rsh32 %r1, %r2
    jsge %r1, %r2, L96
L96:
    jsge32 %r1, %r2, L97
L97:
    rsh %r1, %r2
    ldxsw %r1, [%r2+0]
    neg32 %r1
    call 1000
    call local L102
L102:
    call runtime 0
    neg %r1
    ldxsh %r1, [%r2+0]
    call %r1
    ldxsb %r1, [%r2+0]
    mod32 %r1, 0
    smod32 %r1, 0
    exit
    mod %r1, 0
    smod %r1, 0
    mod32 %r1, %r2
    smod32 %r1, %r2
    mod %r1, %r2
    smod %r1, %r2
    xor32 %r1, 0
    jlt %r1, 0, L118
L118:
    jlt32 %r1, 0, L119
L119:
    xor %r1, 0
    xor32 %r1, %r2
    jlt %r1, %r2, L122
L122:
    jlt32 %r1, %r2, L123
L123:
    xor %r1, %r2
    mov32 %r1, 0
    jle %r1, 0, L126
L126:
    jle32 %r1, 0, L127
L127:
    mov %r1, 0
    mov32 %r1, %r2
    movsx832 %r1, %r2
    movsx1632 %r1, %r2
    jle %r1, %r2, L132
L132:
    jle32 %r1, %r2, L133
L133:
    mov %r1, %r2
    movsx864 %r1, %r2
    movsx1664 %r1, %r2
    movsx3264 %r1, %r2
    lock add32 [%r1+0], %r2
    lock fetch add32 [%r1+0], %r2
    lock or32 [%r1+0], %r2
    lock fetch or32 [%r1+0], %r2
    lock and32 [%r1+0], %r2
    lock fetch and32 [%r1+0], %r2
    lock xor32 [%r1+0], %r2
    lock fetch xor32 [%r1+0], %r2
    lock xchg32 [%r1+0], %r2
    lock cmpxchg32 [%r1+0], %r2
    arsh32 %r1, 0
    jslt %r1, 0, L149
L149:
    jslt32 %r1, 0, L150
L150:
    arsh %r1, 0
    arsh32 %r1, %r2
    jslt %r1, %r2, L153
L153:
    jslt32 %r1, %r2, L154
L154:
    arsh %r1, %r2
    le16 %r1
    le32 %r1
    le64 %r1
    jsle %r1, 0, L159
L159:
    jsle32 %r1, 0, L160
L160:
    bswap16 %r1
    bswap32 %r1
    bswap64 %r1
    lock add [%r1+0], %r2
    lock fetch add [%r1+0], %r2
    lock or [%r1+0], %r2
    lock fetch or [%r1+0], %r2
    lock and [%r1+0], %r2
    lock fetch and [%r1+0], %r2
    lock xor [%r1+0], %r2
    lock fetch xor [%r1+0], %r2
    lock xchg [%r1+0], %r2
    lock cmpxchg [%r1+0], %r2
    be16 %r1
    be32 %r1
    be64 %r1
    jsle %r1, %r2, L177
L177:
    jsle32 %r1, %r2, L178
L178:
    exit
