/* loops.h — the halves of the send and recv loops, so that the tester (one thread, one port
 * sending, one receiving) runs exactly what send and recv run: the sender in send.c (pacing,
 * --count/--duration, fill), the receiver in recv.c (rx_burst, nfp_stats_rx, the drain). */
#ifndef NFP_LOOPS_H
#define NFP_LOOPS_H

#include "nfp.h"
#include "stats.h"

static inline uint64_t nfp_min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* ---- the sender (send.c) ----------------------------------------------------------------- */

struct nfp_sender;

/* role names the role in messages; checks --remote (-EINVAL) and allocates. */
int nfp_sender_new(const struct nfp_config *cfg, const char *role, struct nfp_sender **out,
		   struct nfp_err *err);
void nfp_sender_free(struct nfp_sender *s);
/* Waits for the epoch (so that several senders start together) and fixes the schedule from
 * it; *now is the time it last read. False when a signal came first. */
bool nfp_sender_start(struct nfp_sender *s, volatile sig_atomic_t *stop, uint64_t *now);

enum nfp_sender_turn {
	NFP_SENDER_SENT, /* a burst went to the send call */
	NFP_SENDER_IDLE, /* nothing due before *wake */
	NFP_SENDER_DONE, /* --count or --duration reached (and a paced sender's last slot over) */
};
/* One turn of the loop at now: sends the burst due, if any, counting into stats. Returns an
 * enum nfp_sender_turn, or -errno with err set when the send call failed. */
int nfp_sender_turn(struct nfp_sender *s, struct nfp_port *port, struct nfp_stats *stats,
		    uint64_t now, uint64_t *wake, struct nfp_err *err);

/* ---- the receiver (recv.c) --------------------------------------------------------------- */

struct nfp_receiver;

/* spec: the port received on (for messages). */
int nfp_receiver_new(const struct nfp_config *cfg, const struct nfp_port_spec *spec,
		     struct nfp_receiver **out, struct nfp_err *err);
void nfp_receiver_free(struct nfp_receiver *r);
/* One rx_burst on port, its frames counted by nfp_stats_rx at *now, the time read right after
 * it. Returns how many frames it returned, or -errno with err set. */
int nfp_receiver_poll(struct nfp_receiver *r, struct nfp_port *port, struct nfp_stats *stats,
		      uint64_t *now, struct nfp_err *err);
/* After the stop: counts what is already queued (bounded, in case a sender still sends).
 * A receiver that shares its CPU may not run at all during the runner's drain window, and
 * would otherwise leave frames that were delivered in its ring or socket. */
int nfp_receiver_drain(struct nfp_receiver *r, struct nfp_port *port, struct nfp_stats *stats,
		       struct nfp_err *err);

#endif
