/* raw_common.h — what the backends that build their own frames share: the frame layout, the
 * header template, the receive filter, the echo swap, the gratuitous ARP and the shadow UDP
 * socket (raw, raw-mmsg, af-xdp, dpdk, netmap), and the AF_PACKET port (raw, raw-mmsg). Private to
 * src/backends/ (and test/unit.c, which checks the headers byte by byte).
 *
 * Frames are Ethernet + IPv4 (IHL 5, DF, TTL 64, id 0, checksum computed) + UDP (checksum 0,
 * "none", allowed for IPv4 by RFC 768) + the nfvperf payload. The size never changes within a
 * run, so the 42 header bytes are written once per transmit slot at open and never again: a
 * burst only writes payloads.
 *
 * Each raw port also binds a plain UDP socket to --local (the "shadow" socket) and never reads
 * it: the kernel's IP stack sees the same frames as the packet socket and, with no UDP socket on
 * the port, would answer every one with an ICMP port unreachable. A drop-all socket filter and
 * the smallest receive buffer make it cost one lookup per frame. It also reserves the port, and
 * picks one for a sender given port 0.
 */
#ifndef NFP_RAW_COMMON_H
#define NFP_RAW_COMMON_H

#include <errno.h>
#include <string.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include "nfp.h"

#define NFP_ETH_LEN 14
#define NFP_IP_OFF 14
#define NFP_UDP_OFF 34   /* with IHL 5, as we send */
#define NFP_RAW_HDR 42   /* = NFP_HDR_OVERHEAD */
/* Receive slots take the largest frame plus a VLAN tag; longer ones arrive truncated. */
#define NFP_RAW_RX_SLOT (NFP_FRAME_MAX + 64)
#define NFP_RAW_ANNOUNCE_NS 2000000000ull /* gratuitous ARP period */

/* The 16-bit ones'-complement sum of RFC 1071 over len bytes, folded, not inverted. */
uint32_t nfp_csum_add(uint32_t sum, const uint8_t *p, size_t len);
static inline uint16_t nfp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Writes the 42 header bytes of a frame with a UDP payload of payload_len bytes. Addresses and
 * ports are in network byte order (as in struct sockaddr_in). */
void nfp_raw_header(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		    uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
		    uint32_t payload_len);

/* What a receiver accepts: frames to this MAC, IPv4 address and UDP port (network order). */
struct nfp_raw_match {
	uint8_t mac[6];
	uint32_t addr;
	uint16_t port;
};

enum nfp_raw_verdict {
	NFP_RAW_IGNORE,    /* not for us (another MAC, address, port or protocol; ARP; …) */
	NFP_RAW_MALFORMED, /* for us, but too short, truncated, a fragment, a bad IPv4 checksum or
			      inconsistent lengths: the role counts it `foreign` */
	NFP_RAW_OK,        /* *off and *len locate the UDP payload; *frame_len = 14 + IP length */
};

/* Classifies a received frame of len bytes (truncated: the socket cut it to len). The UDP
 * checksum is not checked: frames from a local kernel UDP socket on a veth carry only the
 * partial sum (checksum offload); --touch checks the payload end to end. */
enum nfp_raw_verdict nfp_raw_classify(const struct nfp_raw_match *m, const uint8_t *f,
				      uint32_t len, bool truncated, uint32_t *off, uint32_t *plen,
				      uint32_t *frame_len);

/* What a receive loop keeps of a frame: false for one not ours (skip it); true for ours, its
 * payload at *off, *plen bytes long — or, malformed, at the header's end with length 0, so that
 * nfp_stats_rx counts it corrupt. *frame_len as nfp_raw_classify sets it. */
static inline bool nfp_raw_payload(const struct nfp_raw_match *m, const uint8_t *f, uint32_t len,
				   bool truncated, uint32_t *off, uint32_t *plen, uint32_t *frame_len)
{
	*off = NFP_RAW_HDR;
	*plen = 0;
	*frame_len = 0;
	switch (nfp_raw_classify(m, f, len, truncated, off, plen, frame_len)) {
	case NFP_RAW_IGNORE:
		return false;
	case NFP_RAW_MALFORMED:
		*off = NFP_RAW_HDR;
		*plen = 0;
		return true;
	case NFP_RAW_OK:
		return true;
	}
	return false;
}

/* Turns a received frame (already classified OK) into its echo, in place: swaps the MACs, the
 * IPv4 addresses and the UDP ports. Neither checksum changes (both sums are commutative). */
void nfp_raw_swap(uint8_t *f);

/* A gratuitous ARP request (sender = target = ip) from mac to the broadcast MAC, 60 bytes. */
#define NFP_GARP_LEN 60
void nfp_raw_garp(uint8_t *f, const uint8_t mac[6], uint32_t ip);

/* The shadow UDP socket (above) on --local: sets *fd, m->addr and m->port (the kernel's pick
 * when --local has port 0). Used by every backend on a kernel interface. */
int nfp_raw_shadow_socket(const struct nfp_port_spec *spec, const char *name, int *fd,
			  struct nfp_raw_match *m, struct nfp_err *err);
/* --ifname's MTU, or -EMSGSIZE (err says what to change) if it cannot carry --size; fd: any
 * socket. */
int nfp_raw_check_mtu(int fd, const struct nfp_config *cfg, const struct nfp_port_spec *spec,
		      struct nfp_err *err);

/* ---- the port, shared by raw.c and raw_mmsg.c ------------------------------------------- */

struct nfp_raw_port {
	int fd;     /* AF_PACKET, SOCK_RAW, bound to the interface */
	int tx_flags; /* nfp_tx_flags */
	int udp_fd; /* the shadow UDP socket on --local */
	unsigned dir;
	unsigned nslots;
	struct nfp_raw_match match;
	struct sockaddr_ll to; /* the interface, ETH_P_IP: where every frame is sent */
	uint32_t payload;      /* --size - 42: what the header template says */
	uint8_t tmpl[NFP_RAW_HDR];
	uint32_t tx_stride, rx_stride;
	uint8_t *tx;           /* nslots frames, headers written once at open */
	uint8_t *rx;           /* nslots receive slots of NFP_RAW_RX_SLOT bytes */
	uint32_t *rx_frame_len; /* per rx slot: 14 + IPv4 total length, what an echo sends */
	struct mmsghdr *txm, *rxm;
	struct iovec *txv, *rxv;
	struct sockaddr_ll *rx_from;
	uint8_t garp[NFP_GARP_LEN];
	uint64_t next_announce_ns;
};

/* Opens the packet socket (bound with ETH_P_IP when receiving, with no protocol when only
 * sending, so a sender sees no frames), the shadow socket, the slots and the message arrays. */
int nfp_raw_open(struct nfp_port *port, const struct nfp_config *cfg,
		 const struct nfp_port_spec *spec, unsigned dir, const char *name,
		 struct nfp_err *err);
void nfp_raw_close(struct nfp_port *port);
unsigned nfp_raw_tx_alloc(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n);
/* Receivers announce their MAC every NFP_RAW_ANNOUNCE_NS (L2 learning). */
void nfp_raw_poll(struct nfp_port *port, uint64_t now);

/* Rewrites the IPv4 total length, its checksum and the UDP length of a frame we build. */
void nfp_raw_set_lengths(uint8_t *f, uint32_t payload_len);

/* Makes the frame f of a transmit payload what pkt says, writing only what differs: its IPv4
 * and UDP lengths (a reused slot keeps those of the frame it last sent, which a --size-mix
 * changes), and, where set (--flows), its UDP source port and IPv4 source address. The IPv4
 * checksum is recomputed when the header changed; the UDP checksum is 0 (none). */
static inline void nfp_raw_tx_fix(uint8_t *f, const struct nfp_pkt *pkt)
{
	uint8_t *ip = f + NFP_IP_OFF;
	uint16_t tot = htons((uint16_t)(20 + 8 + pkt->len));
	bool redo = memcmp(ip + 2, &tot, 2) != 0;

	if (pkt->sport)
		memcpy(f + NFP_UDP_OFF, &pkt->sport, 2);
	if (pkt->saddr && memcmp(ip + 12, &pkt->saddr, 4) != 0) {
		memcpy(ip + 12, &pkt->saddr, 4);
		redo = true;
	}
	if (__builtin_expect(redo, 0))
		nfp_raw_set_lengths(f, pkt->len);
}

/* The frame a transmit payload lives in, made what pkt says (nfp_raw_tx_fix). */
static inline uint8_t *nfp_raw_tx_frame(struct nfp_raw_port *p, const struct nfp_pkt *pkt)
{
	uint8_t *f = pkt->data - NFP_RAW_HDR;

	(void)p;
	nfp_raw_tx_fix(f, pkt);
	return f;
}

/* The rx slot a payload from rx_burst lives in. */
static inline unsigned nfp_raw_rx_slot(const struct nfp_raw_port *p, const struct nfp_pkt *pkt)
{
	return (unsigned)((size_t)(pkt->data - p->rx) / p->rx_stride);
}

/* Classifies a received slot and appends it to pkts (OK: its payload; MALFORMED: len 0). */
static inline unsigned nfp_raw_rx_take(struct nfp_raw_port *p, unsigned slot, uint32_t len,
				       bool truncated, const struct sockaddr_ll *from,
				       struct nfp_pkt *pkts, unsigned out)
{
	uint8_t *f = p->rx + (size_t)slot * p->rx_stride;
	uint32_t off, plen, flen;

	if (from->sll_pkttype == PACKET_OUTGOING) /* our own frames, if the kernel shows them */
		return out;
	if (!nfp_raw_payload(&p->match, f, len, truncated, &off, &plen, &flen))
		return out;
	p->rx_frame_len[slot] = flen;
	pkts[out].data = f + off;
	pkts[out].len = plen;
	return out + 1;
}

/* Send errors that mean "not sent this time" rather than a broken socket. */
static inline bool nfp_raw_send_errno_transient(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == EINTR;
}

#endif
