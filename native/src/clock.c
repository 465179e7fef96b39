/* clock.c — the clock's set-up (the reads are nfp_now_ns() in nfp.h), and waiting. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "nfp.h"

/* Sleep only for waits longer than this, and wake this much early to spin the rest: timer
 * wake-ups in a VM are late by tens of microseconds, a spin is exact. */
#define SLEEP_MIN_NS 200000u
#define SLEEP_MARGIN_NS 100000u
/* Under SCHED_FIFO (nfp_idle_realtime): sleep for waits from RT_SLEEP_MIN_NS, waking
 * RT_SLEEP_MARGIN_NS early. A real-time sleeper has no timer slack and, woken, runs at once ahead
 * of every ordinary task: measured here (a 2-vCPU VM, load 5), a FIFO thread's 20-100 µs sleeps
 * ended late by 20 µs at the median, 30-46 µs at p99 and at most 0.27 ms (an ordinary thread's: up
 * to 1-4 ms). Why sleep at all: a real-time sender that spins between its bursts leaves the
 * ordinary tasks of its CPU no time, and the kernel's RT throttling (sched_rt_runtime_us: 950 ms
 * of each second) then takes the rest from it in one piece, more than the pacer's 20 ms catch-up
 * bound: one stall a second, 3-4 % short (bench/pacing.ts). Sleeping in the gaps gives them
 * their time there.
 * (Bursts closer than this still spin, and pay.) */
#define RT_SLEEP_MIN_NS 60000u
#define RT_SLEEP_MARGIN_NS 40000u
/* And a real-time thread whose waits are all too short to sleep in (bursts closer than
 * RT_SLEEP_MIN_NS) still sleeps RT_BREAK_NS once it has been awake RT_AWAKE_MAX_NS: with the
 * timer's lateness, ~7 % of its time, more than the 5 % RT throttling reserves for the others.
 * The pacer catches up what the break delays (a few bursts, back to back). */
#define RT_AWAKE_MAX_NS 500000u
#define RT_BREAK_NS 50000u
/* Sleep at most this long per call. A signal that lands between the caller's check of its stop
 * flag and the sleep is then noticed within this time, not at the end of a long wait. */
#define SLEEP_MAX_NS 50000000u

/* Calibration: TSC ticks over this much CLOCK_MONOTONIC_RAW time. Each end is read to within
 * ~50 ns (the best of a few tries), so the rate is off by ~1e-6: ~0.1 ms over a 60 s run. */
#define CALIBRATE_NS 20000000u
#define SAMPLE_TRIES 7

struct nfp_clock nfp_clock;
static uint64_t sleep_min_ns = SLEEP_MIN_NS, sleep_margin_ns = SLEEP_MARGIN_NS;
static bool realtime;
static uint64_t awake_since; /* realtime: when the thread last woke from a sleep */

/* Both flags on the first "flags" line of /proc/cpuinfo: the TSC runs at a constant rate and
 * does not stop in deep C-states, so it can stand in for a clock. */
static bool tsc_is_invariant(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	bool constant = false, nonstop = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		constant = strstr(line, " constant_tsc") != NULL;
		nonstop = strstr(line, " nonstop_tsc") != NULL;
		break;
	}
	fclose(f);
	return constant && nonstop;
}

#ifdef NFP_HAVE_TSC
/* A (TSC, clock ns) pair read as close together as the tries allow: the TSC midpoint of the
 * shortest bracket around the clock read. */
static void sample(clockid_t id, uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < SAMPLE_TRIES; i++) {
		uint64_t t1 = nfp_rdtsc(), n = nfp_gettime_ns(id), t2 = nfp_rdtsc();
		if (t2 - t1 < best) {
			best = t2 - t1;
			*tsc = t1 + (t2 - t1) / 2;
			*ns = n;
		}
	}
}

static void calibrate(void)
{
	uint64_t t1 = 0, n1 = 0, t2 = 0, n2 = 0;
	struct timespec pause = { .tv_sec = 0, .tv_nsec = CALIBRATE_NS };

	sample(CLOCK_MONOTONIC_RAW, &t1, &n1);
	while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
		;
	sample(CLOCK_MONOTONIC_RAW, &t2, &n2);
	nfp_clock.hz = (double)(t2 - t1) * 1e9 / (double)(n2 - n1);
	nfp_clock.mult = (uint64_t)(1e9 / nfp_clock.hz * 4294967296.0 + 0.5);
	/* Anchored to CLOCK_MONOTONIC, the clock epochs and other processes use. */
	sample(CLOCK_MONOTONIC, &nfp_clock.tsc0, &nfp_clock.ns0);
}
#endif

int nfp_clock_init(enum nfp_clock_choice choice, struct nfp_err *err)
{
	bool usable = false;

	memset(&nfp_clock, 0, sizeof(nfp_clock));
	/* Sleeps end when asked, not up to 50 µs later (the default slack), so that a paced
	 * sender's margin for its wake-up (SLEEP_MARGIN_NS) is not eaten by the timer. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#ifdef NFP_HAVE_TSC
	usable = tsc_is_invariant();
	if (usable)
		calibrate();
#endif
	if (choice == NFP_CLOCK_TSC && !usable)
		return nfp_err_set(err, -EINVAL, "--clock tsc: this CPU has no invariant TSC "
				   "(constant_tsc and nonstop_tsc in /proc/cpuinfo)");
	nfp_clock.tsc = usable && choice != NFP_CLOCK_GETTIME;
	return 0;
}

const char *nfp_clock_source(void)
{
	return nfp_clock.tsc ? "tsc" : "clock_gettime";
}

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

void nfp_idle_realtime(void)
{
	realtime = true;
	sleep_min_ns = RT_SLEEP_MIN_NS;
	sleep_margin_ns = RT_SLEEP_MARGIN_NS;
	awake_since = nfp_now_ns();
}

static void sleep_ns(uint64_t wait)
{
	/* Relative, not absolute: `now` may be TSC time, a little apart from the kernel's. */
	struct timespec ts = {
		.tv_sec = (time_t)(wait / 1000000000u),
		.tv_nsec = (long)(wait % 1000000000u),
	};
	/* EINTR (a signal) returns early; the caller re-checks its stop flag. */
	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	if (realtime)
		awake_since = nfp_now_ns();
}

void nfp_idle_until(uint64_t until, uint64_t now)
{
	if (until > now + sleep_min_ns) {
		uint64_t wait = until - sleep_margin_ns - now;
		sleep_ns(wait > SLEEP_MAX_NS ? SLEEP_MAX_NS : wait);
		return;
	}
	if (realtime && now > awake_since + RT_AWAKE_MAX_NS) {
		sleep_ns(RT_BREAK_NS);
		return;
	}
	cpu_relax();
}
