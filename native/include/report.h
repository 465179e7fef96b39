/* report.h — the app's one output: JSON lines on stdout (format in docs/app-protocol.md).
 *
 * Intervals are aligned to the epoch: interval k nominally covers
 * [epoch + k*interval, epoch + (k+1)*interval); k is negative before the epoch. A line is
 * printed when the hot loop notices a boundary has passed (nfp_report_tick, one compare), with
 * the measured start and end times. Consecutive lines tile time: each starts where the last
 * ended. If the process was held up past several boundaries, one line covers the whole stretch
 * and the next index skips the boundaries missed.
 */
#ifndef NFP_REPORT_H
#define NFP_REPORT_H

#include "nfp.h"
#include "stats.h"

struct nfp_report {
	const struct nfp_config *cfg;
	const struct nfp_role *role;
	struct nfp_stats stats;   /* what the hot loop counts into */
	struct nfp_counters last; /* totals when the current interval began */
	uint64_t interval_ns;
	uint64_t next_ns;         /* the next boundary */
	int64_t index;            /* of the current interval */
	uint64_t begin_ns;        /* counting began (first interval's start) */
	uint64_t interval_start_ns;
	uint64_t cpu_user_us0, cpu_sys_us0;         /* at begin */
	uint64_t cpu_user_us_last, cpu_sys_us_last; /* at the current interval's start */
	bool begun;
	struct nfp_hist rtt_total; /* roles with rtt: the intervals' histograms merged */
	struct nfp_hist one_way_total; /* --latency: the intervals' one-way histograms merged */
	uint64_t one_way_late_total;
};

void nfp_report_init(struct nfp_report *r, const struct nfp_config *cfg,
		     const struct nfp_role *role);
/* The "start" line: the port is open and the CPU pinned. */
void nfp_report_start(struct nfp_report *r);
/* Counting starts now: fixes the first interval's index and start. */
void nfp_report_begin(struct nfp_report *r, uint64_t now);
/* Prints the current interval, ending now, and starts the next. */
void nfp_report_interval(struct nfp_report *r, uint64_t now, bool partial);
/* The last (partial) interval, then the "summary" line. Calls begin if run never did. */
void nfp_report_finish(struct nfp_report *r, uint64_t now);

/* Called from the hot loop with a fresh timestamp. */
static inline void nfp_report_tick(struct nfp_report *r, uint64_t now)
{
	if (__builtin_expect(now >= r->next_ns, 0))
		nfp_report_interval(r, now, false);
}

#endif
