/* recv.c — the recv role: polls --local (or with --blocking sleeps in poll() between frames) and counts every frame with the
 * shared rules of stats.h (loss, reordering, duplicates, corruption, foreign frames, per flow)
 * until a signal. */
#include <errno.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "nfp.h"
#include "report.h"
#include "stats.h"

#define RECV_DRAIN_BURSTS 1024 /* at most this many bursts are drained after the stop */

struct recv_state {
	struct nfp_pkt pkts[NFP_BURST_MAX];
	struct nfp_flows *flows;
};

static int recv_begin(struct nfp_ctx *ctx, struct nfp_err *err)
{
	const struct nfp_config *cfg = ctx->cfg;
	struct recv_state *st;
	int rc;

	if (cfg->count)
		return nfp_err_set(err, -EINVAL, "--count: only for send (recv runs until a signal)");
	if (cfg->duration_s > 0)
		return nfp_err_set(err, -EINVAL,
				   "--duration: only for send (recv runs until a signal)");
	if (cfg->local.sin_port == htons(0))
		return nfp_err_set(err, -EINVAL, "--local: recv needs a port 1..65535, got 0");
	st = calloc(1, sizeof(*st));
	if (!st)
		return nfp_err_set(err, -ENOMEM, "recv: out of memory");
	ctx->priv = st;
	if ((rc = nfp_flows_new(&st->flows)) < 0)
		return nfp_err_set(err, rc, "recv: out of memory");
	return 0;
}

static void recv_end(struct nfp_ctx *ctx)
{
	struct recv_state *st = ctx->priv;

	if (st)
		nfp_flows_free(st->flows);
	free(st);
	ctx->priv = NULL;
}

/* Counts the n frames the last receive call returned, at now. */
static int count_burst(struct nfp_ctx *ctx, int n, uint64_t now, struct nfp_err *err)
{
	struct recv_state *st = ctx->priv;
	int rc = nfp_stats_rx(&ctx->report->stats, st->flows, st->pkts, (unsigned)n,
			      ctx->cfg->touch, now);

	return rc < 0 ? nfp_err_set(err, rc, "recv: out of memory for flow state") : 0;
}

static int recv_run(struct nfp_ctx *ctx, struct nfp_err *err)
{
	const struct nfp_config *cfg = ctx->cfg;
	const struct nfp_backend *be = ctx->port->backend;
	struct recv_state *st = ctx->priv;
	struct nfp_report *rep = ctx->report;
	int rc;

	nfp_report_begin(rep, nfp_now_ns());
	while (!*ctx->stop) {
		int n = be->rx_burst(ctx->port, st->pkts, cfg->burst);
		uint64_t now = nfp_now_ns();

		if (n < 0)
			return nfp_err_set(err, n, "receive on --local: %s", strerror(-n));
		if (n > 0 && (rc = count_burst(ctx, n, now, err)) < 0)
			return rc;
		nfp_report_tick(rep, now);
		if (be->poll)
			be->poll(ctx->port, now);
		/* --blocking: sleep until a frame, the next interval edge or a signal. */
		if (n == 0 && cfg->blocking)
			nfp_wait_rx(ctx->port, rep->next_ns, now);
	}
	/* Frames already queued when the stop came were delivered: count them. A receiver that
	 * shares its CPU may not run at all during the runner's drain window, and would otherwise
	 * leave them in its ring or socket. Bounded, in case a sender is still sending. */
	for (unsigned i = 0; i < RECV_DRAIN_BURSTS; i++) {
		int n = be->rx_burst(ctx->port, st->pkts, cfg->burst);

		if (n <= 0)
			break;
		if ((rc = count_burst(ctx, n, nfp_now_ns(), err)) < 0)
			return rc;
	}
	return 0;
}

static const struct nfp_field recv_fields[] = {
	NFP_FIELD("rxPackets", rx_packets, false),
	NFP_FIELD("rxBytes", rx_bytes, false),
	NFP_FIELD("lost", lost, true),
	NFP_FIELD("reordered", reordered, false),
	NFP_FIELD("duplicates", duplicates, false),
	NFP_FIELD("corrupt", corrupt, false),
	NFP_FIELD("foreign", foreign, false),
	{ NULL, 0, false },
};

const struct nfp_role role_recv = {
	.name = "recv",
	.port_dir = NFP_PORT_RX,
	.fields = recv_fields,
	.pps_offset = offsetof(struct nfp_counters, rx_packets),
	.begin = recv_begin,
	.run = recv_run,
	.end = recv_end,
};
