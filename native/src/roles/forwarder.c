/* forwarder.c — the forwarder role: the network function of a chain. Receives on its receive
 * port (--rx-*) and sends every payload out of its transmit port (the unprefixed options), with
 * that port's own headers: --local/--local-mac as the source, --remote/--remote-mac as the next
 * hop. The payload — sequence, send time, flow, touch checksum — goes on unchanged, so the
 * tester at the end of the chain measures end to end. One thread polls the receive port and
 * forwards each burst at once; it runs until a signal, then forwards what is still queued.
 *
 * Counts: rxPackets/rxBytes for every payload received (its frame: payload + 42 bytes),
 * `foreign` for a frame the backend found malformed (len 0: not forwarded), txPackets/txBytes
 * for those the send call accepted, `unsent` for the rest (the transmit port's ring was full, or
 * a payload larger than --size allows: give the forwarder the tester's --size). The payload is
 * not parsed: sequence rules are the tester's. A backend with tx_forward (dpdk) re-addresses
 * the received frames in place and sends them; the others' payloads are copied into transmit
 * buffers. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nfp.h"
#include "report.h"
#include "stats.h"

#define FORWARDER_DRAIN_BURSTS 1024 /* at most this many bursts are forwarded after the stop */

struct forwarder_state {
	struct nfp_pkt in[NFP_BURST_MAX];
	struct nfp_pkt out[NFP_BURST_MAX];
	struct nfp_pkt fit[NFP_BURST_MAX]; /* the payloads of `in` that go out */
};

static int forwarder_begin(struct nfp_ctx *ctx, struct nfp_err *err)
{
	const struct nfp_config *cfg = ctx->cfg;

	if (cfg->count || cfg->duration_s > 0)
		return nfp_err_set(err, -EINVAL, "%s: not for forwarder (it runs until a signal)",
				   cfg->count ? "--count" : "--duration");
	if (cfg->blocking)
		return nfp_err_set(err, -EINVAL, "--blocking: not for forwarder (it polls its "
				   "receive port)");
	if (cfg->rx_port.local.sin_port == htons(0))
		return nfp_err_set(err, -EINVAL, "--rx-local: forwarder needs a port 1..65535, got 0");
	if (!cfg->port.has_remote)
		return nfp_err_set(err, -EINVAL, "--remote: required for forwarder (IP:PORT of the "
				   "next hop)");
	ctx->priv = calloc(1, sizeof(struct forwarder_state));
	return ctx->priv ? 0 : nfp_err_set(err, -ENOMEM, "forwarder: out of memory");
}

static void forwarder_end(struct nfp_ctx *ctx)
{
	free(ctx->priv);
	ctx->priv = NULL;
}

static int send_failed(struct nfp_ctx *ctx, int rc, struct nfp_err *err)
{
	char addr[NFP_ADDR_STRLEN];

	return nfp_err_set(err, rc, "send to %s: %s", nfp_fmt_addr(&ctx->cfg->port.remote, addr),
			   strerror(-rc));
}

/* One receive call and the forwarding of what it returned; *now is read after the receive.
 * Returns how many frames it received, or -errno with err set. */
static int forward_burst(struct nfp_ctx *ctx, uint64_t *now, struct nfp_err *err)
{
	struct forwarder_state *st = ctx->priv;
	struct nfp_port *in = ctx->rx_port, *out = ctx->port;
	struct nfp_stats *stats = &ctx->report->stats;
	const uint32_t room = nfp_payload_bytes(ctx->cfg);
	unsigned k = 0, got;
	int n = in->backend->rx_burst(in, st->in, ctx->cfg->burst), sent;

	*now = nfp_now_ns();
	if (n <= 0)
		return n < 0 ? nfp_err_set(err, n, "receive on --rx-local: %s", strerror(-n)) : 0;
	for (int i = 0; i < n; i++) {
		uint32_t len = st->in[i].len;

		if (!len) {
			stats->total.foreign++;
			continue;
		}
		stats->total.rx_packets++;
		stats->total.rx_bytes += (uint64_t)len + NFP_HDR_OVERHEAD;
		stats->rx_queue_packets[st->in[i].queue & (NFP_QUEUES_MAX - 1)]++;
		if (len <= room)
			st->fit[k++] = st->in[i];
		else
			stats->total.unsent++;
	}
	if (!k)
		return n;
	if (out->backend->tx_forward) { /* the received frames themselves, re-addressed */
		sent = out->backend->tx_forward(out, in, st->fit, k);
		if (sent >= 0)
			nfp_stats_tx_pkts(stats, st->fit, k, (unsigned)sent, *now);
		return sent < 0 ? send_failed(ctx, sent, err) : n;
	}
	got = out->backend->tx_alloc(out, st->out, k);
	for (unsigned i = 0; i < got; i++) {
		memcpy(st->out[i].data, st->fit[i].data, st->fit[i].len);
		st->out[i].len = st->fit[i].len;
		st->out[i].queue = st->fit[i].queue; /* out of the queue it came in on */
	}
	sent = got ? out->backend->tx_send(out, st->out, got) : 0;
	if (sent < 0)
		return send_failed(ctx, sent, err);
	nfp_stats_tx_pkts(stats, st->out, k, (unsigned)sent, *now);
	return n;
}

static int forwarder_run(struct nfp_ctx *ctx, struct nfp_err *err)
{
	struct nfp_report *rep = ctx->report;
	const struct nfp_backend *be = ctx->port->backend;
	uint64_t now;
	int n;

	nfp_report_begin(rep, nfp_now_ns());
	while (!*ctx->stop) {
		if ((n = forward_burst(ctx, &now, err)) < 0)
			return n;
		nfp_report_tick(rep, now);
		if (be->poll) /* the receive port announces its MAC (raw, dpdk, af-xdp) */
			be->poll(ctx->rx_port, now);
	}
	for (unsigned i = 0; i < FORWARDER_DRAIN_BURSTS; i++)
		if ((n = forward_burst(ctx, &now, err)) <= 0)
			return n;
	return 0;
}

static const struct nfp_field forwarder_fields[] = {
	NFP_FIELD("rxPackets", rx_packets, false),
	NFP_FIELD("rxBytes", rx_bytes, false),
	NFP_FIELD("foreign", foreign, false),
	NFP_FIELDS_TX,
	{ NULL, 0, false },
};

const struct nfp_role role_forwarder = {
	.name = "forwarder",
	.port_dir = NFP_PORT_TX,
	.rx_port_dir = NFP_PORT_RX,
	.fields = forwarder_fields,
	.pps_offset = offsetof(struct nfp_counters, tx_packets),
	.begin = forwarder_begin,
	.run = forwarder_run,
	.end = forwarder_end,
};
