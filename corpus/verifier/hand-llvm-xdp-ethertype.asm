# XDP-style parse in LLVM syntax: check that the Ethernet header fits, read the EtherType,
# pass IPv4 (0x0800), drop the rest.
# @bpfcert verify accept mem.bounds
# @bpfcert platform test-packet
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
if r4 > r3 goto drop
r5 = *(u16 *)(r2 + 12)
if r5 != 8 goto drop
r0 = 2
exit
drop:
r0 = 1
exit
