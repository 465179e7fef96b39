/* stats.c — shared counting: receive classification and per-flow sequence tracking.
 * The rules are stated in stats.h; this file follows them line by line. */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define NFLOWS 65536

struct nfp_flows {
	struct nfp_seq_state *by_id[NFLOWS];
};

void nfp_seq_init(struct nfp_seq_state *st)
{
	memset(st, 0, sizeof(*st));
	st->max = -1;
}

static inline void seen_set(struct nfp_seq_state *st, int64_t s)
{
	uint64_t pos = (uint64_t)s % NFP_SEQ_WINDOW;
	st->seen[pos / 64] |= 1ull << (pos % 64);
}

static inline bool seen_test(const struct nfp_seq_state *st, int64_t s)
{
	uint64_t pos = (uint64_t)s % NFP_SEQ_WINDOW;
	return st->seen[pos / 64] & (1ull << (pos % 64));
}

/* Forgets sequences from..from+count-1 (count < NFP_SEQ_WINDOW), whose bits still describe the
 * sequences one window older. */
static void seen_clear(struct nfp_seq_state *st, int64_t from, uint64_t count)
{
	uint64_t pos = (uint64_t)from % NFP_SEQ_WINDOW;

	while (count) {
		uint64_t bit = pos % 64, take = 64 - bit;
		if (take > count)
			take = count;
		uint64_t mask = take == 64 ? ~0ull : ((1ull << take) - 1) << bit;
		st->seen[pos / 64] &= ~mask;
		count -= take;
		pos = (pos + take) % NFP_SEQ_WINDOW;
	}
}

/* Rule 4 for a frame that is not the next in order. */
static void seq_track_other(struct nfp_seq_state *st, int64_t s, struct nfp_counters *c)
{
	if (s > st->max) { /* a gap: the frames in between are presumed lost */
		uint64_t gap = (uint64_t)(s - st->max - 1);
		c->lost += (int64_t)gap;
		st->lost += (int64_t)gap;
		if (gap + 1 >= NFP_SEQ_WINDOW)
			memset(st->seen, 0, sizeof(st->seen));
		else
			seen_clear(st, st->max + 1, gap + 1);
		seen_set(st, s);
		st->max = s;
		return;
	}
	if (s < 0 || st->max - s >= NFP_SEQ_WINDOW) { /* older than the window */
		c->reordered++;
		if (st->lost > 0) {
			st->lost--;
			c->lost--;
		}
		return;
	}
	if (seen_test(st, s)) {
		c->duplicates++;
		return;
	}
	seen_set(st, s); /* late but new: it was counted lost when skipped */
	c->reordered++;
	st->lost--;
	c->lost--;
}

/* Rule 4; the next frame in order, the common case, is handled inline. */
static inline void seq_track(struct nfp_seq_state *st, uint32_t seq, struct nfp_counters *c)
{
	/* A flow's first frame is measured from 0 (senders start there), whatever its value. */
	int64_t s = st->max < 0 ? (int64_t)seq : nfp_seq_extend(st->max, seq);

	if (__builtin_expect(s == st->max + 1, 1)) {
		seen_set(st, s);
		st->max = s;
		return;
	}
	seq_track_other(st, s, c);
}

void nfp_seq_track(struct nfp_seq_state *st, uint32_t seq, struct nfp_counters *c)
{
	seq_track(st, seq, c);
}

int nfp_flows_new(struct nfp_flows **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void nfp_flows_free(struct nfp_flows *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < NFLOWS; i++)
		free(f->by_id[i]);
	free(f);
}

static struct nfp_seq_state *flow_state(struct nfp_flows *f, uint16_t flow)
{
	struct nfp_seq_state *st = f->by_id[flow];

	if (__builtin_expect(st == NULL, 0)) {
		st = malloc(sizeof(*st));
		if (!st)
			return NULL;
		nfp_seq_init(st);
		f->by_id[flow] = st;
	}
	return st;
}

/* Rule 5. */
static inline void one_way_record(struct nfp_stats *s, uint32_t ts, uint32_t now32)
{
	uint32_t owd = now32 - ts;

	if (__builtin_expect(owd > NFP_RTT_LATE_NS, 0))
		s->one_way_late++;
	else
		nfp_hist_record(&s->one_way_hist, owd);
}

int nfp_stats_rx(struct nfp_stats *s, struct nfp_flows *flows, const struct nfp_pkt *pkts,
		 unsigned n, bool require_touch, uint64_t now)
{
	struct nfp_counters *c = &s->total;
	const bool one_way = s->one_way, probes_only = s->one_way_probes;
	unsigned good = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct nfp_pkt *p = &pkts[i];
		struct nfp_wire_hdr h;
		struct nfp_seq_state *st;

		if (nfp_wire_decode(p->data, p->len, &h) != NFP_WIRE_OK) { /* rule 1 */
			c->foreign++;
			continue;
		}
		good++; /* rule 2 */
		c->rx_bytes += (uint64_t)p->len + NFP_HDR_OVERHEAD;
		s->rx_queue_packets[p->queue & (NFP_QUEUES_MAX - 1)]++;
		if (h.flags & NFP_WIRE_F_TOUCH) { /* rule 3 */
			if (nfp_wire_csum(p->data, p->len) != h.csum)
				c->corrupt++;
		} else if (require_touch) {
			c->corrupt++;
		}
		if (one_way && (!probes_only || (h.flags & NFP_WIRE_F_PROBE))) /* rule 5 */
			one_way_record(s, h.ts, (uint32_t)now);
		st = flow_state(flows, h.flow); /* rule 4 */
		if (!st) {
			c->rx_packets += good;
			return -ENOMEM;
		}
		seq_track(st, h.seq, c);
	}
	c->rx_packets += good;
	if (good)
		nfp_stats_mark(s, now);
	return 0;
}

/* ---- echoes (rules in stats.h) ------------------------------------------------------------ */

int nfp_echo_init(struct nfp_echo_state *st, uint64_t window, uint16_t flow, FILE *dump)
{
	uint64_t w = 4096;

	while (w < window && w < (1ull << 30))
		w <<= 1;
	memset(st, 0, sizeof(*st));
	st->window = w;
	st->flow = flow;
	st->dump = dump;
	st->outstanding = calloc(w / 64, sizeof(uint64_t));
	return st->outstanding ? 0 : -ENOMEM;
}

void nfp_echo_free(struct nfp_echo_state *st)
{
	free(st->outstanding);
	st->outstanding = NULL;
}

/* Sets (or clears) the outstanding bits of sequences [from, to). */
static void mark(struct nfp_echo_state *st, uint64_t from, uint64_t to, bool set)
{
	for (uint64_t q = from; q < to; q++) {
		uint64_t pos = q & (st->window - 1), bit = 1ull << (pos % 64);
		/* Setting overwrites what sequence q-window left: unanswered, it stays counted lost. */
		if (set)
			__atomic_fetch_or(&st->outstanding[pos / 64], bit, __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(&st->outstanding[pos / 64], ~bit, __ATOMIC_RELAXED);
	}
}

void nfp_echo_arm(struct nfp_echo_state *st, unsigned n)
{
	mark(st, st->next, st->next + n, true);
	st->armed = n;
	/* Release: a receiver that sees the new limit also sees the bits. */
	__atomic_store_n(&st->limit, st->next + n, __ATOMIC_RELEASE);
}

void nfp_echo_sent(struct nfp_stats *s, struct nfp_echo_state *st, unsigned n)
{
	if (st->armed)
		mark(st, st->next + n, st->next + st->armed, false); /* offered, not accepted */
	else
		mark(st, st->next, st->next + n, true);
	st->armed = 0;
	st->next += n;
	__atomic_store_n(&st->limit, st->next, __ATOMIC_RELEASE);
	s->total.lost += n;
}

void nfp_stats_move(struct nfp_stats *dst, struct nfp_stats *src)
{
	/* Every counter is a 64-bit integer: add them as such (two's complement for `lost`). */
	_Static_assert(sizeof(struct nfp_counters) % sizeof(uint64_t) == 0, "64-bit counters");
	uint64_t *d = (uint64_t *)&dst->total, *s = (uint64_t *)&src->total;

	for (size_t i = 0; i < sizeof(struct nfp_counters) / sizeof(uint64_t); i++)
		d[i] += s[i];
	nfp_hist_merge(&dst->rtt, &src->rtt);
	nfp_hist_merge(&dst->one_way_hist, &src->one_way_hist);
	dst->one_way_late += src->one_way_late;
	if (src->first_pkt_ns && (!dst->first_pkt_ns || src->first_pkt_ns < dst->first_pkt_ns))
		dst->first_pkt_ns = src->first_pkt_ns;
	if (src->last_pkt_ns > dst->last_pkt_ns)
		dst->last_pkt_ns = src->last_pkt_ns;
	memset(&src->total, 0, sizeof(src->total));
	nfp_hist_reset(&src->rtt);
	nfp_hist_reset(&src->one_way_hist);
	src->one_way_late = 0;
	src->first_pkt_ns = src->last_pkt_ns = 0;
}

static void echo_one(struct nfp_stats *s, struct nfp_echo_state *st, const struct nfp_wire_hdr *h,
		     uint32_t now32)
{
	struct nfp_counters *c = &s->total;
	uint32_t rtt = now32 - h->ts;
	/* Acquire: pairs with the sender's release (it may run on another thread). */
	uint64_t limit = __atomic_load_n(&st->limit, __ATOMIC_ACQUIRE);
	int64_t seq;
	uint64_t pos, bit;

	if (h->flow != st->flow || limit == 0) {
		c->unmatched++;
		return;
	}
	seq = nfp_seq_extend((int64_t)limit - 1, h->seq);
	if (seq < 0 || (uint64_t)seq >= limit) { /* never sent */
		c->unmatched++;
		return;
	}
	if ((uint64_t)seq + st->window < limit) { /* older than the window */
		if (rtt > NFP_RTT_LATE_NS) {
			c->late++;
			if (c->lost > 0)
				c->lost--;
		} else {
			c->unmatched++;
		}
		return;
	}
	pos = (uint64_t)seq & (st->window - 1);
	bit = 1ull << (pos % 64);
	/* Test and clear in one step: the sending thread may be setting bits of the same word. */
	if (!(__atomic_fetch_and(&st->outstanding[pos / 64], ~bit, __ATOMIC_RELAXED) & bit)) {
		c->unmatched++; /* already matched */
		return;
	}
	c->lost--;
	if (rtt > NFP_RTT_LATE_NS) {
		c->late++;
		return;
	}
	nfp_hist_record(&s->rtt, rtt);
	if (st->dump)
		fprintf(st->dump, "%u\n", rtt);
}

void nfp_stats_echo(struct nfp_stats *s, struct nfp_echo_state *st, const struct nfp_pkt *pkts,
		    unsigned n, bool require_touch, uint64_t now)
{
	struct nfp_counters *c = &s->total;
	unsigned good = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct nfp_pkt *p = &pkts[i];
		struct nfp_wire_hdr h;

		if (nfp_wire_decode(p->data, p->len, &h) != NFP_WIRE_OK) {
			c->foreign++;
			continue;
		}
		good++;
		c->rx_bytes += (uint64_t)p->len + NFP_HDR_OVERHEAD;
		if (h.flags & NFP_WIRE_F_TOUCH) {
			if (nfp_wire_csum(p->data, p->len) != h.csum)
				c->corrupt++;
		} else if (require_touch) {
			c->corrupt++;
		}
		echo_one(s, st, &h, (uint32_t)now);
	}
	c->rx_packets += good;
	if (good)
		nfp_stats_mark(s, now);
}
