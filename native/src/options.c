/* options.c — the command line, parsed into one struct nfp_config with full range checks.
 * Every message names the option and says what was expected and what was given; main prefixes
 * "nfvperf-app: " and exits 2. The options are documented in docs/app-protocol.md. */
#include "nfp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define RATE_MIN 1e-3         /* pps; one frame per 1000 s */
#define RATE_MAX 1e9          /* pps; beyond any path this can drive */
#define DURATION_MAX 1e7      /* s (~115 days), keeps the ns arithmetic far from overflow */

int nfp_err_set(struct nfp_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void nfp_print_usage(void)
{
	printf("usage: " NFP_APP_NAME " ROLE [options]\n"
	       "\n"
	       "Roles: %s\n"
	       "\n"
	       "Options:\n"
	       "  --backend NAME     I/O backend: %s (default " NFP_DEFAULT_BACKEND ")\n"
	       "  --local IP:PORT    IPv4 address and port to bind (required)\n"
	       "  --remote IP:PORT   IPv4 destination (required for send and client)\n"
	       "  --size BYTES       Ethernet frame size without FCS, 60..9000 (default 64);\n"
	       "                     UDP payload = BYTES - 42; every byte counter counts BYTES per frame\n"
	       "  --rate PPS|max     packets per second, 0.001..1e9, e.g. 1000, 1e5, 0.5e6; or max,\n"
	       "                     unpaced (default max)\n"
	       "  --burst N          frames per burst and per send/receive call, 1..1024 (default 32)\n"
	       "  --cpu N            pin to CPU N (default: not pinned)\n"
	       "  --duration S       send/client: stop at epoch + S seconds; 0 = until a signal\n"
	       "                     (default 0)\n"
	       "  --count N          send/client: stop after N frames accepted; 0 = unlimited\n"
	       "                     (default 0)\n"
	       "  --epoch-ns T       CLOCK_MONOTONIC ns: intervals are aligned to T + k*interval and\n"
	       "                     send waits until T before its first frame (default: now)\n"
	       "  --interval-ms N    statistics interval, 10..60000 ms (default 1000)\n"
	       "  --flow N           flow id 0..65535 that send writes in each frame (default 0)\n"
	       "  --blocking         block in the I/O calls instead of polling: receivers sleep in\n"
	       "                     poll() until a frame or the next interval, senders wait for\n"
	       "                     socket buffer room (not for dpdk)\n"
	       "  --rx-cpu N         client: receive on a second thread pinned to CPU N (the\n"
	       "                     paper's two-thread client); default one thread\n"
	       "  --inflight N       client: at most N frames awaiting their echo, 1..1048576; with\n"
	       "                     --rate max and N = 1 a closed-loop ping-pong (default: no\n"
	       "                     limit, open loop at --rate)\n"
	       "  --touch            send/client: write every payload byte and a checksum; recv/client:\n"
	       "                     check every byte, counting frames without a checksum as corrupt\n"
	       "  --ifname NAME      raw, raw-mmsg, af-xdp: the interface to send and receive on\n"
	       "                     (required)\n"
	       "  --local-mac MAC    raw, raw-mmsg, af-xdp, dpdk: source MAC (default: the\n"
	       "                     interface's or the DPDK port's address)\n"
	       "  --remote-mac MAC   raw, raw-mmsg, af-xdp, dpdk: destination MAC (required for send\n"
	       "                     and client)\n"
	       "  --vdev SPEC        dpdk: the one port, an EAL --vdev (required), e.g.\n"
	       "                     net_memif0,role=client,socket=/run/nfvperf/m.sock\n"
	       "  --file-prefix NAME dpdk: EAL --file-prefix (default nfp-<pid>)\n"
	       "  --no-huge          dpdk: anonymous memory (-m --mem-mb) instead of hugepages\n"
	       "  --mem-mb N         dpdk: memory with --no-huge, 64..65536 MB (default 512)\n"
	       "  --clock C          auto (default: the TSC when it is invariant, else\n"
	       "                     clock_gettime), tsc or gettime: what pacing and times read\n"
	       "  --sched P          other (default) or fifo: SCHED_FIFO priority 1, ahead of every\n"
	       "                     ordinary task on its CPU (the kernel's RT throttling still\n"
	       "                     leaves others 5%% of each second)\n"
	       "  --rtt-dump PATH    client: write every RTT sample (ns) to PATH, one per line\n"
	       "  --help             print this text and exit\n"
	       "  --version          print the protocol version and the built-in backends\n"
	       "\n"
	       "Output: one JSON object per line on stdout (start, interval..., summary);\n"
	       "human text on stderr. SIGINT/SIGTERM stop cleanly after the summary.\n"
	       "Exit status: 0 done, 1 runtime failure, 2 bad arguments.\n",
	       nfp_role_names(), nfp_backend_names());
}

const char *nfp_fmt_mac(const uint8_t mac[6], char *buf)
{
	snprintf(buf, NFP_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	return buf;
}

const char *nfp_fmt_addr(const struct sockaddr_in *sa, char *buf)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
	snprintf(buf, NFP_ADDR_STRLEN, "%s:%u", ip, (unsigned)ntohs(sa->sin_port));
	return buf;
}

static int bad(struct nfp_err *err, const char *opt, const char *expected, const char *got)
{
	return nfp_err_set(err, -EINVAL, "%s: expected %s, got '%s'", opt, expected, got);
}

/* A decimal integer in [min, max]: digits only (an optional leading '-' when min < 0), no
 * spaces, no '+', no trailing text. */
static int parse_int(const char *opt, const char *s, long long min, long long max,
		     const char *expected, long long *out, struct nfp_err *err)
{
	char *end;
	long long v;

	if (!(isdigit((unsigned char)s[0]) || (s[0] == '-' && min < 0)))
		return bad(err, opt, expected, s);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return bad(err, opt, expected, s);
	*out = v;
	return 0;
}

/* A finite decimal number (strtod forms like 2.5, 1e5, .5e6) in [min, max]; no hex, inf, nan. */
static int parse_double(const char *opt, const char *s, double min, double max,
			const char *expected, double *out, struct nfp_err *err)
{
	char *end;
	double v;

	if (!(isdigit((unsigned char)s[0]) || (s[0] == '.' && isdigit((unsigned char)s[1]))) ||
	    strpbrk(s, "xX"))
		return bad(err, opt, expected, s);
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
		return bad(err, opt, expected, s);
	*out = v;
	return 0;
}

/* IPv4 "a.b.c.d:port"; port 0 only when allow_port0. */
static int parse_addr(const char *opt, const char *s, bool allow_port0, struct sockaddr_in *sa,
		      struct nfp_err *err)
{
	const char *expected = allow_port0 ? "IPv4 IP:PORT with PORT 0..65535"
					   : "IPv4 IP:PORT with PORT 1..65535";
	const char *colon = strrchr(s, ':');
	char ip[INET_ADDRSTRLEN];
	long long port;
	struct nfp_err ignored;

	if (!colon || (size_t)(colon - s) >= sizeof(ip))
		return bad(err, opt, expected, s);
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1)
		return bad(err, opt, expected, s);
	if (parse_int(opt, colon + 1, allow_port0 ? 0 : 1, 65535, expected, &port, &ignored))
		return bad(err, opt, expected, s);
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

/* "aa:bb:cc:dd:ee:ff" (hex, either case), not all zeros, not multicast. */
static int parse_mac(const char *opt, const char *s, uint8_t mac[6], struct nfp_err *err)
{
	static const char expected[] = "a unicast MAC address like 02:00:00:00:00:01";
	unsigned v[6];
	int used = 0;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3],
				      &v[4], &v[5], &used) != 6 || used != 17)
		return bad(err, opt, expected, s);
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return bad(err, opt, expected, s);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	if ((mac[0] & 1) || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return bad(err, opt, expected, s);
	return 0;
}

/* The options of the backends that build their own frames: the interface must exist in this
 * network namespace; its MAC is the default --local-mac. */
static int check_l2(struct nfp_config *cfg, struct nfp_err *err)
{
	const bool on_if = cfg->backend->flags & NFP_BACKEND_IFNAME;
	struct ifreq ifr;
	int fd, rc = 0;

	if (!on_if && cfg->ifname[0])
		return nfp_err_set(err, -EINVAL, "--ifname: not for --backend %s (its port is "
				   "--vdev)", cfg->backend->name);
	if (on_if && !cfg->ifname[0])
		return nfp_err_set(err, -EINVAL, "--ifname: required for --backend %s (the "
				   "interface to send and receive on)", cfg->backend->name);
	cfg->ifindex = on_if ? if_nametoindex(cfg->ifname) : 0;
	if (on_if && !cfg->ifindex)
		return nfp_err_set(err, -EINVAL, "--ifname: no interface '%s' in this network "
				   "namespace", cfg->ifname);
	if (cfg->local.sin_addr.s_addr == htonl(INADDR_ANY))
		return nfp_err_set(err, -EINVAL, "--local: --backend %s needs a specific IPv4 "
				   "address, not 0.0.0.0", cfg->backend->name);
	if ((cfg->role->port_dir & NFP_PORT_TX) && !cfg->has_remote_mac)
		return nfp_err_set(err, -EINVAL, "--remote-mac: required for %s with --backend %s "
				   "(the peer's MAC, e.g. from `ip -j link`)", cfg->role->name,
				   cfg->backend->name);
	if (cfg->has_local_mac || !on_if) /* dpdk: the port's MAC, known once it is open */
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return nfp_err_set(err, -EINVAL, "--ifname %s: socket: %s", cfg->ifname,
				   strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, cfg->ifname, strlen(cfg->ifname));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0)
		rc = nfp_err_set(err, -EINVAL, "--ifname %s: cannot read its MAC address (%s); "
				 "give --local-mac", cfg->ifname, strerror(errno));
	else
		memcpy(cfg->local_mac, ifr.ifr_hwaddr.sa_data, 6);
	cfg->has_local_mac = rc == 0;
	close(fd);
	return rc;
}

/* The DPDK options: --vdev is required and must stay one EAL argument, with none of the
 * characters that would need quoting in the start line. */
static int check_eal(struct nfp_config *cfg, struct nfp_err *err)
{
	if (!cfg->vdev)
		return nfp_err_set(err, -EINVAL, "--vdev: required for --backend %s (the port, e.g. "
				   "net_memif0,role=client,socket=/run/nfvperf/m.sock)",
				   cfg->backend->name);
	if (!cfg->file_prefix[0])
		snprintf(cfg->file_prefix, sizeof(cfg->file_prefix), "nfp-%ld", (long)getpid());
	return 0;
}

/* A --vdev SPEC: a driver name ([A-Za-z0-9_]) then optional ",key=value" text, printable
 * ASCII without spaces, quotes or backslashes, at most 511 characters. */
static bool valid_vdev(const char *s)
{
	size_t i = 0;

	while (isalnum((unsigned char)s[i]) || s[i] == '_')
		i++;
	if (i == 0 || (s[i] && s[i] != ','))
		return false;
	for (; s[i]; i++)
		if (!isgraph((unsigned char)s[i]) || s[i] == '"' || s[i] == '\\' || i >= 511)
			return false;
	return true;
}

/* A --file-prefix NAME: 1..63 of [A-Za-z0-9._-], not starting with '.' or '-'. */
static bool valid_prefix(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

/* --cpu N must name a CPU this process may run on. */
static int check_cpu(const char *opt, long long cpu, const char *given, struct nfp_err *err)
{
	cpu_set_t set;
	char allowed[256] = "";
	size_t len = 0;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return nfp_err_set(err, -EINVAL, "%s: cannot read the allowed CPUs: %s", opt,
				   strerror(errno));
	if (cpu < CPU_SETSIZE && CPU_ISSET((int)cpu, &set))
		return 0;
	for (int i = 0; i < CPU_SETSIZE && len < sizeof(allowed) - 16; i++)
		if (CPU_ISSET(i, &set))
			len += (size_t)snprintf(allowed + len, sizeof(allowed) - len, "%s%d",
						len ? "," : "", i);
	return nfp_err_set(err, -EINVAL,
			   "%s: expected a CPU this process may use (%s), got '%s'", opt,
			   allowed, given);
}

static void set_defaults(struct nfp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->backend = nfp_find_backend(NFP_DEFAULT_BACKEND);
	cfg->frame_bytes = 64;
	cfg->rate_pps = 0;
	cfg->burst = 32;
	cfg->cpu = -1;
	cfg->rx_cpu = -1;
	cfg->interval_ms = 1000;
	cfg->mem_mb = 512;
}

int nfp_parse_args(int argc, char **argv, struct nfp_config *cfg, struct nfp_err *err)
{
	bool has_local = false, has_eal_opt = false;
	const char *eal_opt = NULL;
	long long v;
	int rc;

	set_defaults(cfg);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			nfp_print_usage();
			return 1;
		} else if (strcmp(argv[i], "--version") == 0) {
			/* One line the orchestrator parses: protocol version, then the compiled-in backends. */
			printf("%s protocol %d backends %s\n", NFP_APP_NAME, NFP_PROTOCOL_VERSION,
			       nfp_backend_names());
			return 1;
		}
	if (argc < 2)
		return nfp_err_set(err, -EINVAL, "expected a role (%s) as the first argument; "
				   "see --help", nfp_role_names());
	cfg->role = nfp_find_role(argv[1]);
	if (!cfg->role)
		return nfp_err_set(err, -EINVAL, "expected a role (%s) as the first argument, got "
				   "'%s'", nfp_role_names(), argv[1]);

	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '=');
		char opt[32];
		const char *val = NULL;
		size_t optlen = eq ? (size_t)(eq - arg) : strlen(arg);

		if (strncmp(arg, "--", 2) != 0 || optlen >= sizeof(opt))
			return nfp_err_set(err, -EINVAL, "unexpected argument '%s'; see --help", arg);
		memcpy(opt, arg, optlen);
		opt[optlen] = '\0';

		if (strcmp(opt, "--blocking") == 0) {
			if (eq)
				return nfp_err_set(err, -EINVAL, "%s: takes no value, got '%s'", opt,
						   arg);
			cfg->blocking = true;
			continue;
		}
		if (strcmp(opt, "--touch") == 0 || strcmp(opt, "--no-huge") == 0) {
			if (eq)
				return nfp_err_set(err, -EINVAL, "%s: takes no value, got '%s'", opt,
						   arg);
			if (opt[2] == 't') {
				cfg->touch = true;
			} else {
				cfg->no_huge = true;
				has_eal_opt = true;
				eal_opt = "--no-huge";
			}
			continue;
		}
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		}
#define NEED_VALUE()                                                                      \
	do {                                                                              \
		if (!val)                                                                 \
			return nfp_err_set(err, -EINVAL, "%s: expected a value", opt);   \
	} while (0)

		if (strcmp(opt, "--backend") == 0) {
			NEED_VALUE();
			cfg->backend = nfp_find_backend(val);
			if (!cfg->backend) {
				char exp[128];
				snprintf(exp, sizeof(exp), "one of %s", nfp_backend_names());
				return bad(err, opt, exp, val);
			}
		} else if (strcmp(opt, "--local") == 0) {
			NEED_VALUE();
			if ((rc = parse_addr(opt, val, true, &cfg->local, err)))
				return rc;
			has_local = true;
		} else if (strcmp(opt, "--remote") == 0) {
			NEED_VALUE();
			if ((rc = parse_addr(opt, val, false, &cfg->remote, err)))
				return rc;
			if (cfg->remote.sin_addr.s_addr == htonl(INADDR_ANY))
				return bad(err, opt, "a destination address, not 0.0.0.0", val);
			cfg->has_remote = true;
		} else if (strcmp(opt, "--size") == 0) {
			NEED_VALUE();
			if ((rc = parse_int(opt, val, NFP_FRAME_MIN, NFP_FRAME_MAX,
					    "an integer 60..9000", &v, err)))
				return rc;
			cfg->frame_bytes = (uint32_t)v;
		} else if (strcmp(opt, "--rate") == 0) {
			NEED_VALUE();
			if (strcmp(val, "max") == 0) {
				cfg->rate_pps = 0;
			} else {
				if ((rc = parse_double(opt, val, RATE_MIN, RATE_MAX,
						       "packets per second 0.001..1e9 (e.g. "
						       "1e5) or 'max'",
						       &cfg->rate_pps, err)))
					return rc;
			}
		} else if (strcmp(opt, "--burst") == 0) {
			NEED_VALUE();
			if ((rc = parse_int(opt, val, 1, NFP_BURST_MAX, "an integer 1..1024", &v,
					    err)))
				return rc;
			cfg->burst = (uint32_t)v;
		} else if (strcmp(opt, "--cpu") == 0) {
			NEED_VALUE();
			if ((rc = parse_int(opt, val, 0, INT_MAX, "a CPU number >= 0", &v, err)))
				return rc;
			if ((rc = check_cpu(opt, v, val, err)))
				return rc;
			cfg->cpu = (int)v;
		} else if (strcmp(opt, "--rx-cpu") == 0) {
			NEED_VALUE();
			if ((rc = parse_int(opt, val, 0, INT_MAX, "a CPU number >= 0", &v, err)))
				return rc;
			if ((rc = check_cpu(opt, v, val, err)))
				return rc;
			cfg->rx_cpu = (int)v;
		} else if (strcmp(opt, "--inflight") == 0) {
			NEED_VALUE();
			if ((rc = parse_int(opt, val, 1, NFP_INFLIGHT_MAX, "an integer 1..1048576",
					    &v, err)))
				return rc;
			cfg->inflight = (uint32_t)v;
		} else if (strcmp(opt, "--duration") == 0) {
			NEED_VALUE();
			if ((rc = parse_double(opt, val, 0, DURATION_MAX,
					       "seconds >= 0 (e.g. 10 or 2.5)", &cfg->duration_s,
					       err)))
				return rc;
		} else if (strcmp(opt, "--count") == 0) {
			NEED_VALUE();
			if ((rc = parse_int(opt, val, 0, LLONG_MAX, "an integer >= 0", &v, err)))
				return rc;
			cfg->count = (uint64_t)v;
		} else if (strcmp(opt, "--epoch-ns") == 0) {
			NEED_VALUE();
			if ((rc = parse_int(opt, val, 0, LLONG_MAX,
					    "CLOCK_MONOTONIC nanoseconds (an integer >= 0)", &v,
					    err)))
				return rc;
			cfg->epoch_ns = (uint64_t)v;
			cfg->has_epoch = true;
		} else if (strcmp(opt, "--interval-ms") == 0) {
			NEED_VALUE();
			if ((rc = parse_int(opt, val, 10, 60000, "an integer 10..60000", &v, err)))
				return rc;
			cfg->interval_ms = (uint32_t)v;
		} else if (strcmp(opt, "--flow") == 0) {
			NEED_VALUE();
			if ((rc = parse_int(opt, val, 0, 65535, "an integer 0..65535", &v, err)))
				return rc;
			cfg->flow = (uint16_t)v;
		} else if (strcmp(opt, "--ifname") == 0) {
			NEED_VALUE();
			if (!val[0] || strlen(val) >= sizeof(cfg->ifname))
				return bad(err, opt, "an interface name of 1..15 characters", val);
			snprintf(cfg->ifname, sizeof(cfg->ifname), "%s", val);
		} else if (strcmp(opt, "--local-mac") == 0) {
			NEED_VALUE();
			if ((rc = parse_mac(opt, val, cfg->local_mac, err)))
				return rc;
			cfg->has_local_mac = true;
		} else if (strcmp(opt, "--remote-mac") == 0) {
			NEED_VALUE();
			if ((rc = parse_mac(opt, val, cfg->remote_mac, err)))
				return rc;
			cfg->has_remote_mac = true;
		} else if (strcmp(opt, "--vdev") == 0) {
			NEED_VALUE();
			if (!valid_vdev(val))
				return bad(err, opt, "an EAL virtual device like "
					   "net_memif0,role=client,socket=/run/nfvperf/m.sock (a "
					   "driver name, then ,key=value; no spaces or quotes)", val);
			cfg->vdev = val;
			has_eal_opt = true;
			eal_opt = "--vdev";
		} else if (strcmp(opt, "--file-prefix") == 0) {
			NEED_VALUE();
			if (!valid_prefix(val))
				return bad(err, opt, "1..63 characters of A-Z a-z 0-9 . _ -", val);
			snprintf(cfg->file_prefix, sizeof(cfg->file_prefix), "%s", val);
			has_eal_opt = true;
			eal_opt = "--file-prefix";
		} else if (strcmp(opt, "--mem-mb") == 0) {
			NEED_VALUE();
			if ((rc = parse_int(opt, val, 64, 65536, "an integer 64..65536", &v, err)))
				return rc;
			cfg->mem_mb = (uint32_t)v;
			has_eal_opt = true;
			eal_opt = "--mem-mb";
		} else if (strcmp(opt, "--clock") == 0) {
			NEED_VALUE();
			if (strcmp(val, "auto") == 0)
				cfg->clock = NFP_CLOCK_AUTO;
			else if (strcmp(val, "tsc") == 0)
				cfg->clock = NFP_CLOCK_TSC;
			else if (strcmp(val, "gettime") == 0)
				cfg->clock = NFP_CLOCK_GETTIME;
			else
				return bad(err, opt, "auto, tsc or gettime", val);
		} else if (strcmp(opt, "--sched") == 0) {
			NEED_VALUE();
			if (strcmp(val, "other") != 0 && strcmp(val, "fifo") != 0)
				return bad(err, opt, "other or fifo", val);
			cfg->sched_fifo = strcmp(val, "fifo") == 0;
		} else if (strcmp(opt, "--rtt-dump") == 0) {
			NEED_VALUE();
			if (!val[0])
				return bad(err, opt, "a file path", val);
			cfg->rtt_dump = val;
		} else {
			return nfp_err_set(err, -EINVAL, "unknown option '%s'; see --help", opt);
		}
#undef NEED_VALUE
	}
	if (!has_local)
		return nfp_err_set(err, -EINVAL, "--local: required (IP:PORT to bind)");
	/* A PMD has no blocking receive: its queues are only ever polled. */
	if (cfg->blocking && (cfg->backend->flags & NFP_BACKEND_EAL))
		return nfp_err_set(err, -EINVAL, "--blocking: not for --backend %s (a DPDK port is "
				   "only polled)", cfg->backend->name);
	if (cfg->rx_cpu >= 0 && strcmp(cfg->role->name, "client") != 0)
		return nfp_err_set(err, -EINVAL, "--rx-cpu: only for client (its receive thread), "
				   "not %s", cfg->role->name);
	if (cfg->inflight && strcmp(cfg->role->name, "client") != 0)
		return nfp_err_set(err, -EINVAL, "--inflight: only for client (the frames awaiting "
				   "their echo), not %s", cfg->role->name);
	/* The window is counted where echoes are matched: one thread, so it never waits on a lock. */
	if (cfg->inflight && cfg->rx_cpu >= 0)
		return nfp_err_set(err, -EINVAL, "--inflight: not with --rx-cpu (the two-thread client "
				   "sends open loop); use one or the other");
	if (cfg->backend->flags & NFP_BACKEND_EAL) {
		if ((rc = check_eal(cfg, err)))
			return rc;
	} else if (has_eal_opt) {
		return nfp_err_set(err, -EINVAL, "%s: only for --backend dpdk, not --backend %s",
				   eal_opt, cfg->backend->name);
	}
	if (cfg->backend->flags & NFP_BACKEND_L2)
		return check_l2(cfg, err);
	if (cfg->ifname[0] || cfg->has_local_mac || cfg->has_remote_mac)
		return nfp_err_set(err, -EINVAL, "%s: only for the backends that build their own "
				   "frames (raw, raw-mmsg, af-xdp, dpdk), not --backend %s",
				   cfg->ifname[0] ? "--ifname" : cfg->has_local_mac ? "--local-mac"
				   : "--remote-mac", cfg->backend->name);
	return 0;
}
