/* pacer.h — the send schedule shared by the sending roles (rules in docs/app-protocol.md,
 * "Pacing"): bursts of B frames every B / R seconds on an absolute schedule from `base`; after
 * `offered` frames the next burst is due at base + offered * 1e9 / R. A sender more than
 * max(NFP_PACER_STALL_PERIODS burst periods, NFP_PACER_STALL_MIN_NS) behind counts a stall,
 * drops the backlog and restarts the schedule from now. Unpaced (--rate max): always due. */
#ifndef NFP_PACER_H
#define NFP_PACER_H

#include "nfp.h"

#define NFP_PACER_STALL_PERIODS 4
#define NFP_PACER_STALL_MIN_NS 1000000u

struct nfp_pacer {
	double ns_per_frame; /* 1e9 / rate; 0 when unpaced */
	uint64_t stall_ns;
	uint64_t base, next, offered;
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
}

/* Is a burst due at now? Counts a stall (and restarts the schedule) when far behind. */
static inline bool nfp_pacer_due(struct nfp_pacer *p, uint64_t now, uint64_t *stalls)
{
	if (p->ns_per_frame <= 0)
		return true;
	if (now < p->next)
		return false;
	if (now - p->next > p->stall_ns) {
		(*stalls)++;
		p->base = p->next = now;
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
