# Code sections without function symbols, as LLVM before function symbols and hand-written
# assembly leave them: each section is one program (libbpf < 1.0, PREVAIL), and a call into
# .text lands in the whole section appended (libbpf < 0.2).
	.section	xdp,"ax",@progbits
	r1 = 7
	call sub_without_type
	exit
	.section	.text,"ax",@progbits
	r0 = 1
	exit
sub_without_type:
	r0 = r1
	r0 += 1
	exit
	.section	socket,"ax",@progbits
	r0 = 0
	exit
	.section	license,"aw",@progbits
	.asciz	"GPL"
