/* report.c — formats every line the app prints on stdout. Nothing else writes to stdout.
 * Each line is built in a buffer and written with one fputs, so a line is never split. Numbers
 * that can exceed 2^53 (CLOCK_MONOTONIC ns) are written as decimal strings; a value that does
 * not exist is null, never 0. */
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct line {
	char buf[2048];
	size_t len;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= sizeof(l->buf))
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
}

static void emit(struct line *l)
{
	if (l->len >= sizeof(l->buf) - 2) /* cannot happen with our fields; never print half */
		l->len = sizeof(l->buf) - 2;
	l->buf[l->len++] = '\n';
	l->buf[l->len] = '\0';
	fputs(l->buf, stdout);
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

void nfp_report_init(struct nfp_report *r, const struct nfp_config *cfg,
		     const struct nfp_role *role)
{
	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->role = role;
	r->interval_ns = (uint64_t)cfg->interval_ms * 1000000u;
	r->next_ns = UINT64_MAX; /* no ticks before begin */
}

void nfp_report_start(struct nfp_report *r)
{
	const struct nfp_config *cfg = r->cfg;
	char local[NFP_ADDR_STRLEN], remote[NFP_ADDR_STRLEN];
	struct line l = { .len = 0 };

	put(&l, "{\"type\":\"start\",\"role\":\"%s\",\"backend\":\"%s\",\"pid\":%ld",
	    r->role->name, cfg->backend->name, (long)getpid());
	if (cfg->cpu >= 0)
		put(&l, ",\"cpu\":%d", cfg->cpu);
	else
		put(&l, ",\"cpu\":null");
	put(&l, ",\"local\":\"%s\"", nfp_fmt_addr(&cfg->local, local));
	if (cfg->has_remote)
		put(&l, ",\"remote\":\"%s\"", nfp_fmt_addr(&cfg->remote, remote));
	else
		put(&l, ",\"remote\":null");
	put(&l, ",\"size\":%" PRIu32, cfg->frame_bytes);
	if (cfg->rate_pps > 0)
		put_num(&l, "rate", cfg->rate_pps);
	else
		put(&l, ",\"rate\":null");
	put(&l, ",\"burst\":%" PRIu32 ",\"flow\":%u,\"touch\":%s", cfg->burst, (unsigned)cfg->flow,
	    cfg->touch ? "true" : "false");
	if (cfg->duration_s > 0)
		put_num(&l, "durationS", cfg->duration_s);
	else
		put(&l, ",\"durationS\":null");
	if (cfg->count)
		put(&l, ",\"count\":%" PRIu64, cfg->count);
	else
		put(&l, ",\"count\":null");
	put_ns(&l, "epochNs", cfg->epoch_ns);
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
	struct line l = { .len = 0 };
	uint64_t user, sys;

	cpu_us(&user, &sys);
	put(&l, "{\"type\":\"interval\",\"role\":\"%s\",\"index\":%" PRId64, r->role->name,
	    r->index);
	put_ns(&l, "startNs", r->interval_start_ns);
	put_ns(&l, "endNs", now);
	put_counters(&l, r->role->fields, &r->stats.total, &r->last);
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
	struct line l = { .len = 0 };
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
