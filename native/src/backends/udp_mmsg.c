/* udp_mmsg.c — kernel UDP socket, one sendmmsg/recvmmsg per burst: one system call moves up
 * to --burst frames. The message headers are built once in open; a burst only sets lengths. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nfp.h"
#include "udp_common.h"

struct mmsg_port {
	int fd;
	int tx_flags; /* nfp_tx_flags */
	unsigned nslots;
	uint32_t slot_len;
	uint32_t tx_stride, rx_stride;
	uint8_t *tx, *rx;
	struct mmsghdr *txm, *rxm;
	struct iovec *txv, *rxv;
	struct sockaddr_in *from; /* NFP_PORT_ECHO: the source of each rx slot */
	struct mmsghdr *echom;    /* NFP_PORT_ECHO: echo messages, named by tx_echo */
	struct iovec *echov;
};

static void mmsg_close(struct nfp_port *port)
{
	struct mmsg_port *p = port->priv;

	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	free(p->tx);
	free(p->rx);
	free(p->txm);
	free(p->rxm);
	free(p->txv);
	free(p->rxv);
	free(p->from);
	free(p->echom);
	free(p->echov);
	free(p);
	port->priv = NULL;
}

/* Points message i at slot i of mem, for n messages. */
static int link_msgs(struct mmsghdr **msgs, struct iovec **iovs, uint8_t *mem, uint32_t stride,
		     uint32_t len, unsigned n)
{
	*msgs = calloc(n, sizeof(**msgs));
	*iovs = calloc(n, sizeof(**iovs));
	if (!*msgs || !*iovs)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		(*iovs)[i].iov_base = mem + (size_t)i * stride;
		(*iovs)[i].iov_len = len;
		(*msgs)[i].msg_hdr.msg_iov = &(*iovs)[i];
		(*msgs)[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

static int mmsg_open(struct nfp_port *port, const struct nfp_config *cfg,
		     const struct nfp_port_spec *spec, unsigned dir,
		     struct nfp_err *err)
{
	struct mmsg_port *p = calloc(1, sizeof(*p));

	if (!p)
		return nfp_err_set(err, -ENOMEM, "udp-mmsg: out of memory");
	p->fd = -1;
	port->priv = p;
	p->nslots = cfg->burst;
	if (dir & NFP_PORT_TX) {
		p->slot_len = nfp_udp_slot_len(cfg, NFP_PORT_TX);
		p->tx = nfp_udp_slots(p->nslots, p->slot_len, &p->tx_stride);
		if (!p->tx || link_msgs(&p->txm, &p->txv, p->tx, p->tx_stride, p->slot_len,
					p->nslots))
			return nfp_err_set(err, -ENOMEM, "udp-mmsg: out of memory for tx slots");
	}
	if (dir & NFP_PORT_RX) {
		p->rx = nfp_udp_slots(p->nslots, NFP_PAYLOAD_MAX, &p->rx_stride);
		if (!p->rx || link_msgs(&p->rxm, &p->rxv, p->rx, p->rx_stride, NFP_PAYLOAD_MAX,
					p->nslots))
			return nfp_err_set(err, -ENOMEM, "udp-mmsg: out of memory for rx slots");
	}
	if (dir & NFP_PORT_ECHO) {
		p->from = calloc(p->nslots, sizeof(*p->from));
		if (!p->from || link_msgs(&p->echom, &p->echov, p->rx, p->rx_stride, 0, p->nslots))
			return nfp_err_set(err, -ENOMEM, "udp-mmsg: out of memory");
		for (unsigned i = 0; i < p->nslots; i++) {
			p->rxm[i].msg_hdr.msg_name = &p->from[i];
			p->echom[i].msg_hdr.msg_namelen = sizeof(p->from[i]);
		}
	}
	p->tx_flags = nfp_tx_flags(cfg);
	p->fd = port->wait_fd = nfp_udp_socket(cfg, spec, dir, err);
	return p->fd < 0 ? p->fd : 0;
}

static unsigned mmsg_tx_alloc(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n)
{
	struct mmsg_port *p = port->priv;

	if (n > p->nslots)
		n = p->nslots;
	for (unsigned i = 0; i < n; i++) {
		pkts[i] = (struct nfp_pkt){ .data = p->txv[i].iov_base, .len = p->slot_len };
	}
	return n;
}

static int mmsg_tx_send(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n)
{
	struct mmsg_port *p = port->priv;
	int r;

	for (unsigned i = 0; i < n; i++) {
		p->txv[i].iov_base = pkts[i].data;
		p->txv[i].iov_len = pkts[i].len;
	}
	/* sendmmsg sends in order and stops at the first failure, so the result is a prefix;
	 * a failure after the first message is reported by the next call. */
	r = sendmmsg(p->fd, p->txm, n, p->tx_flags);
	if (r < 0) {
		int e = errno;
		return nfp_udp_send_errno_transient(e) ? 0 : -e;
	}
	return r;
}

static int mmsg_rx_burst(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n)
{
	struct mmsg_port *p = port->priv;
	int r;

	if (n > p->nslots)
		n = p->nslots;
	if (p->from) /* the kernel shortens msg_namelen to what it wrote: reset it */
		for (unsigned i = 0; i < n; i++)
			p->rxm[i].msg_hdr.msg_namelen = sizeof(p->from[i]);
	r = recvmmsg(p->fd, p->rxm, n, MSG_DONTWAIT, NULL);
	if (r < 0) {
		int e = errno;
		return (e == EAGAIN || e == EWOULDBLOCK || e == EINTR) ? 0 : -e;
	}
	for (int i = 0; i < r; i++) {
		pkts[i].data = p->rxv[i].iov_base;
		pkts[i].len = (p->rxm[i].msg_hdr.msg_flags & MSG_TRUNC) ? 0 : p->rxm[i].msg_len;
	}
	return r;
}

/* Sends each payload back to the address its rx slot came from, in one call. */
static int mmsg_tx_echo(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n)
{
	struct mmsg_port *p = port->priv;
	int r;

	for (unsigned i = 0; i < n; i++) {
		size_t slot = (size_t)(pkts[i].data - p->rx) / p->rx_stride;
		p->echov[i].iov_base = pkts[i].data;
		p->echov[i].iov_len = pkts[i].len;
		p->echom[i].msg_hdr.msg_name = &p->from[slot];
	}
	r = sendmmsg(p->fd, p->echom, n, p->tx_flags);
	if (r < 0) {
		int e = errno;
		return nfp_udp_send_errno_transient(e) ? 0 : -e;
	}
	return r;
}

const struct nfp_backend backend_udp_mmsg = {
	.name = "udp-mmsg",
	.open = mmsg_open,
	.tx_alloc = mmsg_tx_alloc,
	.tx_send = mmsg_tx_send,
	.rx_burst = mmsg_rx_burst,
	.tx_echo = mmsg_tx_echo,
	.close = mmsg_close,
};
