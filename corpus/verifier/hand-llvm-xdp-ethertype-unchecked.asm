# The same parse with the length check one byte short: the EtherType's second byte is not proven.
# @bpfcert verify reject mem.bounds pc=5
# @bpfcert platform test-packet
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 13
if r4 > r3 goto drop
r5 = *(u16 *)(r2 + 12)
if r5 != 8 goto drop
r0 = 2
exit
drop:
r0 = 1
exit
