/* stats.h — the counting helpers every role uses, so that all roles count the same way.
 *
 * Transmit: nfp_stats_tx() after each send call.
 * Receive:  nfp_stats_rx() after each rx_burst; it classifies each frame and tracks sequence
 *           numbers per flow with the rules below.
 *
 * Receive rules (per frame, in this order):
 *  1. Fewer than 18 bytes, a truncated payload, magic != 0x4E46 or version != 1: `foreign`.
 *     Nothing else is counted for it.
 *  2. Otherwise rxPackets += 1 and rxBytes += payload length + 42 (duplicates and corrupt frames
 *     arrived, so they count here too).
 *  3. If the frame's TOUCH flag is set, the checksum is recomputed over every byte; a mismatch is
 *     `corrupt`. If the receiver runs with --touch, a frame without the flag is `corrupt` too
 *     (its data cannot be checked). A frame with the flag is always checked, --touch or not, so
 *     corruption is never silently dropped. Corrupt frames still go through step 4 (the header
 *     passed its magic and version checks).
 *  4. Sequence, per flow id (each flow has its own state; the first frame of a flow is compared
 *     with "expected 0", since senders start at seq 0). Let max be the highest sequence seen,
 *     expected = max + 1, s the frame's sequence extended to 64 bits (RFC 1982, wire.h):
 *       s == expected          in order.
 *       s >  expected          lost += s - expected (the frames skipped are presumed lost).
 *       s <  expected, within  the last NFP_SEQ_WINDOW sequences: if already seen, `duplicates`;
 *                              else `reordered` and lost -= 1 (it was counted lost when skipped).
 *       s <  expected, older   than the window (or before the flow's start): `reordered`, and
 *                              lost -= 1 while the flow's lost > 0. Duplicates this old cannot be
 *                              told from late frames; the window makes that rare.
 *     So per flow, lost = (max + 1) - distinct frames received: frames lost after the last one
 *     received are invisible here (the sender's txPackets tells). A run's lost is never
 *     negative; an interval's can be, when a frame skipped in an earlier interval arrives late.
 *  5. One-way latency, only when s->one_way is set (recv/tester --latency): for every frame of
 *     rule 2 (with s->one_way_probes, --latency-probes: every such frame flagged
 *     NFP_WIRE_F_PROBE, the probes a sender adds beside its load with --probe-rate), owd = (now32 - ts) mod 2^32 ns, now read once per received burst (after the
 *     receive call returned: the time a frame waited in the receive queue is in it). owd >
 *     NFP_RTT_LATE_NS is `one_way_late` (also what a receiver whose clock reads behind the
 *     sender's gets: a "negative" owd wraps to > 4 s), else recorded in s->one_way_hist.
 *     Valid only where sender and receiver read one clock: one host, where CLOCK_MONOTONIC is
 *     shared by all namespaces (nfp.h: the TSC is calibrated per process against it, so run
 *     both apps with --clock gettime when the TSC's per-process calibration error matters).
 *     Across hosts, use the client's RTT. The ts is stamped when the sender filled its burst.
 */
#ifndef NFP_STATS_H
#define NFP_STATS_H

#include <stdio.h>

#include "hist.h"
#include "nfp.h"

/* Sequences remembered per flow to tell duplicates from late frames; a multiple of 64. */
#define NFP_SEQ_WINDOW 4096

struct nfp_stats {
	struct nfp_counters total; /* written by the hot loop, read by the reporter */
	struct nfp_hist rtt;       /* roles with rtt: this interval's round trips (the reporter
				      prints, merges and resets it at each boundary) */
	uint64_t first_pkt_ns;     /* CLOCK_MONOTONIC of the first and last burst that moved a */
	uint64_t last_pkt_ns;      /* frame (0 = none yet) */
	bool one_way;              /* rule 5: record one-way latency (--latency) */
	bool one_way_probes;       /* rule 5: of probe frames only (--latency-probes) */
	uint64_t one_way_late;     /* rule 5: this interval's frames with owd > NFP_RTT_LATE_NS */
	struct nfp_hist one_way_hist; /* rule 5: this interval's one-way latencies (printed, merged
					 and reset by the reporter like rtt) */
	uint64_t rx_queue_packets[NFP_QUEUES_MAX]; /* rule 2's frames by the receive queue they
						      came in on (pkts[i].queue; --queues) */
};

static inline void nfp_stats_mark(struct nfp_stats *s, uint64_t now)
{
	if (!s->first_pkt_ns)
		s->first_pkt_ns = now;
	s->last_pkt_ns = now;
}

/* After a send call that was offered `offered` frames and accepted `accepted` of them. */
static inline void nfp_stats_tx(struct nfp_stats *s, unsigned offered, unsigned accepted,
				uint32_t frame_bytes, uint64_t now)
{
	s->total.tx_packets += accepted;
	s->total.tx_bytes += (uint64_t)accepted * frame_bytes;
	s->total.unsent += offered - accepted;
	if (accepted)
		nfp_stats_mark(s, now);
}

/* After a send call that was offered pkts[0..offered) and accepted the first `accepted`; bytes
 * are each payload + 42 (for frames of different sizes, such as echoes). */
static inline void nfp_stats_tx_pkts(struct nfp_stats *s, const struct nfp_pkt *pkts,
				     unsigned offered, unsigned accepted, uint64_t now)
{
	s->total.tx_packets += accepted;
	for (unsigned i = 0; i < accepted; i++)
		s->total.tx_bytes += (uint64_t)pkts[i].len + NFP_HDR_OVERHEAD;
	s->total.unsent += offered - accepted;
	if (accepted)
		nfp_stats_mark(s, now);
}

/* One flow's sequence state. */
struct nfp_seq_state {
	int64_t max;   /* highest sequence seen; -1 before the first frame */
	int64_t lost;  /* this flow's share of counters.lost */
	uint64_t seen[NFP_SEQ_WINDOW / 64]; /* bit (s % WINDOW) set: s seen, for max-WINDOW < s <= max */
};

void nfp_seq_init(struct nfp_seq_state *st);
/* Applies rule 4 above to one frame, counting into c. */
void nfp_seq_track(struct nfp_seq_state *st, uint32_t seq, struct nfp_counters *c);

/* Per-flow states for all 65536 flow ids, allocated on a flow's first frame. */
struct nfp_flows;
int nfp_flows_new(struct nfp_flows **out);
void nfp_flows_free(struct nfp_flows *f);

/* Applies rules 1-5 to n received frames. -ENOMEM if a new flow's state cannot be allocated. */
int nfp_stats_rx(struct nfp_stats *s, struct nfp_flows *flows, const struct nfp_pkt *pkts,
		 unsigned n, bool require_touch, uint64_t now);

/*
 * Echoes (the client role). The client numbers its frames like send (seq from 0, +1 per accepted
 * frame, ts = low 32 bits of CLOCK_MONOTONIC ns at the burst's send) and remembers which of the
 * last `window` sequences are outstanding (sent, not echoed yet). Per echo, in this order:
 *  1. Rules 1-3 above: `foreign` (nothing else counted), else rxPackets/rxBytes, and `corrupt`
 *     for a failed TOUCH checksum (the server echoes the payload untouched).
 *  2. RTT = (now32 - ts) mod 2^32 ns, now read once per received burst (valid up to 4.29 s).
 *  3. A sequence never sent (ahead of the sender, or of another flow id) or already matched:
 *     `unmatched`. Older than the window: `late` if RTT > 1 s, else `unmatched` (a duplicate
 *     cannot be told from a first echo there).
 *  4. Otherwise it is matched: `lost` -= 1 (every accepted frame did lost += 1, so lost is the
 *     number of frames still unanswered: in flight at an interval boundary, or lost), and
 *     RTT > NFP_RTT_LATE_NS is `late`, else the RTT is recorded in the histogram (and written to
 *     --rtt-dump). So rxPackets = rtt.count + late + unmatched, and at the end
 *     lost = txPackets - rtt.count - late (in the summary, after the client's drain).
 */
struct nfp_echo_state {
	uint64_t next;   /* the next sequence to send (the sending thread's own) */
	/* Sequences below it may have been sent: what a receive thread on another CPU reads
	 * (atomically) to tell an echo of a sent frame from one of nothing. */
	uint64_t limit;
	unsigned armed;  /* frames marked outstanding before the send call (nfp_echo_arm) */
	uint64_t window; /* power of two >= 64 */
	uint64_t *outstanding; /* bit (s % window) set: s sent and not echoed, next-window <= s < next */
	uint16_t flow;
	FILE *dump;      /* --rtt-dump, or NULL */
};

/* window: how many sequences to remember (rounded up to a power of two, at least 4096). */
int nfp_echo_init(struct nfp_echo_state *st, uint64_t window, uint16_t flow, FILE *dump);
void nfp_echo_free(struct nfp_echo_state *st);
/* After the send call accepted n frames numbered st->next.. : marks them outstanding. */
void nfp_echo_sent(struct nfp_stats *s, struct nfp_echo_state *st, unsigned n);
/* Two threads (client --rx-cpu): before the send call, marks the n frames it is offered
 * outstanding and publishes them, so an echo that beats nfp_echo_sent is still matched;
 * nfp_echo_sent then takes back the ones not accepted. The bitmap words are updated with
 * atomic read-modify-writes, so the two threads never lose each other's bits. */
void nfp_echo_arm(struct nfp_echo_state *st, unsigned n);
/* Adds src's counters and RTT and one-way histograms to dst and zeroes src (a receive thread's counts,
 * merged by the reporting thread at interval edges). */
void nfp_stats_move(struct nfp_stats *dst, struct nfp_stats *src);
/* Applies the echo rules to n received frames. */
void nfp_stats_echo(struct nfp_stats *s, struct nfp_echo_state *st, const struct nfp_pkt *pkts,
		    unsigned n, bool require_touch, uint64_t now);

#endif
