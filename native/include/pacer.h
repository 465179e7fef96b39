/* pacer.h — the send schedule shared by the sending roles (rules in docs/app-protocol.md,
 * "Pacing"): bursts of B frames every B / R seconds on an absolute schedule from `base`; after
 * `offered` frames the next burst is due at base + offered * 1e9 / R. A late sender catches up
 * with back-to-back bursts, by at most the catch-up bound, max(NFP_PACER_STALL_PERIODS burst
 * periods, NFP_PACER_STALL_MIN_NS): further behind, it counts a stall and drops the backlog
 * beyond the bound (the schedule restarts one bound before now). So a stall costs the time it
 * lasted less the bound, and no catch-up train is longer than the bound's frames.
 *
 * Why 20 ms: a pinned sender that shares its CPU with any other runnable task (the runner, a
 * kworker, a compiler) loses the CPU for one scheduler slice at a time — 1.5 to 8 ms measured
 * here (EEVDF's base slice is 0.75 ms × (1 + log2 CPUs)). With the old 1 ms bound each such
 * slice dropped frames, 0.2–0.5 % of every paced run (bench/pacing.ts); 20 ms absorbs them.
 * The train that follows runs at the sender's full speed, which the path's receiver queues
 * take: a socket receiver's buffer holds ~16 MiB (udp_common.h), more than 20 ms of frames at
 * any rate this path reaches, and the catch-up rate is at most the path's own maximum.
 * Unpaced (--rate max): always due. */
#ifndef NFP_PACER_H
#define NFP_PACER_H

#include <math.h>

#include "nfp.h"

#define NFP_PACER_STALL_PERIODS 4
#define NFP_PACER_STALL_MIN_NS 20000000u

struct nfp_pacer {
	double ns_per_frame; /* 1e9 / rate; 0 when unpaced */
	uint64_t stall_ns;
	uint64_t base, next, offered;
	bool behind; /* backlog cut since the sender was last on schedule: one stall so far */
};

/* A schedule of bursts of `burst` frames at rate_pps (0: unpaced) from base. */
static inline void nfp_pacer_start(struct nfp_pacer *p, double rate_pps, uint32_t burst,
				   uint64_t base)
{
	p->ns_per_frame = 0;
	p->stall_ns = 0;
	if (rate_pps > 0) {
		double period = burst * 1e9 / rate_pps;
		p->ns_per_frame = 1e9 / rate_pps;
		p->stall_ns = NFP_PACER_STALL_PERIODS * period > NFP_PACER_STALL_MIN_NS
				      ? (uint64_t)(NFP_PACER_STALL_PERIODS * period)
				      : NFP_PACER_STALL_MIN_NS;
	}
	p->base = p->next = base;
	p->offered = 0;
	p->behind = false;
}

/* The load's schedule: --rate in bursts of --burst. */
static inline void nfp_pacer_init(struct nfp_pacer *p, const struct nfp_config *cfg,
				  uint64_t base)
{
	nfp_pacer_start(p, cfg->rate_pps, cfg->burst, base);
}

/* Is a burst due at now? Keeps only the catch-up bound's backlog when further behind than the
 * bound, and counts a stall the first time it does so since the sender was last on schedule
 * (a sender that cannot keep up at all is one long stall, not one per burst). */
static inline bool nfp_pacer_due(struct nfp_pacer *p, uint64_t now, uint64_t *stalls)
{
	if (p->ns_per_frame <= 0)
		return true;
	if (now < p->next) {
		p->behind = false;
		return false;
	}
	if (now - p->next > p->stall_ns) {
		if (!p->behind)
			(*stalls)++;
		p->behind = true;
		p->base = p->next = now - p->stall_ns;
		p->offered = 0;
	}
	return true;
}

/* After offering n frames to the send call (accepted or not). */
static inline void nfp_pacer_offered(struct nfp_pacer *p, unsigned n)
{
	if (p->ns_per_frame <= 0)
		return;
	p->offered += n;
	p->next = p->base + (uint64_t)((double)p->offered * p->ns_per_frame);
}

/* Frames of the schedule due before `end` and not offered yet (UINT64_MAX when unpaced or
 * endless): a run of d seconds at R offers R × d frames, its last burst cut to fit, not up to
 * B - 1 frames more. */
static inline uint64_t nfp_pacer_due_before(const struct nfp_pacer *p, uint64_t end)
{
	uint64_t due;

	if (p->ns_per_frame <= 0 || end == UINT64_MAX)
		return UINT64_MAX;
	if (end <= p->base)
		return 0;
	/* Frame k is due at base + k × ns_per_frame: those with k < (end - base) / ns_per_frame. */
	due = (uint64_t)ceil((double)(end - p->base) / p->ns_per_frame);
	return due > p->offered ? due - p->offered : 0;
}

#endif
