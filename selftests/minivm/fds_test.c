// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU fds travelling where they should not: to another process
 * over a UNIX socket (SCM_RIGHTS), into a child by fork(), or closed by
 * one thread while another is inside MINIVM_RUN.  A VM belongs to the
 * process that created it (its mm): elsewhere its fds answer EIO, and
 * closing them never pulls memory out from under a running vCPU.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "minivm_selftest.h"
#include "guest.h"


GUEST_CODE(g_out, "1: out %al, $0x80\n jmp 1b");

static int send_fds(int sock, const int *fds, int n)
{
	char data = 'x', cbuf[CMSG_SPACE(4 * sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fds(int sock, int *fds, int n)
{
	char data, cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(fds, CMSG_DATA(c), n * sizeof(int));
	return 0;
}

/* In a process that is not the VM's: every VM and vCPU ioctl is EIO. */
static int foreign_checks(int vm, int vcpu)
{
	struct minivm_regs r;
	int bad = 0;

	bad += ioctl(vcpu, MINIVM_RUN, 0) != -1 || errno != EIO;
	bad += ioctl(vcpu, MINIVM_GET_REGS, &r) != -1 || errno != EIO;
	bad += ioctl(vm, MINIVM_CREATE_VCPU, 1) != -1 || errno != EIO;
	bad += minivm_set_memory(vm, 5, 0x800000, 4096, &r, 0) != -EIO;
	return bad;
}

/* The guest, back in its own process, still runs as before. */
static void expect_guest_runs(struct __test_metadata *_metadata,
			      struct guest *g)
{
	ASSERT_EQ(MINIVM_EXIT_IO, guest_run(g));
	EXPECT_EQ(0x80, g->cpu.run->io.port);
}

TEST(fds_sent_over_scm_rights_are_eio_elsewhere)
{
	int sv[2], status, fds[2];
	struct guest g;
	pid_t pid;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_out));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(g.vm);
		close(g.cpu.fd);
		if (recv_fds(sv[1], fds, 2))
			_exit(2);
		_exit(foreign_checks(fds[0], fds[1]) ? 1 : 0);
	}
	fds[0] = g.vm;
	fds[1] = g.cpu.fd;
	ASSERT_EQ(0, send_fds(sv[0], fds, 2));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	expect_guest_runs(_metadata, &g);
	guest_destroy(&g);
	close(sv[0]);
	close(sv[1]);
}

/*
 * A forked child inherits the fds but not the VM: EIO.  It may make a
 * VM of its own from the inherited /dev/minivm fd, and run it.
 */
TEST(fork_child_gets_eio_and_its_own_vms)
{
	struct guest g;
	int status;
	pid_t pid;

	NEED_MINIVM();
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_out));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct guest mine;
		int bad = foreign_checks(g.vm, g.cpu.fd);

		bad += guest_create(&mine, MINIVM_MODE_REAL, g_out) != 0;
		bad += guest_run(&mine) != MINIVM_EXIT_IO;
		guest_destroy(&mine);
		_exit(bad ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	expect_guest_runs(_metadata, &g);
	guest_destroy(&g);
}

static void on_usr1(int sig)
{
}

struct spinner {
	int fd;
	volatile int ret, err;
	volatile bool in_run;
};

GUEST_CODE(g_spin, "1: jmp 1b");

static void *spin(void *arg)
{
	struct spinner *s = arg;

	s->in_run = true;
	s->ret = ioctl(s->fd, MINIVM_RUN, 0);
	s->err = errno;
	return NULL;
}

/*
 * Closing every fd while a vCPU is inside RUN: the RUN holds its file, so
 * it carries on until a signal ends it; then everything is freed.
 */
TEST(close_while_running)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct spinner s = { .ret = 0 };
	struct guest g;
	pthread_t t;
	int i;

	NEED_MINIVM();
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, guest_create(&g, MINIVM_MODE_LONG, g_spin));
	s.fd = g.cpu.fd;
	ASSERT_EQ(0, pthread_create(&t, NULL, spin, &s));
	for (i = 0; i < 1000 && !s.in_run; i++)
		usleep(1000);
	usleep(50000);			/* well inside RUN by now */
	close(g.vm);
	close(g.cpu.fd);
	g.vm = g.cpu.fd = -1;
	munmap(g.cpu.run, 4096);
	g.cpu.run = NULL;
	munmap(g.mem, GUEST_MEM_SIZE);
	g.mem = MAP_FAILED;
	usleep(50000);			/* the guest spins on, pinned pages */
	EXPECT_EQ(0, pthread_kill(t, SIGUSR1));
	pthread_join(t, NULL);
	EXPECT_EQ(-1, s.ret);
	EXPECT_EQ(EINTR, s.err);
	close(g.dev);
	if (live_objects() >= 0)
		EXPECT_EQ(0, live_objects());
}

TEST_HARNESS_MAIN
