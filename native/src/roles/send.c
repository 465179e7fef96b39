/* send.c — the send role: numbered frames to --remote in bursts of --burst, paced to --rate or
 * back to back (--rate max), from the epoch until --duration, --count or a signal.
 *
 * Pacing is the absolute schedule of pacer.h (shared with the client): after `offered` frames
 * since `base`, the next burst is due at base + offered * 1e9 / rate (computed from the start, so
 * rounding never accumulates). A sender that is late sends the due bursts back to back to catch
 * up, by at most max(NFP_PACER_STALL_PERIODS burst periods, NFP_PACER_STALL_MIN_NS): further
 * behind, it counts a `stall` and drops the backlog beyond that bound. With --duration the last
 * burst holds only the frames due before the end, and a sender behind at the end catches up
 * first, so a run offers rate × duration frames (its summary's durationNs then runs a little past
 * the duration: the intended count is rate × duration, not rate × durationNs). Frames
 * the send call does not accept are `unsent` and never retried; their sequence numbers are
 * reused, so the receiver sees only path loss. Both count against the achieved rate.
 *
 * Latency probes (--probe-rate): beside the load, single frames on their own schedule (pacer.h,
 * bursts of 1), each sent alone in its own send call and stamped just before it, flagged
 * NFP_WIRE_F_PROBE. A receiver with --latency-probes records only their one-way latency: one
 * frame's way through the path with whatever load is queued on it, never the wait behind the
 * frames of its own burst (through OVS-DPDK at 10 kpps: p50 1.6 µs for single frames, 22 µs
 * for bursts of 32 sharing one stamp). They take the flow's next sequence numbers like any
 * frame, so loss and order are counted over load and probes together.
 *
 * The loop's body is the sender of loops.h, which the tester runs too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loops.h"
#include "nfp.h"
#include "pacer.h"
#include "report.h"
#include "stats.h"
#include "traffic.h"
#include "wire.h"

struct nfp_sender {
	const struct nfp_config *cfg;
	struct nfp_pacer pacer;
	uint64_t end_ns;     /* --duration's end; UINT64_MAX: none */
	struct nfp_pkt pkts[NFP_BURST_MAX];
	uint8_t *pattern;    /* --touch: pattern[i] = (uint8_t)i, so payload byte i of frame seq
				is pattern[i + seq % 256] and a memcpy writes every byte */
	struct nfp_traffic traffic; /* each frame's size and tuple (--size-mix, --flows) */
	uint64_t seq;        /* the next frame's sequence number */
	uint8_t hdr[NFP_WIRE_HDR_LEN]; /* every frame's header, encoded once: a burst writes its ts
					  here, a frame copies it and writes its seq */
	struct nfp_pacer probe;  /* --probe-rate: one frame per slot; unpaced (0) = no probes */
	struct nfp_pkt probe_pkt;
	uint8_t probe_hdr[NFP_WIRE_HDR_LEN]; /* hdr with NFP_WIRE_F_PROBE */
};

int nfp_sender_new(const struct nfp_config *cfg, const char *role, struct nfp_sender **out,
		   struct nfp_err *err)
{
	struct nfp_sender *st;
	int rc;

	*out = NULL;
	if (!cfg->port.has_remote)
		return nfp_err_set(err, -EINVAL, "--remote: required for %s (IP:PORT to send to)",
				   role);
	st = calloc(1, sizeof(*st));
	if (!st)
		return nfp_err_set(err, -ENOMEM, "%s: out of memory", role);
	*out = st;
	st->cfg = cfg;
	st->end_ns = UINT64_MAX;
	if ((rc = nfp_traffic_init(&st->traffic, cfg, err)) < 0)
		return rc;
	for (int probe = 0; probe < 2; probe++)
		nfp_wire_encode(probe ? st->probe_hdr : st->hdr, &(struct nfp_wire_hdr){
			.magic = NFP_WIRE_MAGIC,
			.version = NFP_WIRE_VERSION,
			.flags = (cfg->touch ? NFP_WIRE_F_TOUCH : 0) | (probe ? NFP_WIRE_F_PROBE : 0),
			.flow = cfg->flow,
		});
	if (cfg->touch) {
		st->pattern = malloc(NFP_PAYLOAD_MAX + 256);
		if (!st->pattern)
			return nfp_err_set(err, -ENOMEM, "%s: out of memory", role);
		for (size_t i = 0; i < NFP_PAYLOAD_MAX + 256; i++)
			st->pattern[i] = (uint8_t)i;
	}
	return 0;
}

void nfp_sender_free(struct nfp_sender *st)
{
	if (st) {
		free(st->pattern);
		nfp_traffic_free(&st->traffic);
	}
	free(st);
}

/* Sets each of n frames' size and tuple (traffic.h) and writes its header (and with --touch
 * every byte and the checksum); the first is frame number `first`, hdr the encoded header (the
 * load's or the probes'). Only what changes is written: ts once per call into the encoded
 * header, then per frame a copy of it and the frame's seq (no struct round trip: a store read
 * back at another width stalls the core). */
static void fill(struct nfp_sender *st, const struct nfp_config *cfg, struct nfp_pkt *pkts,
		 unsigned n, uint64_t first, uint8_t *hdr, uint32_t ts)
{
	nfp_traffic_fill(&st->traffic, pkts, n, first);
	nfp_wire_put_ts(hdr, ts);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *d = pkts[i].data;
		uint32_t seq = (uint32_t)(first + i);

		memcpy(d, hdr, NFP_WIRE_HDR_LEN);
		nfp_wire_put_seq(d, seq);
		if (cfg->touch) {
			memcpy(d + NFP_WIRE_HDR_LEN, st->pattern + NFP_WIRE_HDR_LEN + (seq & 0xff),
			       pkts[i].len - NFP_WIRE_HDR_LEN);
			nfp_wire_set_csum(d, pkts[i].len);
		}
	}
}

/* The probes due at now, if any (--probe-rate): each alone in its own send call, stamped just
 * before it; those that fell due while the sender was busy go now, back to back, within the
 * pacer's catch-up bound. The load's pacer counts the sender's stalls; the probes' own (the same
 * lateness) are not counted twice. Returns the frames accepted, or -errno. Before the load's
 * tx_alloc (af-xdp takes back a burst allocated and not sent), or between the single-frame calls
 * of send_stamped_each (udp, raw: slot allocators, the probe in a slot already sent). */
static int send_probes(struct nfp_sender *st, struct nfp_port *port, struct nfp_stats *stats,
		       uint64_t now)
{
	uint64_t stalls_counted_by_the_load = 0;
	int accepted = 0;

	while (st->probe.ns_per_frame && nfp_pacer_due(&st->probe, now, &stalls_counted_by_the_load)
	       && nfp_pacer_due_before(&st->probe, st->end_ns)) {
		int sent = 0;

		if (port->backend->tx_alloc(port, &st->probe_pkt, 1)) {
			fill(st, st->cfg, &st->probe_pkt, 1, st->seq, st->probe_hdr,
			     (uint32_t)nfp_now_ns());
			if ((sent = port->backend->tx_send(port, &st->probe_pkt, 1)) < 0)
				return accepted ? accepted : sent;
		}
		nfp_stats_tx_pkts(stats, &st->probe_pkt, 1, (unsigned)sent, now);
		st->seq += (unsigned)sent;
		accepted += sent;
		nfp_pacer_offered(&st->probe, 1);
	}
	return accepted;
}

/* A burst over a backend that makes one system call per frame, each frame stamped just before its
 * own call: the timestamp is when the frame was handed to the kernel, as it is for a whole burst
 * handed over in one call. Stamped once per burst, the last of 32 frames would carry the 31 calls
 * before it as path latency (measured on linux-bridge udp: p50 one-way 95 µs with bursts of 32,
 * 5.5 µs with bursts of 1). A probe falling due during the burst goes between two of its frames:
 * a burst of 32 such calls takes longer than a probe period (udp: ~250 µs on this host, 100 µs at
 * 10 kpps), and probes held to the burst's end would be late and bunched. Advances st->seq past
 * what it sent; returns what tx_send would: the load's frames accepted, or -errno. */
static int send_stamped_each(struct nfp_sender *st, struct nfp_port *port, struct nfp_stats *stats,
			     unsigned got)
{
	unsigned i;

	for (i = 0; i < got; i++) {
		uint64_t t = nfp_now_ns();
		int r = send_probes(st, port, stats, t);

		if (r < 0)
			return i ? (int)i : r; /* the error comes back on the next call */
		if (r > 0)
			t = nfp_now_ns();
		fill(st, st->cfg, &st->pkts[i], 1, st->seq, st->hdr, (uint32_t)t);
		r = port->backend->tx_send(port, &st->pkts[i], 1);
		if (r < 0)
			return i ? (int)i : r;
		if (r == 0)
			break;
		st->seq++;
	}
	return (int)i;
}

/* When the sender next has something to do: the load's next burst or the next probe, or the end. */
static uint64_t next_due(const struct nfp_sender *st, uint64_t load_next)
{
	uint64_t next = nfp_min_u64(load_next, st->end_ns);

	return st->probe.ns_per_frame ? nfp_min_u64(next, st->probe.next) : next;
}

bool nfp_sender_start(struct nfp_sender *st, volatile sig_atomic_t *stop, uint64_t *now)
{
	const struct nfp_config *cfg = st->cfg;

	/* The schedule is anchored at the epoch, as its end is: a sender that reaches its loop after
	 * the epoch (its start line written, a loaded host) is behind from the first turn and catches
	 * up within the bound, or counts a stall, as mid-run — so rate × duration frames are due, not
	 * that less the start-up (which cut one frame of 4000 whenever it passed a frame's slot). */
	*now = nfp_now_ns();
	while (*now < cfg->epoch_ns) {
		if (*stop)
			return false;
		nfp_idle_until(cfg->epoch_ns, *now);
		*now = nfp_now_ns();
	}
	if (cfg->duration_s > 0)
		st->end_ns = cfg->epoch_ns + (uint64_t)(cfg->duration_s * 1e9 + 0.5);
	nfp_pacer_init(&st->pacer, cfg, cfg->epoch_ns);
	nfp_pacer_start(&st->probe, cfg->probe_rate_pps, 1, cfg->epoch_ns);
	return true;
}

int nfp_sender_turn(struct nfp_sender *st, struct nfp_port *port, struct nfp_stats *stats,
		    uint64_t now, uint64_t *wake, struct nfp_err *err)
{
	const struct nfp_config *cfg = st->cfg;
	struct nfp_pacer *pacer = &st->pacer;
	char addr[NFP_ADDR_STRLEN];
	unsigned n, got;
	int sent, probed;

	/* At the end of a paced schedule still behind it: the frames due before the end go out in the
	 * catch-up train, as they would have a moment earlier — else a sender descheduled for a few
	 * ms just before its end (one scheduler slice) drops them, 0.1 % of a 1 s trial per ms.
	 * Further behind than the catch-up bound, nfp_pacer_due below counts the stall and drops the
	 * backlog as mid-run, and nothing is due before the end any more. */
	if (now >= st->end_ns && (!pacer->ns_per_frame || !nfp_pacer_due_before(pacer, st->end_ns)))
		return NFP_SENDER_DONE;
	if (cfg->count && stats->total.tx_packets >= cfg->count) {
		/* Done. A paced sender still owns the last burst's slot of the schedule: stop when
		 * it ends, so that duration * rate = frames sent. */
		if (!pacer->ns_per_frame)
			return NFP_SENDER_DONE;
		st->end_ns = nfp_min_u64(st->end_ns, pacer->next);
		*wake = st->end_ns;
		return now < st->end_ns ? NFP_SENDER_IDLE : NFP_SENDER_DONE;
	}
	if ((probed = send_probes(st, port, stats, now)) < 0)
		return nfp_err_set(err, probed, "send to %s: %s",
				   nfp_fmt_addr(&cfg->port.remote, addr), strerror(-probed));
	if (probed)
		now = nfp_now_ns(); /* the load's stamp and schedule are after the probe's call */
	if (!nfp_pacer_due(pacer, now, &stats->total.stalls)) {
		*wake = next_due(st, pacer->next);
		return probed ? NFP_SENDER_SENT : NFP_SENDER_IDLE;
	}
	n = cfg->burst;
	if (cfg->count && cfg->count - stats->total.tx_packets < n)
		n = (unsigned)(cfg->count - stats->total.tx_packets);
	if (nfp_pacer_due_before(pacer, st->end_ns) < n) {
		/* The schedule's last frames before the end: send those, then wait for it. */
		n = (unsigned)nfp_pacer_due_before(pacer, st->end_ns);
		if (!n) {
			*wake = next_due(st, st->end_ns);
			return probed ? NFP_SENDER_SENT : NFP_SENDER_IDLE;
		}
	}
	got = port->backend->tx_alloc(port, st->pkts, n);
	if (port->backend->flags & NFP_BACKEND_FRAME_CALLS) {
		sent = send_stamped_each(st, port, stats, got);
	} else {
		fill(st, cfg, st->pkts, got, st->seq, st->hdr, (uint32_t)now);
		sent = got ? port->backend->tx_send(port, st->pkts, got) : 0;
		if (sent > 0)
			st->seq += (unsigned)sent;
	}
	if (sent < 0)
		return nfp_err_set(err, sent, "send to %s: %s",
				   nfp_fmt_addr(&cfg->port.remote, addr), strerror(-sent));
	if (st->traffic.pattern_len == 1) /* one size: no per-frame sum */
		nfp_stats_tx(stats, n, (unsigned)sent, cfg->frame_bytes, now);
	else
		nfp_stats_tx_pkts(stats, st->pkts, n, (unsigned)sent, now);
	nfp_pacer_offered(pacer, n);
	return NFP_SENDER_SENT;
}

static int send_begin(struct nfp_ctx *ctx, struct nfp_err *err)
{
	struct nfp_sender *st;
	int rc = nfp_sender_new(ctx->cfg, "send", &st, err);

	ctx->priv = st;
	return rc;
}

static void send_end(struct nfp_ctx *ctx)
{
	nfp_sender_free(ctx->priv);
	ctx->priv = NULL;
}

static int send_run(struct nfp_ctx *ctx, struct nfp_err *err)
{
	struct nfp_report *rep = ctx->report;
	uint64_t now, wake = 0;

	if (!nfp_sender_start(ctx->priv, ctx->stop, &now))
		return 0;
	nfp_report_begin(rep, now);
	while (!*ctx->stop) {
		int turn;

		now = nfp_now_ns();
		nfp_report_tick(rep, now);
		turn = nfp_sender_turn(ctx->priv, ctx->port, &rep->stats, now, &wake, err);
		if (turn < 0)
			return turn;
		if (turn == NFP_SENDER_DONE)
			break;
		if (turn == NFP_SENDER_IDLE)
			nfp_idle_until(nfp_min_u64(wake, rep->next_ns), now);
	}
	return 0;
}

static const struct nfp_field send_fields[] = {
	NFP_FIELDS_TX,
	NFP_FIELD("stalls", stalls, false),
	{ NULL, 0, false },
};

const struct nfp_role role_send = {
	.name = "send",
	.port_dir = NFP_PORT_TX,
	.fields = send_fields,
	.pps_offset = offsetof(struct nfp_counters, tx_packets),
	.begin = send_begin,
	.run = send_run,
	.end = send_end,
};
