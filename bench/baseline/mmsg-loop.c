/*
 * mmsg-loop.c — the bare kernel-UDP baseline for bench/udp-vs-iperf3.ts: the least a program can
 * do to move 64-byte frames (22-byte UDP payloads) between two sockets, 32 per system call.
 *
 *   mmsg-loop send LOCAL-IP REMOTE-IP PORT SECONDS CPU [tuned]   sendmmsg(32) unpaced for
 *                                                        SECONDS; prints "sent N ns T"
 *   mmsg-loop recv LOCAL-IP PORT CPU [tuned]             recvmmsg(32) until SIGTERM/SIGINT;
 *                                                        prints "received N"
 *
 * No pacing, no headers, no per-frame work: the payload is never written after set-up and never
 * read. Plain, it is what a first program does: default socket buffers, a receiver that sleeps
 * in recvmmsg. `tuned` (both ends) does what nfvperf-app's udp-mmsg does and nothing more:
 * 8 MiB socket buffers (SO_RCVBUFFORCE/SO_SNDBUFFORCE) and a receiver that polls (MSG_DONTWAIT)
 * instead of sleeping, so it measures the path, not a wake-up per burst or a full buffer.
 * Compiled by the benchmark with `cc -O2`.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BURST 32
#define PAYLOAD 22 /* 64-byte frame − 14 Ethernet − 20 IPv4 − 8 UDP */

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static void die(const char *what) { perror(what); exit(1); }

static void pin(const char *cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(atoi(cpu), &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		die("sched_setaffinity");
}

static void set_buffer(int fd, int force_opt)
{
	int bytes = 8 << 20;
	if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof(bytes)) < 0)
		die("setsockopt(SO_*BUFFORCE)");
}

static struct sockaddr_in address(const char *ip, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
		fprintf(stderr, "bad address %s\n", ip);
		exit(2);
	}
	return a;
}

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* A UDP socket bound to local, from a process pinned to cpu; tuned: an 8 MiB buffer (force_opt). */
static int open_socket(const struct sockaddr_in *local, const char *cpu, int tuned, int force_opt)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	pin(cpu);
	if (fd >= 0 && tuned)
		set_buffer(fd, force_opt);
	if (fd < 0 || bind(fd, (const struct sockaddr *)local, sizeof(*local)) < 0)
		die("socket");
	return fd;
}

/* Message i of msgs points at bufs + i * stride, len bytes. */
static void point_msgs(struct mmsghdr *msgs, struct iovec *iov, char *bufs, size_t stride, size_t len)
{
	memset(msgs, 0, BURST * sizeof(*msgs));
	for (int i = 0; i < BURST; i++) {
		iov[i] = (struct iovec){ .iov_base = bufs + i * stride, .iov_len = len };
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
}

static int sender(char **argv, int tuned)
{
	struct sockaddr_in local = address(argv[0], "0"), remote = address(argv[1], argv[2]);
	double seconds = atof(argv[3]);
	static char payload[BURST][PAYLOAD];
	struct iovec iov[BURST];
	struct mmsghdr msgs[BURST];
	int fd = open_socket(&local, argv[4], tuned, SO_SNDBUFFORCE);
	if (connect(fd, (struct sockaddr *)&remote, sizeof(remote)) < 0)
		die("connect");
	point_msgs(msgs, iov, payload[0], PAYLOAD, PAYLOAD);
	long long sent = 0, start = now_ns(), end = start + (long long)(seconds * 1e9), t = start;
	while (!stop && t < end) {
		int n = sendmmsg(fd, msgs, BURST, 0);
		if (n > 0)
			sent += n;
		else if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED)
			die("sendmmsg");
		t = now_ns(); /* once per burst, as nfvperf's sender reads its clock */
	}
	printf("sent %lld ns %lld\n", sent, t - start);
	return 0;
}

static int receiver(char **argv, int tuned)
{
	struct sockaddr_in local = address(argv[0], argv[1]);
	static char payload[BURST][2048];
	struct iovec iov[BURST];
	struct mmsghdr msgs[BURST];
	int fd = open_socket(&local, argv[2], tuned, SO_RCVBUFFORCE);
	point_msgs(msgs, iov, payload[0], sizeof(payload[0]), sizeof(payload[0]));
	/* Plain: a blocking receive, which the signal (no SA_RESTART) interrupts with EINTR. */
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	long long received = 0;
	while (!stop) {
		int n = recvmmsg(fd, msgs, BURST, tuned ? MSG_DONTWAIT : 0, NULL);
		if (n > 0)
			received += n;
		else if (errno != EINTR && errno != EAGAIN)
			die("recvmmsg");
	}
	printf("received %lld\n", received);
	return 0;
}

int main(int argc, char **argv)
{
	int tuned = argc > 2 && strcmp(argv[argc - 1], "tuned") == 0;

	if (argc - tuned == 7 && strcmp(argv[1], "send") == 0)
		return sender(argv + 2, tuned);
	if (argc - tuned == 5 && strcmp(argv[1], "recv") == 0)
		return receiver(argv + 2, tuned);
	fprintf(stderr, "usage: mmsg-loop send LOCAL-IP REMOTE-IP PORT SECONDS CPU [tuned] | "
		"recv LOCAL-IP PORT CPU [tuned]\n");
	return 2;
}
