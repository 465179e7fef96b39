/* client.c — the client role (the latency dimension): one thread sends numbered, time-stamped
 * frames to a server in bursts of --burst, paced to --rate (pacer.h), and between bursts polls
 * for the echoes on the same core, timing each round trip (echo rules in stats.h, histogram in
 * hist.h). It never sleeps while it runs: an echo is read as soon as the kernel has it.
 *
 * With --rx-cpu (the paper's two-thread `client`), a second thread pinned to that CPU receives and
 * matches the echoes while the first only sends. The receive thread counts into counters of its
 * own (rx_delta) under a mutex, one lock per received burst; the sending thread moves them into
 * the report's at each interval edge and at the end, so every line is exact and no counter is
 * written by two threads (a mutex rather than atomics: the histogram is 2 kB, and one
 * uncontended lock per burst costs less than an atomic per counter per frame). The outstanding
 * sequences are shared through atomic bit operations (stats.h, nfp_echo_arm).
 *
 * With --inflight N it never has more than N frames awaiting their echo: a burst waits (and is
 * cut) until enough echoes are back. N = 1 with --rate max is a closed-loop ping-pong, what
 * sockperf ping-pong and netperf UDP_RR measure; without it the client is open loop at --rate.
 * Echoes still missing NFP_RTT_LATE_NS after the last send or echo are given up on (they stay
 * `lost`), so one lost frame cannot stop a closed loop.
 *
 * It stops sending at epoch + --duration, after --count frames, or on a signal, then drains:
 * keeps receiving until every frame sent was answered or NFP_RTT_LATE_NS (1 s) after its last
 * send, whichever comes first (a signal during the drain ends it at once). The summary is
 * printed after the drain, so its `lost` is the frames never answered within 1 s.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfp.h"
#include "pacer.h"
#include "report.h"
#include "stats.h"
#include "wire.h"

/* Sequences remembered as outstanding: 2 s of frames at --rate (an echo later than 1 s is late
 * anyway), or this many at --rate max. */
#define WINDOW_UNPACED (1u << 22)
#define WINDOW_MAX (1u << 26)

struct client_state {
	struct nfp_pkt tx[NFP_BURST_MAX];
	struct nfp_pkt rx[NFP_BURST_MAX];
	uint8_t *pattern; /* --touch: as in send.c */
	uint32_t payload;
	struct nfp_echo_state echo;
	/* --inflight: frames given up on (c->lost when last given up) and when the loop last
	 * moved (a send or an echo). */
	int64_t abandoned;
	uint64_t progress_ns;
	FILE *dump;       /* --rtt-dump */
	char *dump_buf;
	/* --rx-cpu: the receive thread and what it shares with the sending one. */
	bool threaded, started;
	pthread_t rx_thread;
	pthread_mutex_t lock;    /* guards rx_delta */
	struct nfp_stats rx_delta;
	int rx_done;             /* atomic: set by the sender to end the receive thread */
	int rx_err;              /* atomic: the receive thread's failure (-errno), 0 if none */
	struct nfp_ctx *ctx;
};

static int client_begin(struct nfp_ctx *ctx, struct nfp_err *err)
{
	const struct nfp_config *cfg = ctx->cfg;
	struct client_state *st;
	double window = cfg->rate_pps > 0 ? 2 * cfg->rate_pps : WINDOW_UNPACED;

	if (!cfg->port.has_remote)
		return nfp_err_set(err, -EINVAL,
				   "--remote: required for client (IP:PORT of the server)");
	st = calloc(1, sizeof(*st));
	if (!st)
		return nfp_err_set(err, -ENOMEM, "client: out of memory");
	ctx->priv = st;
	st->payload = nfp_payload_bytes(cfg);
	st->ctx = ctx;
	st->threaded = cfg->rx_cpu >= 0;
	if (st->threaded && pthread_mutex_init(&st->lock, NULL) != 0)
		return nfp_err_set(err, -ENOMEM, "client: mutex");
	if (cfg->rtt_dump) {
		/* Created up front, so a bad path fails before anything is measured. */
		st->dump = fopen(cfg->rtt_dump, "w");
		if (!st->dump)
			return nfp_err_set(err, -EINVAL, "--rtt-dump: cannot create '%s': %s",
					   cfg->rtt_dump, strerror(errno));
		st->dump_buf = malloc(1 << 20);
		if (st->dump_buf)
			setvbuf(st->dump, st->dump_buf, _IOFBF, 1 << 20);
	}
	if (nfp_echo_init(&st->echo, window > WINDOW_MAX ? WINDOW_MAX : (uint64_t)window,
			  cfg->flow, st->dump) < 0)
		return nfp_err_set(err, -ENOMEM, "client: out of memory");
	if (cfg->touch) {
		st->pattern = malloc(NFP_PAYLOAD_MAX + 256);
		if (!st->pattern)
			return nfp_err_set(err, -ENOMEM, "client: out of memory");
		for (size_t i = 0; i < NFP_PAYLOAD_MAX + 256; i++)
			st->pattern[i] = (uint8_t)i;
	}
	return 0;
}

static void client_end(struct nfp_ctx *ctx)
{
	struct client_state *st = ctx->priv;

	if (!st)
		return;
	if (st->threaded)
		pthread_mutex_destroy(&st->lock);
	if (st->dump)
		fclose(st->dump);
	free(st->dump_buf);
	nfp_echo_free(&st->echo);
	free(st->pattern);
	free(st);
	ctx->priv = NULL;
}

/* Headers (and with --touch every byte and the checksum) of n frames from sequence seq. */
static void fill(const struct client_state *st, const struct nfp_config *cfg,
		 struct nfp_pkt *pkts, unsigned n, uint64_t seq, uint32_t ts)
{
	struct nfp_wire_hdr h = {
		.magic = NFP_WIRE_MAGIC,
		.version = NFP_WIRE_VERSION,
		.flags = cfg->touch ? NFP_WIRE_F_TOUCH : 0,
		.flow = cfg->flow,
		.ts = ts,
	};

	for (unsigned i = 0; i < n; i++) {
		uint8_t *d = pkts[i].data;

		h.seq = (uint32_t)(seq + i);
		pkts[i].len = st->payload;
		nfp_wire_encode(d, &h);
		if (cfg->touch) {
			memcpy(d + NFP_WIRE_HDR_LEN, st->pattern + NFP_WIRE_HDR_LEN + (h.seq & 0xff),
			       st->payload - NFP_WIRE_HDR_LEN);
			nfp_wire_set_csum(d, st->payload);
		}
	}
}

/* The receive thread (--rx-cpu): receives and matches echoes until told to stop or signalled.
 * It calls only rx_burst on the port; the sending thread keeps tx and the poll hook. */
static void *rx_main(void *arg)
{
	struct client_state *st = arg;
	struct nfp_ctx *ctx = st->ctx;
	const struct nfp_config *cfg = ctx->cfg;
	const struct nfp_backend *be = ctx->port->backend;

	while (!__atomic_load_n(&st->rx_done, __ATOMIC_ACQUIRE) && !*ctx->stop) {
		int n = be->rx_burst(ctx->port, st->rx, cfg->burst);
		uint64_t now = nfp_now_ns();

		if (n < 0) {
			__atomic_store_n(&st->rx_err, n, __ATOMIC_RELEASE);
			break;
		}
		if (n > 0) {
			pthread_mutex_lock(&st->lock);
			nfp_stats_echo(&st->rx_delta, &st->echo, st->rx, (unsigned)n, cfg->touch, now);
			pthread_mutex_unlock(&st->lock);
		} else if (cfg->blocking) {
			nfp_wait_rx(ctx->port, now + 10000000u, now); /* 10 ms: sees rx_done soon */
		}
	}
	return NULL;
}

static int start_rx_thread(struct client_state *st, const struct nfp_config *cfg,
			   struct nfp_err *err)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int rc;

	CPU_ZERO(&set);
	CPU_SET(cfg->rx_cpu, &set);
	pthread_attr_init(&attr);
	/* Pinned from its first instruction: it never runs on the sender's CPU. */
	rc = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (rc == 0)
		rc = pthread_create(&st->rx_thread, &attr, rx_main, st);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return nfp_err_set(err, -rc, "--rx-cpu %d: starting the receive thread: %s",
				   cfg->rx_cpu, strerror(rc));
	st->started = true;
	return 0;
}

static void stop_rx_thread(struct client_state *st)
{
	if (!st->started)
		return;
	__atomic_store_n(&st->rx_done, 1, __ATOMIC_RELEASE);
	pthread_join(st->rx_thread, NULL);
	st->started = false;
}

/* The receive thread's counts since the last move, into the report's. */
static void merge_rx(struct client_state *st, struct nfp_stats *stats)
{
	pthread_mutex_lock(&st->lock);
	nfp_stats_move(stats, &st->rx_delta);
	pthread_mutex_unlock(&st->lock);
}

/* --inflight: how many frames the window lets out now (UINT32_MAX without a window); 0 until
 * echoes come back, or until NFP_RTT_LATE_NS without progress gives up on the missing ones. */
static uint32_t window_room(struct client_state *st, const struct nfp_config *cfg,
			    const struct nfp_counters *c, uint64_t now)
{
	int64_t waiting;

	if (!cfg->inflight)
		return UINT32_MAX;
	if (c->lost < st->abandoned) /* a given-up frame's echo came back after all */
		st->abandoned = c->lost;
	waiting = c->lost - st->abandoned;
	if (waiting < (int64_t)cfg->inflight)
		return cfg->inflight - (uint32_t)waiting;
	if (now - st->progress_ns < NFP_RTT_LATE_NS)
		return 0;
	st->abandoned = c->lost;
	return cfg->inflight;
}

/* --blocking: the receive wait ends at the next interval edge, the next burst (unpaced: now; a
 * closed window: when its echoes are given up on) or the end of the drain, whichever is first. */
static uint64_t wake_at(const struct nfp_report *rep, const struct nfp_pacer *pacer,
			bool sending, uint64_t window_until, uint64_t drain_until)
{
	uint64_t t = rep->next_ns;

	if (sending && window_until)
		return window_until < t ? window_until : t;
	if (sending && pacer->ns_per_frame <= 0)
		return 0;
	if (sending && pacer->next < t)
		t = pacer->next;
	if (!sending && drain_until < t)
		t = drain_until;
	return t;
}

/* Between bursts: the one-thread client polls for echoes (or with --blocking sleeps in poll()
 * until one arrives); the two-thread client's sender only waits for its next deadline. The
 * deadline (wake_at) is worked out only by the variants that wait, not on every polling turn. */
static int between_bursts(struct nfp_ctx *ctx, struct client_state *st,
			  const struct nfp_pacer *pacer, bool sending, bool window_shut,
			  uint64_t drain_until, uint64_t now)
{
	const struct nfp_config *cfg = ctx->cfg;
	const struct nfp_backend *be = ctx->port->backend;
	uint64_t wake;
	int n;

	if (st->threaded) {
		wake = wake_at(ctx->report, pacer, sending, 0, drain_until);
		if (wake > now)
			nfp_idle_until(wake, now);
		return 0;
	}
	n = be->rx_burst(ctx->port, st->rx, cfg->burst);
	if (n > 0) {
		uint64_t t = nfp_now_ns();

		nfp_stats_echo(&ctx->report->stats, &st->echo, st->rx, (unsigned)n, cfg->touch, t);
		st->progress_ns = t;
	} else if (n == 0 && cfg->blocking) {
		nfp_wait_rx(ctx->port, wake_at(ctx->report, pacer, sending,
					       window_shut ? st->progress_ns + NFP_RTT_LATE_NS : 0,
					       drain_until), now);
	}
	return n < 0 ? n : 0;
}

static int client_loop(struct nfp_ctx *ctx, struct nfp_err *err)
{
	const struct nfp_config *cfg = ctx->cfg;
	const struct nfp_backend *be = ctx->port->backend;
	struct client_state *st = ctx->priv;
	struct nfp_report *rep = ctx->report;
	struct nfp_stats *stats = &rep->stats;
	struct nfp_counters *c = &stats->total;
	struct nfp_pacer pacer;
	uint64_t now = nfp_now_ns(), end_ns = UINT64_MAX, drain_until = 0, next_merge = 0;
	bool sending = true;
	uint32_t room;
	char addr[NFP_ADDR_STRLEN];
	int rc;

	/* Wait for the epoch, so that several apps start together. */
	while (now < cfg->epoch_ns) {
		if (*ctx->stop)
			return 0;
		nfp_idle_until(cfg->epoch_ns, now);
		now = nfp_now_ns();
		if (be->poll)
			be->poll(ctx->port, now);
	}
	if (cfg->duration_s > 0)
		end_ns = cfg->epoch_ns + (uint64_t)(cfg->duration_s * 1e9 + 0.5);
	nfp_pacer_init(&pacer, cfg, now > cfg->epoch_ns ? now : cfg->epoch_ns);
	nfp_report_begin(rep, now);
	st->progress_ns = now;
	if (st->threaded && (rc = start_rx_thread(st, cfg, err)) < 0)
		return rc;

	for (;;) {
		now = nfp_now_ns();
		/* Two threads: the receive thread's counts join at each edge, and every 1 ms of
		 * the drain (which ends when nothing is outstanding). */
		if (st->threaded && (now >= rep->next_ns || (!sending && now >= next_merge))) {
			merge_rx(st, stats);
			next_merge = now + 1000000u;
			if ((rc = __atomic_load_n(&st->rx_err, __ATOMIC_ACQUIRE)) < 0)
				return nfp_err_set(err, rc, "receive on --local: %s", strerror(-rc));
		}
		nfp_report_tick(rep, now);
		if (be->poll)
			be->poll(ctx->port, now);
		if (*ctx->stop)
			break;
		if (sending && (now >= end_ns || (cfg->count && c->tx_packets >= cfg->count))) {
			sending = false;
			drain_until = now + NFP_RTT_LATE_NS;
		}
		if (!sending && (c->lost <= 0 || now >= drain_until))
			break;

		room = sending ? window_room(st, cfg, c, now) : 0;
		if (room && nfp_pacer_due(&pacer, now, &c->stalls)) {
			unsigned want = cfg->burst, got;
			int sent;
			uint64_t t;

			if (cfg->count && cfg->count - c->tx_packets < want)
				want = (unsigned)(cfg->count - c->tx_packets);
			if (room < want)
				want = room;
			got = be->tx_alloc(ctx->port, st->tx, want);
			if (st->threaded) /* before the send: an echo may beat nfp_echo_sent */
				nfp_echo_arm(&st->echo, got);
			t = nfp_now_ns(); /* the send time, as close to the send call as it gets */
			fill(st, cfg, st->tx, got, st->echo.next, (uint32_t)t);
			sent = got ? be->tx_send(ctx->port, st->tx, got) : 0;
			if (sent < 0)
				return nfp_err_set(err, sent, "send to %s: %s",
						   nfp_fmt_addr(&cfg->port.remote, addr), strerror(-sent));
			nfp_stats_tx(stats, want, (unsigned)sent, cfg->frame_bytes, t);
			nfp_echo_sent(stats, &st->echo, (unsigned)sent);
			nfp_pacer_offered(&pacer, want);
			st->progress_ns = t;
		}
		rc = between_bursts(ctx, st, &pacer, sending, room == 0,
				    st->threaded && !sending ? next_merge : drain_until, now);
		if (rc < 0)
			return nfp_err_set(err, rc, "receive on --local: %s", strerror(-rc));
	}
	return 0;
}

static int client_run(struct nfp_ctx *ctx, struct nfp_err *err)
{
	struct client_state *st = ctx->priv;
	int rc = client_loop(ctx, err);

	if (st->threaded) { /* every count in before the summary */
		stop_rx_thread(st);
		merge_rx(st, &ctx->report->stats);
	}
	if (rc == 0 && st->dump && fflush(st->dump) != 0)
		return nfp_err_set(err, -EIO, "--rtt-dump %s: write: %s", ctx->cfg->rtt_dump,
				   strerror(errno));
	return rc;
}

static const struct nfp_field client_fields[] = {
	NFP_FIELD("txPackets", tx_packets, false),
	NFP_FIELD("txBytes", tx_bytes, false),
	NFP_FIELD("unsent", unsent, false),
	NFP_FIELD("stalls", stalls, false),
	NFP_FIELD("rxPackets", rx_packets, false),
	NFP_FIELD("rxBytes", rx_bytes, false),
	NFP_FIELD("lost", lost, true),
	NFP_FIELD("late", late, false),
	NFP_FIELD("unmatched", unmatched, false),
	NFP_FIELD("corrupt", corrupt, false),
	NFP_FIELD("foreign", foreign, false),
	{ NULL, 0, false },
};

const struct nfp_role role_client = {
	.name = "client",
	.port_dir = NFP_PORT_TX | NFP_PORT_RX,
	.fields = client_fields,
	.pps_offset = offsetof(struct nfp_counters, tx_packets),
	.rtt = true,
	.begin = client_begin,
	.run = client_run,
	.end = client_end,
};
