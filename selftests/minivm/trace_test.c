// SPDX-License-Identifier: GPL-2.0
/*
 * minivm's tracepoints (kmod/trace.h), read through tracefs as trace-cmd
 * and perf would: a guest that executes CPUID (handled in the kernel),
 * an OUT (handled in userspace), takes an interrupt raised by userspace
 * and halts leaves, in order, the exits with their reasons and RIPs, the
 * returns to userspace, the injection with its vector, and an entry
 * before each stretch in the guest.  `minivm stat` then counts them by
 * reason.
 */
#define _GNU_SOURCE
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

#define TRACEFS		"/sys/kernel/tracing"
#define VECTOR		0x30
#define IRQ_HANDLER	2

/* Handler at 2: OUT to 81h, IRET (as in interrupt_test). */
GUEST_CODE(g_traced,
	".byte 0xeb, 6\n"
	"out %al, $0x81\n .byte 0x48, 0xcf\n .byte 0x90, 0x90\n"
	"xor %eax, %eax\n cpuid\n out %al, $0x80\n sti\n"
	"1: hlt\n jmp 1b");

/* Offsets in g_traced: the CPUID and the OUT after it. */
#define CPUID_AT	(8 + 2)
#define OUT_AT		(CPUID_AT + 2)

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, s, strlen(s));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* tracefs at its usual place, mounted if the machine did not. */
static bool tracefs_ready(void)
{
	if (access(TRACEFS "/trace", F_OK) == 0)
		return true;
	mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	return access(TRACEFS "/trace", F_OK) == 0;
}

/* The whole trace buffer, as text. */
static char *read_trace(void)
{
	FILE *f = fopen(TRACEFS "/trace", "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	char line[1024];

	while (f && out && fgets(line, sizeof(line), f))
		fputs(line, out);
	if (f)
		fclose(f);
	if (out)
		fclose(out);
	return buf;
}

/* The first line at or after @from that contains @want1 (and @want2). */
static const char *find_line(const char *from, const char *want1,
			     const char *want2)
{
	const char *p = from;

	while (p && *p) {
		const char *end = strchr(p, '\n');
		char *line = strndup(p, end ? (size_t)(end - p) : strlen(p));
		bool hit = strstr(line, want1) && (!want2 || strstr(line, want2));

		free(line);
		if (hit)
			return p;
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

FIXTURE(trace) {
	struct guest g;
	bool ready;
};

FIXTURE_SETUP(trace)
{
	self->ready = minivm_present() && tracefs_ready() &&
		      access(TRACEFS "/events/minivm/enable", F_OK) == 0;
	if (!self->ready)
		return;
	ASSERT_EQ(0, write_file(TRACEFS "/events/minivm/enable", "1"));
	ASSERT_EQ(0, write_file(TRACEFS "/trace", ""));
	ASSERT_EQ(0, write_file(TRACEFS "/tracing_on", "1"));
}

FIXTURE_TEARDOWN(trace)
{
	if (self->ready)
		write_file(TRACEFS "/events/minivm/enable", "0");
}

TEST_F(trace, exits_entries_injections_and_returns)
{
	char rip[64], *text;
	const char *p;

	if (!minivm_present())
		SKIP(return, "no " MINIVM_DEV ": module not loaded (no VMX?)");
	if (!self->ready)
		SKIP(return, "no tracefs with minivm's events at " TRACEFS);
	ASSERT_EQ(0, guest_create(&self->g, MINIVM_MODE_PROTECTED, g_traced));
	ASSERT_EQ(0, guest_set_handler(&self->g, MINIVM_MODE_PROTECTED,
				       VECTOR, IRQ_HANDLER));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&self->g));		/* OUT 80h */
	ASSERT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
	ASSERT_EQ(0, minivm_interrupt(&self->g.cpu, VECTOR));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&self->g));		/* OUT 81h */
	guest_destroy(&self->g);
	write_file(TRACEFS "/events/minivm/enable", "0");

	text = read_trace();
	ASSERT_NE(NULL, text);
	/* The first entry, at the guest's first instruction. */
	snprintf(rip, sizeof(rip), "rip 0x%lx", GUEST_CODE_ADDR);
	p = find_line(text, "minivm_entry: vcpu 0", rip);
	ASSERT_NE(NULL, p) TH_LOG("no first entry:\n%s", text);
	/* CPUID: handled in the kernel, at its own RIP. */
	snprintf(rip, sizeof(rip), "rip 0x%lx handled 1", GUEST_CODE_ADDR + CPUID_AT);
	p = find_line(p, "minivm_exit: vcpu 0 reason CPUID", rip);
	ASSERT_NE(NULL, p) TH_LOG("no CPUID exit:\n%s", text);
	/* The OUT: not handled in the kernel; RUN returns with MINIVM_EXIT_IO. */
	snprintf(rip, sizeof(rip), "rip 0x%lx handled 0", GUEST_CODE_ADDR + OUT_AT);
	p = find_line(p, "minivm_exit: vcpu 0 reason IO_INSTRUCTION", rip);
	ASSERT_NE(NULL, p) TH_LOG("no OUT exit:\n%s", text);
	p = find_line(p, "minivm_userspace_exit: vcpu 0 reason IO ret 0", NULL);
	ASSERT_NE(NULL, p);
	p = find_line(p, "minivm_exit: vcpu 0 reason HLT", "handled 0");
	ASSERT_NE(NULL, p);
	p = find_line(p, "minivm_userspace_exit: vcpu 0 reason HLT", NULL);
	ASSERT_NE(NULL, p);
	/* The interrupt raised by userspace, injected on the next entry. */
	p = find_line(p, "minivm_inject: vcpu 0 vector 0x30 type EXT_INTR", NULL);
	ASSERT_NE(NULL, p) TH_LOG("no injection:\n%s", text);
	p = find_line(p, "minivm_entry: vcpu 0", NULL);
	ASSERT_NE(NULL, p);
	free(text);
}

/* What @cmd printed, into @out (@len bytes): its exit status, or -1. */
static int output_of(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n;

	*out = 0;
	if (!f)
		return -1;
	n = fread(out, 1, len - 1, f);
	out[n] = 0;
	return pclose(f);
}

/* The cases that run the launcher under tracing skip without either. */
#define NEED_LAUNCHER() do {						\
	if (!minivm_present())						\
		SKIP(return, "no " MINIVM_DEV ": module not loaded (no VMX?)"); \
	if (!self->ready || access("/minivm/bin/minivm", X_OK))	\
		SKIP(return, "no tracefs, or no launcher at /minivm/bin"); \
} while (0)

/* minivm stat over that trace: one CPUID, handled in the kernel. */
TEST_F(trace, minivm_stat_counts_by_reason)
{
	char out[8192];

	NEED_LAUNCHER();
	ASSERT_EQ(0, guest_create(&self->g, MINIVM_MODE_PROTECTED, g_traced));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&self->g));
	ASSERT_EQ(MINIVM_EXIT_HLT, guest_run(&self->g));
	guest_destroy(&self->g);
	write_file(TRACEFS "/events/minivm/enable", "0");

	ASSERT_EQ(0, output_of("/minivm/bin/minivm stat " TRACEFS "/trace",
			       out, sizeof(out))) TH_LOG("%s", out);
	/* One line per reason: its count first, then how many in the kernel. */
	EXPECT_NE(NULL, strstr(out, "CPUID")) TH_LOG("%s", out);
	EXPECT_TRUE(find_line(out, "CPUID", " 1 ") != NULL) TH_LOG("%s", out);
	EXPECT_TRUE(find_line(out, "IO_INSTRUCTION", " 1 ") != NULL) TH_LOG("%s", out);
	EXPECT_TRUE(find_line(out, "HLT", " 1 ") != NULL) TH_LOG("%s", out);
	/* (Host interrupts and the preemption timer may add exits of their own.) */
}

/*
 * The events are ordinary TRACE_EVENTs: trace-cmd records them (its own
 * buffers, its own file) and minivm stat reads its report, the launcher's
 * hello_real.bin giving its 22 OUTs and its HLT.
 */
#define TRACE_CMD	"/usr/bin/trace-cmd"

TEST_F(trace, trace_cmd_records_them)
{
	char out[8192];

	NEED_LAUNCHER();
	if (access(TRACE_CMD, X_OK))
		SKIP(return, "no " TRACE_CMD " (Debian's trace-cmd) in this machine");
	write_file(TRACEFS "/events/minivm/enable", "0");
	ASSERT_EQ(0, system(TRACE_CMD " record -q -e minivm -o /tmp/minivm.dat "
			    "/minivm/bin/minivm run --mode real "
			    "/minivm/guests/hello_real.bin > /dev/null 2>&1"));
	ASSERT_EQ(0, output_of(TRACE_CMD " report -i /tmp/minivm.dat 2>/dev/null"
			       " | /minivm/bin/minivm stat -", out, sizeof(out)))
		TH_LOG("%s", out);
	EXPECT_TRUE(find_line(out, "IO_INSTRUCTION", " 22 ") != NULL) TH_LOG("%s", out);
	EXPECT_TRUE(find_line(out, "HLT", " 1 ") != NULL) TH_LOG("%s", out);
	unlink("/tmp/minivm.dat");
}

TEST_HARNESS_MAIN
