# A function filling a caller's buffer through a pointer argument (LLVM syntax, `call` with a
# relative target), then the caller reads it back.
# @bpfcert verify accept stack.uninit
r1 = r10
r1 += -16
call fill
r0 = *(u64 *)(r10 - 16)
r1 = *(u64 *)(r10 - 8)
r0 += r1
exit
fill:
*(u64 *)(r1 + 0) = 1
*(u64 *)(r1 + 8) = 2
r0 = 0
exit
