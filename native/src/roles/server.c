/* server.c — the server role: the far end of the client's round trips. Polls --local without
 * blocking, counts every frame with the shared rules of stats.h (as recv does: per-flow loss,
 * reordering, duplicates, corruption, foreign frames), and echoes each frame with a valid
 * header back to its source at once, payload untouched (the client's sequence and send time
 * ride in it). The backend's tx_echo addresses each echo (UDP: sendto the source address; raw:
 * MACs, addresses and ports swapped in place). Runs until a signal. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nfp.h"
#include "report.h"
#include "stats.h"
#include "wire.h"

struct server_state {
	struct nfp_pkt pkts[NFP_BURST_MAX];
	struct nfp_pkt echo[NFP_BURST_MAX];
	struct nfp_flows *flows;
};

static int server_begin(struct nfp_ctx *ctx, struct nfp_err *err)
{
	const struct nfp_config *cfg = ctx->cfg;
	struct server_state *st;
	int rc;

	if (cfg->count)
		return nfp_err_set(err, -EINVAL,
				   "--count: only for send and client (server runs until a signal)");
	if (cfg->duration_s > 0)
		return nfp_err_set(err, -EINVAL, "--duration: only for send and client (server "
				   "runs until a signal)");
	if (cfg->port.local.sin_port == htons(0))
		return nfp_err_set(err, -EINVAL, "--local: server needs a port 1..65535, got 0");
	if (!cfg->backend->tx_echo)
		return nfp_err_set(err, -EINVAL, "--backend %s: cannot echo, so cannot serve",
				   cfg->backend->name);
	st = calloc(1, sizeof(*st));
	if (!st)
		return nfp_err_set(err, -ENOMEM, "server: out of memory");
	ctx->priv = st;
	if ((rc = nfp_flows_new(&st->flows)) < 0)
		return nfp_err_set(err, rc, "server: out of memory");
	return 0;
}

static void server_end(struct nfp_ctx *ctx)
{
	struct server_state *st = ctx->priv;

	if (st)
		nfp_flows_free(st->flows);
	free(st);
	ctx->priv = NULL;
}

static int server_run(struct nfp_ctx *ctx, struct nfp_err *err)
{
	const struct nfp_config *cfg = ctx->cfg;
	const struct nfp_backend *be = ctx->port->backend;
	struct server_state *st = ctx->priv;
	struct nfp_report *rep = ctx->report;

	nfp_report_begin(rep, nfp_now_ns());
	while (!*ctx->stop) {
		int n = be->rx_burst(ctx->port, st->pkts, cfg->burst);
		uint64_t now = nfp_now_ns();

		if (n < 0)
			return nfp_err_set(err, n, "receive on --local: %s", strerror(-n));
		if (n > 0) {
			unsigned k = 0;
			int rc = nfp_stats_rx(&rep->stats, st->flows, st->pkts, (unsigned)n,
					      cfg->touch, now);
			if (rc < 0)
				return nfp_err_set(err, rc, "server: out of memory for flow state");
			/* Echo what carries our header; foreign frames are not answered. */
			for (int i = 0; i < n; i++) {
				struct nfp_wire_hdr h;
				if (nfp_wire_decode(st->pkts[i].data, st->pkts[i].len, &h) ==
				    NFP_WIRE_OK)
					st->echo[k++] = st->pkts[i];
			}
			if (k) {
				int sent = be->tx_echo(ctx->port, st->echo, k);
				if (sent < 0)
					return nfp_err_set(err, sent, "echo: %s", strerror(-sent));
				nfp_stats_tx_pkts(&rep->stats, st->echo, k, (unsigned)sent, now);
			}
		}
		nfp_report_tick(rep, now);
		if (be->poll)
			be->poll(ctx->port, now);
		/* --blocking: sleep until a frame, the next interval edge or a signal. */
		if (n == 0 && cfg->blocking)
			nfp_wait_rx(ctx->port, rep->next_ns, now);
	}
	return 0;
}

static const struct nfp_field server_fields[] = {
	NFP_FIELDS_RX,
	NFP_FIELDS_TX,
	{ NULL, 0, false },
};

const struct nfp_role role_server = {
	.name = "server",
	.port_dir = NFP_PORT_RX | NFP_PORT_ECHO,
	.fields = server_fields,
	.pps_offset = offsetof(struct nfp_counters, rx_packets),
	.begin = server_begin,
	.run = server_run,
	.end = server_end,
};
