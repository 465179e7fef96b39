/* clock-read.c — what one clock read costs: the raw TSC (rdtsc), nfp_now_ns() on the calibrated
 * TSC, and clock_gettime(CLOCK_MONOTONIC) (vDSO), each timed over READS reads, the three
 * interleaved (A B C A B C ...) for ROUNDS rounds, medians printed. `make -C native bench`. */
#include <stdio.h>
#include <stdlib.h>

#include "nfp.h"

#define READS 1000000
#define ROUNDS 9

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Each loop folds its reads into a sum, so the compiler cannot drop them. */
static volatile uint64_t sink;

static double per_read_ns(int which)
{
	uint64_t sum = 0, t0 = nfp_gettime_ns(CLOCK_MONOTONIC_RAW);

	for (int i = 0; i < READS; i++) {
		switch (which) {
#ifdef NFP_HAVE_TSC
		case 0: sum += nfp_rdtsc(); break;
#endif
		case 1: sum += nfp_now_ns(); break;
		default: sum += nfp_gettime_ns(CLOCK_MONOTONIC); break;
		}
	}
	sink = sum;
	return (double)(nfp_gettime_ns(CLOCK_MONOTONIC_RAW) - t0) / READS;
}

int main(void)
{
	static const char *names[] = { "rdtsc", "nfp_now_ns (tsc)", "clock_gettime(MONOTONIC)" };
	double ns[3][ROUNDS];
	struct nfp_err err;

	if (nfp_clock_init(NFP_CLOCK_TSC, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	for (int r = 0; r < ROUNDS; r++)
		for (int w = 0; w < 3; w++)
			ns[w][r] = per_read_ns(w);
	printf("TSC %.0f Hz; %d reads x %d rounds, interleaved; median ns per read:\n",
	       nfp_clock.hz, READS, ROUNDS);
	for (int w = 0; w < 3; w++) {
		qsort(ns[w], ROUNDS, sizeof(double), cmp);
		printf("  %-26s %6.2f  (min %.2f, max %.2f)\n", names[w], ns[w][ROUNDS / 2], ns[w][0],
		       ns[w][ROUNDS - 1]);
	}
	return 0;
}
