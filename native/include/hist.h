/* hist.h — the round-trip-time histogram: log-linear (HDR style), values in ns.
 *
 * Buckets: values below 2 * NFP_HIST_SUB (256 ns) each have their own bucket (width 1, exact).
 * Above, every power of two [2^k, 2^(k+1)) (k >= 8) is split into NFP_HIST_SUB = 128 equal
 * buckets of width 2^(k-7). So a bucket's width is at most 1/128 of its lower bound: the
 * relative error of a value placed in a bucket is below 0.79%, and below 0.4% when the bucket is
 * reported by its midpoint. Values from 0 to 2^30 - 1 ns (1.07 s) fit in NFP_HIST_BUCKETS
 * buckets; round trips longer than NFP_RTT_LATE_NS (1 s) are counted `late`, never recorded.
 *
 * The bucket of value v, with e = max(0, msb(v) - 7):  index = e * 128 + (v >> e).
 * A bucket's lower bound and width follow from the lower bound alone (what the JSON carries):
 *     width(low) = 1 if low < 256, else 2^(msb(low) - 7)
 * so histograms printed as [[lowNs, count], ...] merge exactly by adding counts of equal lowNs.
 *
 * Percentile q (0 < q <= 1) of n recorded values: the bucket holding the ceil(q * n)-th smallest
 * value (the one where the cumulative count first reaches it), reported as low + floor(width/2)
 * (the bucket's midpoint), clamped to [min, max] of the recorded values. Error <= 0.4%.
 */
#ifndef NFP_HIST_H
#define NFP_HIST_H

#include <stdint.h>

#define NFP_HIST_SUB_BITS 7
#define NFP_HIST_SUB (1u << NFP_HIST_SUB_BITS)
#define NFP_HIST_MAX_BITS 30 /* values < 2^30 ns */
#define NFP_HIST_BUCKETS ((NFP_HIST_MAX_BITS - NFP_HIST_SUB_BITS + 1) * NFP_HIST_SUB)
#define NFP_RTT_LATE_NS 1000000000u /* echoes slower than 1 s are `late`, not recorded */

struct nfp_hist {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t min_ns, max_ns; /* valid when count > 0 */
	uint64_t counts[NFP_HIST_BUCKETS];
};

static inline unsigned nfp_hist_index(uint64_t v)
{
	unsigned msb, e;

	if (v < 2 * NFP_HIST_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	e = msb - NFP_HIST_SUB_BITS;
	return e * NFP_HIST_SUB + (unsigned)(v >> e);
}

/* Records one value (ns); the caller keeps values <= NFP_RTT_LATE_NS. */
static inline void nfp_hist_record(struct nfp_hist *h, uint64_t v)
{
	if (!h->count || v < h->min_ns)
		h->min_ns = v;
	if (v > h->max_ns)
		h->max_ns = v;
	h->count++;
	h->sum_ns += v;
	h->counts[nfp_hist_index(v)]++;
}

void nfp_hist_reset(struct nfp_hist *h);
/* Lower bound and width of bucket i, in ns. */
uint64_t nfp_hist_low(unsigned i);
uint64_t nfp_hist_width(unsigned i);
/* dst += src. */
void nfp_hist_merge(struct nfp_hist *dst, const struct nfp_hist *src);
/* Percentile q in (0, 1] as defined above; 0 when the histogram is empty. */
uint64_t nfp_hist_percentile(const struct nfp_hist *h, double q);

#endif
