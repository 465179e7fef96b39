/* af_xdp.c — AF_XDP sockets (libxdp's xsk helpers, libbpf) on queues 0..N-1 of --ifname
 * (--queues N, default 1), copy mode. Frames are built and filtered as for raw (raw_common.h);
 * only the way they move differs.
 *
 * Queues. One XSK per queue id, all sharing the port's one UMEM (each with its own fill and
 * completion ring, as the kernel requires for sockets on different queues), so a chunk serves
 * any queue: transmit chunks come from one stack whichever queue they leave by. A frame leaves
 * by the XSK of its pkts[i].queue (the sender sets tuple t on queue t mod N, traffic.h); in copy
 * mode the kernel transmits it on that device queue, and a veth hands it to its peer's receive
 * queue of the same number when the peer runs XDP (its NAPI path) — so on a veth pair flow t
 * arrives on receive queue t mod N, exactly. The receiver's program redirects by rx_queue_index
 * to that queue's XSK; rx_burst polls the N rx rings round robin (starting one further each
 * call, so no queue waits behind a busy one) from the role's one thread, and tags each frame
 * with its queue. Every receive queue keeps at most its share of the receive chunks in the
 * kernel (fill and rx rings), so a quiet queue cannot hoard them. The interface must have N
 * receive and N transmit queues (a veth: numrxqueues/numtxqueues N), checked at open.
 *
 * Memory. One UMEM of AFXDP_UMEM_BYTES (4 MiB, whatever --queues): the kernel pins it and counts it against
 * RLIMIT_MEMLOCK, which is 8 MiB here for root without CAP_SYS_RESOURCE. A two-port role
 * (tester, forwarder) holds two sockets, each with half of that. Chunks of 2048 bytes
 * (2048 of them), or 4096 (1024) when --size needs more than the 1792 bytes a 2048-byte chunk
 * holds after the kernel's XDP headroom. A port that receives and sends (client, server) gives
 * half the chunks to each side; the last chunk of a receiving port holds its gratuitous ARP.
 * Transmit chunks get the 42 header bytes once, at open, and keep them: a burst writes only
 * payloads. Every ring (fill, completion, rx, tx) has one entry per chunk, so none can overflow.
 *
 * Receive. Our own XDP program (below, a few instructions, no compiler needed) redirects to the
 * socket only IPv4 UDP frames to --local's address (and port, for IHL 5): ARP, ICMP and other
 * traffic still reach the kernel, so the interface keeps working and kernel senders can resolve
 * us. It is attached through a BPF link, native (driver) mode first, else generic: the kernel
 * detaches it when the process exits, even on a crash. If it cannot be loaded, libxdp's default
 * program is used instead (it takes every frame of our queues, ARP included; a note says so).
 * Frames in the rx ring are classified by nfp_raw_classify; a burst's chunks go back to the
 * fill ring at the next rx_burst (echoed ones come back through the completion ring).
 *
 * Transmit. Descriptors go on the tx ring of their queue; in copy mode the kernel sends them
 * only when kicked (sendto, MSG_DONTWAIT), at most 32 per kick, so each queue with frames is
 * kicked until its ring is empty or a kick makes no progress (device busy: the rest go with the
 * next kick). "Accepted" means placed on the tx ring: frame by frame, as far as each frame's
 * ring has room, so the accepted frames are a prefix of the burst (nfp.h) with any N; a frame the kernel drops after that (the veth peer's backlog full) is path
 * loss, which the receiver sees. Frames that find no free chunk or no ring room are unsent.
 *
 * The shadow UDP socket of raw_common.h is bound too: it keeps the kernel from answering
 * frames that reach the stack anyway with ICMP (before the program is attached, or when the
 * rx ring is full and the program's redirect fails) and reserves the port.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include "nfp.h"
#include "../raw_common.h"

#define AFXDP_UMEM_BYTES (4u << 20) /* fits RLIMIT_MEMLOCK 8 MiB (see above) */
#define AFXDP_BUSY_RETRY_MS 1000    /* how long a bind retries while the queue is still held */
#define AFXDP_KICK_BATCH 32         /* frames the kernel sends per kick in copy mode */
#define AFXDP_DRAIN_NS 100000000ull /* close: how long to wait for the tx ring to empty */
#define AFXDP_NO_FRAME UINT64_MAX

enum chunk_state { CHUNK_FREE, CHUNK_KERNEL, CHUNK_HELD };

/* One queue id's socket and rings. */
struct afxdp_queue {
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
	int fd;
	unsigned in_kernel;    /* receive chunks on its fill or rx ring */
};

struct afxdp_port {
	unsigned dir;
	bool blocking;                 /* --blocking (one queue only): wait for tx room */
	volatile sig_atomic_t *stop;   /* ends a blocking wait */
	struct xsk_umem *umem;
	struct afxdp_queue q[NFP_QUEUES_MAX];
	unsigned nq;           /* --queues */
	unsigned next_rx;      /* the queue the next rx_burst polls first */
	unsigned rx_share;     /* receive chunks each queue may hold in the kernel */
	uint8_t *area;
	uint32_t chunk;        /* bytes per chunk, 2048 or 4096 */
	uint32_t umem_bytes;   /* AFXDP_UMEM_BYTES, or half of it per port of a two-port role */
	unsigned nchunks;      /* umem_bytes / chunk */
	unsigned nrx;          /* chunks [0, nrx) receive, [nrx, nchunks) transmit */
	unsigned garp_chunk;   /* receiving ports: the last chunk, the gratuitous ARP */
	int udp_fd, prog_fd, map_fd, link_fd;
	struct nfp_raw_match match;
	uint32_t payload;      /* --size - 42 */
	uint8_t *state;        /* per chunk: enum chunk_state */
	uint64_t *rx_addr;     /* per chunk: the rx descriptor's address (chunk + offset) */
	uint32_t *rx_flen;     /* per chunk: 14 + IPv4 total length, what an echo sends */
	uint8_t *rx_queue;     /* per chunk: the queue it was received on (an echo leaves by it) */
	uint64_t *rx_free, *tx_free; /* stacks of free chunk addresses */
	unsigned rx_nfree, tx_nfree;
	unsigned *held;        /* chunks returned by the last rx_burst */
	unsigned nheld;
	uint64_t *pending;     /* chunks handed out by the last tx_alloc, not yet sent */
	unsigned npending;
	uint64_t next_announce_ns;
	uint32_t garp_len;
};

/* ---- the XDP program --------------------------------------------------------------------- */

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX(size, d, s, o) INSN(BPF_LDX | BPF_MEM | (size), d, s, o, 0)
#define JNE32(d, imm, o) INSN(BPF_JMP32 | BPF_JNE | BPF_K, d, 0, o, imm)

/* Redirects IPv4 UDP to addr (and to port when the IPv4 header has no options) to the socket
 * of this rx queue in map_fd; everything else, and a queue without a socket, goes on to the
 * kernel (XDP_PASS). Addresses compare as loaded from the frame, in network byte order. */
static int load_program(uint32_t addr, uint16_t port, int map_fd, char *log, size_t log_len)
{
	int32_t eth_ip = (int32_t)htons(ETHERTYPE_IP);
	const struct bpf_insn prog[] = {
		/* 0 */ LDX(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct xdp_md, data)),
		/* 1 */ LDX(BPF_W, BPF_REG_3, BPF_REG_1, offsetof(struct xdp_md, data_end)),
		/* 2 */ INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_2, 0, 0),
		/* 3 */ INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_4, 0, 0, 38), /* to the UDP dport */
		/* 4 */ INSN(BPF_JMP | BPF_JGT | BPF_X, BPF_REG_4, BPF_REG_3, 16, 0), /* short: pass */
		/* 5 */ LDX(BPF_H, BPF_REG_4, BPF_REG_2, 12),
		/* 6 */ JNE32(BPF_REG_4, eth_ip, 14),
		/* 7 */ LDX(BPF_W, BPF_REG_4, BPF_REG_2, 30), /* IPv4 destination */
		/* 8 */ JNE32(BPF_REG_4, (int32_t)addr, 12),
		/* 9 */ LDX(BPF_B, BPF_REG_4, BPF_REG_2, 23), /* protocol */
		/* 10 */ JNE32(BPF_REG_4, IPPROTO_UDP, 10),
		/* 11 */ LDX(BPF_B, BPF_REG_4, BPF_REG_2, 14),
		/* 12 */ JNE32(BPF_REG_4, 0x45, 2), /* IPv4 options: user space decides */
		/* 13 */ LDX(BPF_H, BPF_REG_4, BPF_REG_2, 36), /* UDP destination port */
		/* 14 */ JNE32(BPF_REG_4, port, 6),
		/* 15 */ LDX(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct xdp_md, rx_queue_index)),
		/* 16 */ INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map_fd),
		/* 17 */ INSN(0, 0, 0, 0, 0),
		/* 18 */ INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, XDP_PASS), /* no socket */
		/* 19 */ INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_redirect_map),
		/* 20 */ INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		/* 21 */ INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS),
		/* 22 */ INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_XDP, .log_buf = log,
		    .log_size = (uint32_t)log_len, .log_level = 1);
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "nfp_xsk", "GPL", prog,
			       sizeof(prog) / sizeof(prog[0]), &opts);

	return fd < 0 ? -errno : fd;
}

/* ---- set-up ------------------------------------------------------------------------------ */

static void afxdp_poll(struct nfp_port *port, uint64_t now);
static void refill(struct afxdp_port *p);

/* The UMEM (registered, so pinned) and a socket on each queue 0..nq-1 sharing it, bound in
 * copy mode. Every socket has a tx ring (a receiver sends its gratuitous ARP from queue 0's);
 * only receivers have rx rings. */
static int create_sockets(struct afxdp_port *p, const struct nfp_port_spec *spec, bool own_prog,
			  struct nfp_err *err)
{
	struct xsk_umem_config uc = {
		.fill_size = p->nchunks,
		.comp_size = p->nchunks,
		.frame_size = p->chunk,
		.frame_headroom = 0,
		.flags = 0,
	};
	struct xsk_socket_config sc = {
		.rx_size = p->nchunks,
		.tx_size = p->nchunks,
		.libxdp_flags = own_prog ? XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD : 0,
		.xdp_flags = 0, /* libxdp's program: native if the driver has it, else generic */
		.bind_flags = XDP_COPY,
	};
	int rc = xsk_umem__create(&p->umem, p->area, p->umem_bytes, &p->q[0].fill, &p->q[0].comp,
				  &uc);

	if (rc)
		return nfp_err_set(err, rc < 0 ? rc : -rc, "af-xdp: registering a %u-byte UMEM: "
				   "%s (locked memory: `ulimit -l` must allow it and the rings)",
				   p->umem_bytes, strerror(rc < 0 ? -rc : rc));
	for (unsigned i = 0; i < p->nq; i++) {
		struct afxdp_queue *q = &p->q[i];

		/* The kernel releases a closed AF_XDP socket's hold on the queue in deferred work,
		 * so a bind right after another app's exit on the same interface (back-to-back
		 * cases) can see EBUSY for a few milliseconds: retry that for up to
		 * AFXDP_BUSY_RETRY_MS. */
		for (int waited = 0;; waited += 10) {
			rc = xsk_socket__create_shared(&q->xsk, spec->ifname, i, p->umem,
						       (p->dir & NFP_PORT_RX) ? &q->rx : NULL,
						       &q->tx, &q->fill, &q->comp, &sc);
			if ((rc != -EBUSY && rc != EBUSY) || waited >= AFXDP_BUSY_RETRY_MS)
				break;
			nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		}
		if (rc) {
			q->xsk = NULL;
			return nfp_err_set(err, rc < 0 ? rc : -rc, "%sifname %s: AF_XDP socket on "
					   "queue %u (copy mode): %s", spec->opt_prefix, spec->ifname,
					   i, strerror(rc < 0 ? -rc : rc));
		}
		q->fd = xsk_socket__fd(q->xsk);
	}
	return 0;
}

static void delete_socket(struct afxdp_port *p)
{
	if (p->link_fd >= 0)
		close(p->link_fd); /* detaches our program */
	if (p->prog_fd >= 0)
		close(p->prog_fd);
	for (unsigned i = p->nq; i-- > 0;) { /* queue 0's socket holds the UMEM's descriptor */
		if (p->q[i].xsk)
			xsk_socket__delete(p->q[i].xsk);
		p->q[i].xsk = NULL;
		p->q[i].fd = -1;
	}
	if (p->map_fd >= 0)
		close(p->map_fd);
	if (p->umem)
		xsk_umem__delete(p->umem);
	p->link_fd = p->prog_fd = p->map_fd = -1;
	p->umem = NULL;
}

/* Our program, its map holding each queue's socket (key: the queue id), attached by a link:
 * native, else generic. */
static int attach_own_program(struct afxdp_port *p, const struct nfp_port_spec *spec,
			      struct nfp_err *err)
{
	static const uint32_t modes[] = { XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE };
	char log[4096] = "";
	int rc = 0;

	p->map_fd = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "nfp_xsks", 4, 4, p->nq, NULL);
	if (p->map_fd < 0)
		return nfp_err_set(err, -errno, "af-xdp: XSKMAP: %s", strerror(errno));
	p->prog_fd = load_program(p->match.addr, p->match.port, p->map_fd, log, sizeof(log));
	if (p->prog_fd < 0)
		return nfp_err_set(err, p->prog_fd, "af-xdp: loading the XDP program: %s%s%.200s",
				   strerror(-p->prog_fd), log[0] ? ": " : "", log);
	for (unsigned i = 0; i < p->nq; i++)
		if ((rc = xsk_socket__update_xskmap(p->q[i].xsk, p->map_fd)) < 0)
			return nfp_err_set(err, rc, "af-xdp: XSKMAP update: %s", strerror(-rc));
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = modes[i]);
		p->link_fd = bpf_link_create(p->prog_fd, (int)spec->ifindex, BPF_XDP, &lo);
		if (p->link_fd >= 0)
			return 0;
		rc = -errno;
		if (rc == -EBUSY || rc == -EEXIST)
			break;
	}
	return nfp_err_set(err, rc, "%sifname %s: attaching the XDP program: %s%s",
			   spec->opt_prefix, spec->ifname,
			   strerror(-rc), rc == -EBUSY || rc == -EEXIST
			   ? " (another XDP program is attached: `ip link set dev IF xdp off`)" : "");
}

/* --queues N needs N receive and N transmit queues on the interface (an XSK binds to a queue
 * id below both counts). Asked through ethtool's channels, which veth and NIC drivers answer;
 * an interface that does not is left to the bind's error. */
static int check_queues(int fd, unsigned nq, const struct nfp_port_spec *spec, struct nfp_err *err)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", spec->ifname);
	ifr.ifr_data = (void *)&ch;
	if (nq <= 1 || ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		return 0;
	if (ch.rx_count + ch.combined_count >= nq && ch.tx_count + ch.combined_count >= nq)
		return 0;
	return nfp_err_set(err, -EINVAL, "--queues %u: %sifname %s has %u receive and %u transmit "
			   "queues (a veth is made with them: ip link add ... numrxqueues %u "
			   "numtxqueues %u type veth ...)", nq, spec->opt_prefix, spec->ifname,
			   ch.rx_count + ch.combined_count, ch.tx_count + ch.combined_count, nq, nq);
}

static int afxdp_open(struct nfp_port *port, const struct nfp_config *cfg,
		      const struct nfp_port_spec *spec, unsigned dir,
		      struct nfp_err *err)
{
	const bool rx = dir & NFP_PORT_RX, tx = dir & NFP_PORT_TX;
	struct afxdp_port *p = calloc(1, sizeof(*p));
	uint32_t largest;
	int rc = 0, mtu = 0;

	if (!p)
		return nfp_err_set(err, -ENOMEM, "af-xdp: out of memory");
	port->priv = p;
	p->dir = dir;
	p->blocking = cfg->blocking;
	p->stop = port->stop;
	p->udp_fd = p->prog_fd = p->map_fd = p->link_fd = -1;
	p->nq = cfg->queues;
	for (unsigned i = 0; i < NFP_QUEUES_MAX; i++)
		p->q[i].fd = -1;
	p->payload = nfp_payload_bytes(cfg);
	p->umem_bytes = nfp_two_ports(cfg) ? AFXDP_UMEM_BYTES / 2 : AFXDP_UMEM_BYTES;
	memcpy(p->match.mac, spec->local_mac, 6);
	if ((rc = nfp_raw_shadow_socket(spec, "af-xdp", &p->udp_fd, &p->match, err)) < 0 ||
	    (mtu = nfp_raw_check_mtu(p->udp_fd, cfg, spec, err)) < 0 ||
	    (rc = check_queues(p->udp_fd, p->nq, spec, err)) < 0)
		return mtu < 0 ? mtu : rc;

	/* Chunk size: a received frame starts after XDP_PACKET_HEADROOM (256) in copy mode, and
	 * the kernel drops one longer than the rest of its chunk. A receiver takes any frame the
	 * interface's MTU allows, up to the largest chunk. */
	largest = cfg->frame_bytes;
	if (rx && (uint32_t)mtu + NFP_ETH_LEN > largest)
		largest = (uint32_t)mtu + NFP_ETH_LEN;
	p->chunk = largest <= 2048 - XDP_PACKET_HEADROOM ? 2048 : 4096;
	if (cfg->frame_bytes > p->chunk - XDP_PACKET_HEADROOM)
		return nfp_err_set(err, -EMSGSIZE, "--size %u: af-xdp carries at most %u bytes "
				   "per frame (one 4096-byte UMEM chunk less the XDP headroom); "
				   "lower --size", cfg->frame_bytes, 4096 - XDP_PACKET_HEADROOM);
	p->nchunks = p->umem_bytes / p->chunk;
	p->nrx = rx ? (tx ? p->nchunks / 2 : p->nchunks) : 0; /* a server echoes rx chunks */
	p->state = calloc(p->nchunks, 1);
	p->rx_addr = calloc(p->nchunks, sizeof(*p->rx_addr));
	p->rx_flen = calloc(p->nchunks, sizeof(*p->rx_flen));
	p->rx_queue = calloc(p->nchunks, sizeof(*p->rx_queue));
	p->rx_free = calloc(p->nchunks, sizeof(*p->rx_free));
	p->tx_free = calloc(p->nchunks, sizeof(*p->tx_free));
	p->held = calloc(p->nchunks, sizeof(*p->held));
	p->pending = calloc(p->nchunks, sizeof(*p->pending));
	if (!p->state || !p->rx_addr || !p->rx_flen || !p->rx_queue || !p->rx_free ||
	    !p->tx_free || !p->held || !p->pending)
		return nfp_err_set(err, -ENOMEM, "af-xdp: out of memory");

	p->area = mmap(NULL, p->umem_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p->area == MAP_FAILED) {
		p->area = NULL;
		return nfp_err_set(err, -errno, "af-xdp: mmap %u bytes: %s", p->umem_bytes,
				   strerror(errno));
	}
	/* Chunks: receive ones to the fill ring (all but the ARP chunk), transmit ones with
	 * their headers written now. */
	if (rx) {
		p->garp_chunk = p->nrx - 1;
		p->rx_share = p->garp_chunk / p->nq;
		for (unsigned i = 0; i < p->garp_chunk; i++)
			p->rx_free[p->rx_nfree++] = (uint64_t)i * p->chunk;
		nfp_raw_garp(p->area + (size_t)p->garp_chunk * p->chunk, spec->local_mac,
			     p->match.addr);
		p->garp_len = NFP_GARP_LEN;
	}
	for (unsigned i = p->nrx; i < p->nchunks; i++) {
		p->tx_free[p->tx_nfree++] = (uint64_t)i * p->chunk;
		nfp_raw_header(p->area + (size_t)i * p->chunk, spec->remote_mac, spec->local_mac,
			       p->match.addr, spec->remote.sin_addr.s_addr, p->match.port,
			       spec->remote.sin_port, p->payload);
	}

	if ((rc = create_sockets(p, spec, true, err)) < 0)
		return rc;
	if (!rx)
		return 0; /* transmit only: no program needed */
	if ((rc = attach_own_program(p, spec, err)) < 0) {
		fprintf(stderr, NFP_APP_NAME ": note: %s; using libxdp's default XDP program, "
			"which takes every frame of our queues (ARP too: kernel senders need a static "
			"neighbour entry for this address)\n", err->msg);
		delete_socket(p);
		if ((rc = create_sockets(p, spec, false, err)) < 0)
			return rc;
	}
	port->wait_fd = p->q[0].fd; /* POLLIN: the rx ring has descriptors (--blocking: one queue) */
	refill(p); /* frames may arrive before the first rx_burst (a tester sends first) */
	afxdp_poll(port, nfp_now_ns()); /* announce our MAC now, then every 2 s */
	return 0;
}

/* ---- the hot path ------------------------------------------------------------------------ */

/* Completed transmissions of every queue: each chunk back to the stack it came from. */
static void reclaim(struct afxdp_port *p)
{
	for (unsigned qi = 0; qi < p->nq; qi++) {
		struct afxdp_queue *q = &p->q[qi];
		uint32_t idx;
		unsigned n = xsk_ring_cons__peek(&q->comp, p->nchunks, &idx);

		for (unsigned i = 0; i < n; i++) {
			uint64_t addr = *xsk_ring_cons__comp_addr(&q->comp, idx + i);
			unsigned c = (unsigned)(addr / p->chunk);

			p->state[c] = CHUNK_FREE;
			if (c >= p->nrx)
				p->tx_free[p->tx_nfree++] = (uint64_t)c * p->chunk;
			else if (c != p->garp_chunk || !(p->dir & NFP_PORT_RX))
				p->rx_free[p->rx_nfree++] = (uint64_t)c * p->chunk;
		}
		if (n)
			xsk_ring_cons__release(&q->comp, n);
	}
}

static unsigned tx_outstanding(struct afxdp_queue *q)
{
	return q->tx.size - xsk_prod_nb_free(&q->tx, q->tx.size);
}

/* Copy mode sends only when kicked, AFXDP_KICK_BATCH frames per kick: kick each queue until its
 * ring is empty or a kick makes no progress (the device is busy; what is left goes with the
 * next kick). Returns 0 or a hard error. */
static int kick(struct afxdp_port *p)
{
	for (unsigned qi = 0; qi < p->nq; qi++) {
		struct afxdp_queue *q = &p->q[qi];
		unsigned left = tx_outstanding(q);

		while (left) {
			unsigned now;

			if (sendto(q->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0) {
				int e = errno;
				/* EAGAIN: batch done or busy; EBUSY: one frame dropped on the way;
				 * ENOBUFS: no room in the completion ring (reclaimed below). */
				if (e != EAGAIN && e != EWOULDBLOCK && e != EBUSY && e != ENOBUFS &&
				    e != EINTR && e != ENETDOWN)
					return -e;
			}
			now = tx_outstanding(q);
			if (now >= left)
				break;
			left = now;
		}
	}
	return 0;
}

/* --blocking (one queue: options.c refuses it with more): kick and sleep in poll() (the socket
 * is writable again when the kernel has completed frames) until `room()` holds or a signal
 * stops the run. Copy mode completes on the kick itself, so this waits only while the device
 * is busy. */
static void wait_tx(struct afxdp_port *p, bool (*room)(struct afxdp_port *, unsigned),
		    unsigned want)
{
	struct pollfd pfd = { .fd = p->q[0].fd, .events = POLLOUT };

	while (!room(p, want) && !*p->stop) {
		if (kick(p) < 0)
			return;
		reclaim(p);
		if (!room(p, want))
			poll(&pfd, 1, 10);
	}
}

static bool has_free_chunks(struct afxdp_port *p, unsigned want)
{
	return p->tx_nfree >= want;
}

static bool has_ring_room(struct afxdp_port *p, unsigned want)
{
	return xsk_prod_nb_free(&p->q[0].tx, want) >= want;
}

static void give_back_pending(struct afxdp_port *p, unsigned from)
{
	for (unsigned i = from; i < p->npending; i++)
		p->tx_free[p->tx_nfree++] = p->pending[i];
	p->npending = 0;
}

static unsigned afxdp_tx_alloc(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n)
{
	struct afxdp_port *p = port->priv;

	give_back_pending(p, 0); /* a tx_alloc that was never sent */
	reclaim(p);
	if (p->blocking) /* all the tx chunks at most: a burst may be larger */
		wait_tx(p, has_free_chunks, n < p->nchunks - p->nrx ? n : p->nchunks - p->nrx);
	if (n > p->tx_nfree)
		n = p->tx_nfree;
	for (unsigned i = 0; i < n; i++) {
		uint64_t addr = p->tx_free[--p->tx_nfree];
		p->pending[i] = addr;
		pkts[i] = (struct nfp_pkt){ .data = p->area + addr + NFP_RAW_HDR, .len = p->payload };
	}
	p->npending = n;
	return n;
}

/* Places up to n frames, frame i on the tx ring of queue qs[i]: as many as the rings take in
 * order (the accepted frames are a prefix), reserving their slots; idx[q] is then queue q's next
 * slot. Returns how many; submit() publishes them. */
static unsigned reserve_prefix(struct afxdp_port *p, const uint8_t *qs, unsigned n,
			       uint32_t need[], uint32_t idx[])
{
	unsigned i;

	memset(need, 0, p->nq * sizeof(*need));
	for (i = 0; i < n; i++) {
		struct afxdp_queue *q = &p->q[qs[i]];

		if (xsk_prod_nb_free(&q->tx, need[qs[i]] + 1) < need[qs[i]] + 1)
			break; /* no room: this frame and the rest are unsent */
		need[qs[i]]++;
	}
	for (unsigned qi = 0; qi < p->nq; qi++)
		if (need[qi])
			xsk_ring_prod__reserve(&p->q[qi].tx, need[qi], &idx[qi]);
	return i;
}

static void submit(struct afxdp_port *p, const uint32_t need[])
{
	for (unsigned qi = 0; qi < p->nq; qi++)
		if (need[qi])
			xsk_ring_prod__submit(&p->q[qi].tx, need[qi]);
}

/* A frame's transmit queue (a sender's pkts[i].queue), or 0 past this port's queues. */
static inline uint8_t queue_of(const struct afxdp_port *p, uint16_t queue)
{
	return queue < p->nq ? (uint8_t)queue : 0;
}

static int afxdp_tx_send(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n)
{
	struct afxdp_port *p = port->priv;
	uint32_t need[NFP_QUEUES_MAX], idx[NFP_QUEUES_MAX];
	uint8_t qs[NFP_BURST_MAX];
	int rc;

	if (n > p->npending)
		n = p->npending;
	for (unsigned i = 0; i < n; i++)
		qs[i] = queue_of(p, pkts[i].queue);
	n = reserve_prefix(p, qs, n, need, idx);
	for (unsigned i = 0; i < n; i++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&p->q[qs[i]].tx, idx[qs[i]]++);
		uint8_t *f = pkts[i].data - NFP_RAW_HDR;

		nfp_raw_tx_fix(f, &pkts[i]);
		d->addr = (uint64_t)(f - p->area);
		d->len = pkts[i].len + NFP_RAW_HDR;
		d->options = 0;
		p->state[d->addr / p->chunk] = CHUNK_KERNEL;
	}
	submit(p, need);
	give_back_pending(p, n);
	rc = kick(p);
	return rc < 0 ? rc : (int)n;
}

/* Gives the last burst's chunks that were not echoed back to the fill stack, and from it each
 * queue's fill ring up to the queue's share of the receive chunks. */
static void refill(struct afxdp_port *p)
{
	for (unsigned i = 0; i < p->nheld; i++) {
		unsigned c = p->held[i];
		if (p->state[c] == CHUNK_HELD) {
			p->state[c] = CHUNK_FREE;
			p->rx_free[p->rx_nfree++] = (uint64_t)c * p->chunk;
		}
	}
	p->nheld = 0;
	for (unsigned qi = 0; qi < p->nq && p->rx_nfree; qi++) {
		struct afxdp_queue *q = &p->q[qi];
		unsigned n = p->rx_share - q->in_kernel;
		uint32_t idx;

		if (n > p->rx_nfree)
			n = p->rx_nfree;
		n = xsk_prod_nb_free(&q->fill, n) < n ? xsk_prod_nb_free(&q->fill, n) : n;
		if (!n || xsk_ring_prod__reserve(&q->fill, n, &idx) != n)
			continue;
		for (unsigned i = 0; i < n; i++) {
			uint64_t addr = p->rx_free[--p->rx_nfree];
			p->state[addr / p->chunk] = CHUNK_KERNEL;
			*xsk_ring_prod__fill_addr(&q->fill, idx + i) = addr;
		}
		xsk_ring_prod__submit(&q->fill, n);
		q->in_kernel += n;
	}
}

/* Up to n frames from queue qi's rx ring into pkts (tagged with the queue). */
static unsigned rx_from_queue(struct afxdp_port *p, unsigned qi, struct nfp_pkt *pkts, unsigned n)
{
	struct afxdp_queue *q = &p->q[qi];
	unsigned got, out = 0;
	uint32_t idx;

	got = xsk_ring_cons__peek(&q->rx, n, &idx);
	for (unsigned i = 0; i < got; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx, idx + i);
		unsigned c = (unsigned)(d->addr / p->chunk);
		uint8_t *f = p->area + d->addr;
		uint32_t off, plen, flen;

		p->state[c] = CHUNK_HELD;
		p->held[p->nheld++] = c;
		if (!nfp_raw_payload(&p->match, f, d->len, false, &off, &plen, &flen))
			continue;
		p->rx_addr[c] = d->addr;
		p->rx_flen[c] = flen;
		p->rx_queue[c] = (uint8_t)qi;
		pkts[out] = (struct nfp_pkt){ .data = f + off, .len = plen, .queue = (uint16_t)qi };
		out++;
	}
	if (got) {
		xsk_ring_cons__release(&q->rx, got);
		q->in_kernel -= got;
	}
	return out;
}

/* The queues round robin, one further each call: up to n frames in all. */
static int afxdp_rx_burst(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n)
{
	struct afxdp_port *p = port->priv;
	unsigned out = 0, first = p->next_rx;

	if (p->dir & NFP_PORT_ECHO)
		reclaim(p); /* echoed chunks come back to receive through the completion ring */
	refill(p);
	for (unsigned k = 0; k < p->nq && out < n; k++) {
		unsigned qi = first + k < p->nq ? first + k : first + k - p->nq;
		out += rx_from_queue(p, qi, pkts + out, n - out);
	}
	p->next_rx = first + 1 < p->nq ? first + 1 : 0;
	return (int)out;
}

/* Echoes go out of the rx chunks themselves, headers swapped in place, each by the queue it came
 * in on; the completion ring gives them back to receive. */
static int afxdp_tx_echo(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n)
{
	struct afxdp_port *p = port->priv;
	uint32_t need[NFP_QUEUES_MAX], idx[NFP_QUEUES_MAX];
	unsigned cs[NFP_BURST_MAX];
	uint8_t qs[NFP_BURST_MAX];
	int rc;

	if (p->blocking)
		wait_tx(p, has_ring_room, n < p->q[0].tx.size ? n : p->q[0].tx.size);
	for (unsigned i = 0; i < n; i++) {
		cs[i] = (unsigned)((size_t)(pkts[i].data - p->area) / p->chunk);
		qs[i] = p->rx_queue[cs[i]];
	}
	n = reserve_prefix(p, qs, n, need, idx);
	for (unsigned i = 0; i < n; i++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&p->q[qs[i]].tx, idx[qs[i]]++);
		unsigned c = cs[i];

		nfp_raw_swap(p->area + p->rx_addr[c]);
		d->addr = p->rx_addr[c];
		d->len = p->rx_flen[c];
		d->options = 0;
		p->state[c] = CHUNK_KERNEL;
	}
	submit(p, need);
	rc = kick(p);
	return rc < 0 ? rc : (int)n;
}

/* Receivers announce their MAC every NFP_RAW_ANNOUNCE_NS from the ARP chunk (raw_common.h), by
 * queue 0. */
static void afxdp_poll(struct nfp_port *port, uint64_t now)
{
	struct afxdp_port *p = port->priv;
	struct xsk_ring_prod *tx = &p->q[0].tx;
	uint32_t idx;

	if (!(p->dir & NFP_PORT_RX) || now < p->next_announce_ns)
		return;
	p->next_announce_ns = now + NFP_RAW_ANNOUNCE_NS;
	reclaim(p);
	/* Best effort, counted nowhere: skipped while the last one is still in the kernel. */
	if (p->state[p->garp_chunk] != CHUNK_FREE || xsk_ring_prod__reserve(tx, 1, &idx) != 1)
		return;
	xsk_ring_prod__tx_desc(tx, idx)->addr = (uint64_t)p->garp_chunk * p->chunk;
	xsk_ring_prod__tx_desc(tx, idx)->len = p->garp_len;
	xsk_ring_prod__tx_desc(tx, idx)->options = 0;
	p->state[p->garp_chunk] = CHUNK_KERNEL;
	xsk_ring_prod__submit(tx, 1);
	kick(p);
}

static bool any_outstanding(struct afxdp_port *p)
{
	for (unsigned qi = 0; qi < p->nq; qi++)
		if (p->q[qi].xsk && tx_outstanding(&p->q[qi]))
			return true;
	return false;
}

static void afxdp_close(struct nfp_port *port)
{
	struct afxdp_port *p = port->priv;
	struct xdp_statistics sum = { 0 };

	if (!p)
		return;
	for (unsigned qi = 0; qi < p->nq && (p->dir & NFP_PORT_RX); qi++) {
		/* Frames the kernel dropped before we could see them are path loss to the roles;
		 * say where they went, for whoever reads stderr. */
		struct xdp_statistics xs;
		socklen_t len = sizeof(xs);
		if (p->q[qi].xsk &&
		    getsockopt(p->q[qi].fd, SOL_XDP, XDP_STATISTICS, &xs, &len) == 0) {
			sum.rx_dropped += xs.rx_dropped;
			sum.rx_ring_full += xs.rx_ring_full;
			sum.rx_fill_ring_empty_descs += xs.rx_fill_ring_empty_descs;
		}
	}
	if (sum.rx_dropped || sum.rx_ring_full || sum.rx_fill_ring_empty_descs)
		fprintf(stderr, NFP_APP_NAME ": note: af-xdp: the kernel dropped %llu frames "
			"(rx ring full %llu, fill ring empty %llu)\n",
			(unsigned long long)sum.rx_dropped, (unsigned long long)sum.rx_ring_full,
			(unsigned long long)sum.rx_fill_ring_empty_descs);
	if (p->q[0].xsk) {
		/* Frames accepted on the rings go out before the sockets close. */
		uint64_t deadline = nfp_now_ns() + AFXDP_DRAIN_NS;
		while (any_outstanding(p) && nfp_now_ns() < deadline)
			if (kick(p) < 0)
				break;
	}
	delete_socket(p);
	if (p->area)
		munmap(p->area, p->umem_bytes);
	if (p->udp_fd >= 0)
		close(p->udp_fd);
	free(p->state);
	free(p->rx_addr);
	free(p->rx_flen);
	free(p->rx_queue);
	free(p->rx_free);
	free(p->tx_free);
	free(p->held);
	free(p->pending);
	free(p);
	port->priv = NULL;
}

const struct nfp_backend backend_af_xdp = {
	.name = "af-xdp",
	.flags = NFP_BACKEND_L2 | NFP_BACKEND_IFNAME | NFP_BACKEND_QUEUES,
	.open = afxdp_open,
	.tx_alloc = afxdp_tx_alloc,
	.tx_send = afxdp_tx_send,
	.rx_burst = afxdp_rx_burst,
	.tx_echo = afxdp_tx_echo,
	.poll = afxdp_poll,
	.close = afxdp_close,
};
