/* raw.c — AF_PACKET socket, one sendto/recvfrom per frame: the frame-at-a-time baseline of the
 * raw backends (raw-mmsg batches). Frames, filter and set-up are in raw_common.[ch]. */
#include <errno.h>
#include <sys/socket.h>

#include "nfp.h"
#include "raw_common.h"

static int raw_open(struct nfp_port *port, const struct nfp_config *cfg,
		    const struct nfp_port_spec *spec, unsigned dir,
		    struct nfp_err *err)
{
	return nfp_raw_open(port, cfg, spec, dir, "raw", err);
}

/* Sends frames[0..n) of lens[i] bytes one call each; returns the accepted prefix or -errno. */
static int send_each(struct nfp_raw_port *p, uint8_t *const *frames, const uint32_t *lens,
		     unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (sendto(p->fd, frames[i], lens[i], p->tx_flags, (const struct sockaddr *)&p->to,
			   sizeof(p->to)) < 0) {
			int e = errno;
			return (i || nfp_raw_send_errno_transient(e)) ? (int)i : -e;
		}
	return (int)n;
}

static int raw_tx_send(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n)
{
	struct nfp_raw_port *p = port->priv;
	uint8_t *frames[NFP_BURST_MAX];
	uint32_t lens[NFP_BURST_MAX];

	for (unsigned i = 0; i < n; i++) {
		frames[i] = nfp_raw_tx_frame(p, &pkts[i]);
		lens[i] = pkts[i].len + NFP_RAW_HDR;
	}
	return send_each(p, frames, lens, n);
}

static int raw_rx_burst(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n)
{
	struct nfp_raw_port *p = port->priv;
	unsigned out = 0;

	if (n > p->nslots)
		n = p->nslots;
	for (unsigned i = 0; i < n; i++) {
		struct sockaddr_ll *from = &p->rx_from[i];
		socklen_t fromlen = sizeof(*from);
		/* MSG_TRUNC: the frame's real length, also when it did not fit the slot. */
		ssize_t r = recvfrom(p->fd, p->rxv[i].iov_base, NFP_RAW_RX_SLOT,
				     MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)from, &fromlen);
		if (r < 0) {
			int e = errno;
			if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR || i)
				break;
			return -e;
		}
		out = nfp_raw_rx_take(p, i, r > NFP_RAW_RX_SLOT ? NFP_RAW_RX_SLOT : (uint32_t)r,
				      r > NFP_RAW_RX_SLOT, from, pkts, out);
	}
	return (int)out;
}

static int raw_tx_echo(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n)
{
	struct nfp_raw_port *p = port->priv;
	uint8_t *frames[NFP_BURST_MAX];
	uint32_t lens[NFP_BURST_MAX];

	for (unsigned i = 0; i < n; i++) {
		unsigned slot = nfp_raw_rx_slot(p, &pkts[i]);
		frames[i] = p->rx + (size_t)slot * p->rx_stride;
		lens[i] = p->rx_frame_len[slot];
		nfp_raw_swap(frames[i]);
	}
	return send_each(p, frames, lens, n);
}

const struct nfp_backend backend_raw = {
	.name = "raw",
	.flags = NFP_BACKEND_L2 | NFP_BACKEND_IFNAME | NFP_BACKEND_FRAME_CALLS,
	.open = raw_open,
	.tx_alloc = nfp_raw_tx_alloc,
	.tx_send = raw_tx_send,
	.rx_burst = raw_rx_burst,
	.tx_echo = raw_tx_echo,
	.poll = nfp_raw_poll,
	.close = nfp_raw_close,
};
