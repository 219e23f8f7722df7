/* SPDX-License-Identifier: GPL-2.0 */
/*
 * start32.S - entry of the 32-bit C guests.  The launcher enters here in
 * protected mode with flat segments and a stack; main()'s return value
 * leaves through isa-debug-exit, or HLT when it is 0.
 */
	.code32
	.section .text.start, "ax"
	.globl	_start
_start:
	call	main
	test	%eax, %eax
	jz	1f
	outb	%al, $0xf4
1:	hlt
	jmp	1b
