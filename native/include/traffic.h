/* traffic.h — what varies from frame to frame of a sender: its size (--size-mix) and its
 * 5-tuple (--flows). Both follow from the frame's sequence number s alone (the 64-bit count of
 * frames accepted before it), so a frame the send call refused is offered again with the same
 * size and tuple, and what reaches the wire is exact: any `count` frames from s = 0 hold the
 * pattern's sizes in its proportions (whole patterns) and the first min(count, flows) tuples.
 *
 * Sizes. --size-mix SIZE:WEIGHT,... (at most NFP_MIX_SIZES_MAX entries, weights integers >= 0
 * summing to 1..NFP_MIX_PATTERN_MAX) becomes a pattern of W = sum/gcd(weights) frame sizes, in
 * the order of smooth weighted round robin (each step: every entry's credit += its weight, the
 * entry with the most credit, the first of equals, is sent and loses W): frame s has size
 * pattern[s mod W]. IMIX 60:7,566:4,1514:1 gives the 12 frames
 *     60 566 60 60 566 60 1514 60 566 60 566 60
 * The smallest and largest frames are thus spread through the pattern, not sent in runs.
 *
 * Tuples. --flows N (1..NFP_FLOWS_MAX): frame s carries tuple t = s mod N. The destination
 * (--remote, --remote-mac) and the MACs never change: a flow is an L3/L4 tuple, and a learning
 * switch sees one station per sender. Tuple t has UDP source port
 *     1024 + (P - 1024 + t mod 64512) mod 64512        (P: --local's port, >= 1024)
 * so tuple 0 is --local itself, and IPv4 source address --local for t < 64512, else
 * --flow-addrs + (t / 64512 - 1): 64512 ports per address, 16 addresses for 10^6 flows. The
 * runner gives addresses of the sender's own subnet that no container has, so a kernel receiver
 * (strict reverse-path filter: the source is on its link) accepts them. Only backends that
 * write their own headers (NFP_BACKEND_L2) can send from other tuples than their socket's.
 *
 * Queues. With --queues N, tuple t leaves by transmit queue t mod N (pkts[i].queue): a flow
 * keeps one queue (its frames stay in order, as RSS keeps a flow on one queue), and N or more
 * flows use every queue.
 */
#ifndef NFP_TRAFFIC_H
#define NFP_TRAFFIC_H

#include "nfp.h"

#define NFP_FLOWS_MAX 1000000u
#define NFP_MIX_PATTERN_MAX 65536u
#define NFP_FLOW_PORT_FIRST 1024u
#define NFP_FLOW_PORTS 64512u /* 1024..65535 */

/* A sender's per-frame plan, made once (nfp_traffic_init) from the config. */
struct nfp_traffic {
	uint16_t *pattern;    /* payload bytes of frame s: pattern[s mod pattern_len] */
	uint32_t pattern_len; /* 1 without --size-mix */
	uint32_t flows;
	uint32_t port_off;    /* --local's port - 1024 */
	uint32_t addr;        /* --local's address, host order */
	uint32_t flow_addr;   /* --flow-addrs, host order */
	uint32_t queues;      /* --queues: tuple t goes out of transmit queue t mod queues */
};

/* Parses "SIZE:WEIGHT,..." into mix (0, or -EINVAL with err naming --size-mix). */
int nfp_traffic_parse_mix(const char *val, struct nfp_size_mix *mix, struct nfp_err *err);
/* The mix's largest frame. */
uint32_t nfp_traffic_mix_max(const struct nfp_size_mix *mix);
/* What holds of --size-mix, --flows and --flow-addrs with the other options (called by the
 * option parser once all are read; size_given: --size was): 0 or -EINVAL with err set. With a
 * mix, sets cfg->frame_bytes to its largest frame (the room every transmit buffer needs). */
int nfp_traffic_check(struct nfp_config *cfg, struct nfp_err *err, bool size_given);

int nfp_traffic_init(struct nfp_traffic *t, const struct nfp_config *cfg, struct nfp_err *err);
void nfp_traffic_free(struct nfp_traffic *t);

/* Sets pkts[i].len, .sport, .saddr and .queue of n frames numbered seq, seq+1, ... */
void nfp_traffic_fill(const struct nfp_traffic *t, struct nfp_pkt *pkts, unsigned n, uint64_t seq);

#endif
