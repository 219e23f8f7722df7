// SPDX-License-Identifier: GPL-2.0
/*
 * dev_uart.c - a 16550 UART at 3F8h (COM1), just enough for polled I/O.
 *
 * Transmit is immediate: the line status register always says the
 * transmitter is empty (LSR bits 5 and 6), and bytes written to THR go to
 * stdout.  Receive polls stdin without blocking: LSR bit 0 says a byte is
 * there, RBR hands it over.  The divisor latch (LCR bit 7) and the other
 * registers keep what is written so drivers that program them are happy.
 */
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "vmm.h"

#define LSR_DR		0x01	/* data ready */
#define LSR_THRE	0x20	/* transmit holding register empty */
#define LSR_TEMT	0x40	/* transmitter empty */
#define LCR_DLAB	0x80

static struct {
	uint8_t regs[8];	/* IER, IIR/FCR, LCR, MCR, ..., SCR */
	uint8_t dll, dlm;
	int rx;			/* a byte read from stdin, or -1 */
} uart = { .rx = -1 };

static void poll_stdin(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	unsigned char c;

	if (uart.rx < 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN) &&
	    read(STDIN_FILENO, &c, 1) == 1)
		uart.rx = c;
}

static void uart_out(struct vmm *v, uint16_t port, uint8_t size, uint32_t val)
{
	unsigned int reg = port - 0x3f8;

	if (reg == 0 && !(uart.regs[3] & LCR_DLAB)) {
		putchar(val & 0xff);
		fflush(stdout);
	} else if (reg == 0) {
		uart.dll = val;
	} else if (reg == 1 && (uart.regs[3] & LCR_DLAB)) {
		uart.dlm = val;
	} else {
		uart.regs[reg] = val;
	}
}

static uint32_t uart_in(struct vmm *v, uint16_t port, uint8_t size)
{
	unsigned int reg = port - 0x3f8;
	int c;

	switch (reg) {
	case 0:
		if (uart.regs[3] & LCR_DLAB)
			return uart.dll;
		poll_stdin();
		c = uart.rx;
		uart.rx = -1;
		return c < 0 ? 0 : c;
	case 1:
		return (uart.regs[3] & LCR_DLAB) ? uart.dlm : uart.regs[1];
	case 2:
		return 0x01;		/* IIR: no interrupt pending */
	case 5:
		poll_stdin();
		return LSR_THRE | LSR_TEMT | (uart.rx >= 0 ? LSR_DR : 0);
	case 6:
		return 0xb0;		/* MSR: DCD, DSR, CTS */
	default:
		return uart.regs[reg];
	}
}

const struct vmm_device dev_uart = {
	.name = "uart16550", .port = 0x3f8, .nports = 8,
	.out = uart_out, .in = uart_in,
};
