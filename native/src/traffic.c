/* traffic.c — frame sizes (--size-mix) and 5-tuples (--flows) per frame; rules in traffic.h. */
#include "traffic.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int nfp_traffic_parse_mix(const char *val, struct nfp_size_mix *mix, struct nfp_err *err)
{
	const char *p = val;
	uint64_t sum = 0;

	memset(mix, 0, sizeof(*mix));
	while (*p) {
		char *end;
		unsigned long size, weight;

		if (mix->n == NFP_MIX_SIZES_MAX)
			return nfp_err_set(err, -EINVAL, "--size-mix: at most %u sizes, got '%s'",
					   NFP_MIX_SIZES_MAX, val);
		errno = 0;
		size = strtoul(p, &end, 10);
		if (end == p || *end != ':' || errno || *p == '-')
			return nfp_err_set(err, -EINVAL, "--size-mix: expected SIZE:WEIGHT,... "
					   "(e.g. 60:7,566:4,1514:1), got '%s'", val);
		if (size < NFP_FRAME_MIN || size > NFP_FRAME_MAX)
			return nfp_err_set(err, -EINVAL, "--size-mix: frame size %lu is outside "
					   "%u..%u", size, NFP_FRAME_MIN, NFP_FRAME_MAX);
		p = end + 1;
		weight = strtoul(p, &end, 10);
		if (end == p || (*end && *end != ',') || errno || *p == '-' ||
		    weight > NFP_MIX_PATTERN_MAX)
			return nfp_err_set(err, -EINVAL, "--size-mix: weight of %lu: expected an "
					   "integer 0..%u, got '%s'", size, NFP_MIX_PATTERN_MAX, val);
		mix->size[mix->n] = (uint16_t)size;
		mix->weight[mix->n++] = (uint32_t)weight;
		sum += weight;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return nfp_err_set(err, -EINVAL, "--size-mix: trailing ',' in '%s'", val);
	}
	if (sum == 0 || sum > NFP_MIX_PATTERN_MAX)
		return nfp_err_set(err, -EINVAL, "--size-mix: the weights must sum to 1..%u, got "
				   "%llu in '%s'", NFP_MIX_PATTERN_MAX, (unsigned long long)sum, val);
	return 0;
}

uint32_t nfp_traffic_mix_max(const struct nfp_size_mix *mix)
{
	uint32_t max = 0;

	for (uint32_t i = 0; i < mix->n; i++)
		if (mix->weight[i] && mix->size[i] > max)
			max = mix->size[i];
	return max;
}

int nfp_traffic_check(struct nfp_config *cfg, struct nfp_err *err, bool size_given)
{
	char addr[INET_ADDRSTRLEN];

	if (cfg->mix.n) {
		uint32_t max = nfp_traffic_mix_max(&cfg->mix);

		if (size_given && cfg->frame_bytes != max)
			return nfp_err_set(err, -EINVAL, "--size %u: with --size-mix it is the mix's "
					   "largest frame, %u (or leave --size out)",
					   cfg->frame_bytes, max);
		cfg->frame_bytes = max;
	}
	if (cfg->flows > 1 && ntohs(cfg->port.local.sin_port) < NFP_FLOW_PORT_FIRST)
		return nfp_err_set(err, -EINVAL, "--flows %u: --local needs a port >= %u (tuple 0 "
				   "is --local; the others count up from it)", cfg->flows,
				   NFP_FLOW_PORT_FIRST);
	if (cfg->flows > NFP_FLOW_PORTS && !cfg->has_flow_addrs)
		return nfp_err_set(err, -EINVAL, "--flows %u: above %u flows the source address "
				   "varies too: give --flow-addrs (the first of %u extra addresses)",
				   cfg->flows, NFP_FLOW_PORTS,
				   (cfg->flows - 1) / NFP_FLOW_PORTS);
	if (cfg->has_flow_addrs && cfg->flows <= NFP_FLOW_PORTS)
		return nfp_err_set(err, -EINVAL, "--flow-addrs %s: only with --flows above %u (up "
				   "to that only the source port varies)",
				   inet_ntop(AF_INET, &cfg->flow_addrs, addr, sizeof(addr)),
				   NFP_FLOW_PORTS);
	return 0;
}

static uint32_t gcd(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t r = a % b;
		a = b;
		b = r;
	}
	return a;
}

/* The smooth weighted round robin of traffic.h, of payload sizes. */
static int build_pattern(struct nfp_traffic *t, const struct nfp_size_mix *mix)
{
	int64_t credit[NFP_MIX_SIZES_MAX] = { 0 };
	uint32_t weight[NFP_MIX_SIZES_MAX], g = 0, total = 0;

	for (uint32_t i = 0; i < mix->n; i++)
		g = gcd(g, mix->weight[i]);
	for (uint32_t i = 0; i < mix->n; i++) {
		weight[i] = mix->weight[i] / g;
		total += weight[i];
	}
	t->pattern = malloc(total * sizeof(*t->pattern));
	if (!t->pattern)
		return -ENOMEM;
	t->pattern_len = total;
	for (uint32_t k = 0; k < total; k++) {
		uint32_t best = 0;

		for (uint32_t i = 0; i < mix->n; i++) {
			credit[i] += weight[i];
			if (credit[i] > credit[best])
				best = i;
		}
		credit[best] -= total;
		t->pattern[k] = (uint16_t)(mix->size[best] - NFP_HDR_OVERHEAD);
	}
	return 0;
}

int nfp_traffic_init(struct nfp_traffic *t, const struct nfp_config *cfg, struct nfp_err *err)
{
	memset(t, 0, sizeof(*t));
	t->flows = cfg->flows ? cfg->flows : 1;
	t->port_off = ntohs(cfg->port.local.sin_port) - NFP_FLOW_PORT_FIRST;
	t->addr = ntohl(cfg->port.local.sin_addr.s_addr);
	t->flow_addr = ntohl(cfg->flow_addrs.s_addr);
	t->queues = cfg->queues ? cfg->queues : 1;
	if (cfg->mix.n) {
		if (build_pattern(t, &cfg->mix) < 0)
			return nfp_err_set(err, -ENOMEM, "--size-mix: out of memory");
		return 0;
	}
	t->pattern = malloc(sizeof(*t->pattern));
	if (!t->pattern)
		return nfp_err_set(err, -ENOMEM, "out of memory");
	t->pattern[0] = (uint16_t)nfp_payload_bytes(cfg);
	t->pattern_len = 1;
	return 0;
}

void nfp_traffic_free(struct nfp_traffic *t)
{
	free(t->pattern);
	t->pattern = NULL;
}

void nfp_traffic_fill(const struct nfp_traffic *t, struct nfp_pkt *pkts, unsigned n, uint64_t seq)
{
	/* Positions in the pattern and the tuple cycle advance by one per frame: one division
	 * each per burst, none per frame. */
	uint32_t k = t->pattern_len == 1 ? 0 : (uint32_t)(seq % t->pattern_len);

	if (t->pattern_len == 1 && t->flows == 1) { /* one size, one tuple: the common case */
		for (unsigned i = 0; i < n; i++)
			pkts[i].len = t->pattern[0];
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		pkts[i].len = t->pattern[k];
		if (++k == t->pattern_len)
			k = 0;
	}
	if (t->flows == 1)
		return; /* the port's own tuple: sport, saddr and queue stay 0 */
	uint32_t tuple = (uint32_t)(seq % t->flows);
	uint32_t a = tuple / NFP_FLOW_PORTS, j = tuple % NFP_FLOW_PORTS; /* address, port index */
	uint32_t q = tuple % t->queues; /* transmit queue */

	for (unsigned i = 0; i < n; i++) {
		uint32_t port = t->port_off + j;

		if (port >= NFP_FLOW_PORTS)
			port -= NFP_FLOW_PORTS;
		pkts[i].sport = htons((uint16_t)(NFP_FLOW_PORT_FIRST + port));
		pkts[i].saddr = htonl(a ? t->flow_addr + a - 1 : t->addr);
		pkts[i].queue = (uint16_t)q;
		if (++q == t->queues)
			q = 0;
		if (++tuple == t->flows) {
			tuple = a = j = q = 0;
		} else if (++j == NFP_FLOW_PORTS) {
			j = 0;
			a++;
		}
	}
}
