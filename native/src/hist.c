/* hist.c — the RTT histogram (layout and percentile definition in hist.h). */
#include "hist.h"

#include <math.h>
#include <string.h>

void nfp_hist_reset(struct nfp_hist *h)
{
	memset(h, 0, sizeof(*h));
}

uint64_t nfp_hist_low(unsigned i)
{
	unsigned e;

	if (i < 2 * NFP_HIST_SUB)
		return i;
	e = i / NFP_HIST_SUB - 1;
	return (uint64_t)(i - e * NFP_HIST_SUB) << e;
}

uint64_t nfp_hist_width(unsigned i)
{
	return i < 2 * NFP_HIST_SUB ? 1 : 1ull << (i / NFP_HIST_SUB - 1);
}

void nfp_hist_merge(struct nfp_hist *dst, const struct nfp_hist *src)
{
	if (!src->count)
		return;
	if (!dst->count || src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	for (unsigned i = 0; i < NFP_HIST_BUCKETS; i++)
		dst->counts[i] += src->counts[i];
}

uint64_t nfp_hist_percentile(const struct nfp_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (unsigned i = 0; i < NFP_HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			uint64_t v = nfp_hist_low(i) + nfp_hist_width(i) / 2;
			if (v < h->min_ns)
				v = h->min_ns;
			if (v > h->max_ns)
				v = h->max_ns;
			return v;
		}
	}
	return h->max_ns; /* not reached: the counts add up to count */
}
