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
 * to BENCH_PORT_DONE.  The TSC is read with LFENCE around it, so that the
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
