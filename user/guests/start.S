/* SPDX-License-Identifier: GPL-2.0 */
/*
 * start.S - entry of the C guests, 32- or 64-bit as the compiler builds
 * it.  The launcher enters here with flat segments and a stack; main()'s
 * return value leaves through isa-debug-exit, or HLT when it is 0.
 */
#ifdef __x86_64__
	.code64
#else
	.code32
#endif
	.section .text.start, "ax"
	.globl	_start
_start:
	call	main
	test	%eax, %eax
	jz	1f
	outb	%al, $0xf4
1:	hlt
	jmp	1b
