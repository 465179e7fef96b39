/* dpdk.c — a DPDK port from a --vdev (virtio_user, net_vhost, net_memif, net_af_xdp,
 * net_af_packet, …), --queues N rx and N tx queues (default 1), polled by the role's thread. A two-port role
 * (tester, forwarder) has two, --vdev and --rx-vdev, in one EAL. Frames are built and
 * filtered as for raw (raw_common.h); only the way they move differs.
 *
 * EAL. Once per process, by the first port's open (with every --vdev of the config: EAL probes
 * virtual devices only at init), cleaned up by the last port's close. The app builds the EAL
 * argv itself, from checked options only (nothing passes through a shell): -l <--cpu,
 * default 0> --no-pci --file-prefix P --vdev SPEC [--vdev RXSPEC], then --in-memory
 * --single-file-segments (hugepages from memfd: no hugetlbfs mount needed, no files left, and
 * few enough memory regions for vhost-user's limit of 8; -m --mem-mb when given) or --no-huge -m --mem-mb --no-shconf
 * (--in-memory is refused with --no-huge; --no-shconf keeps the config in memory); net_memif
 * needs EAL's shared files (see needs_ipc); then --no-telemetry --log-level=warning. EAL logs
 * go to stderr (stdout carries only JSON). SIGPIPE is ignored (a socket peer that leaves must
 * not kill us). EAL pins
 * the thread to its lcore; without --cpu the thread's former CPU set is restored, so the start
 * line's "cpu": null stays true.
 *
 * The port. The Ethernet port its --vdev made (found by the device's name): N rx + N tx queues
 * of DPDK_RING descriptors, promiscuous (our filter is raw_common's), --local-mac set as its MAC when given
 * (a PMD that refuses keeps its own, with a note: our frames and filter use --local-mac
 * anyway), started, then open waits for the link (a vhost/memif peer connecting) until
 * DPDK_LINK_WAIT_MS or a signal. So the start line appears only once the port is up. A
 * client-side vdev (virtio_user without server=1, a memif client) first waits the same way for
 * its server's socket to appear, so the two ends can be started in any order.
 *
 * Buffers. One mbuf pool per port whose data room holds a whole --size frame (and at least 2048 bytes).
 * tx_alloc takes fresh mbufs and writes the 42 header bytes (mbufs return to the shared pool
 * and may come back as received frames, so the header cannot be written once); tx_send hands
 * them to rte_eth_tx_burst and frees what it did not accept (unsent). Received mbufs stay the
 * role's until the next rx_burst; tx_echo swaps their headers in place and sends them.
 * Receivers announce their MAC (gratuitous ARP) at open and every 2 s, as raw does.
 *
 * Queues (--queues N). The device must offer N queue pairs, which the --vdev asks for (the app
 * passes --vdev through unchanged): net_af_packet qpairs=N (N packet sockets in one fanout
 * group: the kernel hashes each flow to one), net_af_xdp queue_count=N (an XSK per queue id;
 * DPDK 22.11's PMD counts only the interface's combined channels, which a veth has none of, so
 * on a veth it refuses N > 1 at probe: use net_af_packet or the af-xdp backend there),
 * virtio_user and net_vhost queues=N (virtio tx queue q feeds vhost rx queue q), net_memif (its
 * queues are negotiated with the peer, which opens as many: --queues on both ends). The port is configured with N rx and N tx queues, RSS on the IP/UDP hash when the
 * PMD offers it (the kernel-backed PMDs steer in the kernel and offer none). rx_burst polls the
 * N rx queues round robin (one further each call), tagging each frame with its queue. A
 * sender's frame goes out of pkts[i].queue (tuple t on t mod N, traffic.h); echoes and forwarded
 * frames leave by the queue they came in on. Accepted frames must be a prefix (the sender reuses
 * the sequence numbers of the rest) and a PMD may take part of a burst, so frames go out in
 * runs of consecutive frames of one queue, one tx_burst per run, stopping at the first run not
 * taken whole: with tuples alternating queues a run is one frame (a system call each for
 * net_af_packet and net_af_xdp) — exactness bought with calls; one queue is one call as before.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nfp.h"
#include "../raw_common.h"

#define DPDK_RING 1024           /* rx and tx descriptors */
#define DPDK_POOL_MBUFS 8191     /* rings + a burst in the role's hands + the caches */
#define DPDK_POOL_CACHE 256
#define DPDK_MIN_ROOM 2048       /* mbuf data room, at least (bigger for a larger --size) */
#define DPDK_TX_LINGER_MS 300    /* a sender's port stays up after its last frame (close) */
#define DPDK_MEMIF_PEER_WAIT_MS 3000 /* a memif client waits this long for its server to leave */
#define DPDK_LINK_WAIT_MS 60000  /* a peer may take a while: --no-huge EAL init is ~13 s */
#define DPDK_LINK_POLL_MS 10

struct dpdk_port;

/* The process's EAL: up once, shared by the ports. */
static struct {
	unsigned users; /* ports open (or opening) on it */
	bool up;
	/* Ports started whose link is not awaited yet: each port's link may need the peer to
	 * start a port of its own first (a tester and a forwarder, each waiting for the link of
	 * its receive port, would wait for each other), so the link of every port of the process
	 * is awaited once all of them are started. */
	struct dpdk_port *unlinked[2];
	unsigned nunlinked;
} eal;

struct dpdk_port {
	const struct nfp_port_spec *spec;
	unsigned dir;
	bool eal_user, port_started, port_configured;
	uint16_t port_id;
	struct rte_mempool *pool;
	struct nfp_raw_match match;
	uint32_t payload;                 /* --size - 42 */
	uint8_t tmpl[NFP_RAW_HDR];        /* the header of every frame we send */
	struct rte_mbuf *tx[NFP_BURST_MAX]; /* from the last tx_alloc, not yet sent */
	unsigned ntx;
	bool sent_any;                    /* tx_send moved a frame: linger at close (below) */
	bool memif_client;                /* net_memif, client role: the server leaves first (close) */
	struct rte_mbuf *rx[NFP_BURST_MAX]; /* the last rx_burst's; NULL once echoed */
	uint32_t rx_flen[NFP_BURST_MAX];  /* 14 + IPv4 total length: what an echo sends */
	uint8_t rx_q[NFP_BURST_MAX];      /* the queue each came in on */
	unsigned nrx, rx_hint;
	uint16_t nq, next_rx;             /* --queues; the queue the next rx_burst polls first */
	uint8_t garp[NFP_GARP_LEN];
	uint64_t next_announce_ns;
};

/* ---- set-up ------------------------------------------------------------------------------ */

/* The ports of the config: one, or a two-port role's two. */
static unsigned config_ports(const struct nfp_config *cfg, const struct nfp_port_spec *ports[2])
{
	ports[0] = &cfg->port;
	ports[1] = &cfg->rx_port;
	return nfp_two_ports(cfg) ? 2 : 1;
}

static bool is_memif(const struct nfp_port_spec *spec)
{
	return strncmp(spec->vdev, "net_memif", 9) == 0;
}

/* net_memif registers a multi-process IPC action at probe, which fails (and so does the probe)
 * when EAL runs without shared files (--in-memory, --no-shconf). For it EAL keeps its files in
 * /var/run/dpdk/<prefix> (removed at close) and, with hugepages, needs a hugetlbfs mount. */
static bool needs_ipc(const struct nfp_config *cfg)
{
	const struct nfp_port_spec *ports[2];
	unsigned n = config_ports(cfg, ports);

	for (unsigned i = 0; i < n; i++)
		if (is_memif(ports[i]))
			return true;
	return false;
}

/* The EAL argv, from checked options; the strings live in bufs. */
struct eal_args {
	char *argv[24];
	int argc;
	char lcore[16], prefix[80], vdev[2][520], mem[16];
};

static void eal_args_build(struct eal_args *a, const struct nfp_config *cfg)
{
	const struct nfp_port_spec *ports[2];

	a->argc = 0;
	snprintf(a->lcore, sizeof(a->lcore), "%d", cfg->cpu >= 0 ? cfg->cpu : 0);
	snprintf(a->prefix, sizeof(a->prefix), "%s", cfg->file_prefix);
	snprintf(a->mem, sizeof(a->mem), "%u", cfg->mem_mb);
#define ARG(s) (a->argv[a->argc++] = (char *)(s))
	ARG(NFP_APP_NAME);
	ARG("-l");
	ARG(a->lcore);
	ARG("--no-pci");
	ARG("--file-prefix");
	ARG(a->prefix);
	for (unsigned i = 0, n = config_ports(cfg, ports); i < n; i++) {
		snprintf(a->vdev[i], sizeof(a->vdev[i]), "%s", ports[i]->vdev);
		ARG("--vdev");
		ARG(a->vdev[i]);
	}
	if (cfg->no_huge) { /* --in-memory is refused with --no-huge; --no-shconf: no files */
		ARG("--no-huge");
		ARG("-m");
		ARG(a->mem);
		if (!needs_ipc(cfg))
			ARG("--no-shconf");
	} else {
		if (!needs_ipc(cfg))
			ARG("--in-memory");
		ARG("--single-file-segments");
		/* All of it at start: the memory table a vhost-user switch gets when the port starts
		 * then covers every buffer. Memory added later is announced in a new table that a
		 * switch reading its socket only now and then (Snabb: every 500 ms) has not read when
		 * the first buffers from it arrive, and Snabb dies of it ("mapping to host address
		 * failed"). */
		if (cfg->mem_given) {
			ARG("-m");
			ARG(a->mem);
		}
	}
	ARG("--no-telemetry");
	ARG("--log-level=warning");
	a->argv[a->argc] = NULL;
#undef ARG
}

static int eal_init(struct dpdk_port *p, const struct nfp_config *cfg, struct nfp_err *err)
{
	struct eal_args a;
	cpu_set_t before;
	bool restore;

	p->eal_user = true;
	if (eal.users++)
		return eal.up ? 0 : nfp_err_set(err, -EIO, "--backend dpdk: EAL init failed");
	eal_args_build(&a, cfg);
	rte_openlog_stream(stderr); /* before init: EAL's own default is stdout */
	restore = cfg->cpu < 0 && sched_getaffinity(0, sizeof(before), &before) == 0;
	if (rte_eal_init(a.argc, a.argv) < 0)
		return nfp_err_set(err, -(rte_errno ? rte_errno : EINVAL),
				   "--backend dpdk: EAL init failed: %s (--vdev %s%s)",
				   rte_strerror(rte_errno), cfg->port.vdev,
				   cfg->no_huge ? "" : "; no hugepages? try --no-huge");
	eal.up = true;
	if (restore)
		sched_setaffinity(0, sizeof(before), &before);
	return 0;
}

/* The Ethernet port the vdev made: named as the device (the text before its first ','). */
static int find_port(struct dpdk_port *p, const struct nfp_port_spec *spec, struct nfp_err *err)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t n = strcspn(spec->vdev, ",");

	snprintf(name, sizeof(name), "%.*s", (int)n, spec->vdev);
	if (rte_eth_dev_get_port_by_name(name, &p->port_id) == 0)
		return 0;
	return nfp_err_set(err, -ENODEV, "%svdev %s: no Ethernet port %s (the driver failed to "
			   "probe: see the messages above; or it is not a net_ driver)",
			   spec->opt_prefix, spec->vdev, name);
}

static int port_setup(struct dpdk_port *p, const struct nfp_config *cfg,
		      const struct nfp_port_spec *spec, struct nfp_err *err)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nrxd = DPDK_RING, ntxd = DPDK_RING;
	uint32_t mtu = cfg->frame_bytes - NFP_ETH_LEN, room;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	int rc;

	if ((rc = find_port(p, spec, err)) < 0)
		return rc;
	if ((rc = rte_eth_dev_info_get(p->port_id, &info)) != 0)
		return nfp_err_set(err, rc, "--vdev %s: device info: %s", spec->vdev,
				   rte_strerror(-rc));
	if (mtu < RTE_ETHER_MTU)
		mtu = RTE_ETHER_MTU;
	if (mtu > info.max_mtu)
		return nfp_err_set(err, -EMSGSIZE, "--size %u: needs an MTU of %u, but the %s port "
				   "takes at most %u; lower --size", cfg->frame_bytes,
				   cfg->frame_bytes - NFP_ETH_LEN, info.driver_name, info.max_mtu);

	room = cfg->frame_bytes > DPDK_MIN_ROOM ? cfg->frame_bytes : DPDK_MIN_ROOM;
	snprintf(pool_name, sizeof(pool_name), "nfp_pool%u", (unsigned)p->port_id);
	p->pool = rte_pktmbuf_pool_create(pool_name, DPDK_POOL_MBUFS, DPDK_POOL_CACHE, 0,
					  (uint16_t)(RTE_PKTMBUF_HEADROOM + room),
					  (int)rte_socket_id());
	if (!p->pool)
		return nfp_err_set(err, -rte_errno, "--backend dpdk: mbuf pool of %u: %s (raise "
				   "--mem-mb or the hugepages)", DPDK_POOL_MBUFS,
				   rte_strerror(rte_errno));

	p->nq = (uint16_t)cfg->queues;
	if (info.max_rx_queues < p->nq || info.max_tx_queues < p->nq)
		return nfp_err_set(err, -EINVAL, "--queues %u: %svdev %s offers %u rx and %u tx "
				   "queues; ask the device for %u (net_af_packet qpairs=%u, "
				   "net_af_xdp queue_count=%u, virtio_user/net_vhost queues=%u)",
				   cfg->queues, spec->opt_prefix, spec->vdev, info.max_rx_queues,
				   info.max_tx_queues, cfg->queues, cfg->queues, cfg->queues,
				   cfg->queues);
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = mtu;
	if (p->nq > 1 && (info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP))) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
	}
	if ((rc = rte_eth_dev_configure(p->port_id, p->nq, p->nq, &conf)) != 0)
		return nfp_err_set(err, rc, "--vdev %s: configure: %s", spec->vdev, rte_strerror(-rc));
	p->port_configured = true;
	if ((rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nrxd, &ntxd)) != 0)
		return nfp_err_set(err, rc, "--vdev %s: queue set-up: %s", spec->vdev,
				   rte_strerror(-rc));
	for (uint16_t q = 0; q < p->nq; q++)
		if ((rc = rte_eth_rx_queue_setup(p->port_id, q, nrxd,
						 rte_eth_dev_socket_id(p->port_id), NULL,
						 p->pool)) != 0 ||
		    (rc = rte_eth_tx_queue_setup(p->port_id, q, ntxd,
						 rte_eth_dev_socket_id(p->port_id), NULL)) != 0)
			return nfp_err_set(err, rc, "--vdev %s: queue %u set-up: %s", spec->vdev,
					   (unsigned)q, rte_strerror(-rc));
	return 0;
}

/* --local-mac, or the port's own MAC (reported to main through port->mac). */
static void set_mac(struct nfp_port *port, struct dpdk_port *p, const struct nfp_port_spec *spec,
		    uint8_t mac[6])
{
	struct rte_ether_addr addr;
	int rc;

	if (spec->has_local_mac) {
		memcpy(mac, spec->local_mac, 6);
		memcpy(addr.addr_bytes, mac, 6);
		rc = rte_eth_dev_default_mac_addr_set(p->port_id, &addr);
		if (rc != 0)
			fprintf(stderr, NFP_APP_NAME ": note: --vdev %s: the port keeps its own MAC "
				"(%s); frames still use --local-mac, received in promiscuous mode\n",
				spec->vdev, rte_strerror(-rc));
		return;
	}
	if (rte_eth_macaddr_get(p->port_id, &addr) == 0)
		memcpy(mac, addr.addr_bytes, 6);
	memcpy(port->mac, mac, 6);
	port->has_mac = true;
}

/* The value of key (e.g. "path=") in the --vdev's ",key=value" list into buf; false if absent. */
static bool vdev_arg(const char *vdev, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	for (const char *s = strchr(vdev, ','); s; s = strchr(s + 1, ','))
		if (strncmp(s + 1, key, klen) == 0) {
			const char *v = s + 1 + klen, *end = strchr(v, ',');
			size_t n = end ? (size_t)(end - v) : strlen(v);
			if (n >= len)
				return false;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return true;
		}
	return false;
}

/* The socket a client-side --vdev connects to when it starts (virtio_user without server=1,
 * net_memif in its default client role), which fails if the server is not listening yet. So
 * that the two ends may be started in any order, open waits for it first. */
static bool client_socket(const struct nfp_port_spec *spec, char *path, size_t len)
{
	char v[16];

	if (strncmp(spec->vdev, "virtio_user", 11) == 0)
		return !(vdev_arg(spec->vdev, "server=", v, sizeof(v)) && strcmp(v, "1") == 0) &&
		       vdev_arg(spec->vdev, "path=", path, len);
	if (strncmp(spec->vdev, "net_memif", 9) == 0) {
		if (vdev_arg(spec->vdev, "role=", v, sizeof(v)) && strcmp(v, "server") == 0)
			return false;
		if (!vdev_arg(spec->vdev, "socket=", path, len))
			snprintf(path, len, "/run/memif.sock"); /* the PMD's default */
		return true;
	}
	return false;
}

/* Polls until pred holds, a signal or DPDK_LINK_WAIT_MS; what names what is awaited. */
static int wait_until(volatile sig_atomic_t *stop, const struct nfp_port_spec *spec,
		      bool (*pred)(const void *), const void *arg, const char *what,
		      struct nfp_err *err)
{
	const struct timespec pause = { 0, DPDK_LINK_POLL_MS * 1000000L };
	uint64_t deadline = nfp_now_ns() + DPDK_LINK_WAIT_MS * 1000000ull;

	for (;;) {
		if (pred(arg))
			return 0;
		if (stop && *stop)
			return nfp_err_set(err, -EINTR, "--vdev %s: stopped by a signal while "
					   "waiting for %s", spec->vdev, what);
		if (nfp_now_ns() >= deadline)
			return nfp_err_set(err, -ETIMEDOUT, "--vdev %s: no %s after %d s (is the "
					   "peer running?)", spec->vdev, what,
					   DPDK_LINK_WAIT_MS / 1000);
		nanosleep(&pause, NULL);
	}
}

/* A listening Unix socket at path: a file, or (memif's default, socket-abstract=yes) a name
 * in this network namespace's abstract space, listed in /proc/net/unix as "@path". */
static bool is_socket(const void *arg)
{
	const char *path = arg;
	size_t n = strlen(path);
	struct stat st;
	char line[PATH_MAX + 128];
	bool found = false;
	FILE *f;

	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		return true;
	f = fopen("/proc/net/unix", "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");
		found = len > n + 1 && line[len - n - 1] == '@' && line[len - n - 2] == ' ' &&
			memcmp(line + len - n, path, n) == 0;
	}
	fclose(f);
	return found;
}

static bool link_up(const void *arg)
{
	const struct dpdk_port *p = arg;
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	return rte_eth_link_get_nowait(p->port_id, &link) == 0 &&
	       link.link_status == RTE_ETH_LINK_UP;
}

static void dpdk_poll(struct nfp_port *port, uint64_t now);

/* Before EAL init: the server socket of every client-side vdev of the config (EAL probes them
 * all at init, and a client's probe fails when its server is not listening yet). */
static int wait_servers(struct nfp_port *port, const struct nfp_config *cfg, struct nfp_err *err)
{
	const struct nfp_port_spec *ports[2];
	char path[PATH_MAX];
	int rc;

	for (unsigned i = 0, n = config_ports(cfg, ports); i < n; i++)
		if (client_socket(ports[i], path, sizeof(path)) &&
		    (rc = wait_until(port->stop, ports[i], is_socket, path, "server socket", err)) < 0)
			return rc;
	return 0;
}

static int dpdk_open(struct nfp_port *port, const struct nfp_config *cfg,
		     const struct nfp_port_spec *spec, unsigned dir, struct nfp_err *err)
{
	struct dpdk_port *p = calloc(1, sizeof(*p));
	uint8_t mac[6] = { 0 };
	char path[PATH_MAX];
	int rc;

	if (!p)
		return nfp_err_set(err, -ENOMEM, "dpdk: out of memory");
	port->priv = p;
	p->dir = dir;
	p->payload = nfp_payload_bytes(cfg);
	/* vhost-user and memif write to Unix sockets: a peer that goes away must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	if (!eal.users && (rc = wait_servers(port, cfg, err)) < 0)
		return rc;
	p->memif_client = is_memif(spec) && client_socket(spec, path, sizeof(path)) &&
			  !cfg->memif_no_wait;
	if ((rc = eal_init(p, cfg, err)) < 0 || (rc = port_setup(p, cfg, spec, err)) < 0)
		return rc;
	set_mac(port, p, spec, mac);
	rc = rte_eth_promiscuous_enable(p->port_id);
	if (rc != 0 && rc != -ENOTSUP)
		fprintf(stderr, NFP_APP_NAME ": note: --vdev %s: promiscuous mode: %s\n", spec->vdev,
			rte_strerror(-rc));
	if ((rc = rte_eth_dev_start(p->port_id)) != 0)
		return nfp_err_set(err, rc, "--vdev %s: start: %s", spec->vdev, rte_strerror(-rc));
	p->port_started = true;
	p->spec = spec;
	eal.unlinked[eal.nunlinked++] = p;
	if (eal.nunlinked == (nfp_two_ports(cfg) ? 2u : 1u))
		for (; eal.nunlinked; eal.nunlinked--) {
			struct dpdk_port *q = eal.unlinked[eal.nunlinked - 1];
			if ((rc = wait_until(port->stop, q->spec, link_up, q, "link", err)) < 0)
				return rc;
		}

	memcpy(p->match.mac, mac, 6);
	p->match.addr = spec->local.sin_addr.s_addr;
	/* No kernel socket picks a port for --local port 0 (send, client): take one from the
	 * dynamic range (RFC 6335) by pid. The start line still shows :0, as for raw. */
	p->match.port = spec->local.sin_port ? spec->local.sin_port
					     : htons((uint16_t)(49152 + getpid() % 16384));
	nfp_raw_header(p->tmpl, spec->remote_mac, mac, p->match.addr, spec->remote.sin_addr.s_addr,
		       p->match.port, spec->remote.sin_port, p->payload);
	nfp_raw_garp(p->garp, mac, p->match.addr);
	dpdk_poll(port, nfp_now_ns()); /* a receiver announces its MAC now, then every 2 s */
	return 0;
}

/* ---- the hot path ------------------------------------------------------------------------ */

/* A prefetch for writing: the line arrives owned, so the stores that follow need no second trip
 * to take it from the core that last read it. __builtin_prefetch(p, 1, 3) emits PREFETCHW only
 * when the build targets a CPU known to have it, and this one targets generic x86-64, where it
 * is PREFETCHT0, a read. Every x86-64 core decodes PREFETCHW (older Intel ones as a no-op). */
static inline void prefetch_w(const void *p)
{
#if defined(__x86_64__)
	__asm__ volatile("prefetchw %0" : : "m"(*(const volatile char *)p));
#else
	__builtin_prefetch(p, 1, 3);
#endif
}

static unsigned dpdk_tx_alloc(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n)
{
	struct dpdk_port *p = port->priv;
	const uint16_t frame = (uint16_t)(NFP_RAW_HDR + p->payload);
	unsigned got = 0;

	if (p->ntx) { /* a tx_alloc that was never sent */
		rte_pktmbuf_free_bulk(p->tx, p->ntx);
		p->ntx = 0;
	}
	if (rte_pktmbuf_alloc_bulk(p->pool, p->tx, n) == 0)
		got = n;
	while (got < n && (p->tx[got] = rte_pktmbuf_alloc(p->pool)) != NULL)
		got++; /* the pool is low: what there is */
	n = got;
	/* A sender's frames go into mbufs whose data the peer's core read last (vhost-user copies
	 * it out): each is a miss for writing. All of a burst's lines are asked for first, so the
	 * misses overlap; the mbuf fields, in lines this core just reset, are set meanwhile. */
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = p->tx[i];
		uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);

		prefetch_w(f);
		m->data_len = frame;
		m->pkt_len = frame;
		pkts[i] = (struct nfp_pkt){ .data = f + NFP_RAW_HDR, .len = p->payload };
	}
	for (unsigned i = 0; i < n; i++)
		memcpy(pkts[i].data - NFP_RAW_HDR, p->tmpl, NFP_RAW_HDR);
	p->ntx = n;
	return n;
}

/* Sends m[0..n), m[i] by queue qs[i] (NULL: all by queue 0), in runs of consecutive frames of
 * one queue (the header says why), stopping at the first run not taken whole; frees what was
 * not taken. Returns how many were: a prefix. */
static unsigned send_runs(struct dpdk_port *p, struct rte_mbuf **m, const uint8_t *qs, unsigned n)
{
	unsigned sent = 0;

	if (!qs || p->nq == 1) {
		sent = rte_eth_tx_burst(p->port_id, 0, m, (uint16_t)n);
	} else {
		for (unsigned i = 0, j; i < n; i = j) {
			uint16_t took;

			for (j = i + 1; j < n && qs[j] == qs[i]; j++)
				;
			took = rte_eth_tx_burst(p->port_id, qs[i], m + i, (uint16_t)(j - i));
			sent += took;
			if (took < j - i)
				break;
		}
	}
	if (sent)
		p->sent_any = true;
	if (sent < n)
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	return sent;
}

/* A frame's queue (a sender's pkts[i].queue, a forwarded frame's receive queue), or 0 past this
 * port's queues. */
static inline uint8_t queue_of(const struct dpdk_port *p, uint16_t queue)
{
	return queue < p->nq ? (uint8_t)queue : 0;
}

static int dpdk_tx_send(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n)
{
	struct dpdk_port *p = port->priv;
	uint8_t qs[NFP_BURST_MAX];
	unsigned sent;

	if (n > p->ntx)
		n = p->ntx;
	/* tx_alloc wrote the template into every mbuf: only a frame of another size or tuple
	 * (--size-mix, --flows; saddr is set only with sport) needs its header fixed. */
	for (unsigned i = 0; i < n; i++)
		if (__builtin_expect(pkts[i].len != p->payload || pkts[i].sport, 0)) {
			nfp_raw_tx_fix(pkts[i].data - NFP_RAW_HDR, &pkts[i]);
			p->tx[i]->data_len = (uint16_t)(pkts[i].len + NFP_RAW_HDR);
			p->tx[i]->pkt_len = pkts[i].len + NFP_RAW_HDR;
		}
	if (p->nq > 1)
		for (unsigned i = 0; i < n; i++)
			qs[i] = queue_of(p, pkts[i].queue);
	if (n < p->ntx) /* allocated and never offered */
		rte_pktmbuf_free_bulk(p->tx + n, p->ntx - n);
	sent = send_runs(p, p->tx, p->nq > 1 ? qs : NULL, n);
	p->ntx = 0;
	return (int)sent;
}

static int dpdk_rx_burst(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n)
{
	struct dpdk_port *p = port->priv;
	unsigned out = 0, got = 0, first = p->next_rx;

	/* The last burst's, unless echoed (echoed ones are NULL, which the bulk free skips). */
	if (p->nrx)
		rte_pktmbuf_free_bulk(p->rx, p->nrx);
	p->nrx = 0;
	/* The queues round robin, one further each call: up to n frames in all. */
	for (unsigned k = 0; k < p->nq && got < n; k++) {
		unsigned q = first + k < p->nq ? first + k : first + k - p->nq;
		uint16_t took = rte_eth_rx_burst(p->port_id, (uint16_t)q, p->rx + got,
						 (uint16_t)(n - got));

		memset(p->rx_q + got, (int)q, took);
		got += took;
	}
	p->next_rx = (uint16_t)(first + 1 < p->nq ? first + 1 : 0);
	for (unsigned i = 0; i < got; i++) {
		struct rte_mbuf *m = p->rx[i];
		uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
		uint32_t off, plen, flen;

		if (i + 1 < got) /* the next frame's headers load while this one is classified */
			rte_prefetch0(rte_pktmbuf_mtod(p->rx[i + 1], void *));

		/* A frame in several segments is not contiguous: truncated, so ours is malformed. */
		if (!nfp_raw_payload(&p->match, f, m->data_len, m->nb_segs > 1, &off, &plen, &flen))
			continue;
		p->rx_flen[i] = flen;
		pkts[out].data = f + off;
		pkts[out].len = plen;
		pkts[out].queue = p->rx_q[i];
		out++;
	}
	p->nrx = got;
	p->rx_hint = 0;
	return (int)out;
}

/* The rx mbuf holding data: the echo subset usually comes in order, so search on from the
 * last hit. */
static int rx_index(struct dpdk_port *p, const uint8_t *data)
{
	for (unsigned k = 0; k < p->nrx; k++) {
		unsigned i = (p->rx_hint + k) % p->nrx;
		const struct rte_mbuf *m = p->rx[i];
		const uint8_t *b = m ? (const uint8_t *)m->buf_addr : NULL;

		if (b && data >= b && data < b + m->buf_len) {
			p->rx_hint = i + 1;
			return (int)i;
		}
	}
	return -1;
}

static int dpdk_tx_echo(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n)
{
	struct dpdk_port *p = port->priv;
	struct rte_mbuf *out[NFP_BURST_MAX];
	uint8_t qs[NFP_BURST_MAX];
	unsigned k = 0;

	for (unsigned j = 0; j < n; j++) {
		int i = rx_index(p, pkts[j].data);
		struct rte_mbuf *m;

		if (i < 0)
			continue; /* not from the last burst: never happens with our roles */
		m = p->rx[i];
		p->rx[i] = NULL; /* the driver's now */
		nfp_raw_swap(rte_pktmbuf_mtod(m, uint8_t *));
		m->data_len = (uint16_t)p->rx_flen[i]; /* drops Ethernet padding */
		m->pkt_len = p->rx_flen[i];
		qs[k] = p->rx_q[i]; /* back by the queue it came in on */
		out[k++] = m;
	}
	return (int)send_runs(p, out, qs, k);
}

/* The forwarder: the received mbufs of `from` go out of this port with this port's header
 * written over theirs (in front of the payload, so a received IPv4 header with options is cut
 * off) — no mbuf allocated, nothing copied but the 42 header bytes. */
static int dpdk_tx_forward(struct nfp_port *port, struct nfp_port *from, const struct nfp_pkt *pkts,
			   unsigned n)
{
	struct dpdk_port *p = port->priv, *q = from->priv;
	struct rte_mbuf *out[NFP_BURST_MAX];
	uint8_t qs[NFP_BURST_MAX];
	unsigned k = 0;

	for (unsigned j = 0; j < n; j++) {
		int i = rx_index(q, pkts[j].data);
		uint8_t *f = pkts[j].data - NFP_RAW_HDR;
		struct rte_mbuf *m;

		if (i < 0)
			continue; /* not from its last burst: never happens with our roles */
		m = q->rx[i];
		q->rx[i] = NULL; /* the driver's now */
		m->data_off = (uint16_t)(f - (uint8_t *)m->buf_addr);
		memcpy(f, p->tmpl, NFP_RAW_HDR);
		if (__builtin_expect(pkts[j].len != p->payload, 0))
			nfp_raw_set_lengths(f, pkts[j].len);
		m->data_len = (uint16_t)(pkts[j].len + NFP_RAW_HDR);
		m->pkt_len = m->data_len;
		qs[k] = queue_of(p, pkts[j].queue); /* out of the queue it came in on */
		out[k++] = m;
	}
	return (int)send_runs(p, out, qs, k);
}

/* Receivers announce their MAC every NFP_RAW_ANNOUNCE_NS (raw_common.h). Counted nowhere. */
static void dpdk_poll(struct nfp_port *port, uint64_t now)
{
	struct dpdk_port *p = port->priv;
	struct rte_mbuf *m;

	if (!(p->dir & NFP_PORT_RX) || now < p->next_announce_ns)
		return;
	p->next_announce_ns = now + NFP_RAW_ANNOUNCE_NS;
	m = rte_pktmbuf_alloc(p->pool);
	if (!m)
		return;
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), p->garp, NFP_GARP_LEN);
	m->data_len = NFP_GARP_LEN;
	m->pkt_len = NFP_GARP_LEN;
	if (rte_eth_tx_burst(p->port_id, 0, &m, 1) != 1)
		rte_pktmbuf_free(m);
}

/* EAL makes /var/run/dpdk/<prefix> even when it keeps nothing there, and with shared files
 * (net_memif) leaves its config, fbarray_* and mp_socket* there. The directory is ours (EAL
 * locks the config of a prefix against a second primary), so its EAL files go, and then the
 * directory if nothing else is left in it. */
static void remove_runtime_dir(const char *dir)
{
	static const char *const prefixes[] = { "config", "fbarray_", "mp_socket",
						"hugepage_info" };
	DIR *d = dir[0] ? opendir(dir) : NULL;
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
			if (strncmp(e->d_name, prefixes[i], strlen(prefixes[i])) == 0) {
				unlinkat(dirfd(d), e->d_name, 0);
				break;
			}
	closedir(d);
	rmdir(dir);
}

static void dpdk_close(struct nfp_port *port)
{
	struct dpdk_port *p = port->priv;

	if (!p)
		return;
	if (p->ntx)
		rte_pktmbuf_free_bulk(p->tx, p->ntx);
	for (unsigned i = 0; i < p->nrx; i++)
		if (p->rx[i])
			rte_pktmbuf_free(p->rx[i]);
	/* Frames "sent" may still sit in rings the peer has not read yet, in this process's memory
	 * (memif client regions, virtio_user's vrings): stopping at once takes them with us, and a
	 * busy peer loses the last bursts. Stay up a little so it can read them.
	 * A memif client stays up until its server has left (bounded): when a client disconnects,
	 * the server's interrupt thread unmaps the shared regions while its polling thread may be
	 * inside rx_burst on them (DPDK 22.11 net_memif does not guard this), and the server dies
	 * of SIGSEGV. The runner and the tests therefore stop the server end first. A switch as
	 * server (VPP, --memif-no-wait) outlives its clients and unmaps safely: no wait then. */
	if (p->port_started && p->memif_client) {
		for (unsigned ms = 0; ms < DPDK_MEMIF_PEER_WAIT_MS && link_up(p); ms += DPDK_LINK_POLL_MS)
			nanosleep(&(struct timespec){ .tv_nsec = DPDK_LINK_POLL_MS * 1000000L }, NULL);
	} else if (p->port_started && p->sent_any) {
		nanosleep(&(struct timespec){ .tv_nsec = DPDK_TX_LINGER_MS * 1000000L }, NULL);
	}
	if (p->port_started)
		rte_eth_dev_stop(p->port_id);
	if (p->port_configured)
		rte_eth_dev_close(p->port_id);
	if (p->pool)
		rte_mempool_free(p->pool);
	if (p->eal_user && !--eal.users && eal.up) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		remove_runtime_dir(dir);
		eal.up = false;
	}
	free(p);
	port->priv = NULL;
}

const struct nfp_backend backend_dpdk = {
	.name = "dpdk",
	.flags = NFP_BACKEND_L2 | NFP_BACKEND_EAL | NFP_BACKEND_QUEUES,
	.open = dpdk_open,
	.tx_alloc = dpdk_tx_alloc,
	.tx_send = dpdk_tx_send,
	.rx_burst = dpdk_rx_burst,
	.tx_echo = dpdk_tx_echo,
	.tx_forward = dpdk_tx_forward,
	.poll = dpdk_poll,
	.close = dpdk_close,
};
