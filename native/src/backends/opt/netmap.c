/* netmap.c — a netmap port on --ifname ("netmap:IFNAME", every hardware ring pair of it), for
 * the VALE switch: its driver attaches the host end of the container's veth to the VALE switch
 * and the app opens the container end in netmap mode (src/switches/vale.ts). Frames are built
 * and filtered as for raw (raw_common.h); only the way they move differs.
 *
 * NOT VERIFIED: no machine of this project has the netmap module; what runs here is the build
 * against netmap's headers and the clean refusal when /dev/netmap is absent
 * (test/native/netmap.test.ts).
 *
 * Compiled only when net/netmap_user.h is found (native/Makefile: NETMAP_INCLUDE=<netmap>/sys
 * for a source tree). It uses netmap_user.h's own helpers (NETMAP_WITH_LIBS: nm_open, nm_close)
 * rather than libnetmap, which would be one more library to build and find.
 *
 * Transmit. One tx ring, the first of the port (a veth has one). The slots from head to tail are
 * ours: tx_alloc hands out payloads in the buffers of the slots from head on, tx_send sets their
 * lengths, moves head and cur past them and syncs (NIOCTXSYNC). Each slot's buffer gets the 42
 * header bytes at open and keeps them; a slot that carried something else (an echo, the
 * gratuitous ARP) is marked and gets the template again before it next carries a payload.
 * "Accepted" means synced to the kernel; frames that find no free slot are unsent.
 *
 * Receive. rx_burst first gives back the slots of the previous burst (head = cur), syncs
 * (NIOCRXSYNC) and reads from cur, moving only cur: the payloads stay valid until the next
 * rx_burst, as the contract wants. Every frame of the port reaches us (netmap takes the
 * interface from the kernel stack), so nfp_raw_classify picks ours; ARP and the rest are dropped.
 * Echoes are copied into tx slots (headers swapped there), so rx buffers never move between rings.
 *
 * The shadow UDP socket of raw_common.h is bound too: it reserves --local's port and picks one
 * for a sender given port 0, as for the other backends on an interface.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define NETMAP_WITH_LIBS
#include <net/netmap_user.h>

#include "nfp.h"
#include "../raw_common.h"

#define NETMAP_DRAIN_NS 100000000ull /* close: how long to wait for the tx ring to empty */

struct netmap_port {
	unsigned dir;
	bool blocking;               /* --blocking: wait for tx room instead of unsent */
	volatile sig_atomic_t *stop; /* ends a blocking wait */
	struct nm_desc *d;
	struct netmap_ring *tx;      /* the first tx ring */
	int udp_fd;
	struct nfp_raw_match match;
	uint32_t payload;            /* --size - 42 */
	uint8_t tmpl[NFP_RAW_HDR];   /* the header every payload frame starts with */
	uint8_t *dirty;              /* per tx slot: its buffer does not start with tmpl */
	unsigned npending;           /* slots from head handed out by the last tx_alloc */
	uint8_t garp[NFP_GARP_LEN];
	uint64_t next_announce_ns;
};

static void netmap_poll(struct nfp_port *port, uint64_t now);

static int netmap_open(struct nfp_port *port, const struct nfp_config *cfg,
		       const struct nfp_port_spec *spec, unsigned dir, struct nfp_err *err)
{
	struct netmap_port *p = calloc(1, sizeof(*p));
	char name[IF_NAMESIZE + sizeof("netmap:")];
	int rc = 0, mtu = 0;

	if (!p)
		return nfp_err_set(err, -ENOMEM, "netmap: out of memory");
	port->priv = p;
	p->dir = dir;
	p->blocking = cfg->blocking;
	p->stop = port->stop;
	p->udp_fd = -1;
	p->payload = nfp_payload_bytes(cfg);
	/* Said before anything else: on most hosts this is why it fails. */
	if (access(NETMAP_DEVICE_NAME, F_OK) != 0)
		return nfp_err_set(err, -errno, "netmap: %s: %s (the netmap kernel module is not "
				   "loaded: build netmap from its sources, then insmod netmap.ko)",
				   NETMAP_DEVICE_NAME, strerror(errno));
	memcpy(p->match.mac, spec->local_mac, 6);
	if ((rc = nfp_raw_shadow_socket(spec, "netmap", &p->udp_fd, &p->match, err)) < 0 ||
	    (mtu = nfp_raw_check_mtu(p->udp_fd, cfg, spec, err)) < 0)
		return mtu < 0 ? mtu : rc;

	snprintf(name, sizeof(name), "netmap:%s", spec->ifname);
	errno = 0;
	p->d = nm_open(name, NULL, 0, NULL);
	if (!p->d)
		return nfp_err_set(err, errno ? -errno : -EINVAL, "%sifname %s: opening netmap port "
				   "%s: %s", spec->opt_prefix, spec->ifname, name,
				   strerror(errno ? errno : EINVAL));
	p->tx = NETMAP_TXRING(p->d->nifp, p->d->first_tx_ring);
	if (NFP_RAW_HDR + p->payload > p->tx->nr_buf_size)
		return nfp_err_set(err, -EMSGSIZE, "--size %u: larger than a netmap buffer (%u bytes)",
				   cfg->frame_bytes, p->tx->nr_buf_size);
	p->dirty = calloc(p->tx->num_slots, 1);
	if (!p->dirty)
		return nfp_err_set(err, -ENOMEM, "netmap: out of memory");
	nfp_raw_header(p->tmpl, spec->remote_mac, spec->local_mac, p->match.addr,
		       spec->remote.sin_addr.s_addr, p->match.port, spec->remote.sin_port, p->payload);
	for (uint32_t i = 0; i < p->tx->num_slots; i++)
		memcpy(NETMAP_BUF(p->tx, p->tx->slot[i].buf_idx), p->tmpl, NFP_RAW_HDR);
	if (!(dir & NFP_PORT_RX))
		return 0;
	nfp_raw_garp(p->garp, spec->local_mac, p->match.addr);
	port->wait_fd = p->d->fd; /* POLLIN: an rx ring has slots */
	netmap_poll(port, nfp_now_ns()); /* announce our MAC now, then every 2 s */
	return 0;
}

/* ---- the hot path ------------------------------------------------------------------------ */

/* --blocking: sync and sleep in poll() until the tx ring has `want` free slots or a signal stops
 * the run. */
static void wait_tx(struct netmap_port *p, unsigned want)
{
	struct pollfd pfd = { .fd = p->d->fd, .events = POLLOUT };

	while (nm_ring_space(p->tx) < want && !*p->stop) {
		ioctl(p->d->fd, NIOCTXSYNC, NULL);
		if (nm_ring_space(p->tx) < want)
			poll(&pfd, 1, 10);
	}
}

/* The buffer of the tx slot `ahead` slots after head, with the template header again if it
 * carried something else since. */
static uint8_t *tx_frame(struct netmap_port *p, unsigned ahead)
{
	uint32_t i = (p->tx->head + ahead) % p->tx->num_slots;
	uint8_t *f = (uint8_t *)NETMAP_BUF(p->tx, p->tx->slot[i].buf_idx);

	if (p->dirty[i]) {
		memcpy(f, p->tmpl, NFP_RAW_HDR);
		p->dirty[i] = 0;
	}
	return f;
}

static unsigned netmap_tx_alloc(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n)
{
	struct netmap_port *p = port->priv;
	unsigned room;

	if (p->blocking) /* the whole ring at most: a burst may be larger */
		wait_tx(p, n < p->tx->num_slots - 1 ? n : p->tx->num_slots - 1);
	room = nm_ring_space(p->tx);
	if (!room) { /* completed slots come back only with a sync */
		ioctl(p->d->fd, NIOCTXSYNC, NULL);
		room = nm_ring_space(p->tx);
	}
	if (n > room)
		n = room;
	for (unsigned i = 0; i < n; i++)
		pkts[i] = (struct nfp_pkt){ .data = tx_frame(p, i) + NFP_RAW_HDR, .len = p->payload };
	p->npending = n;
	return n;
}

/* Hands n slots from head (their lengths set) to the kernel. */
static int tx_commit(struct netmap_port *p, unsigned n)
{
	if (n)
		p->tx->head = p->tx->cur = (p->tx->head + n) % p->tx->num_slots;
	return ioctl(p->d->fd, NIOCTXSYNC, NULL) < 0 && errno != EINTR && errno != EAGAIN
		? -errno : (int)n;
}

static int netmap_tx_send(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n)
{
	struct netmap_port *p = port->priv;
	uint32_t head = p->tx->head;

	if (n > p->npending)
		n = p->npending; /* the rest of the last tx_alloc stays free: never sent */
	p->npending = 0;
	for (unsigned i = 0; i < n; i++) {
		struct netmap_slot *s = &p->tx->slot[(head + i) % p->tx->num_slots];

		nfp_raw_tx_fix(pkts[i].data - NFP_RAW_HDR, &pkts[i]);
		s->len = (uint16_t)(pkts[i].len + NFP_RAW_HDR);
	}
	return tx_commit(p, n);
}

static int netmap_rx_burst(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n)
{
	struct netmap_port *p = port->priv;
	unsigned out = 0;

	for (uint16_t r = p->d->first_rx_ring; r <= p->d->last_rx_ring; r++) {
		struct netmap_ring *ring = NETMAP_RXRING(p->d->nifp, r);
		ring->head = ring->cur; /* the previous burst's slots go back to the kernel */
	}
	if (ioctl(p->d->fd, NIOCRXSYNC, NULL) < 0 && errno != EINTR && errno != EAGAIN)
		return -errno;
	for (uint16_t r = p->d->first_rx_ring; r <= p->d->last_rx_ring && out < n; r++) {
		struct netmap_ring *ring = NETMAP_RXRING(p->d->nifp, r);

		for (; ring->cur != ring->tail && out < n; ring->cur = nm_ring_next(ring, ring->cur)) {
			const struct netmap_slot *s = &ring->slot[ring->cur];
			uint8_t *f = (uint8_t *)NETMAP_BUF(ring, s->buf_idx);
			uint32_t off, plen, flen;

			/* A frame longer than one buffer comes in several slots (NS_MOREFRAG): the
			 * first is truncated, the others are not IPv4 headers. */
			if (!nfp_raw_payload(&p->match, f, s->len, s->flags & NS_MOREFRAG, &off, &plen,
					     &flen))
				continue;
			pkts[out].data = f + off;
			pkts[out].len = plen;
			out++;
		}
	}
	return (int)out;
}

/* Copies a frame into the next free tx slot `ahead` slots after head (marked: no template). */
static struct netmap_slot *tx_copy(struct netmap_port *p, unsigned ahead, const uint8_t *f,
				   uint32_t len)
{
	uint32_t i = (p->tx->head + ahead) % p->tx->num_slots;

	memcpy(NETMAP_BUF(p->tx, p->tx->slot[i].buf_idx), f, len);
	p->tx->slot[i].len = (uint16_t)len;
	p->dirty[i] = 1;
	return &p->tx->slot[i];
}

/* Each frame starts its rx buffer, and was classified OK, so its IPv4 total length holds. */
static int netmap_tx_echo(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n)
{
	struct netmap_port *p = port->priv;
	struct netmap_ring *any = NETMAP_RXRING(p->d->nifp, p->d->first_rx_ring);
	unsigned room;

	if (p->blocking)
		wait_tx(p, n < p->tx->num_slots - 1 ? n : p->tx->num_slots - 1);
	room = nm_ring_space(p->tx);
	if (n > room)
		n = room;
	for (unsigned i = 0; i < n; i++) {
		/* Buffers are one array for every ring of the port: any ring finds the index. */
		const uint8_t *f = (const uint8_t *)NETMAP_BUF(any, NETMAP_BUF_IDX(any, pkts[i].data));
		uint16_t iplen;
		struct netmap_slot *s;

		memcpy(&iplen, f + NFP_IP_OFF + 2, 2);
		s = tx_copy(p, i, f, NFP_ETH_LEN + ntohs(iplen));
		nfp_raw_swap((uint8_t *)NETMAP_BUF(p->tx, s->buf_idx));
	}
	return tx_commit(p, n);
}

/* Receivers announce their MAC every NFP_RAW_ANNOUNCE_NS (best effort, counted nowhere). */
static void netmap_poll(struct nfp_port *port, uint64_t now)
{
	struct netmap_port *p = port->priv;

	if (!(p->dir & NFP_PORT_RX) || now < p->next_announce_ns)
		return;
	p->next_announce_ns = now + NFP_RAW_ANNOUNCE_NS;
	if (p->npending || !nm_ring_space(p->tx)) /* a tx_alloc's slots are from head */
		return;
	tx_copy(p, 0, p->garp, NFP_GARP_LEN);
	tx_commit(p, 1);
}

static void netmap_close(struct nfp_port *port)
{
	struct netmap_port *p = port->priv;

	if (!p)
		return;
	if (p->d) {
		/* Frames synced to the ring go out before the port closes. */
		uint64_t deadline = nfp_now_ns() + NETMAP_DRAIN_NS;
		while (nm_tx_pending(p->tx) && nfp_now_ns() < deadline)
			if (ioctl(p->d->fd, NIOCTXSYNC, NULL) < 0)
				break;
		nm_close(p->d);
	}
	if (p->udp_fd >= 0)
		close(p->udp_fd);
	free(p->dirty);
	free(p);
	port->priv = NULL;
}

const struct nfp_backend backend_netmap = {
	.name = "netmap",
	.flags = NFP_BACKEND_L2 | NFP_BACKEND_IFNAME,
	.open = netmap_open,
	.tx_alloc = netmap_tx_alloc,
	.tx_send = netmap_tx_send,
	.rx_burst = netmap_rx_burst,
	.tx_echo = netmap_tx_echo,
	.poll = netmap_poll,
	.close = netmap_close,
};
