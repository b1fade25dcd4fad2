# Sum the 32-bit words of the memory in LLVM syntax: the loop index is bounded by the length.
# @bpfcert verify accept loop.unbounded
# @bpfcert mem-size 64
r0 = 0
r3 = 0
loop:
r4 = r3
r4 += 4
if r4 > r2 goto done
r5 = r1
r5 += r3
r6 = *(u32 *)(r5 + 0)
r0 += r6
r3 += 4
goto loop
done:
exit
