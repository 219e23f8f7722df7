/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark guest: one image, run unchanged by minivm and by KVM.
 *
 * 32-bit protected mode, flat segments, no paging.  The host sets
 *   EDI  the workload (BENCH_* in bench.h)
 *   ESI  iterations
 *   EBX  an argument: the hypercall number, or where to start touching
 *   ECX  bytes to touch (BENCH_TOUCH)
 * and the guest runs the workload's operation ESI times between two
 * RDTSCs, stores the difference at BENCH_RESULT and says so with an OUT
 * to BENCH_PORT_DONE.  The timer workloads store instead the sum, over
 * ESI rounds, of the cycles from the TSC deadline they armed to the first
 * instruction of their interrupt handler.  The TSC is read with LFENCE around it, so that the
 * count covers the loop and nothing else.
 */
#include "bench.h"

	.code32
	.section .rodata.guest, "a"
	.globl bench_guest_start
bench_guest_start:
	mov	%esi, %ebp			/* the loop counter */
	lfence
	rdtsc
	lfence
	mov	%eax, BENCH_RESULT + 8		/* start, kept in memory */
	mov	%edx, BENCH_RESULT + 12
	cmp	$BENCH_CPUID, %edi
	je	cpuid_loop
	cmp	$BENCH_OUT, %edi
	je	out_loop
	cmp	$BENCH_IN, %edi
	je	in_loop
	cmp	$BENCH_MMIO, %edi
	je	mmio_loop
	cmp	$BENCH_HLT, %edi
	je	hlt_loop
	cmp	$BENCH_VMCALL, %edi
	je	vmcall_loop
	cmp	$BENCH_LOOP, %edi
	je	plain_loop
	cmp	$BENCH_TOUCH, %edi
	je	touch
	cmp	$BENCH_TIMER, %edi
	je	timer
	cmp	$BENCH_TIMER_HLT, %edi
	je	timer
	jmp	done

cpuid_loop:
	xor	%eax, %eax
	xor	%ecx, %ecx
	cpuid
	dec	%ebp
	jnz	cpuid_loop
	jmp	done

out_loop:
	out	%al, $BENCH_PORT
	dec	%ebp
	jnz	out_loop
	jmp	done

in_loop:
	in	$BENCH_PORT, %al
	dec	%ebp
	jnz	in_loop
	jmp	done

mmio_loop:
	movl	$0, BENCH_MMIO_ADDR
	dec	%ebp
	jnz	mmio_loop
	jmp	done

hlt_loop:
	hlt
	dec	%ebp
	jnz	hlt_loop
	jmp	done

/* EBX: the number; KVM's MAP_GPA_RANGE wants a page (0), 1 page, no flags */
vmcall_loop:
	push	%ebx
	mov	%ebx, %eax
	xor	%ebx, %ebx
	mov	$1, %ecx
	xor	%edx, %edx
	vmcall
	pop	%ebx
	dec	%ebp
	jnz	vmcall_loop
	jmp	done

plain_loop:
	dec	%ebp
	jnz	plain_loop
	jmp	done

/* One byte in every 4 KiB page of [EBX, EBX + ECX). */
touch:
	mov	%ebx, %edx
	add	%ecx, %edx
1:	movb	$1, (%ebx)
	add	$4096, %ebx
	cmp	%edx, %ebx
	jb	1b
	jmp	done

/*
 * The local APIC's timer in TSC-deadline mode, vector 40h.  A GDT and an
 * IDT first (interrupt delivery reads both), built at run time as the
 * image is not linked at its guest address.  Each round arms a deadline
 * BENCH_TIMER_DELTA cycles ahead, enables interrupts, and spins on the
 * handler's flag (BENCH_TIMER) or halts (BENCH_TIMER_HLT).
 */
timer:
	movl	$0, BENCH_GDT
	movl	$0, BENCH_GDT + 4
	movl	$0x0000ffff, BENCH_GDT + 8	/* code: base 0, 4 GiB */
	movl	$0x00cf9b00, BENCH_GDT + 12
	movl	$0x0000ffff, BENCH_GDT + 16	/* data */
	movl	$0x00cf9300, BENCH_GDT + 20
	movw	$23, BENCH_GDT + 24		/* its descriptor, after it */
	movl	$BENCH_GDT, BENCH_GDT + 26
	lgdt	BENCH_GDT + 24
	call	1f
1:	pop	%eax
	add	$(tick - 1b), %eax		/* the handler's address */
	mov	%eax, %edx
	and	$0xffff, %eax
	or	$0x00080000, %eax		/* selector 08h */
	mov	%eax, BENCH_IDT + BENCH_TIMER_VECTOR * 8
	and	$0xffff0000, %edx
	or	$0x8e00, %edx			/* present, interrupt gate */
	mov	%edx, BENCH_IDT + BENCH_TIMER_VECTOR * 8 + 4
	movw	$0x7ff, BENCH_GDT + 32
	movl	$BENCH_IDT, BENCH_GDT + 34
	lidt	BENCH_GDT + 32
	movl	$0x1ff, 0xfee000f0		/* SVR: enabled */
	movl	$(BENCH_TIMER_VECTOR | 0x40000), 0xfee00320 /* TSC deadline */
	movl	$0, BENCH_RESULT
	movl	$0, BENCH_RESULT + 4
timer_round:
	movl	$0, BENCH_TICK + 8
	rdtsc
	add	$BENCH_TIMER_DELTA, %eax
	adc	$0, %edx
	mov	%eax, BENCH_DEADLINE
	mov	%edx, BENCH_DEADLINE + 4
	mov	$0x6e0, %ecx			/* IA32_TSC_DEADLINE */
	wrmsr
	cmp	$BENCH_TIMER_HLT, %edi
	je	2f
	sti
3:	cmpl	$0, BENCH_TICK + 8
	je	3b
	jmp	4f
2:	sti
	hlt
4:	cli
	mov	BENCH_TICK, %eax
	mov	BENCH_TICK + 4, %edx
	sub	BENCH_DEADLINE, %eax
	sbb	BENCH_DEADLINE + 4, %edx
	add	%eax, BENCH_RESULT
	adc	%edx, BENCH_RESULT + 4
	dec	%ebp
	jnz	timer_round
	out	%al, $BENCH_PORT_DONE
	hlt

tick:
	push	%eax
	push	%edx
	rdtsc
	mov	%eax, BENCH_TICK
	mov	%edx, BENCH_TICK + 4
	movl	$1, BENCH_TICK + 8
	movl	$0, 0xfee000b0			/* EOI */
	pop	%edx
	pop	%eax
	iret

done:
	lfence
	rdtsc
	lfence
	sub	BENCH_RESULT + 8, %eax
	sbb	BENCH_RESULT + 12, %edx
	mov	%eax, BENCH_RESULT
	mov	%edx, BENCH_RESULT + 4
	out	%al, $BENCH_PORT_DONE
	hlt
bench_guest_end:

	.globl bench_guest_size
	.balign 4
bench_guest_size:
	.long	bench_guest_end - bench_guest_start
	.previous

	.section .note.GNU-stack, "", @progbits
