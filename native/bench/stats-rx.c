/* stats-rx.c — what one-way latency recording (stats.h rule 5, recv --latency) adds to
 * nfp_stats_rx per frame: bursts of BURST in-order 64-byte frames counted with s->one_way off
 * and on, interleaved (A B A B ...) for ROUNDS rounds, medians printed. The frames' send
 * timestamps spread over 0..64 µs so the histogram touches many buckets, as under load.
 * `make -C native bench && native/build/bench-stats-rx`. */
#include <stdio.h>
#include <stdlib.h>

#include "stats.h"
#include "wire.h"

#define BURST 32
#define BURSTS 200000
#define ROUNDS 9

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static uint8_t data[BURST][64];
static struct nfp_pkt pkts[BURST];

static double per_frame_ns(struct nfp_stats *s, bool one_way)
{
	struct nfp_flows *flows;
	uint32_t seq = 0;
	uint64_t now = 1000000000ull, t0;

	if (nfp_flows_new(&flows) < 0)
		exit(1);
	s->one_way = one_way;
	t0 = nfp_gettime_ns(CLOCK_MONOTONIC_RAW);
	for (int b = 0; b < BURSTS; b++) {
		now += 3000;
		for (int i = 0; i < BURST; i++) {
			nfp_wire_put_seq(data[i], seq++);
			nfp_wire_put_ts(data[i], (uint32_t)(now - (uint64_t)((seq * 2654435761u) % 64000u)));
		}
		nfp_stats_rx(s, flows, pkts, BURST, false, now);
	}
	t0 = nfp_gettime_ns(CLOCK_MONOTONIC_RAW) - t0;
	nfp_flows_free(flows);
	return (double)t0 / ((double)BURSTS * BURST);
}

int main(void)
{
	static struct nfp_stats stats;
	double ns[2][ROUNDS];
	struct nfp_wire_hdr h = { .magic = NFP_WIRE_MAGIC, .version = NFP_WIRE_VERSION };

	for (int i = 0; i < BURST; i++) {
		nfp_wire_encode(data[i], &h);
		pkts[i].data = data[i];
		pkts[i].len = 64 - NFP_HDR_OVERHEAD;
	}
	for (int r = 0; r < ROUNDS; r++)
		for (int w = 0; w < 2; w++)
			ns[w][r] = per_frame_ns(&stats, w == 1);
	printf("nfp_stats_rx, bursts of %d, %d bursts x %d rounds, interleaved; median ns per frame:\n",
	       BURST, BURSTS, ROUNDS);
	for (int w = 0; w < 2; w++) {
		qsort(ns[w], ROUNDS, sizeof(double), cmp);
		printf("  %-22s %6.2f  (min %.2f, max %.2f)\n", w ? "one-way latency on" : "off",
		       ns[w][ROUNDS / 2], ns[w][0], ns[w][ROUNDS - 1]);
	}
	printf("  (histogram: %llu samples)\n", (unsigned long long)stats.one_way_hist.count);
	return 0;
}
