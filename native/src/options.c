/* options.c — the command line, parsed into one struct nfp_config with full range checks.
 * Every message names the option and says what was expected and what was given; main prefixes
 * "nfvperf-app: " and exits 2. The options are documented in docs/app-protocol.md. */
#include "nfp.h"
#include "traffic.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
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

/* The options of the backends that build their own frames, for one port (`dir`: what the role
 * does on it): the interface must exist in the port's network namespace; its MAC is the default
 * local MAC. */
static int check_l2_port(struct nfp_config *cfg, struct nfp_port_spec *spec, unsigned dir,
			 struct nfp_err *err)
{
	const bool on_if = cfg->backend->flags & NFP_BACKEND_IFNAME;
	const char *pre = spec->opt_prefix;
	struct ifreq ifr;
	int fd, rc = 0;

	if (!on_if && spec->ifname[0])
		return nfp_err_set(err, -EINVAL, "%sifname: not for --backend %s (its port is "
				   "%svdev)", pre, cfg->backend->name, pre);
	if (on_if && !spec->ifname[0])
		return nfp_err_set(err, -EINVAL, "%sifname: required for --backend %s (the "
				   "interface to send and receive on)", pre, cfg->backend->name);
	if (spec->local.sin_addr.s_addr == htonl(INADDR_ANY))
		return nfp_err_set(err, -EINVAL, "%slocal: --backend %s needs a specific IPv4 "
				   "address, not 0.0.0.0", pre, cfg->backend->name);
	if ((dir & NFP_PORT_TX) && !spec->has_remote_mac)
		return nfp_err_set(err, -EINVAL, "%sremote-mac: required for %s with --backend %s "
				   "(the peer's MAC, e.g. from `ip -j link`)", pre, cfg->role->name,
				   cfg->backend->name);
	if (!on_if) /* dpdk: the port's MAC, known once it is open */
		return 0;
	if ((rc = nfp_netns_enter(spec->netns, pre[2] ? "--rx-netns" : "--netns", &fd, err)) < 0)
		return -EINVAL;
	spec->ifindex = if_nametoindex(spec->ifname);
	if (!spec->ifindex) {
		rc = nfp_err_set(err, -EINVAL, "%sifname: no interface '%s' in %s network "
				 "namespace", pre, spec->ifname, spec->netns ? spec->netns : "this");
	} else if (!spec->has_local_mac) {
		int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		memset(&ifr, 0, sizeof(ifr));
		memcpy(ifr.ifr_name, spec->ifname, strlen(spec->ifname));
		if (sock < 0 || ioctl(sock, SIOCGIFHWADDR, &ifr) != 0)
			rc = nfp_err_set(err, -EINVAL, "%sifname %s: cannot read its MAC address (%s); "
					 "give %slocal-mac", pre, spec->ifname, strerror(errno), pre);
		else
			memcpy(spec->local_mac, ifr.ifr_hwaddr.sa_data, 6);
		spec->has_local_mac = rc == 0;
		if (sock >= 0)
			close(sock);
	}
	nfp_netns_leave(fd);
	return rc;
}

static int check_l2(struct nfp_config *cfg, struct nfp_err *err)
{
	int rc = check_l2_port(cfg, &cfg->port, cfg->role->port_dir, err);

	return rc || !nfp_two_ports(cfg) ? rc
					 : check_l2_port(cfg, &cfg->rx_port, cfg->role->rx_port_dir, err);
}

/* The DPDK options: --vdev (and a two-port role's --rx-vdev) is required and must stay one EAL
 * argument, with none of the characters that would need quoting in the start line. Both ports
 * are probed by one EAL, in one network namespace. */
static int check_eal(struct nfp_config *cfg, struct nfp_err *err)
{
	if (!cfg->port.vdev)
		return nfp_err_set(err, -EINVAL, "--vdev: required for --backend %s (the port, e.g. "
				   "net_memif0,role=client,socket=/run/nfvperf/m.sock)",
				   cfg->backend->name);
	if (nfp_two_ports(cfg) && !cfg->rx_port.vdev)
		return nfp_err_set(err, -EINVAL, "--rx-vdev: required for %s with --backend %s (its "
				   "receive port, e.g. net_memif1,role=client,socket=/run/nfvperf/r.sock)",
				   cfg->role->name, cfg->backend->name);
	if (cfg->rx_port.netns && (!cfg->port.netns || strcmp(cfg->rx_port.netns, cfg->port.netns)))
		return nfp_err_set(err, -EINVAL, "--rx-netns: --backend %s probes both ports in one "
				   "EAL, in --netns's namespace: give the same path or none",
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
	cfg->port.opt_prefix = "--";
	cfg->rx_port.opt_prefix = "--rx-";
	cfg->backend = nfp_find_backend(NFP_DEFAULT_BACKEND);
	cfg->frame_bytes = 64;
	cfg->rate_pps = 0;
	cfg->burst = 32;
	cfg->cpu = -1;
	cfg->rx_cpu = -1;
	cfg->interval_ms = 1000;
	cfg->mem_mb = 512;
	cfg->flows = 1;
	cfg->queues = 1;
}

/* ---- the option table ----------------------------------------------------------------------
 * One row per option: how its value is read, which roles and backends accept it, and its usage
 * text. nfp_parse_args and nfp_print_usage are both driven by it; a new option is one row (plus
 * its field in struct nfp_config, and a reader when it is not a flag or a plain integer). */

enum opt_kind {
	OPT_FLAG,  /* no value: sets the bool at `field` */
	OPT_INT,   /* a decimal integer in [min, max], stored at `field` (an unsigned of `size` bytes) */
	OPT_READ,  /* a value `read` checks and stores */
	OPT_EXIT,  /* --help, --version: answered before anything else is parsed */
};

struct opt_spec {
	const char *name;     /* "--size" */
	const char *metavar;  /* the value's name in the usage ("BYTES"); NULL: takes none */
	enum opt_kind kind;
	size_t field, size;   /* OPT_FLAG, OPT_INT: offsetof/sizeof in struct nfp_config */
	long long min, max;   /* OPT_INT: the accepted range, and what the message says was */
	const char *expected; /* expected (OPT_READ readers may use it too) */
	int (*read)(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
		    struct nfp_err *err);
	const char *required; /* non-NULL: the option must be given; says what it is */
	const char *roles;    /* the roles that accept it, "a/b"; NULL: every role */
	const char *roles_why;/* with roles: why only those */
	bool rx;              /* a port option of the receive port (--rx-*), else of `port` */
	unsigned backend;     /* NFP_BACKEND_* flags a backend needs to accept it; 0: any */
	/* The usage text: '\n' continues under the first line; {BACKENDS} is every built backend,
	 * {L2} and {IFNAME} the built ones with that flag. */
	const char *help;
};

/* The port an option of o sets. */
static struct nfp_port_spec *spec_of(const struct opt_spec *o, struct nfp_config *cfg)
{
	return o->rx ? &cfg->rx_port : &cfg->port;
}

#define FIELD(f) .field = offsetof(struct nfp_config, f), .size = sizeof(((struct nfp_config *)0)->f)

static int read_backend(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
			struct nfp_err *err)
{
	char expected[128];

	cfg->backend = nfp_find_backend(val);
	if (cfg->backend)
		return 0;
	snprintf(expected, sizeof(expected), "one of %s", nfp_backend_names());
	return bad(err, o->name, expected, val);
}

static int read_local(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
		      struct nfp_err *err)
{
	return parse_addr(o->name, val, true, &spec_of(o, cfg)->local, err);
}

static int read_remote(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
		       struct nfp_err *err)
{
	struct nfp_port_spec *spec = spec_of(o, cfg);
	int rc = parse_addr(o->name, val, false, &spec->remote, err);

	if (rc)
		return rc;
	if (spec->remote.sin_addr.s_addr == htonl(INADDR_ANY))
		return bad(err, o->name, "a destination address, not 0.0.0.0", val);
	spec->has_remote = true;
	return 0;
}

static int read_rate(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
		     struct nfp_err *err)
{
	cfg->rate_pps = 0;
	return strcmp(val, "max") == 0 ? 0 : parse_double(o->name, val, RATE_MIN, RATE_MAX,
							  o->expected, &cfg->rate_pps, err);
}

static int read_probe_rate(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
			   struct nfp_err *err)
{
	return parse_double(o->name, val, RATE_MIN, RATE_MAX, o->expected, &cfg->probe_rate_pps,
			    err);
}

static int read_duration(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
			 struct nfp_err *err)
{
	return parse_double(o->name, val, 0, DURATION_MAX, o->expected, &cfg->duration_s, err);
}

/* --cpu, --rx-cpu: a CPU this process may run on, into the int at o->field. */
static int read_cpu(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
		    struct nfp_err *err)
{
	long long v;
	int rc = parse_int(o->name, val, 0, INT_MAX, o->expected, &v, err);

	if (rc || (rc = check_cpu(o->name, v, val, err)))
		return rc;
	*(int *)((char *)cfg + o->field) = (int)v;
	return 0;
}

static int read_epoch(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
		      struct nfp_err *err)
{
	long long v;
	int rc = parse_int(o->name, val, 0, LLONG_MAX, o->expected, &v, err);

	if (rc)
		return rc;
	cfg->epoch_ns = (uint64_t)v;
	cfg->has_epoch = true;
	return 0;
}

static int read_ifname(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
		       struct nfp_err *err)
{
	struct nfp_port_spec *spec = spec_of(o, cfg);

	if (!val[0] || strlen(val) >= sizeof(spec->ifname))
		return bad(err, o->name, "an interface name of 1..15 characters", val);
	snprintf(spec->ifname, sizeof(spec->ifname), "%s", val);
	return 0;
}

static int read_local_mac(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
			  struct nfp_err *err)
{
	struct nfp_port_spec *spec = spec_of(o, cfg);
	int rc = parse_mac(o->name, val, spec->local_mac, err);

	spec->has_local_mac = rc == 0;
	return rc;
}

static int read_remote_mac(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
			   struct nfp_err *err)
{
	struct nfp_port_spec *spec = spec_of(o, cfg);
	int rc = parse_mac(o->name, val, spec->remote_mac, err);

	spec->has_remote_mac = rc == 0;
	return rc;
}

static int read_vdev(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
		     struct nfp_err *err)
{
	if (!valid_vdev(val))
		return bad(err, o->name, "an EAL virtual device like "
			   "net_memif0,role=client,socket=/run/nfvperf/m.sock (a driver name, then "
			   ",key=value; no spaces or quotes)", val);
	spec_of(o, cfg)->vdev = val;
	return 0;
}

static int read_netns(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
		      struct nfp_err *err)
{
	int rc = nfp_netns_check(val, o->name, err);

	if (rc == 0)
		spec_of(o, cfg)->netns = val;
	return rc;
}

static int read_file_prefix(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
			    struct nfp_err *err)
{
	if (!valid_prefix(val))
		return bad(err, o->name, "1..63 characters of A-Z a-z 0-9 . _ -", val);
	snprintf(cfg->file_prefix, sizeof(cfg->file_prefix), "%s", val);
	return 0;
}

static int read_clock(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
		      struct nfp_err *err)
{
	static const char *const names[] = {
		[NFP_CLOCK_AUTO] = "auto", [NFP_CLOCK_TSC] = "tsc", [NFP_CLOCK_GETTIME] = "gettime",
	};

	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(val, names[i]) == 0) {
			cfg->clock = i;
			return 0;
		}
	return bad(err, o->name, "auto, tsc or gettime", val);
}

static int read_sched(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
		      struct nfp_err *err)
{
	if (strcmp(val, "other") != 0 && strcmp(val, "fifo") != 0)
		return bad(err, o->name, "other or fifo", val);
	cfg->sched_fifo = strcmp(val, "fifo") == 0;
	return 0;
}

static int read_rtt_dump(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
			 struct nfp_err *err)
{
	if (!val[0])
		return bad(err, o->name, "a file path", val);
	cfg->rtt_dump = val;
	return 0;
}

static int read_size_mix(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
			 struct nfp_err *err)
{
	(void)o;
	return nfp_traffic_parse_mix(val, &cfg->mix, err);
}

static int read_flow_addrs(const struct opt_spec *o, const char *val, struct nfp_config *cfg,
			   struct nfp_err *err)
{
	if (inet_pton(AF_INET, val, &cfg->flow_addrs) != 1)
		return bad(err, o->name, "an IPv4 address", val);
	cfg->has_flow_addrs = true;
	return 0;
}

/* In usage order. */
static const struct opt_spec OPTIONS[] = {
	{ "--backend", "NAME", OPT_READ, .read = read_backend,
	  .help = "I/O backend: {BACKENDS} (default " NFP_DEFAULT_BACKEND ")" },
	{ "--local", "IP:PORT", OPT_READ, .read = read_local, .required = "IP:PORT to bind",
	  .help = "IPv4 address and port to bind (required)" },
	{ "--remote", "IP:PORT", OPT_READ, .read = read_remote,
	  .help = "IPv4 destination (required for send, client, tester and\n"
		  "forwarder: its next hop)" },
	{ "--size", "BYTES", OPT_INT, FIELD(frame_bytes), NFP_FRAME_MIN, NFP_FRAME_MAX,
	  "an integer 60..9000",
	  .help = "Ethernet frame size without FCS, 60..9000 (default 64);\n"
		  "UDP payload = BYTES - 42; every byte counter counts BYTES per frame" },
	{ "--size-mix", "SIZE:WEIGHT,...", OPT_READ, .read = read_size_mix, .roles = "send/tester",
	  .roles_why = "the frames it sends",
	  .help = "send: frames of these sizes (60..9000) in these integer\n"
		  "proportions, interleaved in a fixed pattern (traffic.h), e.g.\n"
		  "IMIX 60:7,566:4,1514:1; byte counters count each frame's size" },
	{ "--flows", "N", OPT_INT, FIELD(flows), 1, NFP_FLOWS_MAX, "an integer 1..1000000",
	  .roles = "send/tester", .roles_why = "the tuples it sends from", .backend = NFP_BACKEND_L2,
	  .help = "send, {L2}: cycle through N\n"
		  "5-tuples, 1..1000000: UDP source ports from --local's up, and\n"
		  "above 64512 source addresses from --flow-addrs (default 1)" },
	{ "--flow-addrs", "IP", OPT_READ, .read = read_flow_addrs, .roles = "send/tester",
	  .roles_why = "the tuples it sends from", .backend = NFP_BACKEND_L2,
	  .help = "send, {L2}: with --flows above 64512, the\n"
		  "first of the extra source addresses (IP, IP+1, ...)" },
	{ "--queues", "N", OPT_INT, FIELD(queues), 1, NFP_QUEUES_MAX, "an integer 1..8",
	  .backend = NFP_BACKEND_QUEUES,
	  .help = "{QUEUES}: N receive and N transmit queues per port,\n"
		  "1..8 (default 1); a sender puts tuple t (--flows) on queue t mod N,\n"
		  "a receiver polls all N round robin from its one thread" },
	{ "--rate", "PPS|max", OPT_READ, .read = read_rate,
	  .expected = "packets per second 0.001..1e9 (e.g. 1e5) or 'max'",
	  .help = "packets per second, 0.001..1e9, e.g. 1000, 1e5, 0.5e6; or max,\n"
		  "unpaced (default max)" },
	{ "--burst", "N", OPT_INT, FIELD(burst), 1, NFP_BURST_MAX, "an integer 1..1024",
	  .help = "frames per burst and per send/receive call, 1..1024 (default 32)" },
	{ "--cpu", "N", OPT_READ, FIELD(cpu), .read = read_cpu, .expected = "a CPU number >= 0",
	  .help = "pin to CPU N (default: not pinned)" },
	{ "--duration", "S", OPT_READ, .read = read_duration,
	  .expected = "seconds >= 0 (e.g. 10 or 2.5)",
	  .help = "send/client/tester: stop at epoch + S seconds; 0 = until a\nsignal (default 0)" },
	{ "--count", "N", OPT_INT, FIELD(count), 0, LLONG_MAX, "an integer >= 0",
	  .help = "send/client/tester: stop after N frames accepted; 0 =\nunlimited (default 0)" },
	{ "--epoch-ns", "T", OPT_READ, .read = read_epoch,
	  .expected = "CLOCK_MONOTONIC nanoseconds (an integer >= 0)",
	  .help = "CLOCK_MONOTONIC ns: intervals are aligned to T + k*interval and\n"
		  "send waits until T before its first frame (default: now)" },
	{ "--interval-ms", "N", OPT_INT, FIELD(interval_ms), 10, 60000, "an integer 10..60000",
	  .help = "statistics interval, 10..60000 ms (default 1000)" },
	{ "--flow", "N", OPT_INT, FIELD(flow), 0, 65535, "an integer 0..65535",
	  .help = "flow id 0..65535 that send writes in each frame (default 0)" },
	{ "--blocking", NULL, OPT_FLAG, FIELD(blocking),
	  .help = "block in the I/O calls instead of polling: receivers sleep in\n"
		  "poll() until a frame or the next interval, senders wait for\n"
		  "socket buffer room (not for dpdk)" },
	{ "--rx-cpu", "N", OPT_READ, FIELD(rx_cpu), .read = read_cpu,
	  .expected = "a CPU number >= 0", .roles = "client", .roles_why = "its receive thread",
	  .help = "client: receive on a second thread pinned to CPU N (the\n"
		  "paper's two-thread client); default one thread" },
	{ "--inflight", "N", OPT_INT, FIELD(inflight), 1, NFP_INFLIGHT_MAX,
	  "an integer 1..1048576", .roles = "client",
	  .roles_why = "the frames awaiting their echo",
	  .help = "client: at most N frames awaiting their echo, 1..1048576; with\n"
		  "--rate max and N = 1 a closed-loop ping-pong (default: no\n"
		  "limit, open loop at --rate)" },
	{ "--touch", NULL, OPT_FLAG, FIELD(touch),
	  .help = "send/client: write every payload byte and a checksum; recv/client:\n"
		  "check every byte, counting frames without a checksum as corrupt" },
	{ "--ifname", "NAME", OPT_READ, .read = read_ifname, .backend = NFP_BACKEND_L2,
	  .help = "{IFNAME}: the interface to send and receive on\n(required)" },
	{ "--local-mac", "MAC", OPT_READ, .read = read_local_mac, .backend = NFP_BACKEND_L2,
	  .help = "{L2}: source MAC (default: the\ninterface's or the DPDK port's address)" },
	{ "--remote-mac", "MAC", OPT_READ, .read = read_remote_mac, .backend = NFP_BACKEND_L2,
	  .help = "{L2}: destination MAC (required for send\nand client)" },
	{ "--vdev", "SPEC", OPT_READ, .read = read_vdev, .backend = NFP_BACKEND_EAL,
	  .help = "dpdk: the port, an EAL --vdev (required), e.g.\n"
		  "net_memif0,role=client,socket=/run/nfvperf/m.sock" },
	{ "--netns", "PATH", OPT_READ, .read = read_netns,
	  .help = "open the port inside this network namespace (/run/netns/NAME,\n"
		  "/proc/PID/ns/net), then return (default: the app's own)" },
	{ "--rx-local", "IP:PORT", OPT_READ, .read = read_local, .rx = true,
	  .roles = "tester/forwarder", .roles_why = "their receive port",
	  .help = "tester/forwarder: the receive port's address and port to bind\n"
		  "(required for them; the unprefixed options name the transmit port)" },
	{ "--rx-ifname", "NAME", OPT_READ, .read = read_ifname, .rx = true,
	  .backend = NFP_BACKEND_L2, .roles = "tester/forwarder", .roles_why = "their receive port",
	  .help = "tester/forwarder, {IFNAME}: the receive port's interface" },
	{ "--rx-local-mac", "MAC", OPT_READ, .read = read_local_mac, .rx = true,
	  .backend = NFP_BACKEND_L2, .roles = "tester/forwarder", .roles_why = "their receive port",
	  .help = "tester/forwarder, {L2}: the receive port's MAC\n(default: its interface's or DPDK port's)" },
	{ "--rx-vdev", "SPEC", OPT_READ, .read = read_vdev, .rx = true,
	  .backend = NFP_BACKEND_EAL, .roles = "tester/forwarder", .roles_why = "their receive port",
	  .help = "tester/forwarder, dpdk: the receive port, a second --vdev of\nthe same EAL (required)" },
	{ "--rx-netns", "PATH", OPT_READ, .read = read_netns, .rx = true,
	  .roles = "tester/forwarder", .roles_why = "their receive port",
	  .help = "tester/forwarder: open the receive port inside this network\n"
		  "namespace (dpdk: the same as --netns, one EAL)" },
	{ "--file-prefix", "NAME", OPT_READ, .read = read_file_prefix, .backend = NFP_BACKEND_EAL,
	  .help = "dpdk: EAL --file-prefix (default nfp-<pid>)" },
	{ "--no-huge", NULL, OPT_FLAG, FIELD(no_huge), .backend = NFP_BACKEND_EAL,
	  .help = "dpdk: anonymous memory (-m --mem-mb) instead of hugepages" },
	{ "--mem-mb", "N", OPT_INT, FIELD(mem_mb), 64, 65536, "an integer 64..65536",
	  .backend = NFP_BACKEND_EAL,
	  .help = "dpdk: memory, 64..65536 MB, allocated at start (default: 512\nwith --no-huge; with hugepages, as needed)" },
	{ "--memif-no-wait", NULL, OPT_FLAG, FIELD(memif_no_wait), .backend = NFP_BACKEND_EAL,
	  .help = "dpdk: a memif client whose server is a switch (VPP): close\nat once, without waiting for the server to leave" },
	{ "--clock", "C", OPT_READ, .read = read_clock,
	  .help = "auto (default: the TSC when it is invariant, else\n"
		  "clock_gettime), tsc or gettime: what pacing and times read" },
	{ "--sched", "P", OPT_READ, .read = read_sched,
	  .help = "other (default) or fifo: SCHED_FIFO priority 1, ahead of\nevery ordinary task on its CPU (the kernel's RT throttling\nstill leaves others 5% of each second)" },
	{ "--latency", NULL, OPT_FLAG, FIELD(latency), .roles = "recv/tester",
	  .roles_why = "the receiving roles",
	  .help = "recv/tester: record every frame's one-way latency (now - its\n"
		  "send timestamp) in a histogram, `oneWay` in each line; one\n"
		  "host only (both apps read its CLOCK_MONOTONIC)" },
	{ "--latency-probes", NULL, OPT_FLAG, FIELD(latency_probes), .roles = "recv/tester",
	  .roles_why = "the receiving roles",
	  .help = "recv/tester: as --latency, but only the probe frames' (those a\n"
		  "sender's --probe-rate adds beside its load)" },
	{ "--probe-rate", "PPS", OPT_READ, .read = read_probe_rate, .roles = "send/tester",
	  .roles_why = "the frames it sends",
	  .expected = "packets per second 0.001..1e9 (e.g. 1e4)",
	  .help = "send/tester: beside the load, PPS latency probes: single\n"
		  "frames evenly spaced, each sent alone in its own send call and\n"
		  "stamped just before it, flagged as probes (wire.h); with\n"
		  "--duration (default: none)" },
	{ "--rtt-dump", "PATH", OPT_READ, .read = read_rtt_dump,
	  .help = "client: write every RTT sample (ns) to PATH, one per line" },
	{ "--help", NULL, OPT_EXIT, .help = "print this text and exit" },
	{ "--version", NULL, OPT_EXIT,
	  .help = "print the protocol version and the built-in backends" },
};

#define N_OPTIONS (sizeof(OPTIONS) / sizeof(OPTIONS[0]))
#define HELP_COLUMN 21 /* "  --file-prefix NAME " */

static const struct opt_spec *find_option(const char *name)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (strcmp(OPTIONS[i].name, name) == 0)
			return &OPTIONS[i];
	return NULL;
}

/* Whether `role` is one of the "a/b" list `roles`. */
static bool role_listed(const char *roles, const char *role)
{
	size_t n = strlen(role);

	for (const char *p = roles; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
		if (strncmp(p, role, n) == 0 && (p[n] == '/' || p[n] == '\0'))
			return true;
	return false;
}

/* One option's help text, its {NAME}s expanded, its continuation lines under the first. */
static void print_help(const char *text)
{
	static const struct { const char *token; unsigned flags; } lists[] = {
		{ "{BACKENDS}", 0 }, { "{L2}", NFP_BACKEND_L2 }, { "{IFNAME}", NFP_BACKEND_IFNAME },
		{ "{QUEUES}", NFP_BACKEND_QUEUES },
	};
	char names[128];

	while (*text) {
		size_t i = 0, n = 0;

		for (; i < sizeof(lists) / sizeof(lists[0]); i++)
			if (strncmp(text, lists[i].token, n = strlen(lists[i].token)) == 0)
				break;
		if (i < sizeof(lists) / sizeof(lists[0])) {
			fputs(nfp_backend_list(lists[i].flags, i == 0 ? "|" : ", ", names,
					       sizeof(names)), stdout);
			text += n;
		} else if (*text == '\n') {
			printf("\n%*s", HELP_COLUMN, "");
			text++;
		} else {
			putchar(*text++);
		}
	}
	putchar('\n');
}

void nfp_print_usage(void)
{
	printf("usage: " NFP_APP_NAME " ROLE [options]\n\nRoles: %s\n"
	       "  tester and forwarder hold two ports of one backend: the port options\n"
	       "  (--local, --remote, --ifname, --local-mac, --remote-mac, --vdev, --netns)\n"
	       "  name the transmit port, the --rx-* ones the receive port. tester sends as\n"
	       "  send does and receives as recv does, in one loop; forwarder sends every\n"
	       "  payload it receives on to --remote.\n\nOptions:\n", nfp_role_names());
	for (size_t i = 0; i < N_OPTIONS; i++) {
		char head[64];

		snprintf(head, sizeof(head), "%s%s%s", OPTIONS[i].name, OPTIONS[i].metavar ? " " : "",
			 OPTIONS[i].metavar ? OPTIONS[i].metavar : "");
		printf("  %-*s", HELP_COLUMN - 3, head);
		putchar(' ');
		print_help(OPTIONS[i].help);
	}
	printf("\n"
	       "Output: one JSON object per line on stdout (start, interval..., summary);\n"
	       "human text on stderr. SIGINT/SIGTERM stop cleanly after the summary.\n"
	       "Exit status: 0 done, 1 runtime failure, 2 bad arguments.\n");
}

/* Stores v (in the option's range, so >= 0) in the unsigned field of `size` bytes at p. */
static void store_uint(void *p, size_t size, long long v)
{
	if (size == sizeof(uint16_t))
		*(uint16_t *)p = (uint16_t)v;
	else if (size == sizeof(uint32_t))
		*(uint32_t *)p = (uint32_t)v;
	else
		*(uint64_t *)p = (uint64_t)v;
}

/* The given option that needs the backend flag `flag` the chosen backend lacks: the last one
 * given, or (first_in_table) the first in table order; NULL when there is none. */
static const struct opt_spec *misplaced(const struct nfp_config *cfg, const int *given,
					unsigned flag, bool first_in_table)
{
	const struct opt_spec *found = NULL;
	int at = 0;

	if ((cfg->backend->flags & flag) == flag)
		return NULL;
	for (size_t i = 0; i < N_OPTIONS; i++)
		if ((OPTIONS[i].backend & flag) && given[i] > at) {
			if (first_in_table)
				return &OPTIONS[i];
			found = &OPTIONS[i];
			at = given[i];
		}
	return found;
}

int nfp_parse_args(int argc, char **argv, struct nfp_config *cfg, struct nfp_err *err)
{
	int given[N_OPTIONS] = { 0 }; /* the argv index each option was last given at; 0: not */
	const struct opt_spec *o;
	char names[128];
	int rc;

	set_defaults(cfg);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
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
		o = find_option(opt);
		if (!o || o->kind == OPT_EXIT)
			return nfp_err_set(err, -EINVAL, "unknown option '%s'; see --help", opt);
		given[o - OPTIONS] = i;
		if (o->kind == OPT_FLAG) {
			if (eq)
				return nfp_err_set(err, -EINVAL, "%s: takes no value, got '%s'", opt,
						   arg);
			*(bool *)((char *)cfg + o->field) = true;
			continue;
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		if (!val)
			return nfp_err_set(err, -EINVAL, "%s: expected a value", opt);
		if (o->kind == OPT_INT) {
			long long v;

			if ((rc = parse_int(opt, val, o->min, o->max, o->expected, &v, err)))
				return rc;
			store_uint((char *)cfg + o->field, o->size, v);
		} else if ((rc = o->read(o, val, cfg, err))) {
			return rc;
		}
	}

	/* A probe stream runs on the load's schedule and ends with it: a frame count would mix the two. */
	if (cfg->probe_rate_pps > 0 && cfg->count)
		return nfp_err_set(err, -EINVAL, "--probe-rate: not with --count (probes and load "
				   "end together at --duration)");
	cfg->latency |= cfg->latency_probes;
	/* With hugepages too, memory asked for is allocated at start (dpdk.c says why). */
	cfg->mem_given = given[find_option("--mem-mb") - OPTIONS] != 0;

	/* What holds of the options together, in this order (the first that fails is reported). */
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (OPTIONS[i].required && !given[i])
			return nfp_err_set(err, -EINVAL, "%s: required (%s)", OPTIONS[i].name,
					   OPTIONS[i].required);
	if (nfp_two_ports(cfg) && !given[find_option("--rx-local") - OPTIONS])
		return nfp_err_set(err, -EINVAL, "--rx-local: required for %s (IP:PORT its receive "
				   "port binds)", cfg->role->name);
	/* A PMD has no blocking receive: its queues are only ever polled. */
	if (cfg->blocking && (cfg->backend->flags & NFP_BACKEND_EAL))
		return nfp_err_set(err, -EINVAL, "--blocking: not for --backend %s (a DPDK port is "
				   "only polled)", cfg->backend->name);
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (OPTIONS[i].roles && given[i] && !role_listed(OPTIONS[i].roles, cfg->role->name))
			return nfp_err_set(err, -EINVAL, "%s: only for %s (%s), not %s",
					   OPTIONS[i].name, OPTIONS[i].roles, OPTIONS[i].roles_why,
					   cfg->role->name);
	/* The window is counted where echoes are matched: one thread, so it never waits on a lock. */
	if (cfg->inflight && cfg->rx_cpu >= 0)
		return nfp_err_set(err, -EINVAL, "--inflight: not with --rx-cpu (the two-thread client "
				   "sends open loop); use one or the other");
	if (cfg->backend->flags & NFP_BACKEND_EAL) {
		if ((rc = check_eal(cfg, err)))
			return rc;
	} else if ((o = misplaced(cfg, given, NFP_BACKEND_EAL, false))) {
		return nfp_err_set(err, -EINVAL, "%s: only for --backend dpdk, not --backend %s",
				   o->name, cfg->backend->name);
	}
	if ((o = misplaced(cfg, given, NFP_BACKEND_QUEUES, false)))
		return nfp_err_set(err, -EINVAL, "%s: only for the backends whose ports have several "
				   "queues (%s), not --backend %s", o->name,
				   nfp_backend_list(NFP_BACKEND_QUEUES, ", ", names, sizeof(names)),
				   cfg->backend->name);
	/* --blocking sleeps in poll() on one descriptor (port->wait_fd): one queue's. */
	if (cfg->blocking && cfg->queues > 1)
		return nfp_err_set(err, -EINVAL, "--blocking: not with --queues %u (a blocking "
				   "receiver sleeps on one queue); poll, or use --queues 1",
				   cfg->queues);
	if (cfg->backend->flags & NFP_BACKEND_L2) {
		if ((rc = check_l2(cfg, err)))
			return rc;
	} else if ((o = misplaced(cfg, given, NFP_BACKEND_L2, true))) {
		return nfp_err_set(err, -EINVAL, "%s: only for the backends that build their own "
				   "frames (%s), not --backend %s", o->name,
				   nfp_backend_list(NFP_BACKEND_L2, ", ", names, sizeof(names)),
				   cfg->backend->name);
	}
	return nfp_traffic_check(cfg, err, given[find_option("--size") - OPTIONS] != 0);
}
