/* tester.c — the tester role: one thread, two ports of one backend, as RFC 2544 testers work.
 * It sends on its transmit port (the unprefixed options) exactly as send does, and receives on
 * its receive port (--rx-*) exactly as recv does: both are the halves of loops.h, so pacing,
 * --count/--duration, --touch, --flow and every receive counter mean what they mean there.
 *
 * One loop interleaves them: each turn offers the burst due (if any) and then polls the receive
 * port once, so an unpaced tester never starves its own receive side. A paced tester with
 * nothing due sleeps until the next burst or interval edge, as send does; frames arriving
 * meanwhile wait in the port's ring.
 *
 * When the send side is done (--count, --duration) the tester goes on receiving until every
 * frame sent has arrived, or until TESTER_QUIET_NS passed with nothing received (the rest are
 * lost), then ends by itself; on a signal it stops and drains what is queued, as recv does.
 * achievedPps is received frames per second of the run. */
#include <errno.h>
#include <stdlib.h>

#include "loops.h"
#include "nfp.h"
#include "report.h"
#include "stats.h"

#define TESTER_QUIET_NS 100000000ull /* after the last frame sent: 100 ms with nothing received */
#define TESTER_LINGER_POLL_NS 1000000ull /* meanwhile, idle at most this long between polls */

struct tester_state {
	struct nfp_sender *tx;
	struct nfp_receiver *rx;
};

static int tester_begin(struct nfp_ctx *ctx, struct nfp_err *err)
{
	const struct nfp_config *cfg = ctx->cfg;
	struct tester_state *st;
	int rc;

	if (cfg->blocking)
		return nfp_err_set(err, -EINVAL, "--blocking: not for tester (it polls its two ports "
				   "in one loop)");
	st = calloc(1, sizeof(*st));
	if (!st)
		return nfp_err_set(err, -ENOMEM, "tester: out of memory");
	ctx->priv = st;
	if ((rc = nfp_sender_new(cfg, "tester", &st->tx, err)) < 0)
		return rc;
	return nfp_receiver_new(cfg, &cfg->rx_port, &st->rx, err);
}

static void tester_end(struct nfp_ctx *ctx)
{
	struct tester_state *st = ctx->priv;

	if (st) {
		nfp_sender_free(st->tx);
		nfp_receiver_free(st->rx);
	}
	free(st);
	ctx->priv = NULL;
}

/* Every frame sent has arrived (duplicates are not arrivals). */
static bool all_arrived(const struct nfp_counters *c)
{
	return c->rx_packets - c->duplicates >= c->tx_packets;
}

static int tester_run(struct nfp_ctx *ctx, struct nfp_err *err)
{
	struct tester_state *st = ctx->priv;
	struct nfp_report *rep = ctx->report;
	struct nfp_stats *stats = &rep->stats;
	bool sending = true;
	uint64_t now, wake = 0, last_rx = 0;

	if (!nfp_sender_start(st->tx, ctx->stop, &now))
		return 0;
	nfp_report_begin(rep, now);
	while (!*ctx->stop) {
		int turn = NFP_SENDER_SENT, n;

		now = nfp_now_ns();
		nfp_report_tick(rep, now);
		if (sending) {
			turn = nfp_sender_turn(st->tx, ctx->port, stats, now, &wake, err);
			if (turn < 0)
				return turn;
			if (turn == NFP_SENDER_DONE) {
				sending = false;
				last_rx = now;
			}
		}
		if ((n = nfp_receiver_poll(st->rx, ctx->rx_port, stats, &now, err)) < 0)
			return n;
		if (sending) {
			if (turn == NFP_SENDER_IDLE && n == 0)
				nfp_idle_until(nfp_min_u64(wake, rep->next_ns), now);
			continue;
		}
		if (n > 0)
			last_rx = now;
		if (all_arrived(&stats->total) || now - last_rx >= TESTER_QUIET_NS)
			return 0;
		if (n == 0)
			nfp_idle_until(nfp_min_u64(now + TESTER_LINGER_POLL_NS, rep->next_ns), now);
	}
	return nfp_receiver_drain(st->rx, ctx->rx_port, stats, err);
}

static const struct nfp_field tester_fields[] = {
	NFP_FIELDS_TX,
	NFP_FIELD("stalls", stalls, false),
	NFP_FIELDS_RX,
	{ NULL, 0, false },
};

const struct nfp_role role_tester = {
	.name = "tester",
	.port_dir = NFP_PORT_TX,
	.rx_port_dir = NFP_PORT_RX,
	.fields = tester_fields,
	.pps_offset = offsetof(struct nfp_counters, rx_packets),
	.begin = tester_begin,
	.run = tester_run,
	.end = tester_end,
};
