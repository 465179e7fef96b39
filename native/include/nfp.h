/* nfp.h — the types every part of nfvperf-app shares.
 *
 * The app is roles × backends. A role (send, recv, server, client) is the experiment: it fills or
 * reads payloads and counts. A backend (udp, udp-mmsg, raw, raw-mmsg, later af-xdp, dpdk) owns a
 * port and
 * moves payloads. Roles never name a backend; both are picked from the static tables in
 * registry.c. Life cycle, run by main.c:
 *
 *   parse options -> role->begin -> pin CPU -> backend->open -> "start" line
 *                 -> role->run (until done or *stop) -> final interval + "summary"
 *                 -> backend->close -> role->end
 *
 * Errors are negative errno values, with a message in a struct nfp_err. -EINVAL from parsing or
 * from role->begin means a bad option (exit 2); anything else is a runtime failure (exit 1).
 */
#ifndef NFP_H
#define NFP_H

#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#define NFP_APP_NAME "nfvperf-app"
/* "version" of the start line: bumped when the command line or output changes incompatibly. */
#define NFP_PROTOCOL_VERSION 1

/* Frame sizes are whole Ethernet frames without FCS; UDP payload = frame - 42. */
#define NFP_HDR_OVERHEAD 42 /* 14 Ethernet + 20 IPv4 + 8 UDP */
#define NFP_FRAME_MIN 60
#define NFP_FRAME_MAX 9000
#define NFP_PAYLOAD_MAX (NFP_FRAME_MAX - NFP_HDR_OVERHEAD)
#define NFP_BURST_MAX 1024
#define NFP_INFLIGHT_MAX (1u << 20) /* --inflight: well inside the client's sequence window */
/* --queues: queues per port, 1..NFP_QUEUES_MAX, only for backends flagged NFP_BACKEND_QUEUES.
 * A power of two (counters index by queue & (MAX - 1)); 8 is past the cores any host of this
 * tool gives one app, and a veth or a vdev can have more. */
#define NFP_QUEUES_MAX 8u

/* ---- errors ---------------------------------------------------------------------------- */

struct nfp_err {
	char msg[320];
};

/* Formats msg and returns code (a negative errno), so callers can `return nfp_err_set(...)`. */
int nfp_err_set(struct nfp_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- configuration: every option, parsed once, passed down, never global ----------------- */

/* --size-mix: frame sizes and their integer weights (traffic.h says how a sender cycles them). */
#define NFP_MIX_SIZES_MAX 16
struct nfp_size_mix {
	uint32_t n; /* 0: no mix, every frame is --size */
	uint16_t size[NFP_MIX_SIZES_MAX];   /* whole frames without FCS, 60..9000 */
	uint32_t weight[NFP_MIX_SIZES_MAX]; /* >= 0, summing to 1..NFP_MIX_PATTERN_MAX */
};

struct nfp_role;
struct nfp_backend;

/* One port's addressing: the unprefixed options (--local, --remote, --ifname, --local-mac,
 * --remote-mac, --vdev, --netns) fill the config's `port`, the one port of a single-port role
 * and the transmit port of a two-port role (tester, forwarder); --rx-local, --rx-ifname,
 * --rx-local-mac, --rx-vdev and --rx-netns fill `rx_port`, a two-port role's receive port.
 * A backend opens a port from its spec. */
struct nfp_port_spec {
	struct sockaddr_in local;  /* --local, required */
	struct sockaddr_in remote; /* --remote, required for roles that send */
	bool has_remote;
	/* Backends that build their own Ethernet frames (NFP_BACKEND_L2); --ifname only for those
	 * on a kernel interface (NFP_BACKEND_IFNAME). */
	char ifname[IF_NAMESIZE];  /* --ifname, required for them; checked to exist when parsed */
	unsigned ifindex;          /* in the port's network namespace */
	uint8_t local_mac[6];      /* --local-mac, default: the interface's own address (dpdk: the
				      port's, filled in by main after open) */
	bool has_local_mac;        /* local_mac is known (given, or read from --ifname) */
	uint8_t remote_mac[6];     /* --remote-mac, required for send and client */
	bool has_remote_mac;
	/* DPDK (NFP_BACKEND_EAL): the app builds the EAL argv from these, never from user text
	 * passed through. */
	const char *vdev;          /* --vdev SPEC, required: the port (e.g. net_memif0,...) */
	/* --netns PATH: the network namespace (a file such as /run/netns/NAME or /proc/PID/ns/net)
	 * the port is opened in (netns.c); NULL: the app's own. */
	const char *netns;
	const char *opt_prefix;    /* "--" or "--rx-": how messages name this port's options */
};

struct nfp_config {
	const struct nfp_role *role;
	const struct nfp_backend *backend; /* --backend (default udp-mmsg) */
	struct nfp_port_spec port;    /* the unprefixed port options (above) */
	struct nfp_port_spec rx_port; /* --rx-*: a two-port role's receive port */
	uint32_t frame_bytes;  /* --size, 60..9000 */
	double rate_pps;       /* --rate; 0 means max (unpaced) */
	uint32_t burst;        /* --burst, 1..1024 */
	int cpu;               /* --cpu; -1 means not pinned */
	double duration_s;     /* --duration (send); 0 = until signal */
	uint64_t count;        /* --count (send); 0 = unlimited */
	uint64_t epoch_ns;     /* --epoch-ns; main sets it to "now" when !has_epoch */
	bool has_epoch;
	uint32_t interval_ms;  /* --interval-ms, 10..60000 */
	uint16_t flow;         /* --flow */
	bool touch;            /* --touch */
	bool blocking;         /* --blocking: receivers sleep in poll(), senders wait for socket
				  buffer room; default polling (never sleep in an I/O call) */
	int rx_cpu;            /* --rx-cpu (client): the receive loop on a second thread pinned
				  there; -1 = one thread (the paper's clientst) */
	uint32_t inflight;     /* --inflight (client): at most this many frames awaiting their
				  echo; 0 = no limit (open loop at --rate) */
	char file_prefix[64];     /* --file-prefix, default nfp-<pid> (one EAL for both ports) */
	bool no_huge;             /* --no-huge: anonymous memory (-m mem_mb) instead of hugepages */
	bool memif_no_wait;       /* --memif-no-wait: a memif client's server is a switch (VPP),
				     which outlives its clients: close without waiting for it */
	uint32_t mem_mb;          /* --mem-mb, default 512: -m with --no-huge */
	bool mem_given;           /* --mem-mb given: with hugepages too, -m (preallocated at start) */
	bool latency;             /* --latency (recv, tester): one-way latency of every frame (stats.h
				     rule 5) */
	bool latency_probes;      /* --latency-probes (recv, tester): of probe frames only (implies
				     latency) */
	double probe_rate_pps;    /* --probe-rate (send, tester): probe frames beside the load;
				     0 = none */
	const char *rtt_dump;     /* --rtt-dump PATH (client): every RTT sample in ns; NULL = off */
	int clock;                /* --clock: enum nfp_clock_choice (default auto) */
	bool sched_fifo;          /* --sched fifo: the app's threads run SCHED_FIFO (priority 1),
				     so no ordinary task takes their CPU for a scheduler slice */
	/* What varies from frame to frame of a sender (traffic.h). */
	struct nfp_size_mix mix;  /* --size-mix; with it --size is the mix's largest frame */
	uint32_t flows;           /* --flows, 1..NFP_FLOWS_MAX 5-tuples (default 1) */
	struct in_addr flow_addrs; /* --flow-addrs: the first extra source address (flows > 64512) */
	bool has_flow_addrs;
	/* --queues N (1..NFP_QUEUES_MAX, default 1; NFP_BACKEND_QUEUES): every port of the app has
	 * N receive and N transmit queues. A sender puts tuple t (traffic.h) on transmit queue
	 * t mod N, so the path's steering (a veth delivers a frame to the peer's receive queue of
	 * its transmit queue; a NIC hashes the tuple) spreads N or more flows over N receive
	 * queues; a receiver polls its N queues round robin from its one thread. */
	uint32_t queues;
};

static inline uint32_t nfp_payload_bytes(const struct nfp_config *cfg)
{
	return cfg->frame_bytes - NFP_HDR_OVERHEAD;
}

/* 0 = ok, 1 = --help was printed, -EINVAL = bad argument (err says which). */
int nfp_parse_args(int argc, char **argv, struct nfp_config *cfg, struct nfp_err *err);
void nfp_print_usage(void);
/* "02:00:00:00:00:01" into buf (at least NFP_MAC_STRLEN bytes). */
#define NFP_MAC_STRLEN 18
const char *nfp_fmt_mac(const uint8_t mac[6], char *buf);
/* "198.18.0.1:5000" into buf (at least NFP_ADDR_STRLEN bytes). */
#define NFP_ADDR_STRLEN 32
const char *nfp_fmt_addr(const struct sockaddr_in *sa, char *buf);

/* ---- the clock --------------------------------------------------------------------------- */

/* Every time the app reads is nfp_now_ns(): CLOCK_MONOTONIC ns (shared by all processes of a
 * host, so epochs and interval edges agree), read either from the kernel or from the TSC.
 * nfp_clock_init (main, once, before any thread starts; read-only after) calibrates the TSC
 * against CLOCK_MONOTONIC_RAW when /proc/cpuinfo shows constant_tsc and nonstop_tsc (the TSC
 * then ticks at one rate in every power state) and anchors it to CLOCK_MONOTONIC. */
enum nfp_clock_choice { NFP_CLOCK_AUTO, NFP_CLOCK_TSC, NFP_CLOCK_GETTIME };

struct nfp_clock {
	bool tsc;      /* nfp_now_ns reads the TSC */
	double hz;     /* calibrated TSC frequency; 0 when not calibrated */
	uint64_t tsc0; /* anchor: TSC value ... */
	uint64_t ns0;  /* ... and the CLOCK_MONOTONIC ns it stands for */
	uint64_t mult; /* ns per TSC cycle, << 32 */
};
/* The one clock of the process (the other global beside main's stop flag). */
extern struct nfp_clock nfp_clock;

/* 0, or -EINVAL with err set when choice is TSC and the CPU cannot give a usable one. */
int nfp_clock_init(enum nfp_clock_choice choice, struct nfp_err *err);
const char *nfp_clock_source(void); /* "tsc" or "clock_gettime" */

static inline uint64_t nfp_gettime_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#define NFP_HAVE_TSC 1
static inline uint64_t nfp_rdtsc(void)
{
	return __builtin_ia32_rdtsc();
}
#endif

static inline uint64_t nfp_now_ns(void)
{
#ifdef NFP_HAVE_TSC
	if (nfp_clock.tsc) {
		uint64_t d = nfp_rdtsc() - nfp_clock.tsc0;
		return nfp_clock.ns0 + (uint64_t)(((unsigned __int128)d * nfp_clock.mult) >> 32);
	}
#endif
	return nfp_gettime_ns(CLOCK_MONOTONIC);
}

/* Waits cheaply until about `until` (CLOCK_MONOTONIC ns) or a signal: sleeps when the wait is
 * long (waking early to spin the rest), otherwise pauses once and returns. Callers loop. */
void nfp_idle_until(uint64_t until, uint64_t now);
/* The calling thread now runs SCHED_FIFO: nfp_idle_until sleeps for shorter waits (clock.c). */
void nfp_idle_realtime(void);

/* Flags of a hot-path send call: with --blocking it may wait for room in the socket's buffer
 * (the socket itself is then blocking; receives always pass MSG_DONTWAIT and wait in poll()). */
static inline int nfp_tx_flags(const struct nfp_config *cfg)
{
	return cfg->blocking ? 0 : MSG_DONTWAIT;
}
/* SOCK_NONBLOCK unless --blocking: the type flags of a backend's data socket. */
static inline int nfp_sock_nonblock(const struct nfp_config *cfg)
{
	return cfg->blocking ? 0 : SOCK_NONBLOCK;
}

struct nfp_port;
/* --blocking: sleeps in poll() until the port has frames (port->wait_fd readable), `until`
 * (CLOCK_MONOTONIC ns; the next interval edge or send), at most 50 ms, or a signal. */
void nfp_wait_rx(const struct nfp_port *port, uint64_t until, uint64_t now);

/* ---- buffers and backends ---------------------------------------------------------------- */

/* One UDP payload in the backend's own memory (a socket slot, an AF_XDP umem frame, an mbuf).
 * sport and saddr (network order; 0 = the port's own, as tx_alloc leaves them) are the frame's
 * UDP source port and IPv4 source address, which a sender cycling --flows sets per frame; only
 * backends that write their own headers (NFP_BACKEND_L2) apply them. */
struct nfp_pkt {
	uint8_t *data;
	uint32_t len;
	uint16_t sport;
	/* The port queue (--queues): a sender's frame goes out of transmit queue `queue` (set by
	 * the sender, 0 from tx_alloc); rx_burst sets the receive queue a frame came in on. */
	uint16_t queue;
	uint32_t saddr;
};

/* What a role needs from its port. */
#define NFP_PORT_TX 1u   /* tx_alloc/tx_send to --remote */
#define NFP_PORT_RX 2u   /* rx_burst on --local */
#define NFP_PORT_ECHO 4u /* tx_echo: back to the source of each received frame (with RX) */

struct nfp_port {
	const struct nfp_backend *backend;
	void *priv; /* the backend's state */
	/* Set by main before open: an open that waits (a DPDK port's link) gives up when *stop is
	 * set (SIGINT/SIGTERM). */
	volatile sig_atomic_t *stop;
	/* Set by an open that picks the source MAC itself (dpdk without --local-mac: the port's);
	 * main copies it into the config, so the start line shows the MAC in use. */
	bool has_mac;
	uint8_t mac[6];
	/* Set by open: a descriptor that poll() reports readable when rx_burst has something
	 * (--blocking waits on it); -1 (main's default) when the backend cannot be waited on. */
	int wait_fd;
};

/*
 * An I/O backend. All calls but open/close are on the hot path, never block and never print.
 *
 * open:     opens the port of `spec` (its --local, --remote, --ifname, macs, --vdev; main has
 *           entered spec->netns): binds --local (and with NFP_PORT_TX reaches --remote); fills
 *           port->priv. Checks the path can carry --size. A process may open two ports of one
 *           backend (tester, forwarder): open and close keep per-process state (dpdk's EAL)
 *           counted. May wait for the port to come up (dpdk), giving up when
 *           *port->stop is set. Returns 0 or -errno with err set.
 * tx_alloc: up to n transmit buffers, each with room for the config's payload; sets pkts[i].data
 *           and pkts[i].len (= that room), and zeroes sport and saddr. Returns how many (may
 *           be fewer, 0 when the ring is full).
 *           Contents are unspecified: the role writes what it needs each time.
 * tx_send:  transmits pkts[0..n) from the last tx_alloc, pkts[i].len bytes each (any length up
 *           to the room; an L2 backend also applies sport and saddr), in order. Returns
 *           how many were accepted (always a prefix, 0..n) or -errno on a hard error; a full queue
 *           or a refused/busy send is not an error. The backend reclaims the rest: they are never
 *           retried.
 * rx_burst: up to n received payloads; pointers and lengths stay valid until the next rx_burst.
 *           A payload that did not fit, or whose frame was malformed (an L2 backend: bad IPv4
 *           checksum or lengths, too short), is returned with len 0, so the role counts it
 *           `foreign`. Frames not addressed to --local are never returned. Returns the count or
 *           -errno.
 * tx_echo:  (NFP_PORT_ECHO) sends payloads from the last rx_burst back where each came from,
 *           payload unchanged, pkts[i].len bytes each; pkts may be any subset of what rx_burst
 *           returned, in any order. Same result as tx_send. NULL if the backend cannot echo.
 * tx_forward: (optional) sends payloads from the last rx_burst of `from` (another port of this
 *           backend) out of this port, payload unchanged, pkts[i].len bytes each, with this
 *           port's headers; the frames are the backend's to reuse (no copy). Same result as
 *           tx_send. NULL: the forwarder copies each payload into a tx_alloc buffer.
 * poll:     periodic housekeeping (a raw port announces its MAC every 2 s); receiving roles call
 *           it once per loop turn with the time they just read. May be NULL.
 * close:    releases everything; safe after a failed open.
 */
/* The backend writes Ethernet + IPv4 + UDP itself: uses --local-mac and --remote-mac, needs a
 * specific --local address. */
#define NFP_BACKEND_L2 1u
/* It works on a kernel interface: needs --ifname, whose MAC is the default --local-mac. */
#define NFP_BACKEND_IFNAME 2u
/* It is a DPDK port: needs --vdev, takes --file-prefix, --no-huge, --mem-mb. */
#define NFP_BACKEND_EAL 4u
/* Its tx_send makes one system call per frame (tx_send on any prefix of tx_alloc's buffers, one
 * at a time, is then as cheap as one burst): a sender stamps each frame just before its own call. */
#define NFP_BACKEND_FRAME_CALLS 8u
/* Its ports have several queues (--queues): tx_send puts each frame on pkts[i].queue, rx_burst
 * polls every receive queue and sets pkts[i].queue; tx_send's accepted frames stay a prefix. */
#define NFP_BACKEND_QUEUES 16u

struct nfp_backend {
	const char *name;
	unsigned flags; /* NFP_BACKEND_* */
	int (*open)(struct nfp_port *port, const struct nfp_config *cfg,
		    const struct nfp_port_spec *spec, unsigned dir, struct nfp_err *err);
	unsigned (*tx_alloc)(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n);
	int (*tx_send)(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n);
	int (*rx_burst)(struct nfp_port *port, struct nfp_pkt *pkts, unsigned n);
	int (*tx_echo)(struct nfp_port *port, const struct nfp_pkt *pkts, unsigned n);
	int (*tx_forward)(struct nfp_port *port, struct nfp_port *from, const struct nfp_pkt *pkts,
			  unsigned n);
	void (*poll)(struct nfp_port *port, uint64_t now);
	void (*close)(struct nfp_port *port);
};

/* ---- counters ---------------------------------------------------------------------------- */

/* Every role counts into the same struct through the helpers in stats.h; bytes are whole frames
 * (payload + 42), so Gbps = pps * size * 8 / 1e9. */
struct nfp_counters {
	uint64_t tx_packets; /* accepted by the send call */
	uint64_t tx_bytes;
	uint64_t unsent;     /* offered to the send call but not accepted; never retried */
	uint64_t stalls;     /* pacing fell behind by more than the catch-up bound */
	uint64_t rx_packets; /* frames with our magic and version (duplicates and corrupt included) */
	uint64_t rx_bytes;
	int64_t lost;        /* sequence gaps, less late arrivals: may go down within a run */
	uint64_t reordered;  /* late frames not seen before */
	uint64_t duplicates; /* frames whose sequence was already seen */
	uint64_t corrupt;    /* checksum mismatch (or an unchecked frame where --touch demands one) */
	uint64_t foreign;    /* short, bad magic, bad version, or truncated */
	uint64_t late;       /* client: echoes that came back after NFP_RTT_LATE_NS */
	uint64_t unmatched;  /* client: echoes of a sequence never sent or already matched */
};

/* One JSON counter of a role's interval and summary lines. */
struct nfp_field {
	const char *name; /* JSON key */
	size_t offset;    /* into struct nfp_counters */
	bool is_signed;
};
#define NFP_FIELD(json, member, sgn) { json, offsetof(struct nfp_counters, member), sgn }
/* The runs of fields the roles share: what a sender counts, what a receiver counts. */
#define NFP_FIELDS_TX                                                                      \
	NFP_FIELD("txPackets", tx_packets, false), NFP_FIELD("txBytes", tx_bytes, false),  \
		NFP_FIELD("unsent", unsent, false)
#define NFP_FIELDS_RX                                                                      \
	NFP_FIELD("rxPackets", rx_packets, false), NFP_FIELD("rxBytes", rx_bytes, false),  \
		NFP_FIELD("lost", lost, true), NFP_FIELD("reordered", reordered, false),   \
		NFP_FIELD("duplicates", duplicates, false),                                \
		NFP_FIELD("corrupt", corrupt, false), NFP_FIELD("foreign", foreign, false)

/* ---- roles ------------------------------------------------------------------------------- */

struct nfp_report;

/* What a role runs with; owned by main. */
struct nfp_ctx {
	const struct nfp_config *cfg;
	struct nfp_port *port;            /* the one port; a two-port role's transmit port */
	struct nfp_port *rx_port;         /* a two-port role's receive port; NULL for the others */
	struct nfp_report *report;        /* counters live here (report->stats) */
	volatile sig_atomic_t *stop;      /* set by SIGINT/SIGTERM */
	void *priv;                       /* the role's state, made by begin */
};

/*
 * A role. begin checks the options (returns -EINVAL naming the option) and allocates; it runs
 * before the port opens, so a bad option never touches the network. run is the loop: it returns
 * 0 when done or stopped, -errno with err set on a runtime failure; main prints the final
 * interval and the summary either way. end (may be NULL) frees what begin made.
 */
struct nfp_role {
	const char *name;
	unsigned port_dir;               /* NFP_PORT_TX | NFP_PORT_RX */
	unsigned rx_port_dir;            /* two-port roles: NFP_PORT_RX for the --rx-* port; 0 */
	const struct nfp_field *fields;  /* counters in output order, NULL-name terminated */
	size_t pps_offset;               /* the counter achievedPps divides */
	bool rtt;                        /* records round-trip times: lines carry "rtt" */
	int (*begin)(struct nfp_ctx *ctx, struct nfp_err *err);
	int (*run)(struct nfp_ctx *ctx, struct nfp_err *err);
	void (*end)(struct nfp_ctx *ctx);
};

/* Whether the config's role holds two ports (tester, forwarder). */
static inline bool nfp_two_ports(const struct nfp_config *cfg)
{
	return cfg->role->rx_port_dir != 0;
}

/* netns.c: --netns, --rx-netns. nfp_netns_enter moves the calling thread into the network
 * namespace at path (NULL: stays, *saved = -1) and saves where it was in *saved;
 * nfp_netns_leave returns there. 0 or -errno with err set (naming `opt`). */
int nfp_netns_enter(const char *path, const char *opt, int *saved, struct nfp_err *err);
void nfp_netns_leave(int saved);
/* 0 if path is a network namespace file, else -EINVAL with err set. */
int nfp_netns_check(const char *path, const char *opt, struct nfp_err *err);

/* registry.c: the static tables. NULL when unknown; names() is "a|b|c" for messages. */
const struct nfp_role *nfp_find_role(const char *name);
const struct nfp_backend *nfp_find_backend(const char *name);
const char *nfp_role_names(void);
const char *nfp_backend_names(void);
/* The built backends whose flags include all of `flags` (0: every one), joined by sep, into buf
 * (names that do not fit in size bytes are left out); returns buf. */
const char *nfp_backend_list(unsigned flags, const char *sep, char *buf, size_t size);
#define NFP_DEFAULT_BACKEND "udp-mmsg"

#endif
