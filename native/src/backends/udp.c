/* udp.c — kernel UDP socket, one sendmsg/recvmsg per frame. The baseline that shows what
 * batching (udp-mmsg) buys: every frame pays a system call (~1.2 us in our VMs). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nfp.h"
#include "udp_common.h"

struct udp_port {
	int fd;
	int tx_flags;      /* nfp_tx_flags */
	unsigned nslots;   /* --burst */
	uint32_t slot_len; /* payload bytes a slot holds */
	uint32_t stride, rx_stride;
	uint8_t *tx;       /* nslots transmit slots, reused by every burst */
	uint8_t *rx;       /* nslots receive slots, valid until the next rx_burst */
	struct sockaddr_in *from; /* NFP_PORT_ECHO: the source of each rx slot */
};

static void udp_close(struct nfp_port *port)
{
	struct udp_port *p = port->priv;

	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	free(p->tx);
	free(p->rx);
	free(p->from);
	free(p);
	port->priv = NULL;
}

static int udp_open(struct nfp_port *port, const struct nfp_config *cfg,
		     const struct nfp_port_spec *spec, unsigned dir,
		    struct nfp_err *err)
{
	struct udp_port *p = calloc(1, sizeof(*p));

	if (!p)
		return nfp_err_set(err, -ENOMEM, "udp: out of memory");
	p->fd = -1;
	port->priv = p;
	p->nslots = cfg->burst;
	if (dir & NFP_PORT_TX) {
		p->slot_len = nfp_udp_slot_len(cfg, NFP_PORT_TX);
		p->tx = nfp_udp_slots(p->nslots, p->slot_len, &p->stride);
		if (!p->tx)
			return nfp_err_set(err, -ENOMEM, "udp: out of memory for tx slots");
	}
	if (dir & NFP_PORT_RX) {
		p->rx = nfp_udp_slots(p->nslots, NFP_PAYLOAD_MAX, &p->rx_stride);
		if (!p->rx)
			return nfp_err_set(err, -ENOMEM, "udp: out of memory for rx slots");
	}
	if (dir & NFP_PORT_ECHO) {
		p->from = calloc(p->nslots, sizeof(*p->from));
		if (!p->from)
			return nfp_err_set(err, -ENOMEM, "udp: out of memory");
	}
	p->tx_flags = nfp_tx_flags(cfg);
	p->fd = port->wait_fd = nfp_udp_socket(cfg, spec, dir, err);
	return p->fd < 0 ? p->fd : 0;
}

static unsigned udp_tx_alloc(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n)
{
	struct udp_port *p = port->priv;

	if (n > p->nslots)
		n = p->nslots;
	for (unsigned i = 0; i < n; i++) {
		pkts[i] = (struct nfp_pkt){ .data = p->tx + (size_t)i * p->stride, .len = p->slot_len };
	}
	return n;
}

static int udp_tx_send(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n)
{
	struct udp_port *p = port->priv;
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	for (unsigned i = 0; i < n; i++) {
		iov.iov_base = pkts[i].data;
		iov.iov_len = pkts[i].len;
		if (sendmsg(p->fd, &msg, p->tx_flags) < 0) {
			int e = errno;
			/* Stop at the first refusal so that what was sent is a prefix. */
			return (i || nfp_udp_send_errno_transient(e)) ? (int)i : -e;
		}
	}
	return (int)n;
}

static int udp_rx_burst(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n)
{
	struct udp_port *p = port->priv;
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	unsigned i;

	if (n > p->nslots)
		n = p->nslots;
	for (i = 0; i < n; i++) {
		ssize_t r;

		iov.iov_base = p->rx + (size_t)i * p->rx_stride;
		iov.iov_len = NFP_PAYLOAD_MAX;
		msg.msg_flags = 0;
		if (p->from) {
			msg.msg_name = &p->from[i];
			msg.msg_namelen = sizeof(p->from[i]);
		}
		r = recvmsg(p->fd, &msg, MSG_DONTWAIT);
		if (r < 0) {
			int e = errno;
			if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR || i)
				break;
			return -e;
		}
		pkts[i].data = iov.iov_base;
		pkts[i].len = (msg.msg_flags & MSG_TRUNC) ? 0 : (uint32_t)r;
	}
	return (int)i;
}

/* Sends each payload back to the address its rx slot came from, one call per frame. */
static int udp_tx_echo(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n)
{
	struct udp_port *p = port->priv;
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_namelen = sizeof(struct sockaddr_in) };

	for (unsigned i = 0; i < n; i++) {
		size_t slot = (size_t)(pkts[i].data - p->rx) / p->rx_stride;
		iov.iov_base = pkts[i].data;
		iov.iov_len = pkts[i].len;
		msg.msg_name = &p->from[slot];
		if (sendmsg(p->fd, &msg, p->tx_flags) < 0) {
			int e = errno;
			return (i || nfp_udp_send_errno_transient(e)) ? (int)i : -e;
		}
	}
	return (int)n;
}

const struct nfp_backend backend_udp = {
	.name = "udp",
	.flags = NFP_BACKEND_FRAME_CALLS,
	.open = udp_open,
	.tx_alloc = udp_tx_alloc,
	.tx_send = udp_tx_send,
	.rx_burst = udp_rx_burst,
	.tx_echo = udp_tx_echo,
	.close = udp_close,
};
