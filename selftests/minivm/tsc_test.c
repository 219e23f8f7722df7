// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's time stamp counter: it starts near 0 when the VM is
 * created and runs at the host's rate, a WRMSR to it moves it where the
 * guest says, IA32_TSC_ADJUST keeps the sum of such moves (and moves it
 * too), and CPUID tells the guest its frequency (leaf 15h and the
 * hypervisor timing leaf 40000010h), which must be the host's.
 */
#define _GNU_SOURCE
#include <time.h>
#include <x86intrin.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"

/* Does the CPU have "use TSC offsetting" (processor-based control 3)? */
static bool have_tsc_offsetting(void)
{
	struct minivm_vmx_caps caps;

	return !read_caps(&caps) && ((caps.procbased_ctls >> 32) & (1 << 3));
}

/* Two OUTs to port 80h with EAX, then EDX: one 64-bit value. */
static uint64_t read_pair(struct __test_metadata *_metadata, struct guest *g)
{
	uint32_t lo = 0, hi = 0;

	EXPECT_EQ(MINIVM_EXIT_IO, guest_run(g));
	memcpy(&lo, minivm_io_data(g->cpu.run), 4);
	EXPECT_EQ(MINIVM_EXIT_IO, guest_run(g));
	memcpy(&hi, minivm_io_data(g->cpu.run), 4);
	return (uint64_t)hi << 32 | lo;
}

#define OUT_EDX_EAX "out %eax, $0x80\n mov %edx, %eax\n out %eax, $0x80\n"

GUEST_CODE(g_rdtsc, "rdtsc\n" OUT_EDX_EAX "hlt");

TEST(guest_tsc_starts_near_zero)
{
	uint64_t before, after, tsc;
	struct guest g;

	NEED_MINIVM();
	if (!have_tsc_offsetting())
		SKIP(return, "no TSC offsetting on this CPU");
	before = __rdtsc();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_rdtsc));
	tsc = read_pair(_metadata, &g);
	after = __rdtsc();
	EXPECT_LT(0, tsc);
	EXPECT_GT(after - before, tsc)
		TH_LOG("guest TSC %#llx, %#llx host cycles since before the VM",
		       (unsigned long long)tsc,
		       (unsigned long long)(after - before));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
}

/* WRMSR to the TSC (10h) with 1 << 40, then RDTSC. */
GUEST_CODE(g_wrtsc,
	"mov $0x10, %ecx\n xor %eax, %eax\n mov $0x100, %edx\n wrmsr\n"
	"rdtsc\n" OUT_EDX_EAX "hlt");

TEST(tsc_write_moves_the_guests_tsc)
{
	uint64_t before, after, tsc;
	struct guest g;

	NEED_MINIVM();
	if (!have_tsc_offsetting())
		SKIP(return, "no TSC offsetting on this CPU");
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_wrtsc));
	before = __rdtsc();
	tsc = read_pair(_metadata, &g);
	after = __rdtsc();
	EXPECT_LE(1ULL << 40, tsc);
	EXPECT_GT((1ULL << 40) + (after - before), tsc);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
}

/*
 * IA32_TSC_ADJUST (3Bh), "Time-Stamp Counter Adjustment" in the SDM: it
 * starts at 0, CPUID leaf 7 EBX bit 1 shows it, and a WRMSR to the TSC
 * that moves it by X adds X to it.  The guest reports leaf 7 EBX, the
 * MSR, then the MSR again after writing 1 << 40 to its TSC.
 */
GUEST_CODE(g_tsc_adjust_follows,
	"mov $7, %eax\n xor %ecx, %ecx\n cpuid\n mov %ebx, %eax\n"
	"out %eax, $0x80\n"
	"mov $0x3b, %ecx\n rdmsr\n" OUT_EDX_EAX
	"mov $0x10, %ecx\n xor %eax, %eax\n mov $0x100, %edx\n wrmsr\n"
	"mov $0x3b, %ecx\n rdmsr\n" OUT_EDX_EAX "hlt");

TEST(tsc_write_adds_to_tsc_adjust)
{
	uint64_t before, after, adjust0, adjust1;
	uint32_t ebx7 = 0;
	struct guest g;

	NEED_MINIVM();
	if (!have_tsc_offsetting())
		SKIP(return, "no TSC offsetting on this CPU");
	before = __rdtsc();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_tsc_adjust_follows));
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(&g));
	memcpy(&ebx7, minivm_io_data(g.cpu.run), 4);
	adjust0 = read_pair(_metadata, &g);
	adjust1 = read_pair(_metadata, &g);
	after = __rdtsc();
	EXPECT_TRUE(ebx7 & (1u << 1)) TH_LOG("leaf 7 EBX %#x: no TSC_ADJUST", ebx7);
	EXPECT_EQ(0, adjust0);
	/* The guest's TSC was between 0 and after - before when written. */
	EXPECT_GE(1ULL << 40, adjust1);
	EXPECT_LT((1ULL << 40) - (after - before), adjust1)
		TH_LOG("IA32_TSC_ADJUST %#llx after the TSC moved to 1 << 40",
		       (unsigned long long)adjust1);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
}

/*
 * And the other way: writing 1 << 40 to IA32_TSC_ADJUST moves the TSC by
 * 1 << 40.  The guest reports its TSC after the write, before it, and
 * the MSR.
 */
GUEST_CODE(g_tsc_adjust_moves,
	"rdtsc\n mov %eax, %esi\n mov %edx, %edi\n"
	"mov $0x3b, %ecx\n xor %eax, %eax\n mov $0x100, %edx\n wrmsr\n"
	"rdtsc\n" OUT_EDX_EAX
	"mov %esi, %eax\n mov %edi, %edx\n" OUT_EDX_EAX
	"mov $0x3b, %ecx\n rdmsr\n" OUT_EDX_EAX "hlt");

TEST(tsc_adjust_write_moves_the_tsc)
{
	uint64_t before, after, t1, t0, adjust;
	struct guest g;

	NEED_MINIVM();
	if (!have_tsc_offsetting())
		SKIP(return, "no TSC offsetting on this CPU");
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_tsc_adjust_moves));
	before = __rdtsc();
	t1 = read_pair(_metadata, &g);
	t0 = read_pair(_metadata, &g);
	adjust = read_pair(_metadata, &g);
	after = __rdtsc();
	EXPECT_EQ(1ULL << 40, adjust);
	EXPECT_LE(1ULL << 40, t1 - t0);
	EXPECT_GT((1ULL << 40) + (after - before), t1 - t0)
		TH_LOG("the TSC moved by %#llx", (unsigned long long)(t1 - t0));
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	guest_destroy(&g);
}

/* The guest's view of its TSC frequency: 40000010h EAX, and leaf 15h. */
GUEST_CODE(g_freq,
	"mov $0x40000010, %eax\n cpuid\n out %eax, $0x80\n"
	"mov $0x15, %eax\n cpuid\n out %eax, $0x80\n mov %ebx, %eax\n"
	"out %eax, $0x80\n mov %ecx, %eax\n out %eax, $0x80\n hlt");

/* The host's TSC rate in kHz, against CLOCK_MONOTONIC over 200 ms. */
static uint64_t host_tsc_khz(void)
{
	struct timespec a, b;
	uint64_t t0, t1, ns;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = __rdtsc();
	usleep(200000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	t1 = __rdtsc();
	ns = (b.tv_sec - a.tv_sec) * 1000000000ULL + b.tv_nsec - a.tv_nsec;
	return (t1 - t0) * 1000000ULL / ns;
}

static uint32_t next_out(struct __test_metadata *_metadata, struct guest *g)
{
	uint32_t v = 0;

	EXPECT_EQ(MINIVM_EXIT_IO, guest_run(g));
	memcpy(&v, minivm_io_data(g->cpu.run), 4);
	return v;
}

TEST(tsc_frequency_is_the_hosts)
{
	uint32_t khz, den, num, crystal;
	uint64_t host = host_tsc_khz(), leaf15;
	struct guest g;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_freq));
	khz = next_out(_metadata, &g);
	den = next_out(_metadata, &g);
	num = next_out(_metadata, &g);
	crystal = next_out(_metadata, &g);
	EXPECT_EQ(MINIVM_EXIT_HLT, guest_run(&g));
	ASSERT_NE(0, den);
	leaf15 = (uint64_t)crystal * num / den / 1000;
	/* Within 2% of what the host measures. */
	EXPECT_GT(host / 50, khz > host ? khz - host : host - khz)
		TH_LOG("40000010h says %u kHz, the host measures %llu kHz",
		       khz, (unsigned long long)host);
	EXPECT_GT(host / 50, leaf15 > host ? leaf15 - host : host - leaf15)
		TH_LOG("leaf 15h says %llu kHz, the host measures %llu kHz",
		       (unsigned long long)leaf15, (unsigned long long)host);
	guest_destroy(&g);
}

TEST_HARNESS_MAIN
