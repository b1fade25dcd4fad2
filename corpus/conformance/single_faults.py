"""Tests chosen with the model to tell RFC 9669 from implementations with a single fault.

`bpfcert mutate` runs the corpus against every single-fault mutant of the reference interpreter:
an instruction executed as a neighbouring row of the opcode table (the other width, the other
signedness, a strict comparison for a non-strict one, operands swapped, another access size,
the other byte order, a fetch dropped or added), a 64-bit immediate zero-extended instead of
sign-extended, a register not restored when a local call returns. The project requires every
such fault to be caught by at least three tests (tests/conformance/mutate_test.cpp).

For the ALU, jump and MOVSX encodings this module counts, with the model and a faulty copy of
it, how many of the generator's regular cases already tell each fault apart, and adds cases from
a fixed pool of operands until three do (greedily: a case that tells several faults apart
counts for each). The memory, byte-swap, packet and call faults get cases written for them.
Expected values are the model's, as everywhere in this corpus; the faulty models only choose
inputs. Called by generate.py, whose helpers it uses (`g`).
"""

REQUIRED = 3

# Operand pools, in the order cases are tried (so the output is deterministic).
VALUES = [0, 1, 2, 5, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x100000000, 0x100000005,
          0x1ffffffff, 0xffffffff00000000, 0xffffffff00000001, 0xffffffff80000000, 0x7fffffffffffffff,
          0x8000000000000000, 0xfffffffffffffffe, 0xffffffffffffffff, 0x8877665544332211]
IMMS = [1, 5, -1, -2, 0x7fffffff, -0x80000000, 0]

JUMP_SIGNEDNESS = {"jgt": "jsgt", "jge": "jsge", "jlt": "jslt", "jle": "jsle"}
JUMP_OFF_BY_ONE = {"jgt": "jge", "jlt": "jle", "jsgt": "jsge", "jslt": "jsle"}
JUMP_SWAP = {"jgt": "jlt", "jge": "jle", "jsgt": "jslt", "jsge": "jsle"}
ALU_SIGNEDNESS = {"rsh": "arsh", "div": "sdiv", "mod": "smod"}


def partner(table, op):
    for a, b in table.items():
        if op == a:
            return b
        if op == b:
            return a
    return None


def name_value(v):
    if v == (1 << 64) - 1:
        return "all_ones"
    return str(v) if v < 10 else "0x%x" % v


def name_imm(v):
    return "minus_%d" % -v if v < 0 else name_value(v)


def cover(g, needs, candidates, tells, emit_case):
    """Greedy: emits candidates until every fault in `needs` is told apart REQUIRED times."""
    used = set()
    while any(n > 0 for n in needs.values()):
        best, best_gain = None, 0
        for i, c in enumerate(candidates):
            if i in used:
                continue
            gain = sum(1 for f in tells(c) if needs.get(f, 0) > 0)
            if gain > best_gain:
                best, best_gain = i, gain
        if best is None:
            missing = [f for f, n in needs.items() if n > 0]
            raise SystemExit("single_faults.py: no operand in the pool tells apart %s" % missing)
        used.add(best)
        for f in tells(candidates[best]):
            if f in needs:
                needs[f] -= 1
        emit_case(candidates[best])


# ---- jumps ----------------------------------------------------------------------------------

def jump_faults(op, bits, form):
    """The faulty comparisons of a jump: name -> (op, bits, zero-extended immediate)."""
    other = 64 if bits == 32 else 32
    faults = {"width": (op, other, False)}
    for fam, table in (("signedness", JUMP_SIGNEDNESS), ("off-by-one", JUMP_OFF_BY_ONE), ("operand-swap", JUMP_SWAP)):
        p = partner(table, op)
        if p:
            faults[fam] = (p, bits, False)
    if form == "imm" and bits == 64:
        faults["extension"] = (op, 64, True)
    return faults


def jump_taken(g, op, bits, dst, operand):
    return g.model_jump(op, bits, dst, operand)


def jump_tells(g, op, bits, form, dst, src):
    """The faults a case (dst register, src register or imm) tells apart."""
    if form == "imm":
        operand, raw = src & g.M64, src & g.M32
    else:
        operand = raw = src
    ref = jump_taken(g, op, bits, dst, operand)
    out = []
    for f, (fop, fbits, zext) in jump_faults(op, bits, form).items():
        if jump_taken(g, fop, fbits, dst, raw if zext else operand) != ref:
            out.append(f)
    return out


def existing_jump_cases(g, op, bits, form):
    """(dst, src) of the cases generate.py's jump_tests() emits for this encoding."""
    cases = []
    for d, s, _ in g.JUMP_CASES:
        dv, sv = g.sym(d, bits), g.sym(s, bits)
        if form == "imm":
            imm = g.imm_for(sv, bits)
            if imm is not None:
                cases.append((dv, imm))
        else:
            cases.append((dv, sv))
    for dv, sv in ((0x100000005, 5), (0x00000000ffffffff, 0), (0xffffffff00000001, 2)):
        if form == "imm":
            imm = g.imm_for(sv, bits)
            if imm is not None:
                cases.append((dv, imm))
        else:
            cases.append((dv, sv))
    if op == "jeq" and bits == 64 and form == "imm":
        cases.append((0xffffffff80000000, -0x80000000))
    if op == "jgt" and bits == 64 and form == "imm":
        cases.append((0xffffffff, -1))
    return cases


def jump_cases(g):
    for op in g.JUMP_OPS:
        for bits in (32, 64):
            sfx = "32" if bits == 32 else ""
            fam = "jmp32" if bits == 32 else "jmp"
            for form in ("imm", "reg"):
                needs = {f: REQUIRED for f in jump_faults(op, bits, form)}
                for dst, src in existing_jump_cases(g, op, bits, form):
                    for f in jump_tells(g, op, bits, form, dst, src):
                        needs[f] -= 1
                srcs = IMMS if form == "imm" else VALUES
                candidates = [(d, s) for s in srcs for d in VALUES]

                def emit_case(c, op=op, bits=bits, sfx=sfx, fam=fam, form=form):
                    dst, src = c
                    asm, r = g.jump_program(bits, form, op, dst, src & g.M64 if form == "reg" else src, set32=False)
                    told = jump_tells(g, op, bits, form, dst, src)
                    g.emit(fam, "%s%s_%s_%s_vs_%s_%s" % (op, sfx, form, name_value(dst),
                                                          name_imm(src) if form == "imm" else name_value(src),
                                                          "taken" if r else "not_taken"),
                           "%s%s (%s form): %s; r0 = 1 when taken (RFC 9669 §4.3). Chosen so that a VM with one "
                           "of these faults answers otherwise: %s" % (op, sfx, "K" if form == "imm" else "X",
                                                                       "taken" if r else "not taken", ", ".join(told)),
                           asm=asm, result=r)

                cover(g, needs, candidates, lambda c, op=op, bits=bits, form=form: jump_tells(g, op, bits, form, *c),
                      emit_case)


# ---- ALU ------------------------------------------------------------------------------------

SHIFTS = {"lsh", "rsh", "arsh"}


def alu_faults(op, bits, form):
    other = 64 if bits == 32 else 32
    faults = {"width": (op, other, False)}
    p = partner(ALU_SIGNEDNESS, op)
    if p:
        faults["signedness"] = (p, bits, False)
    if form == "imm" and bits == 64 and op not in SHIFTS:
        faults["extension"] = (op, 64, True)
    return faults


def alu_result(g, op, bits, dst, operand):
    return g.model_alu(op, bits, dst, operand)


def alu_tells(g, op, bits, form, dst, src):
    """src: the immediate (K) or the source register's value (X); dst: the register's value."""
    if form == "imm":
        operand, raw = src & g.M64, src & g.M32
    else:
        operand = raw = src
    ref = alu_result(g, op, bits, dst, operand)
    out = []
    for f, (fop, fbits, zext) in alu_faults(op, bits, form).items():
        if alu_result(g, fop, fbits, dst, raw if zext else operand) != ref:
            out.append(f)
    return out


def existing_alu_cases(g, op, bits, form):
    cases = []
    for d, s, _ in g.ALU_CASES[op]:
        dv, sv = g.sym(d, bits), g.sym(s, bits)
        if op == "mov":
            dv = 0
        if form == "imm":
            imm = g.imm_for(sv, bits)
            if imm is not None:
                cases.append((dv, imm))
        else:
            cases.append((dv, sv))
    if bits == 32:
        cases.append((0xdeadbeef00000011, 3 if form == "imm" else 0xcafebabe00000003))
    elif form == "imm" and op in ("add", "sub", "or", "and", "xor", "mov", "div", "mod", "mul"):
        cases.append((0 if op == "mov" else 0x100000000, -2))
    return cases


def alu_cases(g):
    for op in g.ALU_CASES:
        for bits in (32, 64):
            sfx = "32" if bits == 32 else ""
            fam = ("divmul%d" % bits) if op in g.DIVMUL else ("alu%d" % bits)
            for form in ("imm", "reg"):
                needs = {f: REQUIRED for f in alu_faults(op, bits, form)}
                for dst, src in existing_alu_cases(g, op, bits, form):
                    for f in alu_tells(g, op, bits, form, dst, src):
                        needs[f] -= 1
                srcs = IMMS if form == "imm" else VALUES
                dsts = [0] if op == "mov" else VALUES
                candidates = [(d, s) for s in srcs for d in dsts]

                def emit_case(c, op=op, bits=bits, sfx=sfx, fam=fam, form=form):
                    dst, src = c
                    asm = [] if op == "mov" else [g.load64(0, dst)]
                    if form == "imm":
                        asm.append("%s%s %%r0, %s" % (op, sfx, g.fmt_imm(src)))
                        operand = src & g.M64
                    else:
                        asm += [g.load64(1, src), "%s%s %%r0, %%r1" % (op, sfx)]
                        operand = src
                    asm.append("exit")
                    told = alu_tells(g, op, bits, form, dst, src)
                    name = "%s%s_%s_%s%s" % (op, sfx, form, "value_" if op == "mov" else name_value(dst) + "_by_",
                                             name_imm(src) if form == "imm" else name_value(src))
                    g.emit(fam, name, "%s%s (%s form) (RFC 9669 §4.1). Chosen so that a VM with one of these faults "
                                      "computes otherwise: %s" % (op, sfx, "K" if form == "imm" else "X", ", ".join(told)),
                           asm=asm, result=alu_result(g, op, bits, dst, operand))

                cover(g, needs, candidates, lambda c, op=op, bits=bits, form=form: alu_tells(g, op, bits, form, *c),
                      emit_case)


# ---- MOVSX ----------------------------------------------------------------------------------

def movsx_cases(g):
    existing = [0x7f, 0x80, 0x7fff, 0x8000, 0x80000000, 0x7fffffff, 0xdeadbeef12345680]
    for bits, widths in ((64, (8, 16, 32)), (32, (8, 16))):
        for fb in widths:
            faults = {"extension": lambda v, bits=bits: v & g.mask(bits)}  # executed as mov
            if fb < 32:
                faults["width"] = lambda v, fb=fb, bits=bits: g.model_movsx(96 - bits, v, fb)
            ref = lambda v, fb=fb, bits=bits: g.model_movsx(bits, v, fb)

            def tells(v, faults=faults, ref=ref):
                return [f for f, alt in faults.items() if alt(v) != ref(v)]

            needs = {f: REQUIRED for f in faults}
            for v in existing:
                if (v in (0x7fff, 0x8000) and fb < 16) or (v in (0x80000000, 0x7fffffff) and fb < 32):
                    continue
                for f in tells(v):
                    needs[f] -= 1
            needs = {f: n for f, n in needs.items()}
            mn = "movsx%d%d" % (fb, bits)

            def emit_case(v, mn=mn, bits=bits, fb=fb, tells=tells):
                g.emit("movsx", "%s_of_%s" % (mn, name_value(v)),
                       "%s of %s (RFC 9669 §4.1). Chosen so that a VM with one of these faults computes otherwise: %s" % (
                           mn, name_value(v), ", ".join(tells(v))),
                       asm=[g.load64(1, v), "%s %%r0, %%r1" % mn, "exit"], result=g.model_movsx(bits, v, fb))

            cover(g, needs, [v for v in VALUES if v not in existing], tells, emit_case)


# ---- byte swaps, memory, atomics, packet loads, calls ----------------------------------------

def byteswap_cases(g):
    # Two more values with every byte distinct and the upper half set, for every END / BSWAP
    # encoding: a swap or truncation of the wrong width, or the other byte order, changes them.
    for v in (0x0123456789abcdef, 0xfedcba9876543210):
        for kind in ("le", "be", "bswap"):
            for n in (16, 32, 64):
                mn = "%s%d" % ("swap" if kind == "bswap" else kind, n)
                expect = (v & g.mask(n)) if kind == "le" else g.model_bswap(v, n)
                g.emit("byteswap", "%s_of_%x" % (mn, v),
                       "%s of a value whose bytes all differ: a wrong width or byte order changes it (RFC 9669 §4.2)" % mn,
                       asm=[g.load64(0, v), "%s %%r0" % mn, "exit"], result=expect)


def atomic_cases(g):
    # 64-bit atomics on values where only the upper half tells a 32-bit access apart: a carry
    # into bit 32, bits set or cleared above it.
    upper = {"add": (0x00000000ffffffff, 1), "or": (0, 0x100000000), "and": ((1 << 64) - 1, 0xffffffff),
             "xor": (0, 0x100000001), "xchg": ((1 << 64) - 1, 0)}
    for op, (old, src) in upper.items():
        for fetch in ([True] if op == "xchg" else [False, True]):
            mn = "lock %s%s" % ("fetch " if fetch and op != "xchg" else "", op)
            base = "lock_%s%s" % ("fetch_" if fetch and op != "xchg" else "", op)
            g.emit("atomic64", base + "_upper_half", "%s on %#x and %#x: the result's upper half differs from a 4-byte "
                                                      "access's (RFC 9669 §5.3)" % (mn, old, src),
                   asm=[g.load64(1, old), "stxdw [%r10-8], %r1", g.load64(2, src), "%s [%%r10-8], %%r2" % mn,
                        "ldxdw %r0, [%r10-8]", "exit"], result=g.model_atomic(op, 8, old, src))
    # FETCH writes the old value to src; without it src is unchanged (RFC 9669 §5.3). Two more
    # cases each way, with other values and with src used again afterwards.
    for n, sfx in ((4, "32"), (8, "")):
        fam = "atomic%d" % (8 * n)
        sz = "w" if n == 4 else "dw"
        off = -4 if n == 4 else -8
        for op in g.ATOMIC_OPS:
            for fetch in (False, True):
                mn = "lock %s%s%s" % ("fetch " if fetch else "", op, sfx)
                base = "lock_%s%s%s" % ("fetch_" if fetch else "", op, sfx)
                old, src = 0x3c, 0x0f
                g.emit(fam, base + "_src_after_small_values", "%s on %#x and %#x: src %s afterwards" % (
                    mn, old, src, "holds the old value" if fetch else "is unchanged"),
                       asm=["mov %%r1, %d" % old, "stx%s [%%r10%d], %%r1" % (sz, off), "mov %%r2, %d" % src,
                            "%s [%%r10%d], %%r2" % (mn, off), "mov %r0, %r2", "exit"], result=old if fetch else src)
                # src used by a second, plain add: its value after the first operation decides
                # the memory's final contents.
                new = g.model_atomic(op, n, old, src)
                second = src if not fetch else old
                g.emit(fam, base + "_src_used_again", "%s, then lock add%s with the same src: the memory shows which "
                                                       "value src held" % (mn, sfx),
                       asm=["mov %%r1, %d" % old, "stx%s [%%r10%d], %%r1" % (sz, off), "mov %%r2, %d" % src,
                            "%s [%%r10%d], %%r2" % (mn, off), "lock add%s [%%r10%d], %%r2" % (sfx, off),
                            "ldx%s %%r0, [%%r10%d]" % (sz, off), "exit"],
                       result=g.model_atomic("add", n, new, second))


def packet_cases(g, emit_packet):
    pkt = [0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18]
    for sz, n in (("b", 1), ("h", 2)):
        for off in (1, 3):
            emit_packet("packet", "ldabs%s_offset_%d" % (sz, off),
                        "ldabs%s %d: %d bytes in network byte order; a wider load reads more (OPCODES.md §4.19)" % (sz, off, n),
                        asm=["ldabs%s %d" % (sz, off), "exit"], mem=pkt, result=g.be_read(pkt, off, n))


def call_cases(g):
    # Each callee-saved register on its own, restored after a call and after nested calls.
    for reg in (6, 7, 8, 9):
        g.emit("call", "local_call_restores_r%d" % reg, "r%d is callee-saved: a callee that changes it leaves the "
                                                         "caller's value (RFC 9669 §4.3.1)" % reg,
               asm=["mov %%r%d, %d" % (reg, reg), "call local fn", "mov %%r0, %%r%d" % reg, "exit", "fn:",
                    "mov %%r%d, 99" % reg, "mov %r0, 0", "exit"], result=reg)
        g.emit("call", "local_call_restores_r%d_through_nested_calls" % reg,
               "r%d survives two levels of calls that each change it" % reg,
               asm=["mov %%r%d, 1" % reg, "call local f1", "add %%r%d, 1" % reg, "mov %%r0, %%r%d" % reg, "exit",
                    "f1:", "mov %%r%d, 10" % reg, "call local f2", "mov %%r0, %%r%d" % reg, "exit",
                    "f2:", "mov %%r%d, 100" % reg, "mov %r0, 0", "exit"], result=2)


def tests(g, emit_packet):
    jump_cases(g)
    alu_cases(g)
    movsx_cases(g)
    byteswap_cases(g)
    atomic_cases(g)
    packet_cases(g, emit_packet)
    call_cases(g)
