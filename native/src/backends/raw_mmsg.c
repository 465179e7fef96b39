/* raw_mmsg.c — AF_PACKET socket, one sendmmsg/recvmmsg per burst. The message headers are built
 * once in open (raw_common.c); a burst only sets the frames' lengths. */
#include <errno.h>
#include <sys/socket.h>

#include "nfp.h"
#include "raw_common.h"

static int rawm_open(struct nfp_port *port, const struct nfp_config *cfg,
		    const struct nfp_port_spec *spec, unsigned dir,
		     struct nfp_err *err)
{
	return nfp_raw_open(port, cfg, spec, dir, "raw-mmsg", err);
}

/* sendmmsg sends in order and stops at the first failure, so the result is a prefix; a
 * failure after the first message is reported by the next call. */
static int send_msgs(struct nfp_raw_port *p, struct mmsghdr *msgs, unsigned n)
{
	int r = sendmmsg(p->fd, msgs, n, p->tx_flags);

	if (r < 0) {
		int e = errno;
		return nfp_raw_send_errno_transient(e) ? 0 : -e;
	}
	return r;
}

static int rawm_tx_send(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n)
{
	struct nfp_raw_port *p = port->priv;

	for (unsigned i = 0; i < n; i++) {
		p->txv[i].iov_base = nfp_raw_tx_frame(p, &pkts[i]);
		p->txv[i].iov_len = pkts[i].len + NFP_RAW_HDR;
	}
	return send_msgs(p, p->txm, n);
}

static int rawm_rx_burst(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n)
{
	struct nfp_raw_port *p = port->priv;
	unsigned out = 0;
	int r;

	if (n > p->nslots)
		n = p->nslots;
	for (unsigned i = 0; i < n; i++)
		p->rxm[i].msg_hdr.msg_namelen = sizeof(p->rx_from[i]);
	r = recvmmsg(p->fd, p->rxm, n, MSG_DONTWAIT, NULL);
	if (r < 0) {
		int e = errno;
		return (e == EAGAIN || e == EWOULDBLOCK || e == EINTR) ? 0 : -e;
	}
	for (int i = 0; i < r; i++) {
		const struct msghdr *h = &p->rxm[i].msg_hdr;
		out = nfp_raw_rx_take(p, (unsigned)i, p->rxm[i].msg_len,
				      (h->msg_flags & MSG_TRUNC) != 0, &p->rx_from[i], pkts, out);
	}
	return (int)out;
}

/* Echoes go out of the rx slots themselves (headers swapped in place): nothing is copied. The
 * transmit message array is free to describe them (a port echoes or sends, never both). */
static int rawm_tx_echo(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n)
{
	struct nfp_raw_port *p = port->priv;

	for (unsigned i = 0; i < n; i++) {
		unsigned slot = nfp_raw_rx_slot(p, &pkts[i]);
		uint8_t *f = p->rx + (size_t)slot * p->rx_stride;
		nfp_raw_swap(f);
		p->txv[i].iov_base = f;
		p->txv[i].iov_len = p->rx_frame_len[slot];
	}
	return send_msgs(p, p->txm, n);
}

const struct nfp_backend backend_raw_mmsg = {
	.name = "raw-mmsg",
	.flags = NFP_BACKEND_L2 | NFP_BACKEND_IFNAME,
	.open = rawm_open,
	.tx_alloc = nfp_raw_tx_alloc,
	.tx_send = rawm_tx_send,
	.rx_burst = rawm_rx_burst,
	.tx_echo = rawm_tx_echo,
	.poll = nfp_raw_poll,
	.close = nfp_raw_close,
};
