#!/usr/bin/env python3
"""Writes the generated cases of corpus/verifier/ (files named gen-*.data).

Each case is a small program with the verdict the verifier's rules demand, computed here from
those rules (region sizes, offsets, ranges, loop bounds) and never by running bpfcert. Lines
are conformance-syntax assembler; a line given as (text, "M") marks the instruction whose pc an
expected finding names. Run from anywhere: python3 corpus/verifier/generate.py
"""
import os
import glob

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = []


def pcs_of(lines):
    pc, marks = 0, {}
    for ln in lines:
        text, mark = (ln if isinstance(ln, tuple) else (ln, None))
        if text.strip().endswith(":"):
            continue
        if mark:
            marks[mark] = pc
        pc += 2 if text.strip().startswith("lddw") else 1
    return marks


def case(name, about, lines, accept=None, reject=(), mem=None, mem_size=None, maps=(), vars_=(), platform=None):
    """accept: the check exercised; reject: [(check, mark)]."""
    marks = pcs_of(lines)
    out = [f"# {about}"]
    if accept:
        out.append(f"# @bpfcert verify accept {accept}")
    for check, mark in reject:
        out.append(f"# @bpfcert verify reject {check} pc={marks[mark]}")
    if platform:
        out.append(f"# @bpfcert platform {platform}")
    if mem_size is not None:
        out.append(f"# @bpfcert mem-size {mem_size}")
    for m in maps:
        out.append(f"# @bpfcert map {m}")
    for v in vars_:
        out.append(f"# @bpfcert var {v}")
    out.append("-- asm")
    for ln in lines:
        text = ln[0] if isinstance(ln, tuple) else ln
        out.append(text if text.strip().endswith(":") else "    " + text)
    if mem is not None:
        out.append("-- mem")
        out.append(" ".join(f"{b:02x}" for b in mem))
    assert name not in [c[0] for c in CASES], name
    CASES.append((name, "\n".join(out) + "\n"))


MEM16 = list(range(16))
LD = {1: "ldxb", 2: "ldxh", 4: "ldxw", 8: "ldxdw"}
ST = {1: "stb", 2: "sth", 4: "stw", 8: "stdw"}
STX = {1: "stxb", 2: "stxh", 4: "stxw", 8: "stxdw"}
ARRAY_MAP = "fd=1 type=array key=4 value=8 entries=4 name=arr"
HASH_MAP = "fd=2 type=hash key=4 value=16 entries=8 name=hash"


def off(o):
    return f"+{o}" if o >= 0 else f"{o}"


# ---- A. conformance memory bounds: r1 = 16 bytes -------------------------------------------
for size in (1, 2, 4, 8):
    for o in (0, 8, 12, 15, 16, -1, -4, 100):
        ok = 0 <= o and o + size <= 16
        case(f"mem-load{size}-at{o}", f"{size}-byte load at r1{off(o)} from 16 bytes of memory",
             [(f"{LD[size]} %r0, [%r1{off(o)}]", "L"), "exit"],
             accept="mem.bounds" if ok else None, reject=() if ok else [("mem.bounds", "L")], mem=MEM16)
        case(f"mem-store{size}-at{o}", f"{size}-byte store at r1{off(o)} into 16 bytes of memory",
             [(f"{ST[size]} [%r1{off(o)}], 7", "S"), "mov %r0, 0", "exit"],
             accept="mem.bounds" if ok else None, reject=() if ok else [("mem.bounds", "S")], mem=MEM16)

# ---- B. stack bounds -------------------------------------------------------------------------
for size in (1, 2, 4, 8):
    for o in (-512, -504, -8, -4, -1, 0, -513, -516):
        ok = -512 <= o and o + size <= 0
        case(f"stack-store{size}-at{-o}", f"{size}-byte store at r10{off(o)} (frame: r10-512 .. r10-1)",
             [(f"{ST[size]} [%r10{off(o)}], 1", "S"), "mov %r0, 0", "exit"],
             accept="mem.bounds" if ok else None, reject=() if ok else [("mem.bounds", "S")])

# ---- C. stack initialisation -------------------------------------------------------------
case("stack-uninit-load", "load from a stack slot never written",
     [("ldxdw %r0, [%r10-8]", "L"), "exit"], reject=[("stack.uninit", "L")])
case("stack-uninit-half", "8-byte load after a 4-byte store: the upper half is uninitialised",
     ["stw [%r10-8], 1", ("ldxdw %r0, [%r10-8]", "L"), "exit"], reject=[("stack.uninit", "L")])
case("stack-init-two-halves", "two 4-byte stores initialise the 8 bytes read",
     ["stw [%r10-8], 1", "stw [%r10-4], 2", "ldxdw %r0, [%r10-8]", "exit"], accept="stack.uninit")
case("stack-uninit-overlap", "8-byte load overlapping a written slot and an unwritten one",
     ["stdw [%r10-16], 1", ("ldxdw %r0, [%r10-12]", "L"), "exit"], reject=[("stack.uninit", "L")])
case("stack-init-byte", "one byte written, one byte read",
     ["stb [%r10-1], 9", "ldxb %r0, [%r10-1]", "exit"], accept="stack.uninit")
case("stack-uninit-neighbour-byte", "2-byte load where only the upper byte was written",
     ["stb [%r10-1], 9", ("ldxh %r0, [%r10-2]", "L"), "exit"], reject=[("stack.uninit", "L")])
case("stack-uninit-one-path", "a slot written on one path only, read after the merge",
     ["ldxb %r3, [%r1+0]", "jgt %r3, 8, skip", "stdw [%r10-8], 1", "skip:", ("ldxdw %r0, [%r10-8]", "L"), "exit"],
     reject=[("stack.uninit", "L")], mem=MEM16)
case("stack-init-both-paths", "a slot written on both paths, read after the merge",
     ["ldxb %r3, [%r1+0]", "jgt %r3, 8, other", "stdw [%r10-8], 1", "ja join", "other:", "stdw [%r10-8], 2",
      "join:", "ldxdw %r0, [%r10-8]", "exit"], accept="stack.uninit", mem=MEM16)
case("stack-spill-scalar-precise", "an 8-byte spill keeps the scalar exactly: r0 = 42 after the fill",
     ["mov %r3, 42", "stxdw [%r10-8], %r3", "ldxdw %r0, [%r10-8]", "exit"], accept="stack.uninit")
case("stack-spill-bounds-kept", "a bounded index survives a spill and fill and still proves the access",
     ["ldxb %r3, [%r1+0]", "and %r3, 7", "stxdw [%r10-8], %r3", "ldxdw %r4, [%r10-8]", "add %r1, %r4",
      "ldxdw %r0, [%r1+0]", "exit"], accept="mem.bounds", mem=MEM16)
case("stack-spill32-bounds-kept", "a 4-byte spill of a bounded value keeps its bounds (clang spills w registers so)",
     ["ldxb %r3, [%r1+0]", "and %r3, 7", "stxw [%r10-4], %r3", "ldxw %r4, [%r10-4]", "add %r1, %r4",
      "ldxdw %r0, [%r1+0]", "exit"], accept="mem.bounds", mem=MEM16)
case("stack-spill32-narrow-reload", "a 2-byte reload of the low half of a 4-byte spill",
     ["ldxb %r3, [%r1+0]", "and %r3, 7", "stxw [%r10-8], %r3", "ldxh %r4, [%r10-8]", "add %r1, %r4",
      "ldxdw %r0, [%r1+0]", "exit"], accept="mem.bounds", mem=MEM16)
case("stack-spill32-overwritten", "a byte written into a 4-byte spill leaves only unknown bytes",
     ["ldxb %r3, [%r1+0]", "and %r3, 7", "stxw [%r10-4], %r3", "stb [%r10-3], 1", "ldxw %r4, [%r10-4]",
      "add %r1, %r4", ("ldxdw %r0, [%r1+0]", "L"), "exit"], reject=[("mem.bounds", "L")], mem=MEM16)
case("stack-spill32-half-uninit", "an 8-byte read over a 4-byte spill and 4 unwritten bytes",
     ["ldxb %r3, [%r1+0]", "stxw [%r10-8], %r3", ("ldxdw %r0, [%r10-8]", "L"), "exit"],
     reject=[("stack.uninit", "L")], mem=MEM16)
case("stack-spill32-both-halves", "two 4-byte spills in one slot, each reloaded with its bounds",
     ["ldxb %r3, [%r1+0]", "and %r3, 3", "ldxb %r5, [%r1+1]", "and %r5, 4", "stxw [%r10-8], %r3",
      "stxw [%r10-4], %r5", "ldxw %r4, [%r10-8]", "ldxw %r6, [%r10-4]", "add %r4, %r6", "add %r1, %r4",
      "ldxdw %r0, [%r1+0]", "exit"], accept="mem.bounds", mem=MEM16)
case("stack-partial-read-of-spill", "a 1-byte read of a spilled constant gives its low byte",
     ["lddw %r3, 0x1122334455667788", "stxdw [%r10-8], %r3", "ldxb %r0, [%r10-8]", "exit"], accept="stack.uninit")
case("stack-variable-offset-uninit", "a variable-offset read over partly written stack",
     ["stdw [%r10-8], 0", "ldxb %r3, [%r1+0]", "and %r3, 8", "mov %r4, %r10", "add %r4, -16", "add %r4, %r3",
      ("ldxdw %r0, [%r4+0]", "L"), "exit"], reject=[("stack.uninit", "L")], mem=MEM16)
case("stack-variable-offset-store", "a store at a variable offset writes no byte for sure",
     ["ldxb %r3, [%r1+0]", "and %r3, 8", "mov %r4, %r10", "add %r4, -16", "add %r4, %r3", "stdw [%r4+0], 1",
      ("ldxdw %r0, [%r10-16]", "L"), "exit"], reject=[("stack.uninit", "L")], mem=MEM16)
case("stack-variable-offset-init", "a variable-offset read over fully written stack",
     ["stdw [%r10-8], 0", "stdw [%r10-16], 0", "ldxb %r3, [%r1+0]", "and %r3, 8", "mov %r4, %r10", "add %r4, -16",
      "add %r4, %r3", "ldxdw %r0, [%r4+0]", "exit"], accept="stack.uninit", mem=MEM16)

# ---- D. registers ------------------------------------------------------------------------------
for r in (3, 4, 5, 6, 7, 8, 9):
    case(f"reg-uninit-r{r}", f"r{r} is not set at entry (only r1, r2 and r10 are)",
         ["mov %r0, 1", (f"add %r0, %r{r}", "A"), "exit"], reject=[("reg.uninit", "A")])
case("reg-uninit-r0", "r0 is not set at entry", [("add %r0, 1", "A"), "exit"], reject=[("reg.uninit", "A")])
case("reg-init-r1-r2", "r1 and r2 are set at entry on the conformance platform",
     ["mov %r0, %r2", "exit"], accept="reg.uninit")
for r in (1, 2, 3, 4, 5):
    case(f"reg-clobbered-r{r}-after-helper", f"r{r} is not preserved by a helper call",
         ["mov %r3, 1", "mov %r4, 2", "mov %r5, 3", "call 5", (f"mov %r0, %r{r}", "A"), "exit"],
         reject=[("reg.uninit", "A")])
case("reg-r6-kept-after-helper", "r6-r9 survive helper calls", ["mov %r6, 5", "call 5", "mov %r0, %r6", "exit"],
     accept="reg.uninit")
case("reg-uninit-one-path", "r3 set on one path only",
     ["ldxb %r4, [%r1+0]", "jeq %r4, 0, skip", "mov %r3, 1", "skip:", "mov %r0, 0", ("add %r0, %r3", "A"), "exit"],
     reject=[("reg.uninit", "A")], mem=MEM16)
case("reg-uninit-in-jump", "a jump compares an unset register",
     [("jeq %r3, 0, next", "A"), "next:", "mov %r0, 0", "exit"], reject=[("reg.uninit", "A")])
case("reg-uninit-stored", "an unset register stored to the stack",
     [("stxdw [%r10-8], %r4", "A"), "mov %r0, 0", "exit"], reject=[("reg.uninit", "A")])
case("reg-uninit-as-pointer", "an unset register used as a pointer",
     [("ldxw %r0, [%r5+0]", "A"), "exit"], reject=[("reg.uninit", "A")])

# ---- E. exit ------------------------------------------------------------------------------------
case("exit-r0-unset", "exit without setting r0", [("exit", "E")], reject=[("exit.r0", "E")])
case("exit-r0-pointer-mem", "returning the memory pointer leaks an address",
     ["mov %r0, %r1", ("exit", "E")], reject=[("exit.r0", "E")])
case("exit-r0-pointer-stack", "returning the frame pointer leaks an address",
     ["mov %r0, %r10", ("exit", "E")], reject=[("exit.r0", "E")])
case("exit-r0-one-path", "r0 set on one path only",
     ["ldxb %r3, [%r1+0]", "jeq %r3, 0, out", "mov %r0, 1", "out:", ("exit", "E")], reject=[("exit.r0", "E")],
     mem=MEM16)
case("exit-r0-map-handle", "returning a map handle", ["lddw %r0, map_fd 1", ("exit", "E")],
     reject=[("exit.r0", "E")], maps=[ARRAY_MAP])
case("exit-r0-scalar", "a scalar r0", ["mov %r0, 3", "exit"], accept="exit.r0")

# ---- F. map lookups and null checks ---------------------------------------------------------
LOOKUP = ["stw [%r10-4], 0", "lddw %r1, map_fd 1", "mov %r2, %r10", "add %r2, -4", "call 1"]
case("null-deref-unchecked", "a lookup result dereferenced without a null check",
     LOOKUP + [("ldxdw %r0, [%r0+0]", "D"), "exit"], reject=[("mem.null", "D")], maps=[ARRAY_MAP])
case("null-checked-jeq", "null check by jeq r0, 0",
     LOOKUP + ["jeq %r0, 0, out", "ldxdw %r0, [%r0+0]", "exit", "out:", "mov %r0, 0", "exit"],
     accept="mem.null", maps=[ARRAY_MAP])
case("null-checked-jne", "null check by jne r0, 0 (the pointer is used on the taken side)",
     LOOKUP + ["jne %r0, 0, ok", "mov %r0, 0", "exit", "ok:", "ldxdw %r0, [%r0+0]", "exit"],
     accept="mem.null", maps=[ARRAY_MAP])
case("null-checked-register-zero", "null check against a register holding 0",
     LOOKUP + ["mov %r3, 0", "jeq %r0, %r3, out", "ldxdw %r0, [%r0+0]", "exit", "out:", "mov %r0, 0", "exit"],
     accept="mem.null", maps=[ARRAY_MAP])
case("null-check-on-copy", "checking a copy proves the original",
     LOOKUP + ["mov %r6, %r0", "jeq %r6, 0, out", "ldxdw %r0, [%r0+0]", "exit", "out:", "mov %r0, 0", "exit"],
     accept="mem.null", maps=[ARRAY_MAP])
case("null-check-spilled-copy", "checking r0 proves a copy spilled to the stack",
     LOOKUP + ["stxdw [%r10-16], %r0", "jeq %r0, 0, out", "ldxdw %r3, [%r10-16]", "ldxdw %r0, [%r3+0]", "exit",
               "out:", "mov %r0, 0", "exit"], accept="mem.null", maps=[ARRAY_MAP])
case("null-deref-in-null-branch", "on the null side r0 is the scalar 0",
     LOOKUP + ["jne %r0, 0, out", ("ldxdw %r0, [%r0+0]", "D"), "exit", "out:", "mov %r0, 0", "exit"],
     reject=[("mem.type", "D")], maps=[ARRAY_MAP])
case("null-check-jgt-not-understood", "only == and != with 0 are null checks",
     LOOKUP + ["jgt %r0, 0, ok", "mov %r0, 0", "exit", "ok:", ("ldxdw %r0, [%r0+0]", "D"), "exit"],
     reject=[("mem.null", "D")], maps=[ARRAY_MAP])
case("null-arith-before-check", "arithmetic on a pointer that may be null",
     LOOKUP + [("add %r0, 4", "A"), "mov %r0, 0", "exit"], reject=[("ptr.arith", "A")], maps=[ARRAY_MAP])
case("null-returned", "returning a lookup result",
     LOOKUP + [("exit", "E")], reject=[("exit.r0", "E")], maps=[ARRAY_MAP])
case("null-store-after-check", "writing the value after the check",
     LOOKUP + ["jeq %r0, 0, out", "stdw [%r0+0], 5", "out:", "mov %r0, 0", "exit"], accept="mem.null",
     maps=[ARRAY_MAP])
case("null-hash-lookup", "hash map lookup with a 4-byte key and a 16-byte value",
     ["stw [%r10-4], 7", "lddw %r1, map_fd 2", "mov %r2, %r10", "add %r2, -4", "call 1", "jeq %r0, 0, out",
      "ldxdw %r0, [%r0+8]", "exit", "out:", "mov %r0, 0", "exit"], accept="mem.null", maps=[HASH_MAP])
case("null-second-lookup-separate", "two lookups: checking one does not prove the other",
     LOOKUP + ["mov %r6, %r0", "stw [%r10-4], 1", "lddw %r1, map_fd 1", "mov %r2, %r10", "add %r2, -4", "call 1",
               "jeq %r0, 0, out", ("ldxdw %r0, [%r6+0]", "D"), "exit", "out:", "mov %r0, 0", "exit"],
     reject=[("mem.null", "D")], maps=[ARRAY_MAP])
case("null-joined-with-null", "a pointer that is NULL on one path stays nullable after the merge",
     ["mov %r6, 0", "ldxb %r3, [%r1+0]", "jeq %r3, 0, skip"] + LOOKUP + ["mov %r6, %r0", "skip:",
      "jeq %r6, 0, out", "ldxdw %r0, [%r6+0]", "exit", "out:", "mov %r0, 0", "exit"],
     accept="mem.null", maps=[ARRAY_MAP], mem=MEM16)

# ---- G. map value bounds (value_size 8) -------------------------------------------------------
for size in (1, 2, 4, 8):
    for o in (0, 4, 7, 8, -1):
        ok = 0 <= o and o + size <= 8
        case(f"mapvalue-load{size}-at{o}", f"{size}-byte load at offset {o} of an 8-byte map value",
             LOOKUP + ["jeq %r0, 0, out", (f"{LD[size]} %r0, [%r0{off(o)}]", "L"), "exit", "out:", "mov %r0, 0", "exit"],
             accept="mem.bounds" if ok else None, reject=() if ok else [("mem.bounds", "L")], maps=[ARRAY_MAP])

# ---- H. helpers ------------------------------------------------------------------------------------
case("helper-unknown-id", "helper 9999 does not exist", [("call 9999", "C"), "mov %r0, 0", "exit"],
     reject=[("helper.unknown", "C")])
case("helper-kfunc-unknown", "kfunc 99 does not exist", [("call runtime 99", "C"), "mov %r0, 0", "exit"],
     reject=[("helper.unknown", "C")])
case("helper-ktime", "bpf_ktime_get_ns takes no argument", ["call 5", "exit"], accept="helper.arg")
case("helper-prandom-bounds", "bpf_get_prandom_u32 returns a u32: masked, it indexes memory",
     ["mov %r6, %r1", "call 7", "and %r0, 15", "add %r6, %r0", "ldxb %r0, [%r6+0]", "exit"], accept="mem.bounds",
     mem=MEM16)
case("helper-prandom-unmasked", "bpf_get_prandom_u32 unmasked may index past the memory",
     ["mov %r6, %r1", "call 7", "add %r6, %r0", ("ldxb %r0, [%r6+0]", "L"), "exit"], reject=[("mem.bounds", "L")],
     mem=MEM16)
case("helper-sum5-scalars", "test helper 1000 with five scalars",
     ["mov %r1, 1", "mov %r2, 2", "mov %r3, 3", "mov %r4, 4", "mov %r5, 5", "call 1000", "exit"], accept="helper.arg")
case("helper-sum5-pointer-leak", "test helper 1000 given the memory pointer (leaks an address)",
     ["mov %r2, 2", "mov %r3, 3", "mov %r4, 4", "mov %r5, 5", ("call 1000", "C"), "exit"], reject=[("ptr.leak", "C")],
     mem=MEM16)
case("helper-sum5-uninit-arg", "test helper 1000 reads r3 to r5, unset here",
     ["mov %r1, 1", "mov %r2, 2", ("call 1000", "C"), "exit"], reject=[("reg.uninit", "C")])
case("kfunc-sum5", "kfunc 1 with five scalars",
     ["mov %r1, 1", "mov %r2, 2", "mov %r3, 3", "mov %r4, 4", "mov %r5, 5", "call runtime 1", "exit"],
     accept="helper.arg")
case("kfunc-mul", "kfunc 2 multiplies r1 and r2", ["mov %r1, 6", "mov %r2, 7", "call runtime 2", "exit"],
     accept="helper.arg")
case("kfunc-memset-stack", "kfunc 3 fills 16 stack bytes, which can then be read",
     ["mov %r1, %r10", "add %r1, -16", "mov %r2, 0", "mov %r3, 16", "call runtime 3", "ldxdw %r0, [%r10-16]", "exit"],
     accept="stack.uninit")
case("kfunc-memset-too-long", "kfunc 3 asked to write 32 bytes from r10-16",
     ["mov %r1, %r10", "add %r1, -16", "mov %r2, 0", "mov %r3, 32", ("call runtime 3", "C"), "mov %r0, 0", "exit"],
     reject=[("mem.bounds", "C")])
case("kfunc-memset-memory", "kfunc 3 on the 16-byte memory",
     ["mov %r2, 0", "mov %r3, 16", "call runtime 3", "exit"], accept="helper.arg", mem=MEM16)
case("kfunc-memset-scalar-dest", "kfunc 3 given a scalar destination",
     ["mov %r1, 4096", "mov %r2, 0", "mov %r3, 8", ("call runtime 3", "C"), "mov %r0, 0", "exit"],
     reject=[("helper.arg", "C")])
case("kfunc-memset-variable-size", "kfunc 3 with a size in [0, 8] from memory",
     ["ldxb %r3, [%r1+0]", "and %r3, 7", "mov %r1, %r10", "add %r1, -8", "mov %r2, 0", "call runtime 3",
      "mov %r0, 0", "exit"], accept="helper.arg", mem=MEM16)
case("kfunc-memset-unbounded-size", "kfunc 3 with an unbounded size",
     ["ldxdw %r3, [%r1+0]", "mov %r1, %r10", "add %r1, -8", "mov %r2, 0", ("call runtime 3", "C"), "mov %r0, 0",
      "exit"], reject=[("helper.arg", "C")], mem=MEM16)
case("helper-lookup-key-uninit", "map lookup with an unwritten key",
     ["lddw %r1, map_fd 1", "mov %r2, %r10", "add %r2, -4", ("call 1", "C"), "mov %r0, 0", "exit"],
     reject=[("stack.uninit", "C")], maps=[ARRAY_MAP])
case("helper-lookup-key-scalar", "map lookup with a scalar as key pointer",
     ["lddw %r1, map_fd 1", "mov %r2, 0", ("call 1", "C"), "mov %r0, 0", "exit"],
     reject=[("helper.arg", "C")], maps=[ARRAY_MAP])
case("helper-lookup-not-a-map", "map lookup with a scalar as map",
     ["stw [%r10-4], 0", "mov %r1, 1", "mov %r2, %r10", "add %r2, -4", ("call 1", "C"), "mov %r0, 0", "exit"],
     reject=[("helper.arg", "C")])
case("helper-lookup-key-past-frame", "a 4-byte key at r10-2 crosses the frame's top",
     ["stb [%r10-1], 0", "stb [%r10-2], 0", "lddw %r1, map_fd 1", "mov %r2, %r10", "add %r2, -2", ("call 1", "C"),
      "mov %r0, 0", "exit"], reject=[("mem.bounds", "C")], maps=[ARRAY_MAP])
case("helper-lookup-key-in-memory", "the key may live in the input memory",
     ["mov %r2, %r1", "lddw %r1, map_fd 1", "call 1", "mov %r0, 0", "exit"], accept="helper.arg", maps=[ARRAY_MAP],
     mem=MEM16)
case("helper-update", "map update with key and value on the stack",
     ["stw [%r10-4], 1", "stdw [%r10-16], 99", "lddw %r1, map_fd 1", "mov %r2, %r10", "add %r2, -4", "mov %r3, %r10",
      "add %r3, -16", "mov %r4, 0", "call 2", "exit"], accept="helper.arg", maps=[ARRAY_MAP])
case("helper-update-value-uninit", "map update whose value bytes are unwritten",
     ["stw [%r10-4], 1", "lddw %r1, map_fd 1", "mov %r2, %r10", "add %r2, -4", "mov %r3, %r10", "add %r3, -16",
      "mov %r4, 0", ("call 2", "C"), "exit"], reject=[("stack.uninit", "C")], maps=[ARRAY_MAP])
case("helper-update-value-pointer", "map update whose value is a spilled pointer (leak)",
     ["stw [%r10-4], 1", "stxdw [%r10-16], %r1", "lddw %r1, map_fd 1", "mov %r2, %r10", "add %r2, -4",
      "mov %r3, %r10", "add %r3, -16", "mov %r4, 0", ("call 2", "C"), "exit"], reject=[("ptr.leak", "C")],
     maps=[ARRAY_MAP], mem=MEM16)
case("helper-update-flags-pointer", "map update with a pointer as flags",
     ["stw [%r10-4], 1", "stdw [%r10-16], 99", "lddw %r1, map_fd 1", "mov %r2, %r10", "add %r2, -4", "mov %r3, %r10",
      "add %r3, -16", "mov %r4, %r10", ("call 2", "C"), "exit"], reject=[("helper.arg", "C")], maps=[ARRAY_MAP])
case("helper-delete", "map delete with a key on the stack",
     ["stw [%r10-4], 3", "lddw %r1, map_fd 2", "mov %r2, %r10", "add %r2, -4", "call 3", "exit"],
     accept="helper.arg", maps=[HASH_MAP])
case("helper-update-result-range", "map update returns 0 or a negative errno: r0 + 4096 fits [1, 4096]",
     ["stw [%r10-4], 1", "stdw [%r10-16], 99", "lddw %r1, map_fd 1", "mov %r2, %r10", "add %r2, -4", "mov %r3, %r10",
      "add %r3, -16", "mov %r4, 0", "call 2", "add %r0, 4095", "jgt %r0, 4095, bad", "mov %r0, 0", "exit", "bad:",
      "mov %r0, 1", "exit"], accept="helper.arg", maps=[ARRAY_MAP])
# "hi\n\0" on the stack: 68 69 0a 00
PRINTK = ["stw [%r10-4], 0x000a6968", "mov %r1, %r10", "add %r1, -4", "mov %r2, 4", "mov %r3, 0", "mov %r4, 0",
          "mov %r5, 0"]
case("helper-printk", "bpf_trace_printk with a constant format on the stack",
     PRINTK + ["call 6", "mov %r0, 0", "exit"], accept="helper.arg")
case("helper-printk-args", "bpf_trace_printk with %d and three scalar arguments",
     ["stw [%r10-4], 0x000a6425", "mov %r1, %r10", "add %r1, -4", "mov %r2, 4", "mov %r3, 7", "mov %r4, 8",
      "mov %r5, 9", "call 6", "mov %r0, 0", "exit"], accept="helper.arg")
case("helper-printk-percent-s", "%s with a stack pointer: the string is fine, the pointer leaks into the output",
     ["stw [%r10-4], 0x000a7325", "mov %r1, %r10", "add %r1, -4", "mov %r2, 4", "mov %r3, %r10", "add %r3, -4",
      "mov %r4, 0", "mov %r5, 0", ("call 6", "C"), "mov %r0, 0", "exit"], reject=[("ptr.leak", "C")])
case("helper-printk-percent-s-bad-address", "%s of an address nothing maps prints an empty string (as in Linux): no fault",
     ["stw [%r10-4], 0x000a7325", "mov %r1, %r10", "add %r1, -4", "mov %r2, 4", "mov %r3, 16",
      "mov %r4, 0", "mov %r5, 0", "call 6", "mov %r0, 0", "exit"], accept="helper.arg")
case("helper-printk-zero-size", "bpf_trace_printk with size 0",
     PRINTK[:3] + ["mov %r2, 0"] + PRINTK[4:] + [("call 6", "C"), "mov %r0, 0", "exit"], reject=[("helper.arg", "C")])
case("helper-printk-format-in-memory", "a format the verifier cannot read (input memory)",
     ["mov %r2, 4"] + PRINTK[4:] + [("call 6", "C"), "mov %r0, 0", "exit"], reject=[("helper.arg", "C")], mem=MEM16)
case("helper-printk-format-uninit", "a format of unwritten stack bytes",
     ["mov %r1, %r10", "add %r1, -8", "mov %r2, 8"] + PRINTK[4:] + [("call 6", "C"), "mov %r0, 0", "exit"],
     reject=[("stack.uninit", "C")])

# ---- I. loops ----------------------------------------------------------------------------------
def loop_case(name, about, body, accept=True, mark_pc=None, mem=None, check="loop.unbounded"):
    if accept:
        case(name, about, body, accept=check, mem=mem)
    else:
        case(name, about, body, reject=[(check, "B")], mem=mem)


loop_case("loop-count-up-jlt", "for (i = 0; i < 10; i++), test at the bottom",
          ["mov %r0, 0", "mov %r3, 0", "l:", "add %r0, %r3", "add %r3, 1", "jlt %r3, 10, l", "exit"])
loop_case("loop-count-up-jge-top", "for (i = 0; i < 10; i++), test at the top",
          ["mov %r0, 0", "mov %r3, 0", "l:", "jge %r3, 10, out", "add %r0, 1", "add %r3, 1", "ja l", "out:", "exit"])
loop_case("loop-count-up-jle", "i from 0 while i <= 100",
          ["mov %r0, 0", "mov %r3, 0", "l:", "add %r0, 2", "add %r3, 1", "jle %r3, 100, l", "exit"])
loop_case("loop-count-up-jgt-top", "exit when i > 20",
          ["mov %r0, 0", "mov %r3, 0", "l:", "jgt %r3, 20, out", "add %r3, 1", "ja l", "out:", "mov %r0, %r3", "exit"])
loop_case("loop-count-down-jsgt", "i from 50 down while i > 0 (signed)",
          ["mov %r0, 0", "mov %r3, 50", "l:", "add %r0, 1", "sub %r3, 1", "jsgt %r3, 0, l", "exit"])
loop_case("loop-count-down-jne", "i from 100 down to 0 with jne",
          ["mov %r0, 0", "mov %r3, 100", "l:", "add %r0, %r3", "sub %r3, 1", "jne %r3, 0, l", "exit"])
loop_case("loop-count-up-jne", "i from 0 up to 64 with jne",
          ["mov %r0, 0", "mov %r3, 0", "l:", "add %r0, 1", "add %r3, 1", "jne %r3, 64, l", "exit"])
loop_case("loop-stride-2", "i += 2 while i < 20",
          ["mov %r0, 0", "mov %r3, 0", "l:", "add %r0, %r3", "add %r3, 2", "jlt %r3, 20, l", "exit"])
loop_case("loop-stride-8-down", "i -= 8 from 512 while i > 0",
          ["mov %r0, 0", "mov %r3, 512", "l:", "add %r0, 1", "sub %r3, 8", "jgt %r3, 0, l", "exit"])
loop_case("loop-32bit-counter", "a 32-bit counter: w3 += 1 while w3 < 30",
          ["mov %r0, 0", "mov32 %r3, 0", "l:", "add %r0, 1", "add32 %r3, 1", "jlt32 %r3, 30, l", "exit"])
loop_case("loop-bound-by-length", "a loop over the memory bounded by r2 (its length)",
          ["mov %r0, 0", "mov %r3, 0", "l:", "jge %r3, %r2, out", "mov %r4, %r1", "add %r4, %r3", "ldxb %r5, [%r4+0]",
           "add %r0, %r5", "add %r3, 1", "ja l", "out:", "exit"], mem=MEM16, check="mem.bounds")
loop_case("loop-bound-by-loaded-byte", "i < n with n a loaded byte: at most 255 iterations",
          ["ldxb %r4, [%r1+0]", "mov %r0, 0", "mov %r3, 0", "l:", "jge %r3, %r4, out", "add %r0, 3", "add %r3, 1",
           "ja l", "out:", "exit"], mem=MEM16)
loop_case("loop-bound-by-loaded-u64", "i < n with n any 64-bit value: over the iteration limit",
          ["ldxdw %r4, [%r1+0]", "mov %r0, 0", "mov %r3, 0", "l:", "jge %r3, %r4, out", "add %r0, 3", "add %r3, 1",
           ("ja l", "B"), "out:", "exit"], accept=False, mem=MEM16)
loop_case("loop-infinite-ja", "jumps to itself forever", ["mov %r0, 0", "l:", ("ja l", "B")], accept=False)
loop_case("loop-counter-unchanged", "the loop test never changes",
          ["mov %r0, 0", "mov %r3, 0", "l:", "add %r0, 1", ("jlt %r3, 10, l", "B"), "exit"], accept=False)
loop_case("loop-counter-reset", "the counter is reset in the body",
          ["mov %r0, 0", "mov %r3, 0", "l:", "add %r3, 1", "jne %r3, 5, skip", "mov %r3, 0", "skip:", "add %r0, 1",
           ("jlt %r3, 10, l", "B"), "exit"], accept=False)
loop_case("loop-up-from-unknown-jne", "i counts up from an unknown start to 10: may wrap around",
          ["ldxdw %r3, [%r1+0]", "mov %r0, 0", "l:", "add %r0, 1", "add %r3, 1", ("jne %r3, 10, l", "B"), "exit"],
          accept=False, mem=MEM16)
loop_case("loop-nested", "two nested loops of 10",
          ["mov %r0, 0", "mov %r3, 0", "outer:", "mov %r4, 0", "inner:", "add %r0, 1", "add %r4, 1",
           "jlt %r4, 10, inner", "add %r3, 1", "jlt %r3, 10, outer", "exit"])
loop_case("loop-nested-inner-unbounded", "the inner loop never advances its counter",
          ["mov %r0, 0", "mov %r3, 0", "outer:", "mov %r4, 0", "inner:", "add %r0, 1", ("jlt %r4, 10, inner", "B"),
           "add %r3, 1", "jlt %r3, 10, outer", "exit"], accept=False)
loop_case("loop-with-break", "a bounded loop with an early exit",
          ["mov %r0, 0", "mov %r3, 0", "l:", "ldxb %r4, [%r1+0]", "jeq %r4, 7, out", "add %r0, 1", "add %r3, 1",
           "jlt %r3, 16, l", "out:", "exit"], mem=MEM16)
loop_case("loop-with-continue", "a loop with two back edges, both bounded",
          ["mov %r0, 0", "mov %r3, 0", "l:", "add %r3, 1", "jge %r3, 32, out", "mov %r4, %r3", "and %r4, 1",
           "jeq %r4, 0, l", "add %r0, 1", "ja l", "out:", "exit"])
loop_case("loop-index-memory", "sum the 16 memory bytes by index",
          ["mov %r0, 0", "mov %r3, 0", "l:", "mov %r4, %r1", "add %r4, %r3", "ldxb %r5, [%r4+0]", "add %r0, %r5",
           "add %r3, 1", "jlt %r3, 16, l", "exit"], mem=MEM16, check="mem.bounds")
loop_case("loop-index-memory-off-by-one", "reads 17 bytes of 16: the last iteration is out of bounds",
          ["mov %r0, 0", "mov %r3, 0", "l:", "mov %r4, %r1", "add %r4, %r3", ("ldxb %r5, [%r4+0]", "B"),
           "add %r0, %r5", "add %r3, 1", "jle %r3, 16, l", "exit"], accept=False, mem=MEM16, check="mem.bounds")
loop_case("loop-pointer-walk", "walk the memory with a pointer compared with an end pointer",
          ["mov %r0, 0", "mov %r3, %r1", "add %r3, 16", "l:", "ldxb %r4, [%r1+0]", "add %r0, %r4", "add %r1, 1",
           "jlt %r1, %r3, l", "exit"], mem=MEM16, check="mem.bounds")
loop_case("loop-counter-on-stack", "the counter lives in a stack slot (as clang -O0 keeps it)",
          ["stdw [%r10-8], 0", "mov %r0, 0", "l:", "ldxdw %r3, [%r10-8]", "add %r3, 1", "stxdw [%r10-8], %r3",
           "add %r0, 1", "jlt %r3, 10, l", "exit"])
loop_case("loop-while-signed-neg", "i from -10 up to 0 (signed)",
          ["mov %r0, 0", "mov %r3, -10", "l:", "add %r0, 1", "add %r3, 1", "jslt %r3, 0, l", "exit"])
loop_case("loop-do-while-decrement-to-unknown",
          "decrement from an unknown start in [1, 256] while != 0: d = x + c is the same every iteration, so "
          "c never passes the one value that makes x == 0 (at most 256)",
          ["ldxb %r3, [%r1+0]", "add %r3, 1", "mov %r0, 0", "l:", "add %r0, 1", "sub %r3, 1", "jne %r3, 0, l", "exit"],
          mem=MEM16)
loop_case("loop-do-while-decrement-from-zero", "the same from a start that may be 0: x wraps, 2^64 iterations",
          ["ldxb %r3, [%r1+0]", "mov %r0, 0", "l:", "add %r0, 1", "sub %r3, 1", ("jne %r3, 0, l", "B"), "exit"],
          accept=False, mem=MEM16)
loop_case("loop-while-n-minus-minus", "while (n--): the test reads the value before the decrement",
          ["ldxb %r3, [%r1+0]", "mov %r0, 0", "l:", "mov %r4, %r3", "sub %r3, 1", "jeq %r4, 0, out", "add %r0, 2",
           "ja l", "out:", "exit"], mem=MEM16)
loop_case("loop-i-ne-n", "for (i = 0; i != n; i++) with n a loaded byte the loop never writes",
          ["ldxb %r4, [%r1+0]", "mov %r0, 0", "mov %r3, 0", "l:", "jeq %r3, %r4, out", "add %r0, %r3", "add %r3, 1",
           "ja l", "out:", "exit"], mem=MEM16)
loop_case("loop-i-ne-n-n-changes", "for (i = 0; i != n; i++) where the body also changes n",
          ["ldxb %r4, [%r1+0]", "mov %r0, 0", "mov %r3, 0", "l:", "jeq %r3, %r4, out", "add %r4, 2", "add %r3, 1",
           ("ja l", "B"), "out:", "exit"], accept=False, mem=MEM16)
loop_case("loop-i-ne-n-stride-varies", "i advances by 1 or 2: d is not the same every iteration",
          ["ldxb %r4, [%r1+0]", "mov %r0, 0", "mov %r3, 0", "l:", "jeq %r3, %r4, out", "add %r3, 1", "ldxb %r5, [%r1+1]",
           "jeq %r5, 0, skip", "add %r3, 1", "skip:", ("ja l", "B"), "out:", "exit"], accept=False, mem=MEM16)
loop_case("loop-i-ne-n-u64", "i != n with n any 64-bit value: over the iteration limit",
          ["ldxdw %r4, [%r1+0]", "mov %r0, 0", "mov %r3, 0", "l:", "jeq %r3, %r4, out", "add %r3, 1", ("ja l", "B"),
           "out:", "exit"], accept=False, mem=MEM16)
loop_case("loop-in-callee", "a bounded loop inside a local function",
          ["mov %r1, 5", "call local f", "exit", "f:", "mov %r0, 0", "l:", "add %r0, 1", "sub %r1, 1",
           "jsgt %r1, 0, l", "exit"])
loop_case("loop-in-callee-unbounded", "an unbounded loop inside a local function",
          ["mov %r1, 5", "call local f", "exit", "f:", "mov %r0, 0", "l:", "add %r0, 1", ("jsgt %r1, 0, l", "B"),
           "exit"], accept=False)

# ---- J. ALU and pointer arithmetic -----------------------------------------------------------
case("alu-div-by-zero", "division by zero is defined (result 0)", ["mov %r0, 10", "div %r0, 0", "exit"],
     accept="exit.r0")
case("alu-mod-by-zero", "modulo by zero is defined (the dividend)", ["mov %r0, 10", "mod %r0, 0", "exit"],
     accept="exit.r0")
case("alu-div-by-loaded", "division by a loaded value that may be 0",
     ["ldxb %r3, [%r1+0]", "mov %r0, 100", "div %r0, %r3", "exit"], accept="exit.r0", mem=MEM16)
case("alu-sdiv-int-min", "signed division INT_MIN / -1 is defined",
     ["lddw %r0, 0x8000000000000000", "sdiv %r0, -1", "exit"], accept="exit.r0")
case("alu-shifts", "shifts by amounts that the ISA masks",
     ["mov %r0, 1", "lsh %r0, 63", "rsh %r0, 60", "arsh %r0, 1", "mov %r3, 70", "lsh %r0, %r3", "exit"],
     accept="exit.r0")
case("alu-byteswaps", "byte swaps of a scalar", ["mov %r0, 0x1234", "be16 %r0", "le32 %r0", "bswap64 %r0", "exit"],
     accept="exit.r0")
case("alu-movsx", "sign-extending moves of a loaded byte",
     ["ldxb %r3, [%r1+0]", "movsx864 %r0, %r3", "movsx1632 %r0, %r0", "exit"], accept="exit.r0", mem=MEM16)
for insn in ("mul %r1, 2", "and %r1, 0xff", "or %r1, 1", "xor %r1, 3", "lsh %r1, 1", "rsh %r1, 1", "neg %r1",
             "add32 %r1, 1", "div %r1, 2", "arsh %r1, 2", "be16 %r1", "mod %r1, 7"):
    op = insn.split()[0]
    case(f"ptr-arith-{op}", f"{op} on the memory pointer is not allowed", [(insn, "A"), "mov %r0, 0", "exit"],
         reject=[("ptr.arith", "A")], mem=MEM16)
case("ptr-arith-mov32", "a 32-bit move truncates a pointer", [("mov32 %r3, %r1", "A"), "mov %r0, 0", "exit"],
     reject=[("ptr.arith", "A")], mem=MEM16)
case("ptr-arith-movsx", "a sign-extending move of a pointer", [("movsx3264 %r3, %r1", "A"), "mov %r0, 0", "exit"],
     reject=[("ptr.arith", "A")], mem=MEM16)
case("ptr-arith-ptr-plus-ptr", "adding two pointers", ["mov %r3, %r1", ("add %r3, %r1", "A"), "mov %r0, 0", "exit"],
     reject=[("ptr.arith", "A")], mem=MEM16)
case("ptr-arith-sub-other-object", "subtracting pointers into different objects",
     ["mov %r3, %r1", ("sub %r3, %r10", "A"), "mov %r0, 0", "exit"], reject=[("ptr.arith", "A")], mem=MEM16)
case("ptr-arith-sub-same-object", "the distance between two pointers into the memory is a scalar",
     ["mov %r3, %r1", "add %r3, 12", "sub %r3, %r1", "mov %r0, %r3", "exit"], accept="ptr.arith", mem=MEM16)
case("ptr-arith-add-then-load", "pointer plus constant, then an in-bounds load",
     ["add %r1, 12", "ldxw %r0, [%r1+0]", "exit"], accept="ptr.arith", mem=MEM16)
case("ptr-arith-sub-then-load", "pointer minus constant, then a load before the memory",
     ["sub %r1, 4", ("ldxw %r0, [%r1+0]", "L"), "exit"], reject=[("mem.bounds", "L")], mem=MEM16)
case("ptr-arith-scalar-plus-pointer", "scalar + pointer is a pointer",
     ["mov %r3, 4", "add %r3, %r1", "ldxw %r0, [%r3+0]", "exit"], accept="ptr.arith", mem=MEM16)
case("ptr-arith-map-handle", "arithmetic on a map handle",
     ["lddw %r3, map_fd 1", ("add %r3, 8", "A"), "mov %r0, 0", "exit"], reject=[("ptr.arith", "A")], maps=[ARRAY_MAP])
case("ptr-arith-stack-walk", "a stack pointer moved down and used",
     ["mov %r3, %r10", "sub %r3, 16", "stdw [%r3+0], 1", "ldxdw %r0, [%r3+0]", "exit"], accept="ptr.arith")
case("ptr-deref-scalar", "a scalar used as an address", ["mov %r3, 4096", ("ldxw %r0, [%r3+0]", "L"), "exit"],
     reject=[("mem.type", "L")])
case("ptr-deref-map-handle", "a map handle is not memory",
     ["lddw %r3, map_fd 1", ("ldxw %r0, [%r3+0]", "L"), "exit"], reject=[("mem.type", "L")], maps=[ARRAY_MAP])
case("ptr-deref-code", "a code address is not memory",
     ["lddw %r3, code f", ("ldxw %r0, [%r3+0]", "L"), "exit", "f:", "mov %r0, 0", "exit"],
     reject=[("mem.type", "L")])
case("ptr-deref-unknown-type", "a register holding a pointer on one path and a scalar on the other",
     ["mov %r3, %r1", "ldxb %r4, [%r1+0]", "jeq %r4, 0, skip", "mov %r3, 8", "skip:", ("ldxb %r0, [%r3+0]", "L"),
      "exit"], reject=[("mem.type", "L")], mem=MEM16)

# ---- K. bounds from refinement: an index into the 16-byte memory -------------------------------
def index_case(name, about, setup, hi, size=1):
    ok = hi + size <= 16
    body = setup + ["add %r1, %r3", (f"{LD[size]} %r0, [%r1+0]", "L"), "exit"]
    case(name, about, body, accept="mem.bounds" if ok else None, reject=() if ok else [("mem.bounds", "L")],
         mem=MEM16)


index_case("index-and-15", "byte index masked with 15", ["ldxb %r3, [%r1+0]", "and %r3, 15"], 15)
index_case("index-and-31", "byte index masked with 31", ["ldxb %r3, [%r1+0]", "and %r3, 31"], 31)
index_case("index-and-12-load4", "index & 12 (0, 4, 8, 12) with 4-byte loads", ["ldxb %r3, [%r1+0]", "and %r3, 12"],
           12, 4)
index_case("index-and-14-load4", "index & 14 with 4-byte loads", ["ldxb %r3, [%r1+0]", "and %r3, 14"], 14, 4)
index_case("index-mod-16", "index % 16", ["ldxb %r3, [%r1+0]", "mod %r3, 16"], 15)
index_case("index-mod-17", "index % 17", ["ldxb %r3, [%r1+0]", "mod %r3, 17"], 16)
index_case("index-rsh-4", "byte >> 4", ["ldxb %r3, [%r1+0]", "rsh %r3, 4"], 15)
index_case("index-rsh-3", "byte >> 3", ["ldxb %r3, [%r1+0]", "rsh %r3, 3"], 31)
index_case("index-and7-mul2-load2", "(b & 7) * 2 with 2-byte loads", ["ldxb %r3, [%r1+0]", "and %r3, 7", "mul %r3, 2"],
           14, 2)
index_case("index-and7-mul2-load4", "(b & 7) * 2 with 4-byte loads", ["ldxb %r3, [%r1+0]", "and %r3, 7", "mul %r3, 2"],
           14, 4)
index_case("index-and7-lsh1-load2", "(b & 7) << 1 with 2-byte loads", ["ldxb %r3, [%r1+0]", "and %r3, 7", "lsh %r3, 1"],
           14, 2)
for op, k, hi in (("jgt", 15, 15), ("jgt", 16, 16), ("jge", 16, 15), ("jge", 17, 16), ("jsgt", 15, 15),
                  ("jsge", 16, 15)):
    ok = hi + 1 <= 16
    case(f"index-guard-{op}-{k}", f"byte index guarded by 'if b {op} {k} goto out'",
         ["ldxb %r3, [%r1+0]", f"{op} %r3, {k}, out", "add %r1, %r3", ("ldxb %r0, [%r1+0]", "L"), "exit", "out:",
          "mov %r0, 0", "exit"], accept="mem.bounds" if ok else None, reject=() if ok else [("mem.bounds", "L")],
         mem=MEM16)
for op, k, hi in (("jlt", 16, 15), ("jlt", 17, 16), ("jle", 15, 15), ("jle", 16, 16), ("jslt", 16, 15)):
    ok = hi + 1 <= 16
    case(f"index-taken-{op}-{k}", f"byte index used where 'if b {op} {k}' is taken",
         ["ldxb %r3, [%r1+0]", f"{op} %r3, {k}, ok", "mov %r0, 0", "exit", "ok:", "add %r1, %r3",
          ("ldxb %r0, [%r1+0]", "L"), "exit"], accept="mem.bounds" if ok else None,
         reject=() if ok else [("mem.bounds", "L")], mem=MEM16)
case("index-u64-signed-upper-only", "a 64-bit index with only a signed upper bound may be negative",
     ["ldxdw %r3, [%r1+0]", "jsgt %r3, 15, out", "add %r1, %r3", ("ldxb %r0, [%r1+0]", "L"), "exit", "out:",
      "mov %r0, 0", "exit"], reject=[("mem.bounds", "L")], mem=MEM16)
case("index-u64-signed-both", "a 64-bit index with signed bounds on both sides",
     ["ldxdw %r3, [%r1+0]", "jsgt %r3, 15, out", "jslt %r3, 0, out", "add %r1, %r3", "ldxb %r0, [%r1+0]", "exit",
      "out:", "mov %r0, 0", "exit"], accept="mem.bounds", mem=MEM16)
case("index-u64-unsigned", "a 64-bit index with an unsigned upper bound",
     ["ldxdw %r3, [%r1+0]", "jgt %r3, 15, out", "add %r1, %r3", "ldxb %r0, [%r1+0]", "exit", "out:", "mov %r0, 0",
      "exit"], accept="mem.bounds", mem=MEM16)
case("index-jgt32-on-u64", "a 32-bit compare leaves the upper half of a 64-bit index unknown",
     ["ldxdw %r3, [%r1+0]", "jgt32 %r3, 15, out", "add %r1, %r3", ("ldxb %r0, [%r1+0]", "L"), "exit", "out:",
      "mov %r0, 0", "exit"], reject=[("mem.bounds", "L")], mem=MEM16)
case("index-jgt32-on-u32", "a 32-bit compare bounds a zero-extended 32-bit load",
     ["ldxw %r3, [%r1+0]", "jgt32 %r3, 15, out", "add %r1, %r3", "ldxb %r0, [%r1+0]", "exit", "out:", "mov %r0, 0",
      "exit"], accept="mem.bounds", mem=MEM16)
case("index-compare-with-length", "an index checked against r2 (the memory length)",
     ["ldxdw %r3, [%r1+0]", "jge %r3, %r2, out", "add %r1, %r3", "ldxb %r0, [%r1+0]", "exit", "out:", "mov %r0, 0",
      "exit"], accept="mem.bounds", mem=MEM16)
case("index-compare-with-length-load2", "an index < length still allows a 2-byte read past the end",
     ["ldxdw %r3, [%r1+0]", "jge %r3, %r2, out", "add %r1, %r3", ("ldxh %r0, [%r1+0]", "L"), "exit", "out:",
      "mov %r0, 0", "exit"], reject=[("mem.bounds", "L")], mem=MEM16)
case("index-even-below-16", "an even index below 15 (tnum: bit 0 is 0) allows 2-byte loads",
     ["ldxb %r3, [%r1+0]", "and %r3, 0xfe", "jgt %r3, 15, out", "add %r1, %r3", "ldxh %r0, [%r1+0]", "exit", "out:",
      "mov %r0, 0", "exit"], accept="mem.bounds", mem=MEM16)
case("index-jset-clear", "jset proves the high bits clear",
     ["ldxb %r3, [%r1+0]", "jset %r3, 0xf0, out", "add %r1, %r3", "ldxb %r0, [%r1+0]", "exit", "out:", "mov %r0, 0",
      "exit"], accept="mem.bounds", mem=MEM16)
case("index-jeq-constant", "an index equal to 3 on the taken side",
     ["ldxdw %r3, [%r1+0]", "jeq %r3, 3, ok", "mov %r0, 0", "exit", "ok:", "add %r1, %r3", "ldxdw %r0, [%r1+0]",
      "exit"], accept="mem.bounds", mem=MEM16)
case("index-jeq-constant-9", "an index equal to 9: an 8-byte load runs past the end",
     ["ldxdw %r3, [%r1+0]", "jeq %r3, 9, ok", "mov %r0, 0", "exit", "ok:", "add %r1, %r3",
      ("ldxdw %r0, [%r1+0]", "L"), "exit"], reject=[("mem.bounds", "L")], mem=MEM16)
case("index-reg-reg-compare", "an index bounded by another bounded register",
     ["ldxb %r3, [%r1+0]", "mov %r4, 12", "jgt %r3, %r4, out", "add %r1, %r3", "ldxw %r0, [%r1+0]", "exit", "out:",
      "mov %r0, 0", "exit"], accept="mem.bounds", mem=MEM16)
case("index-arsh-negative", "an arithmetic shift of a possibly negative value stays possibly negative",
     ["ldxdw %r3, [%r1+0]", "arsh %r3, 60", "add %r1, %r3", ("ldxb %r0, [%r1+0]", "L"), "exit"],
     reject=[("mem.bounds", "L")], mem=MEM16)

# ---- L. calls -------------------------------------------------------------------------------
case("call-simple", "a local function returning a constant", ["call local f", "exit", "f:", "mov %r0, 7", "exit"],
     accept="call.depth")
case("call-args", "arguments in r1-r5 reach the callee",
     ["mov %r1, 3", "mov %r2, 4", "call local f", "exit", "f:", "mov %r0, %r1", "add %r0, %r2", "exit"],
     accept="reg.uninit")
case("call-callee-stack", "the callee uses its own frame",
     ["call local f", "exit", "f:", "stdw [%r10-8], 5", "ldxdw %r0, [%r10-8]", "exit"], accept="stack.uninit")
case("call-pass-stack-pointer", "the caller's stack passed to the callee, written there, read back",
     ["mov %r1, %r10", "add %r1, -8", "call local f", "ldxdw %r0, [%r10-8]", "exit", "f:", "stdw [%r1+0], 11",
      "mov %r0, 0", "exit"], accept="stack.uninit")
case("call-recursion", "a function calling itself",
     ["mov %r1, 3", "call local f", "exit", "f:", ("call local f", "C"), "mov %r0, 0", "exit"],
     reject=[("call.recursion", "C")])
case("call-mutual-recursion", "f calls g calls f",
     ["call local f", "exit", "f:", "call local g", "mov %r0, 0", "exit", "g:", ("call local f", "C"), "mov %r0, 1",
      "exit"], reject=[("call.recursion", "C")])
chain = ["call local f1", "exit"]
for i in range(1, 8):
    chain += [f"f{i}:", f"call local f{i + 1}" if i < 7 else "mov %r0, 7", "exit"]
case("call-depth-8", "main and 7 nested calls: 8 frames", chain, accept="call.depth")
chain = ["call local f1", "exit"]
for i in range(1, 9):
    if i < 8:
        chain += [f"f{i}:", (f"call local f{i + 1}", "C") if i == 7 else f"call local f{i + 1}", "exit"]
    else:
        chain += [f"f{i}:", "mov %r0, 8", "exit"]
case("call-depth-9", "main and 8 nested calls: 9 frames", chain, reject=[("call.depth", "C")])
case("call-frame-size-ok", "256 + 256 bytes of stack across two frames",
     ["stdw [%r10-256], 0", ("call local f", "C"), "exit", "f:", "stdw [%r10-256], 0", "mov %r0, 0", "exit"],
     accept="frame.size")
case("call-frame-size-over", "320 + 256 bytes of stack across two frames",
     ["stdw [%r10-320], 0", ("call local f", "C"), "exit", "f:", "stdw [%r10-256], 0", "mov %r0, 0", "exit"],
     reject=[("frame.size", "C")])
case("call-returns-own-frame", "a function returning a pointer into its own frame",
     ["call local f", "mov %r0, 0", "exit", "f:", "mov %r0, %r10", ("exit", "E")],
     reject=[("exit.stack_pointer", "E")])
case("call-r6-restored", "r6 is restored after a local call (callee-saved)",
     ["mov %r6, 5", "call local f", "mov %r0, %r6", "exit", "f:", "mov %r6, 99", "mov %r0, 0", "exit"],
     accept="reg.uninit")
case("call-r1-clobbered", "r1 is not preserved by a local call",
     ["mov %r1, 5", "call local f", ("mov %r0, %r1", "A"), "exit", "f:", "mov %r0, 0", "exit"],
     reject=[("reg.uninit", "A")])
case("call-r0-unset-in-callee", "the callee returns without setting r0",
     ["call local f", "exit", "f:", ("exit", "E")], reject=[("exit.r0", "E")])
case("callx-code-address", "callx through a code address", ["lddw %r3, code f", "callx %r3", "exit", "f:",
     "mov %r0, 1", "exit"], accept="call.indirect")
case("callx-helper-id", "callx with a constant helper id (bpf_ktime_get_ns)", ["mov %r3, 5", "callx %r3", "exit"],
     accept="call.indirect")
case("callx-unknown-target", "callx with a loaded value",
     ["ldxdw %r3, [%r1+0]", ("callx %r3", "C"), "mov %r0, 0", "exit"], reject=[("call.indirect", "C")], mem=MEM16)
case("callx-unknown-helper-id", "callx with a helper id the platform lacks",
     ["mov %r3, 4242", ("callx %r3", "C"), "mov %r0, 0", "exit"], reject=[("helper.unknown", "C")])
case("cfg-fall-into-function", "the main program falls through into a function",
     ["call local f", ("mov %r0, 0", "J"), "f:", "mov %r0, 1", "exit"], reject=[("cfg.jump", "J")])
case("cfg-jump-into-function", "main jumps into code that f falls into: code shared by two functions",
     ["call local f", "ja g", "exit", "f:", ("mov %r0, 1", "J"), "g:", "exit"], reject=[("cfg.jump", "J")])
case("cfg-function-before-caller", "a function placed between two parts of the main program",
     ["ja main", "f:", "mov %r0, 3", "exit", "main:", "call local f", "add %r0, 4", "exit"], accept="cfg.jump")
case("cfg-unreachable-warning", "code after exit is reported, not rejected",
     ["mov %r0, 0", "exit", "mov %r0, 1", "exit"], accept="cfg.unreachable")
case("cfg-irreducible", "a cycle with two entries",
     ["mov %r3, 0", "jeq %r2, 16, b", "a:", ("add %r3, 1", "I"), "jgt %r3, 10, out", "b:", "add %r3, 2", "ja a",
      "out:", "mov %r0, 0", "exit"], reject=[("loop.irreducible", "I")], mem=MEM16)

# ---- M. pointer comparisons -----------------------------------------------------------------
case("cmp-pointer-constant", "a pointer compared with a non-zero constant",
     [("jeq %r1, 5, out", "C"), "out:", "mov %r0, 0", "exit"], reject=[("ptr.compare", "C")], mem=MEM16)
case("cmp-pointer-other-object", "pointers into different objects compared",
     [("jgt %r1, %r10, out", "C"), "out:", "mov %r0, 0", "exit"], reject=[("ptr.compare", "C")], mem=MEM16)
case("cmp-pointer-scalar-register", "a pointer compared with a scalar register",
     ["mov %r3, 100", ("jlt %r1, %r3, out", "C"), "out:", "mov %r0, 0", "exit"], reject=[("ptr.compare", "C")],
     mem=MEM16)
case("cmp-pointer-same-object", "pointers into the memory compared",
     ["mov %r3, %r1", "add %r3, 8", "jgt %r3, %r1, ok", "mov %r0, 0", "exit", "ok:", "mov %r0, 1", "exit"],
     accept="ptr.compare", mem=MEM16)
case("cmp-pointer-null", "the memory pointer compared with 0", ["jeq %r1, 0, out", "out:", "mov %r0, 0", "exit"],
     accept="ptr.compare", mem=MEM16)
case("cmp-pointer-bound-refines", "p + 4 <= end proves a 4-byte read at (p + 4) - 4 (p, end into the memory)",
     ["ldxb %r3, [%r1+0]", "mov %r4, %r1", "add %r4, %r3", "mov %r5, %r1", "add %r5, 16", "mov %r6, %r4",
      "add %r6, 4", "jgt %r6, %r5, out", "ldxw %r0, [%r6-4]", "exit", "out:", "mov %r0, 0", "exit"],
     accept="mem.bounds", mem=MEM16)

# ---- N. pointer leaks and partial pointers ---------------------------------------------------
case("leak-store-stack-pointer-to-memory", "storing the frame pointer into the memory",
     [("stxdw [%r1+0], %r10", "S"), "mov %r0, 0", "exit"], reject=[("ptr.leak", "S")], mem=MEM16)
case("leak-store-pointer-to-map-value", "storing a pointer into a map value",
     LOOKUP + ["jeq %r0, 0, out", ("stxdw [%r0+0], %r10", "S"), "out:", "mov %r0, 0", "exit"],
     reject=[("ptr.leak", "S")], maps=[ARRAY_MAP])
case("spill-pointer-fill", "a pointer spilled to the stack and filled keeps its type",
     ["stxdw [%r10-8], %r1", "ldxdw %r3, [%r10-8]", "ldxb %r0, [%r3+15]", "exit"], accept="ptr.partial", mem=MEM16)
case("spill-pointer-partial-store", "a 4-byte store of a pointer",
     [("stxw [%r10-8], %r1", "S"), "mov %r0, 0", "exit"], reject=[("ptr.partial", "S")], mem=MEM16)
case("spill-pointer-partial-load", "a 4-byte load of a spilled pointer",
     ["stxdw [%r10-8], %r1", ("ldxw %r0, [%r10-8]", "L"), "exit"], reject=[("ptr.partial", "L")], mem=MEM16)
case("spill-pointer-misaligned", "an 8-byte pointer store at r10-12 (not 8-byte aligned)",
     [("stxdw [%r10-12], %r1", "S"), "mov %r0, 0", "exit"], reject=[("ptr.partial", "S")], mem=MEM16)
case("spill-pointer-overwritten", "a spilled pointer partly overwritten is no longer readable as data",
     ["stxdw [%r10-8], %r1", "stw [%r10-8], 0", ("ldxdw %r0, [%r10-8]", "L"), "exit"],
     reject=[("stack.uninit", "L")], mem=MEM16)
case("spill-scalar-overwritten-part", "a spilled constant with one byte overwritten",
     ["mov %r3, 0", "stxdw [%r10-8], %r3", "stb [%r10-8], 1", "ldxdw %r0, [%r10-8]", "exit"],
     accept="stack.uninit")

# ---- O. LDDW ---------------------------------------------------------------------------------------
case("lddw-map-unknown-fd", "a map fd nothing declares", [("lddw %r1, map_fd 9", "M"), "mov %r0, 0", "exit"],
     reject=[("map.unknown", "M")])
case("lddw-map-unknown-index", "a map index past the declared maps", [("lddw %r1, map_idx 3", "M"), "mov %r0, 0",
     "exit"], reject=[("map.unknown", "M")], maps=[ARRAY_MAP])
case("lddw-map-by-index", "a map by index used for a lookup",
     ["stw [%r10-4], 0", "lddw %r1, map_idx 0", "mov %r2, %r10", "add %r2, -4", "call 1", "jeq %r0, 0, out",
      "ldxdw %r0, [%r0+0]", "exit", "out:", "mov %r0, 0", "exit"], accept="map.unknown", maps=[ARRAY_MAP])
case("lddw-direct-value", "a direct value address into an array map",
     ["lddw %r3, map_value 1, 0", "ldxdw %r0, [%r3+0]", "exit"], accept="map.direct_value", maps=[ARRAY_MAP])
case("lddw-direct-value-offset", "a direct value address at offset 4, then a 4-byte load",
     ["lddw %r3, map_value 1, 4", "ldxw %r0, [%r3+0]", "exit"], accept="map.direct_value", maps=[ARRAY_MAP])
case("lddw-direct-value-offset-overrun", "direct value address at offset 4, then an 8-byte load",
     ["lddw %r3, map_value 1, 4", ("ldxdw %r0, [%r3+0]", "L"), "exit"], reject=[("mem.bounds", "L")],
     maps=[ARRAY_MAP])
case("lddw-direct-value-past-end", "a direct value offset past the value",
     [("lddw %r3, map_value 1, 8", "M"), "mov %r0, 0", "exit"], reject=[("map.direct_value", "M")], maps=[ARRAY_MAP])
case("lddw-direct-value-hash", "direct value addresses need an array map",
     [("lddw %r3, map_value 2, 0", "M"), "mov %r0, 0", "exit"], reject=[("map.direct_value", "M")], maps=[HASH_MAP])
case("lddw-variable", "a variable read and written within its 8 bytes",
     ["lddw %r3, var 1", "stdw [%r3+0], 5", "ldxdw %r0, [%r3+0]", "exit"], accept="map.unknown",
     vars_=["id=1 size=8"])
case("lddw-variable-overrun", "a 4-byte read at offset 6 of an 8-byte variable",
     ["lddw %r3, var 1", ("ldxw %r0, [%r3+6]", "L"), "exit"], reject=[("mem.bounds", "L")], vars_=["id=1 size=8"])
case("lddw-variable-unknown", "a variable id nothing declares", [("lddw %r3, var 4", "M"), "mov %r0, 0", "exit"],
     reject=[("map.unknown", "M")])
case("lddw-imm64", "a 64-bit immediate", ["lddw %r0, 0x123456789abcdef0", "rsh %r0, 32", "exit"], accept="exit.r0")

# ---- P. atomics ----------------------------------------------------------------------------------
case("atomic-stack-add", "atomic add on an initialised stack slot",
     ["stdw [%r10-8], 1", "mov %r3, 2", "lock add [%r10-8], %r3", "ldxdw %r0, [%r10-8]", "exit"], accept="stack.uninit")
case("atomic-stack-uninit", "atomic add on an unwritten stack slot",
     ["mov %r3, 2", ("lock add [%r10-8], %r3", "A"), "mov %r0, 0", "exit"], reject=[("stack.uninit", "A")])
case("atomic-memory", "atomic fetch-add on the memory", ["mov %r3, 1", "lock fetch add [%r1+8], %r3", "mov %r0, %r3",
     "exit"], accept="mem.bounds", mem=MEM16)
case("atomic-memory-out-of-bounds", "a 32-bit atomic at r1+14 crosses the end",
     ["mov %r3, 1", ("lock add32 [%r1+14], %r3", "A"), "mov %r0, 0", "exit"], reject=[("mem.bounds", "A")], mem=MEM16)
case("atomic-pointer-operand", "an atomic exchange storing a pointer",
     ["stdw [%r10-8], 0", ("lock xchg [%r10-8], %r1", "A"), "mov %r0, 0", "exit"], reject=[("ptr.leak", "A")],
     mem=MEM16)
case("atomic-on-spilled-pointer", "an atomic add on a stack slot holding a spilled pointer",
     ["stxdw [%r10-8], %r1", "mov %r3, 1", ("lock add [%r10-8], %r3", "A"), "mov %r0, 0", "exit"],
     reject=[("ptr.arith", "A")], mem=MEM16)
case("atomic-cmpxchg-stack", "compare-and-exchange on the stack",
     ["stdw [%r10-8], 3", "mov %r0, 3", "mov %r3, 9", "lock cmpxchg [%r10-8], %r3", "exit"], accept="stack.uninit")
case("atomic-cmpxchg-r0-uninit", "compare-and-exchange reads r0",
     ["stdw [%r10-8], 3", "mov %r3, 9", ("lock cmpxchg [%r10-8], %r3", "A"), "exit"], reject=[("reg.uninit", "A")])
case("atomic-map-value", "atomic add on a map value after the null check",
     LOOKUP + ["jeq %r0, 0, out", "mov %r3, 1", "lock add [%r0+0], %r3", "out:", "mov %r0, 0", "exit"],
     accept="mem.null", maps=[ARRAY_MAP])
case("atomic-map-value-unchecked", "atomic add on a map value that may be null",
     LOOKUP + ["mov %r3, 1", ("lock add [%r0+0], %r3", "A"), "mov %r0, 0", "exit"], reject=[("mem.null", "A")],
     maps=[ARRAY_MAP])

# ---- Q. legacy packet loads (the conformance platform reads the memory) -------------------------
case("ldabs-byte", "LD ABS of one byte: r0 in [0, 255]", ["ldabsb 3", "exit"], accept="insn.forbidden", mem=MEM16)
case("ldabs-range", "LD ABS h result indexes a 64 KiB range only after masking",
     ["mov %r6, %r1", "ldabsh 0", "and %r0, 15", "add %r6, %r0", "ldxb %r0, [%r6+0]", "exit"], accept="mem.bounds",
     mem=MEM16)
case("ldind-scalar", "LD IND with a scalar offset", ["mov %r3, 2", "ldindw %r3, 4", "exit"], accept="insn.forbidden",
     mem=MEM16)
case("ldind-pointer-offset", "LD IND with a pointer as offset", [("ldindb %r1, 0", "P"), "exit"],
     reject=[("mem.type", "P")], mem=MEM16)

# ---- S. packets (an XDP-like test platform: data / data_end in the context) ---------------------
PKT = ["ldxw %r2, [%r1+0]", "ldxw %r3, [%r1+4]"]
PASS = ["mov %r0, 2", "exit", "drop:", "mov %r0, 1", "exit"]
# (form name, branch to drop when the packet is short, whether the proven length is N+1)
FORMS = [("jgt-p-end", "jgt %r4, %r3, drop", 0), ("jge-p-end", "jge %r4, %r3, drop", 1),
         ("jlt-end-p", "jlt %r3, %r4, drop", 0), ("jle-end-p", "jle %r3, %r4, drop", 1)]
for form, insn, extra in FORMS:
    for last in (13, 14):
        ok = last + 1 <= 14 + extra
        case(f"packet-{form}-byte{last}", f"data + 14 checked against data_end ({insn.split()[0]}), then byte {last}",
             PKT + ["mov %r4, %r2", "add %r4, 14", insn, (f"ldxb %r5, [%r2+{last}]", "L")] + PASS,
             accept="mem.bounds" if ok else None, reject=() if ok else [("mem.bounds", "L")], platform="test-packet")
# Forms that jump to the accepting side.
OK_FORMS = [("jle-p-end", "jle %r4, %r3, ok", 0), ("jlt-p-end", "jlt %r4, %r3, ok", 1),
            ("jge-end-p", "jge %r3, %r4, ok", 0), ("jgt-end-p", "jgt %r3, %r4, ok", 1)]
for form, insn, extra in OK_FORMS:
    for last in (13, 14):
        ok = last + 1 <= 14 + extra
        case(f"packet-{form}-byte{last}", f"data + 14 checked against data_end ({insn.split()[0]}, taken), byte {last}",
             PKT + ["mov %r4, %r2", "add %r4, 14", insn, "mov %r0, 1", "exit", "ok:", (f"ldxb %r5, [%r2+{last}]", "L"),
                    "mov %r0, 2", "exit"],
             accept="mem.bounds" if ok else None, reject=() if ok else [("mem.bounds", "L")], platform="test-packet")
case("packet-unchecked", "a packet read without any comparison with data_end",
     PKT + [("ldxb %r5, [%r2+0]", "L"), "mov %r0, 2", "exit"], reject=[("mem.bounds", "L")], platform="test-packet")
case("packet-check-then-advance", "after data + 14 <= end, data + 14 itself has no proven bytes",
     PKT + ["mov %r4, %r2", "add %r4, 14", "jgt %r4, %r3, drop", ("ldxb %r5, [%r4+0]", "L")] + PASS,
     reject=[("mem.bounds", "L")], platform="test-packet")
case("packet-two-checks", "a second check extends the proven range",
     PKT + ["mov %r4, %r2", "add %r4, 14", "jgt %r4, %r3, drop", "mov %r4, %r2", "add %r4, 34", "jgt %r4, %r3, drop",
            "ldxw %r5, [%r2+30]"] + PASS, accept="mem.bounds", platform="test-packet")
case("packet-variable-offset", "a variable header length: checked through the pointer that carries it",
     PKT + ["mov %r4, %r2", "add %r4, 1", "jgt %r4, %r3, drop", "ldxb %r5, [%r2+0]", "and %r5, 60", "mov %r6, %r2",
         "add %r6, %r5", "mov %r7, %r6", "add %r7, 4", "jgt %r7, %r3, drop", "ldxw %r0, [%r6+0]"] + PASS,
     accept="mem.bounds", platform="test-packet")
case("packet-variable-offset-overrun", "a variable offset checked for 4 bytes, then 8 read",
     PKT + ["mov %r4, %r2", "add %r4, 1", "jgt %r4, %r3, drop", "ldxb %r5, [%r2+0]", "and %r5, 60", "mov %r6, %r2",
            "add %r6, %r5", "mov %r7, %r6", "add %r7, 4", "jgt %r7, %r3, drop", ("ldxdw %r0, [%r6+0]", "L")] + PASS,
     reject=[("mem.bounds", "L")], platform="test-packet")
case("packet-end-deref", "data_end is compared, never read",
     PKT + [("ldxb %r5, [%r3+0]", "L"), "mov %r0, 2", "exit"], reject=[("mem.type", "L")], platform="test-packet")
case("packet-end-arith", "no arithmetic on data_end", PKT + [("sub %r3, 4", "A"), "mov %r0, 2", "exit"],
     reject=[("ptr.arith", "A")], platform="test-packet")
case("packet-length", "data_end - data is a scalar", PKT + ["sub %r3, %r2", "mov %r0, 2", "exit"],
     accept="ptr.arith", platform="test-packet")
case("packet-return-range", "XDP returns 0 to 4", ["mov %r0, 5", ("exit", "E")], reject=[("exit.r0", "E")],
     platform="test-packet")
case("packet-ctx-write-readonly", "context fields are read-only here", [("stw [%r1+12], 0", "S"), "mov %r0, 2",
     "exit"], reject=[("mem.readonly", "S")], platform="test-packet")
case("packet-ctx-past-end", "a read past the context's fields", [("ldxw %r2, [%r1+16]", "L"), "mov %r0, 2", "exit"],
     reject=[("ctx.access", "L")], platform="test-packet")
case("packet-ctx-narrow-pointer-field", "a 2-byte read of the data pointer field",
     [("ldxh %r2, [%r1+0]", "L"), "mov %r0, 2", "exit"], reject=[("ctx.access", "L")], platform="test-packet")
case("packet-ctx-narrow-scalar-field", "a 1-byte read of ingress_ifindex is allowed",
     ["ldxb %r2, [%r1+12]", "mov %r0, 2", "exit"], accept="ctx.access", platform="test-packet")
case("packet-ctx-variable-offset", "context offsets must be constant",
     ["ldxw %r2, [%r1+12]", "and %r2, 4", "mov %r3, %r1",
      ("add %r3, %r2", "A"), "mov %r0, 2", "exit"], reject=[("ptr.arith", "A")], platform="test-packet")
case("packet-ldabs-forbidden", "legacy packet loads are not allowed for this program type",
     ["mov %r6, %r1", ("ldabsb 0", "P"), "mov %r0, 2", "exit"], reject=[("insn.forbidden", "P")],
     platform="test-packet")
case("packet-compare-other-pointer", "a packet pointer compared with the context pointer",
     PKT + [("jgt %r2, %r1, drop", "C")] + PASS, reject=[("ptr.compare", "C")], platform="test-packet")
case("packet-meta-unsupported", "data_meta is not tracked, so reading it is rejected",
     ["ldxw %r2, [%r1+8]", ("ldxb %r5, [%r2+0]", "L"), "mov %r0, 2", "exit"], reject=[("mem.bounds", "L")],
     platform="test-packet")
case("packet-loop-bounded", "a loop reading the first 8 bytes after one check",
     PKT + ["mov %r4, %r2", "add %r4, 8", "jgt %r4, %r3, drop", "mov %r6, 0", "mov %r7, 0", "l:", "mov %r8, %r2",
            "add %r8, %r6", "ldxb %r5, [%r8+0]", "add %r7, %r5", "add %r6, 1", "jlt %r6, 8, l"] + PASS,
     accept="mem.bounds", platform="test-packet")

case("helper-callback-loop", "bpf_loop with a callback that returns 0: the callback is analysed as a function",
     ["mov %r1, 4", "lddw %r2, code cb", "mov %r3, 0", "mov %r4, 0", "call 181", "mov %r0, 2", "exit", "cb:",
      "mov %r0, 0", "exit"], accept="helper.arg", platform="test-packet")
case("helper-callback-return-range", "bpf_loop's callback must return 0 or 1; this one returns its index (0 to 3)",
     ["mov %r1, 4", "lddw %r2, code cb", "mov %r3, 0", "mov %r4, 0", ("call 181", "C"), "mov %r0, 2", "exit", "cb:",
      "mov %r0, %r1", "exit"], reject=[("helper.arg", "C")], platform="test-packet")
case("helper-stack-arg-havoc", "a helper given a stack pointer may rewrite the frame above it: the bytes stay "
     "initialised scalars",
     ["stdw [%r10-8], 7", "mov %r1, %r10", "add %r1, -16", "call 500", "ldxdw %r0, [%r10-8]", "and %r0, 3", "exit"],
     accept="helper.arg", platform="test-packet")
case("helper-stack-arg-spilled-pointer", "a spilled pointer above a stack argument is no longer known",
     ["stxdw [%r10-8], %r1", "mov %r1, %r10", "add %r1, -16", "call 500", ("ldxdw %r1, [%r10-8]", "L"), "mov %r0, 2",
      "exit"], reject=[("stack.uninit", "L")], platform="test-packet")


def main():
    for old in glob.glob(os.path.join(HERE, "gen-*.data")):
        os.remove(old)
    for name, text in CASES:
        with open(os.path.join(HERE, f"gen-{name}.data"), "w") as f:
            f.write(text)
    print(f"{len(CASES)} cases written")


if __name__ == "__main__":
    main()
