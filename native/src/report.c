/* report.c — formats every line the app prints on stdout. Nothing else writes to stdout.
 * Each line is built in a buffer and written with one fputs, so a line is never split. Numbers
 * that can exceed 2^53 (CLOCK_MONOTONIC ns) are written as decimal strings; a value that does
 * not exist is null, never 0. */
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* A line grows as needed (an RTT histogram can add tens of kB); `fixed` serves the common case
 * without allocating. If memory runs out the line is dropped whole, never printed in half. */
struct line {
	char fixed[2048];
	char *buf; /* fixed, or heap memory once it outgrew it */
	size_t len, cap;
	bool failed;
};

#define LINE_INIT(l) { .buf = (l).fixed, .cap = sizeof((l).fixed) }

static bool reserve(struct line *l, size_t more)
{
	size_t cap = l->cap;
	char *mem;

	if (l->len + more < l->cap)
		return true;
	while (cap <= l->len + more)
		cap *= 2;
	mem = l->buf == l->fixed ? malloc(cap) : realloc(l->buf, cap);
	if (!mem) {
		l->failed = true;
		return false;
	}
	if (l->buf == l->fixed)
		memcpy(mem, l->fixed, l->len);
	l->buf = mem;
	l->cap = cap;
	return true;
}

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, l->cap - l->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= l->cap - l->len) {
		if (!reserve(l, (size_t)n + 1))
			return;
		va_start(ap, fmt);
		vsnprintf(l->buf + l->len, l->cap - l->len, fmt, ap);
		va_end(ap);
	}
	l->len += (size_t)n;
}

static void emit(struct line *l)
{
	if (!l->failed && reserve(l, 2)) {
		l->buf[l->len++] = '\n';
		l->buf[l->len] = '\0';
		fputs(l->buf, stdout);
	} else {
		fputs("{\"type\":\"error\",\"message\":\"out of memory for an output line\"}\n",
		      stdout);
	}
	if (l->buf != l->fixed)
		free(l->buf);
	l->buf = l->fixed;
	l->len = 0;
	l->cap = sizeof(l->fixed);
}

static void put_ns(struct line *l, const char *key, uint64_t ns)
{
	put(l, ",\"%s\":\"%" PRIu64 "\"", key, ns);
}

/* A double as a JSON number (null when it is not finite). */
static void put_num(struct line *l, const char *key, double v)
{
	if (isfinite(v))
		put(l, ",\"%s\":%.15g", key, v);
	else
		put(l, ",\"%s\":null", key);
}

static void put_counters(struct line *l, const struct nfp_field *fields,
			 const struct nfp_counters *now, const struct nfp_counters *before)
{
	for (const struct nfp_field *f = fields; f->name; f++) {
		const char *a = (const char *)now + f->offset;
		const char *b = (const char *)before + f->offset;
		if (f->is_signed) {
			int64_t x, y;
			memcpy(&x, a, 8);
			memcpy(&y, b, 8);
			put(l, ",\"%s\":%" PRId64, f->name, x - y);
		} else {
			uint64_t x, y;
			memcpy(&x, a, 8);
			memcpy(&y, b, 8);
			put(l, ",\"%s\":%" PRIu64, f->name, x - y);
		}
	}
}

/* "KEY":{count, [late,] minNs, avgNs, maxNs, p50Ns..p999Ns, buckets:[[lowNs,count],...]}
 * (KEY rtt: the client's round trips; oneWay: a receiver's one-way latency, with `late` <
 * 0 for none); the percentiles are defined in hist.h. Values that do not exist (count 0) are
 * null. */
static void put_hist(struct line *l, const char *key, const struct nfp_hist *h, int64_t late)
{
	static const struct { const char *key; double q; } pct[] = {
		{ "p50Ns", 0.5 }, { "p90Ns", 0.9 }, { "p99Ns", 0.99 }, { "p999Ns", 0.999 },
	};
	bool first = true;

	put(l, ",\"%s\":{\"count\":%" PRIu64, key, h->count);
	if (late >= 0)
		put(l, ",\"late\":%" PRId64, late);
	if (h->count) {
		put(l, ",\"minNs\":%" PRIu64, h->min_ns);
		put_num(l, "avgNs", (double)h->sum_ns / (double)h->count);
		put(l, ",\"maxNs\":%" PRIu64, h->max_ns);
		for (size_t i = 0; i < sizeof(pct) / sizeof(pct[0]); i++)
			put(l, ",\"%s\":%" PRIu64, pct[i].key, nfp_hist_percentile(h, pct[i].q));
	} else {
		put(l, ",\"minNs\":null,\"avgNs\":null,\"maxNs\":null");
		for (size_t i = 0; i < sizeof(pct) / sizeof(pct[0]); i++)
			put(l, ",\"%s\":null", pct[i].key);
	}
	put(l, ",\"buckets\":[");
	for (unsigned i = 0; i < NFP_HIST_BUCKETS && h->count; i++) {
		if (!h->counts[i])
			continue;
		put(l, "%s[%" PRIu64 ",%" PRIu64 "]", first ? "" : ",", nfp_hist_low(i), h->counts[i]);
		first = false;
	}
	put(l, "]}");
}

static void cpu_us(uint64_t *user, uint64_t *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*user = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec;
	*sys = (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
}

/* floor(a / b) for b > 0, also for negative a. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Sets index and next_ns for the interval that contains now. */
static void align(struct nfp_report *r, uint64_t now)
{
	int64_t I = (int64_t)r->interval_ns;
	r->index = floor_div((int64_t)now - (int64_t)r->cfg->epoch_ns, I);
	r->next_ns = (uint64_t)((int64_t)r->cfg->epoch_ns + (r->index + 1) * I);
}

/* Per-queue counters (--queues), [q0, q1, ...]. */
static void put_queue_counts(struct line *l, const char *key, const uint64_t *counts, uint32_t n)
{
	put(l, ",\"%s\":[", key);
	for (uint32_t q = 0; q < n; q++)
		put(l, "%s%" PRIu64, q ? "," : "", counts[q]);
	put(l, "]");
}

void nfp_report_init(struct nfp_report *r, const struct nfp_config *cfg,
		     const struct nfp_role *role)
{
	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->role = role;
	r->interval_ns = (uint64_t)cfg->interval_ms * 1000000u;
	r->next_ns = UINT64_MAX; /* no ticks before begin */
	r->stats.one_way = cfg->latency;
	r->stats.one_way_probes = cfg->latency_probes;
}

/* A string field, or null. options.c admits no character in these that JSON would need escaped
 * (a --netns path is the exception: it is printed only with no '"' or '\\' in it). */
static void put_str(struct line *l, const char *prefix, const char *key, const char *v)
{
	char name[32];

	/* "ifname" or "rxIfname" */
	snprintf(name, sizeof(name), "%s%c%s", prefix, prefix[0] ? key[0] - 'a' + 'A' : key[0],
		 key + 1);
	if (v && !strpbrk(v, "\"\\"))
		put(l, ",\"%s\":\"%s\"", name, v);
	else
		put(l, ",\"%s\":null", name);
}

/* A port's interface, MACs and DPDK device (the one port, or with prefix "rx" the receive
 * port of a two-port role, whose fields are named rxIfname, ...); netns only for the ports
 * given one, so a single-port role's start line is as it always was. */
static void put_port(struct line *l, const struct nfp_config *cfg,
		     const struct nfp_port_spec *spec, const char *prefix)
{
	const bool l2 = cfg->backend->flags & NFP_BACKEND_L2;
	const bool own = prefix[0] == '\0';
	char mac[NFP_MAC_STRLEN], remote_mac[NFP_MAC_STRLEN];

	put_str(l, prefix, "ifname", l2 && spec->ifname[0] ? spec->ifname : NULL);
	put_str(l, prefix, "localMac", l2 ? nfp_fmt_mac(spec->local_mac, mac) : NULL);
	if (own)
		put_str(l, prefix, "remoteMac", l2 && spec->has_remote_mac
			? nfp_fmt_mac(spec->remote_mac, remote_mac) : NULL);
	put_str(l, prefix, "vdev", cfg->backend->flags & NFP_BACKEND_EAL ? spec->vdev : NULL);
	if (own)
		put_str(l, prefix, "filePrefix",
			cfg->backend->flags & NFP_BACKEND_EAL ? cfg->file_prefix : NULL);
	if (spec->netns || nfp_two_ports(cfg))
		put_str(l, prefix, "netns", spec->netns);
}

void nfp_report_start(struct nfp_report *r)
{
	const struct nfp_config *cfg = r->cfg;
	char local[NFP_ADDR_STRLEN], remote[NFP_ADDR_STRLEN];
	struct line l = LINE_INIT(l);

	put(&l, "{\"type\":\"start\",\"role\":\"%s\",\"backend\":\"%s\",\"pid\":%ld",
	    r->role->name, cfg->backend->name, (long)getpid());
	if (cfg->cpu >= 0)
		put(&l, ",\"cpu\":%d", cfg->cpu);
	else
		put(&l, ",\"cpu\":null");
	put(&l, ",\"local\":\"%s\"", nfp_fmt_addr(&cfg->port.local, local));
	if (cfg->port.has_remote)
		put(&l, ",\"remote\":\"%s\"", nfp_fmt_addr(&cfg->port.remote, remote));
	else
		put(&l, ",\"remote\":null");
	put(&l, ",\"size\":%" PRIu32, cfg->frame_bytes);
	if (cfg->rate_pps > 0)
		put_num(&l, "rate", cfg->rate_pps);
	else
		put(&l, ",\"rate\":null");
	put(&l, ",\"burst\":%" PRIu32 ",\"flow\":%u,\"touch\":%s", cfg->burst, (unsigned)cfg->flow,
	    cfg->touch ? "true" : "false");
	put(&l, ",\"mode\":\"%s\"", cfg->blocking ? "blocking" : "polling");
	put(&l, ",\"sched\":\"%s\"", cfg->sched_fifo ? "fifo" : "other");
	put(&l, ",\"queues\":%" PRIu32, cfg->queues);
	put(&l, ",\"latency\":%s", !cfg->latency ? "null"
				    : cfg->latency_probes ? "\"one-way probes\"" : "\"one-way\"");
	put(&l, ",\"clock\":{\"source\":\"%s\"", nfp_clock_source());
	if (nfp_clock.hz > 0)
		put(&l, ",\"tscHz\":%.0f}", nfp_clock.hz);
	else
		put(&l, ",\"tscHz\":null}");
	if (cfg->rx_cpu >= 0)
		put(&l, ",\"rxCpu\":%d", cfg->rx_cpu);
	else
		put(&l, ",\"rxCpu\":null");
	if (cfg->inflight)
		put(&l, ",\"inflight\":%" PRIu32, cfg->inflight);
	else
		put(&l, ",\"inflight\":null");
	if (cfg->duration_s > 0)
		put_num(&l, "durationS", cfg->duration_s);
	else
		put(&l, ",\"durationS\":null");
	if (cfg->count)
		put(&l, ",\"count\":%" PRIu64, cfg->count);
	else
		put(&l, ",\"count\":null");
	put_ns(&l, "epochNs", cfg->epoch_ns);
	put_port(&l, cfg, &cfg->port, "");
	if (nfp_two_ports(cfg)) {
		put(&l, ",\"rxLocal\":\"%s\"", nfp_fmt_addr(&cfg->rx_port.local, local));
		put_port(&l, cfg, &cfg->rx_port, "rx");
	}
	put(&l, ",\"intervalMs\":%" PRIu32 ",\"version\":%d}", cfg->interval_ms,
	    NFP_PROTOCOL_VERSION);
	emit(&l);
}

void nfp_report_begin(struct nfp_report *r, uint64_t now)
{
	r->begun = true;
	r->begin_ns = r->interval_start_ns = now;
	r->last = r->stats.total;
	cpu_us(&r->cpu_user_us0, &r->cpu_sys_us0);
	r->cpu_user_us_last = r->cpu_user_us0;
	r->cpu_sys_us_last = r->cpu_sys_us0;
	align(r, now);
}

void nfp_report_interval(struct nfp_report *r, uint64_t now, bool partial)
{
	struct line l = LINE_INIT(l);
	uint64_t user, sys;

	cpu_us(&user, &sys);
	put(&l, "{\"type\":\"interval\",\"role\":\"%s\",\"index\":%" PRId64, r->role->name,
	    r->index);
	put_ns(&l, "startNs", r->interval_start_ns);
	put_ns(&l, "endNs", now);
	put_counters(&l, r->role->fields, &r->stats.total, &r->last);
	if (r->role->rtt) {
		put_hist(&l, "rtt", &r->stats.rtt, -1);
		nfp_hist_merge(&r->rtt_total, &r->stats.rtt);
		nfp_hist_reset(&r->stats.rtt);
	}
	if (r->stats.one_way) {
		put_hist(&l, "oneWay", &r->stats.one_way_hist, (int64_t)r->stats.one_way_late);
		nfp_hist_merge(&r->one_way_total, &r->stats.one_way_hist);
		r->one_way_late_total += r->stats.one_way_late;
		nfp_hist_reset(&r->stats.one_way_hist);
		r->stats.one_way_late = 0;
	}
	put(&l, ",\"cpuUserUs\":%" PRIu64 ",\"cpuSysUs\":%" PRIu64, user - r->cpu_user_us_last,
	    sys - r->cpu_sys_us_last);
	if (partial)
		put(&l, ",\"partial\":true");
	put(&l, "}");
	emit(&l);

	r->last = r->stats.total;
	r->interval_start_ns = now;
	r->cpu_user_us_last = user;
	r->cpu_sys_us_last = sys;
	align(r, now);
}

void nfp_report_finish(struct nfp_report *r, uint64_t now)
{
	static const struct nfp_counters zero;
	const struct nfp_config *cfg = r->cfg;
	struct line l = LINE_INIT(l);
	uint64_t user, sys, duration_ns, pps_count;
	double seconds;

	if (!r->begun)
		nfp_report_begin(r, now);
	nfp_report_interval(r, now, true);

	cpu_us(&user, &sys);
	duration_ns = now - r->begin_ns;
	seconds = (double)duration_ns / 1e9;
	memcpy(&pps_count, (const char *)&r->stats.total + r->role->pps_offset, 8);

	put(&l, "{\"type\":\"summary\",\"role\":\"%s\"", r->role->name);
	put_ns(&l, "durationNs", duration_ns);
	put_ns(&l, "startNs", r->begin_ns);
	put_ns(&l, "endNs", now);
	put_counters(&l, r->role->fields, &r->stats.total, &zero);
	if (r->role->rtt)
		put_hist(&l, "rtt", &r->rtt_total, -1);
	if (r->stats.one_way)
		put_hist(&l, "oneWay", &r->one_way_total, (int64_t)r->one_way_late_total);
	if (cfg->queues > 1 && ((r->role->port_dir | r->role->rx_port_dir) & NFP_PORT_RX))
		put_queue_counts(&l, "rxQueuePackets", r->stats.rx_queue_packets, cfg->queues);
	if (cfg->rate_pps > 0)
		put_num(&l, "intendedPps", cfg->rate_pps);
	else
		put(&l, ",\"intendedPps\":null");
	put_num(&l, "achievedPps", duration_ns ? (double)pps_count / seconds : NAN);
	if (r->stats.first_pkt_ns) {
		put_ns(&l, "firstPacketNs", r->stats.first_pkt_ns);
		put_ns(&l, "lastPacketNs", r->stats.last_pkt_ns);
	} else {
		put(&l, ",\"firstPacketNs\":null,\"lastPacketNs\":null");
	}
	put(&l, ",\"cpuUserUs\":%" PRIu64 ",\"cpuSysUs\":%" PRIu64 "}", user - r->cpu_user_us0,
	    sys - r->cpu_sys_us0);
	emit(&l);
	fflush(stdout);
}
