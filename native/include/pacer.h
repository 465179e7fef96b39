/* pacer.h — the send schedule shared by the sending roles (rules in docs/app-protocol.md,
 * "Pacing"): bursts of B frames every B / R seconds on an absolute schedule from `base`; after
 * `offered` frames the next burst is due at base + offered * 1e9 / R. A late sender catches up
 * with back-to-back bursts, but by at most the catch-up bound, max(NFP_PACER_STALL_PERIODS burst
 * periods, NFP_PACER_STALL_MIN_NS): further behind, it counts a stall and drops the backlog
 * beyond the bound (the schedule restarts one bound before now). So a stall costs the time it
 * lasted less the bound, and no burst it causes is longer than the bound's frames (4 × B, or
 * 1 ms of frames at R). Unpaced (--rate max): always due. */
#ifndef NFP_PACER_H
#define NFP_PACER_H

#include "nfp.h"

#define NFP_PACER_STALL_PERIODS 4
#define NFP_PACER_STALL_MIN_NS 1000000u

struct nfp_pacer {
	double ns_per_frame; /* 1e9 / rate; 0 when unpaced */
	uint64_t stall_ns;
	uint64_t base, next, offered;
	bool behind; /* backlog cut since the sender was last on schedule: one stall so far */
};

static inline void nfp_pacer_init(struct nfp_pacer *p, const struct nfp_config *cfg,
				  uint64_t base)
{
	p->ns_per_frame = 0;
	p->stall_ns = 0;
	if (cfg->rate_pps > 0) {
		double period = cfg->burst * 1e9 / cfg->rate_pps;
		p->ns_per_frame = 1e9 / cfg->rate_pps;
		p->stall_ns = NFP_PACER_STALL_PERIODS * period > NFP_PACER_STALL_MIN_NS
				      ? (uint64_t)(NFP_PACER_STALL_PERIODS * period)
				      : NFP_PACER_STALL_MIN_NS;
	}
	p->base = p->next = base;
	p->offered = 0;
	p->behind = false;
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

#endif
