/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bz_start.S - the entries of the boot-protocol probe (bzprobe.c), at
 * the offsets the x86 boot protocol gives them in the protected-mode
 * kernel: 0 for the 32-bit entry (ESI = boot_params), 200h for the 64-bit
 * one (RSI = boot_params).  Each passes boot_params and its own width to
 * probe(), and leaves through isa-debug-exit with probe()'s value.
 */
	.section .text.start, "ax"
	.globl	_start
#ifdef __x86_64__
	.code64
_start:
	hlt			/* a 64-bit probe is never entered at 0 */
	.org	0x200
	leaq	stack_top(%rip), %rsp
	movq	%rsi, %rdi
	movl	$64, %esi
	call	probe
#else
	.code32
_start:
	movl	$stack_top, %esp
	pushl	$32
	pushl	%esi
	call	probe
#endif
	outb	%al, $0xf4
1:	hlt
	jmp	1b

	.section .bss
	.balign	16
	.skip	4096
stack_top:
