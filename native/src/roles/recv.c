/* recv.c — the recv role: polls --local (or with --blocking sleeps in poll() between frames)
 * and counts every frame with the shared rules of stats.h (loss, reordering, duplicates,
 * corruption, foreign frames, per flow) until a signal. Its receiving half is the receiver of
 * loops.h, which the tester runs too. */
#include <errno.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "loops.h"
#include "nfp.h"
#include "report.h"
#include "stats.h"

#define RECV_DRAIN_BURSTS 1024 /* at most this many bursts are drained after the stop */

struct nfp_receiver {
	const struct nfp_config *cfg;
	const struct nfp_port_spec *spec;
	struct nfp_pkt pkts[NFP_BURST_MAX];
	struct nfp_flows *flows;
};

int nfp_receiver_new(const struct nfp_config *cfg, const struct nfp_port_spec *spec,
		     struct nfp_receiver **out, struct nfp_err *err)
{
	struct nfp_receiver *r;
	int rc;

	*out = NULL;
	if (spec->local.sin_port == htons(0))
		return nfp_err_set(err, -EINVAL, "%slocal: %s needs a port 1..65535, got 0",
				   spec->opt_prefix, cfg->role->name);
	r = calloc(1, sizeof(*r));
	if (!r)
		return nfp_err_set(err, -ENOMEM, "%s: out of memory", cfg->role->name);
	*out = r;
	r->cfg = cfg;
	r->spec = spec;
	if ((rc = nfp_flows_new(&r->flows)) < 0)
		return nfp_err_set(err, rc, "%s: out of memory", cfg->role->name);
	return 0;
}

void nfp_receiver_free(struct nfp_receiver *r)
{
	if (r)
		nfp_flows_free(r->flows);
	free(r);
}

/* One rx_burst, counted at the time read after it into *now. */
static int receive(struct nfp_receiver *r, struct nfp_port *port, struct nfp_stats *stats,
		   uint64_t *now, struct nfp_err *err)
{
	int n = port->backend->rx_burst(port, r->pkts, r->cfg->burst), rc;

	*now = nfp_now_ns();
	if (n < 0)
		return nfp_err_set(err, n, "receive on %slocal: %s", r->spec->opt_prefix,
				   strerror(-n));
	if (n > 0 && (rc = nfp_stats_rx(stats, r->flows, r->pkts, (unsigned)n, r->cfg->touch,
					*now)) < 0)
		return nfp_err_set(err, rc, "%s: out of memory for flow state", r->cfg->role->name);
	return n;
}

int nfp_receiver_poll(struct nfp_receiver *r, struct nfp_port *port, struct nfp_stats *stats,
		      uint64_t *now, struct nfp_err *err)
{
	int n = receive(r, port, stats, now, err);

	if (n >= 0 && port->backend->poll)
		port->backend->poll(port, *now);
	return n;
}

int nfp_receiver_drain(struct nfp_receiver *r, struct nfp_port *port, struct nfp_stats *stats,
		       struct nfp_err *err)
{
	uint64_t now;

	for (unsigned i = 0; i < RECV_DRAIN_BURSTS; i++) {
		int n = receive(r, port, stats, &now, err);

		if (n <= 0)
			return n < 0 ? n : 0;
	}
	return 0;
}

static int recv_begin(struct nfp_ctx *ctx, struct nfp_err *err)
{
	const struct nfp_config *cfg = ctx->cfg;
	struct nfp_receiver *r;
	int rc;

	if (cfg->count)
		return nfp_err_set(err, -EINVAL, "--count: only for send (recv runs until a signal)");
	if (cfg->duration_s > 0)
		return nfp_err_set(err, -EINVAL,
				   "--duration: only for send (recv runs until a signal)");
	rc = nfp_receiver_new(cfg, &cfg->port, &r, err);
	ctx->priv = r;
	return rc;
}

static void recv_end(struct nfp_ctx *ctx)
{
	nfp_receiver_free(ctx->priv);
	ctx->priv = NULL;
}

static int recv_run(struct nfp_ctx *ctx, struct nfp_err *err)
{
	struct nfp_report *rep = ctx->report;

	nfp_report_begin(rep, nfp_now_ns());
	while (!*ctx->stop) {
		uint64_t now;
		int n = nfp_receiver_poll(ctx->priv, ctx->port, &rep->stats, &now, err);

		if (n < 0)
			return n;
		nfp_report_tick(rep, now);
		/* --blocking: sleep until a frame, the next interval edge or a signal. */
		if (n == 0 && ctx->cfg->blocking)
			nfp_wait_rx(ctx->port, rep->next_ns, now);
	}
	return nfp_receiver_drain(ctx->priv, ctx->port, &rep->stats, err);
}

static const struct nfp_field recv_fields[] = {
	NFP_FIELDS_RX,
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
