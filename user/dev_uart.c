// SPDX-License-Identifier: GPL-2.0
/*
 * dev_uart.c - a 16550 UART at 3F8h (COM1) on IRQ 4, polled or driven by
 * its interrupts.
 *
 * Transmit is immediate: the line status register always says the
 * transmitter is empty (LSR bits 5 and 6), and bytes written to THR go to
 * stdout.  Receive reads stdin without blocking: LSR bit 0 says a byte is
 * there, RBR hands it over.  The divisor latch (LCR bit 7) and the other
 * registers keep what is written so drivers that program them are happy.
 *
 * Interrupts, as a PC's COM1 has them (the 16550 data sheet, "Interrupt
 * Identification Register"): with IER bit 0 a received byte, with IER
 * bit 1 an empty transmit holding register, asks for IRQ 4, which the
 * board only wires through when MCR bit 3 (OUT2) is set.  IIR names the
 * highest-priority cause (received data before THR empty); reading IIR
 * while it says "THR empty" clears that cause, as does writing THR, which
 * empties again at once and so asks again.  Linux's 8250 driver, which
 * will not print a byte from user space without the THRE interrupt,
 * works this way.  Left out: line-status and modem-status interrupts,
 * and the FIFO's trigger levels (FCR is kept; IIR shows the FIFOs on).
 */
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "vmm.h"

#define IER_RDI		0x01	/* interrupt on received data */
#define IER_THRI	0x02	/* interrupt on THR empty */
#define IIR_NONE	0x01
#define IIR_THRE	0x02
#define IIR_RDI		0x04
#define IIR_FIFO	0xc0	/* FIFOs enabled (FCR bit 0) */
#define LSR_DR		0x01	/* data ready */
#define LSR_THRE	0x20	/* transmit holding register empty */
#define LSR_TEMT	0x40	/* transmitter empty */
#define LCR_DLAB	0x80
#define MCR_OUT2	0x08	/* the IRQ line's gate on a PC */
#define UART_IRQ	4

static struct {
	uint8_t regs[8];	/* IER, FCR, LCR, MCR, ..., SCR */
	uint8_t dll, dlm;
	int rx;			/* a byte read from stdin, or -1 */
	bool eof;		/* stdin has no more */
	bool thre;		/* the THR-empty cause is pending */
} uart = { .rx = -1 };

static void poll_stdin(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	unsigned char c;
	ssize_t n;

	if (uart.rx >= 0 || uart.eof || poll(&p, 1, 0) != 1)
		return;
	n = read(STDIN_FILENO, &c, 1);
	if (n == 1)
		uart.rx = c;
	else
		uart.eof = true;
}

/* The cause IIR names: received data first, then THR empty. */
static uint8_t cause(void)
{
	if ((uart.regs[1] & IER_RDI) && uart.rx >= 0)
		return IIR_RDI;
	if ((uart.regs[1] & IER_THRI) && uart.thre)
		return IIR_THRE;
	return IIR_NONE;
}

static void update_irq(void)
{
	vmm_set_irq(UART_IRQ, (uart.regs[4] & MCR_OUT2) && cause() != IIR_NONE);
}

/**
 * uart_poll() - look at stdin, and raise IRQ 4 for a byte that came in.
 * Called before every MINIVM_RUN.
 */
void uart_poll(void)
{
	if (uart.regs[1] & IER_RDI)
		poll_stdin();
	update_irq();
}

/**
 * uart_can_interrupt() - could input still raise IRQ 4?  For a halted
 * guest: then it is worth waiting for stdin.
 */
bool uart_can_interrupt(void)
{
	return (uart.regs[1] & IER_RDI) && (uart.regs[4] & MCR_OUT2) &&
	       !uart.eof;
}

static void uart_out(struct vmm *v, uint16_t port, uint8_t size, uint32_t val)
{
	unsigned int reg = port - 0x3f8;

	if (reg == 0 && !(uart.regs[3] & LCR_DLAB)) {
		putchar(val & 0xff);
		fflush(stdout);
		uart.thre = true;	/* sent at once: empty again */
	} else if (reg == 0) {
		uart.dll = val;
	} else if (reg == 1 && (uart.regs[3] & LCR_DLAB)) {
		uart.dlm = val;
	} else {
		/* Enabling the THRE interrupt with THR empty asks at once. */
		if (reg == 1 && (val & IER_THRI) && !(uart.regs[1] & IER_THRI))
			uart.thre = true;
		uart.regs[reg] = val;
	}
	update_irq();
}

static uint32_t uart_in(struct vmm *v, uint16_t port, uint8_t size)
{
	unsigned int reg = port - 0x3f8;
	uint8_t iir;
	int c;

	switch (reg) {
	case 0:
		if (uart.regs[3] & LCR_DLAB)
			return uart.dll;
		poll_stdin();
		c = uart.rx;
		uart.rx = -1;
		update_irq();
		return c < 0 ? 0 : c;
	case 1:
		return (uart.regs[3] & LCR_DLAB) ? uart.dlm : uart.regs[1];
	case 2:
		iir = cause();
		if (iir == IIR_THRE)
			uart.thre = false;	/* reading it says it */
		update_irq();
		return iir | ((uart.regs[2] & 1) ? IIR_FIFO : 0);
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
