# The same sum with the bound test on the start index only: the last word may run past the end.
# @bpfcert verify reject mem.bounds pc=6
# @bpfcert mem-size 62
r0 = 0
r3 = 0
loop:
if r3 >= r2 goto done
r5 = r1
r5 += r3
r4 = r3
r6 = *(u32 *)(r5 + 0)
r0 += r6
r3 += 4
goto loop
done:
exit
