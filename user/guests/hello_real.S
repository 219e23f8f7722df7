/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello_real.S - a real-mode guest, the way a CPU starts: 16-bit code, a
 * boot sector's address (7C00h), segments that are addresses >> 4.  It
 * prints through the debug console port and halts.
 *
 *   minivm run --mode real hello_real.bin
 */
	.code16
	.globl	_start
_start:
	xor	%ax, %ax
	mov	%ax, %ds		/* msg is addressed from segment 0 */
	mov	$msg, %si
	cld
1:	lodsb				/* AL = [DS:SI++] */
	test	%al, %al
	jz	2f
	outb	%al, $0xe9		/* one byte to the debug console */
	jmp	1b
2:	hlt				/* the launcher stops with status 0 */

msg:	.asciz	"Hello from real mode!\n"
