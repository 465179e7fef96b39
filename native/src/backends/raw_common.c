/* raw_common.c — frames, the receive filter and the port set-up shared by the AF_PACKET
 * backends (raw, raw-mmsg). Layout and rules in raw_common.h. */
#include "raw_common.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "udp_common.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23 /* Linux 4.20 */
#endif

static inline void put16(uint8_t *p, uint16_t v_host)
{
	uint16_t v = htons(v_host);
	memcpy(p, &v, 2);
}

static inline uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return ntohs(v);
}

uint32_t nfp_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

/* Is an IPv4 header's checksum right? Its ones' complement sum is then 0xffff, and that sum does
 * not depend on byte order (RFC 1071, 2.B), so it is taken over 32-bit native words: a header is
 * a multiple of 4 bytes. On every frame a receiver takes, so it is kept cheap. */
static inline bool ipv4_csum_ok(const uint8_t *ip, unsigned ihl_bytes)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < ihl_bytes; i += 4) {
		uint32_t w;

		memcpy(&w, ip + i, 4);
		sum += w;
	}
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return sum == 0xffffu;
}

static void ip_set_csum(uint8_t *ip, unsigned ihl_bytes)
{
	ip[10] = ip[11] = 0;
	put16(ip + 10, nfp_csum_fold(nfp_csum_add(0, ip, ihl_bytes)));
}

void nfp_raw_set_lengths(uint8_t *f, uint32_t payload_len)
{
	put16(f + NFP_IP_OFF + 2, (uint16_t)(20 + 8 + payload_len));
	put16(f + NFP_UDP_OFF + 4, (uint16_t)(8 + payload_len));
	ip_set_csum(f + NFP_IP_OFF, 20);
}

void nfp_raw_header(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		    uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
		    uint32_t payload_len)
{
	uint8_t *ip = f + NFP_IP_OFF, *udp = f + NFP_UDP_OFF;

	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	put16(f + 12, ETHERTYPE_IP);
	ip[0] = 0x45;                 /* version 4, IHL 5 (20 bytes, no options) */
	ip[1] = 0;                    /* DSCP/ECN */
	put16(ip + 4, 0);             /* id: 0 is fine with DF set (RFC 6864) */
	put16(ip + 6, 0x4000);        /* DF, fragment offset 0 */
	ip[8] = 64;                   /* TTL */
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &saddr, 4);   /* already network order */
	memcpy(ip + 16, &daddr, 4);
	memcpy(udp + 0, &sport, 2);
	memcpy(udp + 2, &dport, 2);
	put16(udp + 6, 0);            /* UDP checksum 0: not computed (RFC 768) */
	nfp_raw_set_lengths(f, payload_len); /* IPv4 total length, UDP length, IPv4 checksum */
}

enum nfp_raw_verdict nfp_raw_classify(const struct nfp_raw_match *m, const uint8_t *f,
				      uint32_t len, bool truncated, uint32_t *off, uint32_t *plen,
				      uint32_t *frame_len)
{
	const uint8_t *ip = f + NFP_IP_OFF, *udp;
	uint32_t ihl, tot, ulen;

	/* Is it for us? Frames too short to say are someone else's (or nothing). */
	if (len < NFP_ETH_LEN || memcmp(f, m->mac, 6) != 0 || get16(f + 12) != ETHERTYPE_IP)
		return NFP_RAW_IGNORE;
	if (len < NFP_ETH_LEN + 20)
		return NFP_RAW_MALFORMED;
	if (memcmp(ip + 16, &m->addr, 4) != 0 || ip[9] != IPPROTO_UDP)
		return NFP_RAW_IGNORE;
	ihl = (ip[0] & 0x0f) * 4u;
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < NFP_ETH_LEN + ihl + 8)
		return NFP_RAW_MALFORMED;
	udp = ip + ihl;
	if (memcmp(udp + 2, &m->port, 2) != 0)
		return NFP_RAW_IGNORE;
	/* Ours: now everything must be right. */
	if (!ipv4_csum_ok(ip, ihl))
		return NFP_RAW_MALFORMED; /* bad IPv4 header checksum */
	tot = get16(ip + 2);
	ulen = get16(udp + 4);
	if (truncated || tot < ihl + 8 || NFP_ETH_LEN + tot > len || ulen != tot - ihl ||
	    (get16(ip + 6) & 0x3fff) != 0) /* MF or a fragment offset: a fragment */
		return NFP_RAW_MALFORMED;
	*off = NFP_ETH_LEN + ihl + 8;
	*plen = ulen - 8;
	*frame_len = NFP_ETH_LEN + tot;
	return NFP_RAW_OK;
}

void nfp_raw_swap(uint8_t *f)
{
	uint8_t *ip = f + NFP_IP_OFF, *udp = ip + (ip[0] & 0x0f) * 4u, t[6];

	memcpy(t, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, t, 6);
	memcpy(t, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, t, 4);
	memcpy(t, udp, 2);
	memcpy(udp, udp + 2, 2);
	memcpy(udp + 2, t, 2);
}

void nfp_raw_garp(uint8_t *f, const uint8_t mac[6], uint32_t ip)
{
	uint8_t *a = f + NFP_ETH_LEN;

	memset(f, 0, NFP_GARP_LEN);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	put16(f + 12, ETHERTYPE_ARP);
	put16(a + 0, 1);            /* hardware: Ethernet */
	put16(a + 2, ETHERTYPE_IP); /* protocol: IPv4 */
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);            /* request: sender and target are both us */
	memcpy(a + 8, mac, 6);
	memcpy(a + 14, &ip, 4);
	memcpy(a + 24, &ip, 4);     /* target MAC (18..23) stays zero */
}

/* ---- the port ------------------------------------------------------------------------------ */

void nfp_raw_close(struct nfp_port *port)
{
	struct nfp_raw_port *p = port->priv;

	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	if (p->udp_fd >= 0)
		close(p->udp_fd);
	free(p->tx);
	free(p->rx);
	free(p->rx_frame_len);
	free(p->txm);
	free(p->rxm);
	free(p->txv);
	free(p->rxv);
	free(p->rx_from);
	free(p);
	port->priv = NULL;
}

int nfp_raw_shadow_socket(const struct nfp_port_spec *spec, const char *name, int *fd,
			  struct nfp_raw_match *m, struct nfp_err *err)
{
	struct sock_filter drop_all = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &drop_all };
	struct sockaddr_in bound;
	socklen_t len = sizeof(bound);
	char addr[NFP_ADDR_STRLEN];
	int small = 1, rc;

	*fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return nfp_err_set(err, -errno, "%s: socket(AF_INET, SOCK_DGRAM): %s", name,
				   strerror(errno));
	setsockopt(*fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)); /* kernel minimum */
	if (setsockopt(*fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) != 0)
		return nfp_err_set(err, -errno, "%s: SO_ATTACH_FILTER on the UDP socket: %s", name,
				   strerror(errno));
	if (bind(*fd, (const struct sockaddr *)&spec->local, sizeof(spec->local)) != 0 ||
	    getsockname(*fd, (struct sockaddr *)&bound, &len) != 0) {
		rc = -errno;
		return nfp_err_set(err, rc, "%slocal %s: bind: %s", spec->opt_prefix, nfp_fmt_addr(&spec->local, addr),
				   strerror(-rc));
	}
	m->addr = spec->local.sin_addr.s_addr;
	m->port = bound.sin_port; /* the kernel's pick when --local had port 0 */
	return 0;
}

int nfp_raw_check_mtu(int fd, const struct nfp_config *cfg, const struct nfp_port_spec *spec,
		      struct nfp_err *err)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, spec->ifname, strlen(spec->ifname));
	if (ioctl(fd, SIOCGIFMTU, &ifr) != 0)
		return nfp_err_set(err, -errno, "%sifname %s: SIOCGIFMTU: %s", spec->opt_prefix, spec->ifname,
				   strerror(errno));
	if ((uint32_t)ifr.ifr_mtu < cfg->frame_bytes - NFP_ETH_LEN)
		return nfp_err_set(err, -EMSGSIZE,
				   "--size %u: needs an MTU of at least %u, but %s has MTU %d; "
				   "raise the interfaces' MTU or lower --size",
				   cfg->frame_bytes, cfg->frame_bytes - NFP_ETH_LEN, spec->ifname,
				   ifr.ifr_mtu);
	return ifr.ifr_mtu;
}

/* Points message i at frame i of mem (n messages, all to or from `name`). */
static int link_msgs(struct mmsghdr **msgs, struct iovec **iovs, uint8_t *mem, uint32_t stride,
		     uint32_t len, unsigned n, struct sockaddr_ll *names, size_t name_step)
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
		(*msgs)[i].msg_hdr.msg_name = names + i * name_step;
		(*msgs)[i].msg_hdr.msg_namelen = sizeof(*names);
	}
	return 0;
}

int nfp_raw_open(struct nfp_port *port, const struct nfp_config *cfg,
		 const struct nfp_port_spec *spec, unsigned dir, const char *name,
		 struct nfp_err *err)
{
	const bool rx = dir & NFP_PORT_RX, tx = dir & (NFP_PORT_TX | NFP_PORT_ECHO);
	struct nfp_raw_port *p = calloc(1, sizeof(*p));
	struct sockaddr_ll bind_to;
	int one = 1, rc;

	if (!p)
		return nfp_err_set(err, -ENOMEM, "%s: out of memory", name);
	p->fd = p->udp_fd = -1;
	port->priv = p;
	p->tx_flags = nfp_tx_flags(cfg);
	p->dir = dir;
	p->nslots = cfg->burst;
	p->payload = nfp_payload_bytes(cfg);
	memcpy(p->match.mac, spec->local_mac, 6);

	if ((rc = nfp_raw_shadow_socket(spec, name, &p->udp_fd, &p->match, err)) < 0 ||
	    (rc = nfp_raw_check_mtu(p->udp_fd, cfg, spec, err)) < 0)
		return rc;

	/* Protocol 0: a send-only socket is on no receive list and never sees a frame. */
	p->fd = socket(AF_PACKET, SOCK_RAW | nfp_sock_nonblock(cfg) | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return nfp_err_set(err, -errno, "%s: socket(AF_PACKET, SOCK_RAW): %s%s", name,
				   strerror(errno), errno == EPERM ? " (needs CAP_NET_RAW)" : "");
	port->wait_fd = p->fd;
	memset(&bind_to, 0, sizeof(bind_to));
	bind_to.sll_family = AF_PACKET;
	bind_to.sll_protocol = rx ? htons(ETH_P_IP) : 0;
	bind_to.sll_ifindex = (int)spec->ifindex;
	if (bind(p->fd, (const struct sockaddr *)&bind_to, sizeof(bind_to)) != 0)
		return nfp_err_set(err, -errno, "%sifname %s: bind(AF_PACKET): %s", spec->opt_prefix, spec->ifname,
				   strerror(errno));
	p->to = bind_to;
	p->to.sll_protocol = htons(ETH_P_IP);
	p->to.sll_halen = 6;
	if (rx) {
		nfp_sock_set_buffer(p->fd, SO_RCVBUF, SO_RCVBUFFORCE, "SO_RCVBUF",
				    "net.core.rmem_max");
		/* Frames we send are not handed back to us (older kernels: filtered by pkttype). */
		setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	}
	if (tx) {
		nfp_sock_set_buffer(p->fd, SO_SNDBUF, SO_SNDBUFFORCE, "SO_SNDBUF",
				    "net.core.wmem_max");
		/* Straight to the driver: no qdisc (veth has none anyway). A full device queue
		 * then fails the send (ENOBUFS: counted unsent) instead of queueing. */
		setsockopt(p->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	}

	if (dir & NFP_PORT_TX) {
		uint32_t frame = cfg->frame_bytes;
		p->tx = nfp_udp_slots(p->nslots, frame, &p->tx_stride);
		if (!p->tx || link_msgs(&p->txm, &p->txv, p->tx, p->tx_stride, frame, p->nslots,
					&p->to, 0))
			return nfp_err_set(err, -ENOMEM, "%s: out of memory for tx slots", name);
		nfp_raw_header(p->tmpl, spec->remote_mac, spec->local_mac, p->match.addr,
			       spec->remote.sin_addr.s_addr, p->match.port, spec->remote.sin_port,
			       p->payload);
		memcpy(p->to.sll_addr, spec->remote_mac, 6);
		for (unsigned i = 0; i < p->nslots; i++)
			memcpy(p->tx + (size_t)i * p->tx_stride, p->tmpl, NFP_RAW_HDR);
	}
	if (rx) {
		p->rx = nfp_udp_slots(p->nslots, NFP_RAW_RX_SLOT, &p->rx_stride);
		p->rx_frame_len = calloc(p->nslots, sizeof(*p->rx_frame_len));
		p->rx_from = calloc(p->nslots, sizeof(*p->rx_from));
		if (!p->rx || !p->rx_frame_len || !p->rx_from ||
		    link_msgs(&p->rxm, &p->rxv, p->rx, p->rx_stride, NFP_RAW_RX_SLOT, p->nslots,
			      p->rx_from, 1))
			return nfp_err_set(err, -ENOMEM, "%s: out of memory for rx slots", name);
		/* Echoes go out of the rx slots through the transmit message array. */
		if ((dir & NFP_PORT_ECHO) && !p->txm &&
		    link_msgs(&p->txm, &p->txv, p->rx, 0, 0, p->nslots, &p->to, 0))
			return nfp_err_set(err, -ENOMEM, "%s: out of memory", name);
		/* Announce our MAC now and every 2 s, so that learning switches do not flood. */
		nfp_raw_garp(p->garp, spec->local_mac, p->match.addr);
		nfp_raw_poll(port, nfp_now_ns());
	}
	return 0;
}

unsigned nfp_raw_tx_alloc(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n)
{
	struct nfp_raw_port *p = port->priv;

	if (n > p->nslots)
		n = p->nslots;
	for (unsigned i = 0; i < n; i++) {
		pkts[i] = (struct nfp_pkt){ .data = p->tx + (size_t)i * p->tx_stride + NFP_RAW_HDR,
					    .len = p->payload };
	}
	return n;
}

void nfp_raw_poll(struct nfp_port *port, uint64_t now)
{
	struct nfp_raw_port *p = port->priv;
	struct sockaddr_ll to;

	if (!(p->dir & NFP_PORT_RX) || now < p->next_announce_ns)
		return;
	to = p->to;
	to.sll_protocol = htons(ETH_P_ARP);
	memset(to.sll_addr, 0xff, 6);
	/* Best effort: a full queue now means another try in 2 s. Counted nowhere. */
	sendto(p->fd, p->garp, sizeof(p->garp), MSG_DONTWAIT, (const struct sockaddr *)&to,
	       sizeof(to));
	p->next_announce_ns = now + NFP_RAW_ANNOUNCE_NS;
}
