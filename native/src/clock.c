/* clock.c — waiting. The clock itself is nfp_now_ns() in nfp.h. */
#include <poll.h>

#include "nfp.h"

/* Sleep only for waits longer than this, and wake this much early to spin the rest: timer
 * wake-ups in a VM are late by tens of microseconds, a spin is exact. */
#define SLEEP_MIN_NS 200000u
#define SLEEP_MARGIN_NS 100000u
/* Sleep at most this long per call. A signal that lands between the caller's check of its stop
 * flag and the sleep is then noticed within this time, not at the end of a long wait. */
#define SLEEP_MAX_NS 50000000u

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

void nfp_wait_rx(const struct nfp_port *port, uint64_t until, uint64_t now)
{
	struct pollfd pfd = { .fd = port->wait_fd, .events = POLLIN };
	uint64_t wait = until > now ? until - now : 0;
	struct timespec ts;

	if (port->wait_fd < 0)
		return;
	if (wait > SLEEP_MAX_NS)
		wait = SLEEP_MAX_NS;
	ts.tv_sec = (time_t)(wait / 1000000000u);
	ts.tv_nsec = (long)(wait % 1000000000u);
	/* Readable, timed out or EINTR (a signal): the caller reads, ticks and checks its flag. */
	ppoll(&pfd, 1, &ts, NULL);
}

void nfp_idle_until(uint64_t until, uint64_t now)
{
	if (until > now + SLEEP_MIN_NS) {
		uint64_t wake = until - SLEEP_MARGIN_NS;
		if (wake > now + SLEEP_MAX_NS)
			wake = now + SLEEP_MAX_NS;
		struct timespec ts = {
			.tv_sec = (time_t)(wake / 1000000000u),
			.tv_nsec = (long)(wake % 1000000000u),
		};
		/* EINTR (a signal) returns early; the caller re-checks its stop flag. */
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		return;
	}
	cpu_relax();
}
