# A per-key counter in LLVM syntax: look up key 0, add 1 atomically, return the old value's
# low byte.
# @bpfcert verify accept mem.null
# @bpfcert map fd=1 type=array key=4 value=8 entries=1 name=counter
*(u32 *)(r10 - 4) = 0
ld_pseudo r1, 1, 1
r2 = r10
r2 += -4
call 1
if r0 == 0 goto out
r1 = 1
r1 = atomic_fetch_add((u64 *)(r0 + 0), r1)
r0 = r1
r0 &= 255
exit
out:
r0 = 0
exit
