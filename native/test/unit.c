/* unit.c — unit tests for the parts that need no network: the wire header, the checksum, the
 * sequence rules of stats.h, the echo rules and the RTT histogram, the raw backends' frame
 * headers and receive filter, and the option parser. `make -C native check` runs them. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "../src/backends/raw_common.h"
#include "hist.h"
#include "nfp.h"
#include "stats.h"
#include "traffic.h"
#include "wire.h"

static int failures, checks;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		checks++;                                                            \
		if (!(cond)) {                                                       \
			failures++;                                                  \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                              \
		}                                                                    \
	} while (0)

static void test_wire_roundtrip(void)
{
	uint8_t buf[18];
	struct nfp_wire_hdr h = { NFP_WIRE_MAGIC, 1, NFP_WIRE_F_TOUCH, 0x1234, 0x89abcdef,
				  0x01020304, 0xdeadbeef }, d;
	static const uint8_t want[18] = { 0x4e, 0x46, 0x01, 0x01, 0x12, 0x34, 0x89, 0xab, 0xcd,
					  0xef, 0x01, 0x02, 0x03, 0x04, 0xde, 0xad, 0xbe, 0xef };

	nfp_wire_encode(buf, &h);
	CHECK(memcmp(buf, want, sizeof(want)) == 0);
	CHECK(nfp_wire_decode(buf, sizeof(buf), &d) == NFP_WIRE_OK);
	CHECK(d.flow == 0x1234 && d.seq == 0x89abcdef && d.ts == 0x01020304 &&
	      d.csum == 0xdeadbeef && d.flags == NFP_WIRE_F_TOUCH);
	CHECK(nfp_wire_decode(buf, 17, &d) == NFP_WIRE_SHORT);
	buf[0] = 0;
	CHECK(nfp_wire_decode(buf, sizeof(buf), &d) == NFP_WIRE_BAD_MAGIC);
	buf[0] = 0x4e;
	buf[2] = 2;
	CHECK(nfp_wire_decode(buf, sizeof(buf), &d) == NFP_WIRE_BAD_VERSION);
}

/* The checksum as wire.h defines it, written the slow obvious way. */
static uint32_t csum_reference(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; 4 * i < len; i++) {
		uint32_t w = 0;
		for (size_t b = 0; b < 4; b++) {
			size_t off = 4 * i + b;
			uint8_t byte = (off < len && (off < 14 || off >= 18)) ? p[off] : 0;
			w = (w << 8) | byte;
		}
		sum += (w ^ (uint32_t)i) * 0x9E3779B1u;
	}
	return sum;
}

static void test_csum(void)
{
	uint8_t buf[NFP_PAYLOAD_MAX];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	for (size_t len = 18; len <= 64; len++)
		CHECK(nfp_wire_csum(buf, len) == csum_reference(buf, len));
	CHECK(nfp_wire_csum(buf, sizeof(buf)) == csum_reference(buf, sizeof(buf)));

	/* The csum field itself does not count; every single-bit flip elsewhere does. */
	uint32_t c = nfp_wire_csum(buf, 100);
	buf[15] ^= 0xff;
	CHECK(nfp_wire_csum(buf, 100) == c);
	for (size_t bit = 0; bit < 100 * 8; bit++) {
		if (bit / 8 >= 14 && bit / 8 < 18)
			continue;
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (nfp_wire_csum(buf, 100) == c) {
			CHECK(!"bit flip not detected");
			break;
		}
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* Swapped words are caught. */
	uint8_t tmp[4];
	memcpy(tmp, buf + 40, 4);
	memcpy(buf + 40, buf + 60, 4);
	memcpy(buf + 60, tmp, 4);
	CHECK(nfp_wire_csum(buf, 100) != c);

	/* set_csum stores it big-endian at offset 14 and the receiver's check passes. */
	struct nfp_wire_hdr h = { NFP_WIRE_MAGIC, 1, NFP_WIRE_F_TOUCH, 0, 5, 6, 0 }, d;
	nfp_wire_encode(buf, &h);
	nfp_wire_set_csum(buf, 60);
	CHECK(nfp_wire_decode(buf, 60, &d) == NFP_WIRE_OK && d.csum == nfp_wire_csum(buf, 60));
}

static void test_seq_extend(void)
{
	CHECK(nfp_seq_extend(-1, 0) == 0);
	CHECK(nfp_seq_extend(-1, 5) == 5);
	CHECK(nfp_seq_extend(0xfffffffeLL, 1) == 0x100000001LL);     /* wrap forwards */
	CHECK(nfp_seq_extend(0x100000001LL, 0xffffffffu) == 0xffffffffLL); /* late across */
	CHECK(nfp_seq_extend(10, 0xffffffffu) == -1);                 /* before the start */
}

static struct nfp_counters track(struct nfp_seq_state *st, const uint32_t *seqs, size_t n)
{
	struct nfp_counters c = { 0 };
	for (size_t i = 0; i < n; i++)
		nfp_seq_track(st, seqs[i], &c);
	return c;
}

static void test_seq_rules(void)
{
	struct nfp_seq_state st;
	struct nfp_counters c;

	nfp_seq_init(&st);
	c = track(&st, (const uint32_t[]){ 0, 1, 2, 3 }, 4);
	CHECK(c.lost == 0 && c.reordered == 0 && c.duplicates == 0);

	nfp_seq_init(&st); /* 2 is late, 3 duplicated */
	c = track(&st, (const uint32_t[]){ 0, 1, 3, 2, 3, 4 }, 6);
	CHECK(c.lost == 0 && c.reordered == 1 && c.duplicates == 1);

	nfp_seq_init(&st); /* 2..4 lost */
	c = track(&st, (const uint32_t[]){ 0, 1, 5, 6 }, 4);
	CHECK(c.lost == 3 && c.reordered == 0 && c.duplicates == 0);

	nfp_seq_init(&st); /* the first frames of a flow missing count as lost */
	c = track(&st, (const uint32_t[]){ 3, 4 }, 2);
	CHECK(c.lost == 3);

	nfp_seq_init(&st); /* a first frame past 2^31 is still a gap from 0, not a late frame */
	c = track(&st, (const uint32_t[]){ 0xf0000000u, 0xf0000001u }, 2);
	CHECK(c.lost == 0xf0000000LL && c.reordered == 0);

	nfp_seq_init(&st); /* a duplicate of the newest */
	c = track(&st, (const uint32_t[]){ 0, 0, 1, 1 }, 4);
	CHECK(c.lost == 0 && c.duplicates == 2 && c.reordered == 0);

	/* Across 2^32, with a gap that wraps. */
	nfp_seq_init(&st);
	st.max = 0xfffffffdLL;
	st.seen[(0xfffffffdULL % NFP_SEQ_WINDOW) / 64] |= 1ull << (0xfffffffdULL % 64);
	c = track(&st, (const uint32_t[]){ 0xfffffffeu, 1, 0xffffffffu, 0, 2 }, 5);
	CHECK(c.lost == 0 && c.reordered == 2 && c.duplicates == 0);
	CHECK(st.max == 0x100000002LL);

	/* A jump larger than the window, then a late frame from the old window: counted reordered
	 * and lost goes down, without reading stale bits. */
	nfp_seq_init(&st);
	c = track(&st, (const uint32_t[]){ 0, 10000, 5000, 5000 }, 4);
	CHECK(c.lost == 9999 - 2 && c.reordered == 2 && c.duplicates == 0);
	c = track(&st, (const uint32_t[]){ 9999, 9999, 10001 }, 3);
	CHECK(c.lost == -1 && c.reordered == 1 && c.duplicates == 1);

	/* Bits from a previous pass through the window are forgotten. */
	nfp_seq_init(&st);
	for (uint32_t s = 0; s < NFP_SEQ_WINDOW; s++)
		nfp_seq_track(&st, s, &c);
	c = (struct nfp_counters){ 0 };
	nfp_seq_track(&st, NFP_SEQ_WINDOW + NFP_SEQ_WINDOW / 2, &c);
	CHECK(c.lost == NFP_SEQ_WINDOW / 2);
	nfp_seq_track(&st, NFP_SEQ_WINDOW + 10, &c); /* its bit was seq 10's: late, not duplicate */
	CHECK(c.reordered == 1 && c.duplicates == 0 && c.lost == NFP_SEQ_WINDOW / 2 - 1);
	nfp_seq_track(&st, NFP_SEQ_WINDOW / 2 + 1, &c); /* still in the window, and seen */
	CHECK(c.reordered == 1 && c.duplicates == 1);

	/* Lost never goes negative on frames older than the window. */
	nfp_seq_init(&st);
	c = track(&st, (const uint32_t[]){ 0, 1, 2 }, 3);
	for (uint32_t s = 3; s < NFP_SEQ_WINDOW + 10; s++)
		nfp_seq_track(&st, s, &c);
	nfp_seq_track(&st, 1, &c);
	CHECK(c.lost == 0 && c.reordered == 1);
}

static void put_frame(uint8_t *buf, size_t len, uint16_t flow, uint32_t seq, bool touch)
{
	struct nfp_wire_hdr h = { NFP_WIRE_MAGIC, 1, touch ? NFP_WIRE_F_TOUCH : 0, flow, seq, 0, 0 };
	memset(buf, 0, len);
	for (size_t i = 18; i < len; i++)
		buf[i] = (uint8_t)(i + seq);
	nfp_wire_encode(buf, &h);
	if (touch)
		nfp_wire_set_csum(buf, len);
}

static void test_stats_rx(void)
{
	static uint8_t bufs[8][64];
	struct nfp_pkt pkts[8];
	struct nfp_stats s = { 0 };
	struct nfp_flows *flows;

	CHECK(nfp_flows_new(&flows) == 0);
	put_frame(bufs[0], 22, 0, 0, true);
	put_frame(bufs[1], 22, 7, 0, true);  /* another flow: its own sequence */
	put_frame(bufs[2], 22, 0, 1, true);
	put_frame(bufs[3], 22, 0, 2, true);
	bufs[3][21] ^= 1;                    /* corrupt data */
	put_frame(bufs[4], 22, 0, 3, false); /* not touched, with require_touch: corrupt */
	memcpy(bufs[5], "hello world, not ours", 22); /* foreign */
	put_frame(bufs[6], 17, 0, 4, false); /* short: foreign */
	put_frame(bufs[7], 22, 0, 5, true);  /* 4 never arrives: lost */
	for (int i = 0; i < 8; i++)
		pkts[i] = (struct nfp_pkt){ .data = bufs[i], .len = i == 6 ? 17 : 22 };
	CHECK(nfp_stats_rx(&s, flows, pkts, 8, true, 123) == 0);
	CHECK(s.total.rx_packets == 6 && s.total.rx_bytes == 6 * 64);
	CHECK(s.total.foreign == 2 && s.total.corrupt == 2 && s.total.lost == 1);
	CHECK(s.total.reordered == 0 && s.total.duplicates == 0);
	CHECK(s.first_pkt_ns == 123 && s.last_pkt_ns == 123);
	CHECK(s.one_way_hist.count == 0); /* rule 5 is off unless asked */
	nfp_flows_free(flows);
}

/* Rule 5: one-way latency = now - ts mod 2^32, across the 32-bit wrap; > 1 s (or "negative") late. */
static void test_stats_one_way(void)
{
	static uint8_t bufs[4][64];
	static const uint32_t ts[4] = { 0xfffffc18u, 0x00000064u, 0x000003e8u, 0x00001000u };
	struct nfp_pkt pkts[4];
	static struct nfp_stats s;
	struct nfp_flows *flows;
	const uint64_t now = 0x500000000ull + 0x3e8; /* low 32 bits: 1000, just past a wrap */

	CHECK(nfp_flows_new(&flows) == 0);
	s.one_way = true;
	for (int i = 0; i < 4; i++) {
		put_frame(bufs[i], 22, 0, (uint32_t)i, false);
		nfp_wire_put_ts(bufs[i], ts[i]);
		pkts[i] = (struct nfp_pkt){ bufs[i], 22 };
	}
	CHECK(nfp_stats_rx(&s, flows, pkts, 4, false, now) == 0);
	/* 2000 ns (sent before the wrap), 900 ns, 0 ns; the last is 3096 ns in the future: late */
	CHECK(s.total.rx_packets == 4 && s.one_way_hist.count == 3 && s.one_way_late == 1);
	CHECK(s.one_way_hist.min_ns == 0 && s.one_way_hist.max_ns == 2000);
	CHECK(s.one_way_hist.sum_ns == 2900);
	CHECK(s.one_way_hist.counts[nfp_hist_index(900)] == 1);
	nfp_flows_free(flows);
}

static int parse(const char *line, struct nfp_config *cfg, struct nfp_err *err)
{
	char copy[512], *argv[32];
	int argc = 0;

	snprintf(copy, sizeof(copy), "%s", line);
	argv[argc++] = "nfvperf-app";
	for (char *tok = strtok(copy, " "); tok && argc < 31; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	err->msg[0] = '\0';
	return nfp_parse_args(argc, argv, cfg, err);
}

static void expect_bad(const char *line, const char *msg)
{
	struct nfp_config cfg;
	struct nfp_err err;
	int rc = parse(line, &cfg, &err);

	CHECK(rc == -EINVAL);
	if (rc != -EINVAL || strcmp(err.msg, msg) != 0) {
		failures++;
		fprintf(stderr, "options '%s': got %d '%s', want '%s'\n", line, rc, err.msg, msg);
	}
}

static void test_options(void)
{
	struct nfp_config cfg;
	struct nfp_err err;

	CHECK(parse("recv --local 198.18.0.2:5001", &cfg, &err) == 0);
	CHECK(strcmp(cfg.role->name, "recv") == 0 && strcmp(cfg.backend->name, "udp-mmsg") == 0);
	CHECK(cfg.frame_bytes == 64 && cfg.burst == 32 && cfg.rate_pps == 0 && cfg.cpu == -1 &&
	      cfg.interval_ms == 1000 && !cfg.has_epoch && !cfg.touch);
	CHECK(ntohs(cfg.port.local.sin_port) == 5001);

	CHECK(parse("send --local 198.18.0.1:0 --remote=198.18.0.2:5001 --rate 0.5e6 --size 1518 "
		    "--burst 1024 --duration 2.5 --count 7 --epoch-ns 123456789012 "
		    "--interval-ms 10 --flow 65535 --touch --backend udp",
		    &cfg, &err) == 0);
	CHECK(cfg.rate_pps == 500000 && cfg.frame_bytes == 1518 && cfg.burst == 1024 &&
	      cfg.duration_s == 2.5 && cfg.count == 7 && cfg.epoch_ns == 123456789012ull &&
	      cfg.has_epoch && cfg.interval_ms == 10 && cfg.flow == 65535 && cfg.touch &&
	      strcmp(cfg.backend->name, "udp") == 0 && cfg.port.has_remote);
	CHECK(parse("send --local 1.2.3.4:1 --rate 1e5", &cfg, &err) == 0 && cfg.rate_pps == 1e5);
	CHECK(parse("send --local 1.2.3.4:1 --rate max", &cfg, &err) == 0 && cfg.rate_pps == 0);

	expect_bad("recv --local 1.2.3.4:1 --size 59",
		   "--size: expected an integer 60..9000, got '59'");
	expect_bad("recv --local 1.2.3.4:1 --size 9001",
		   "--size: expected an integer 60..9000, got '9001'");
	expect_bad("recv --local 1.2.3.4:1 --size 64x",
		   "--size: expected an integer 60..9000, got '64x'");
	expect_bad("recv --local 1.2.3.4:1 --size", "--size: expected a value");
	expect_bad("recv --local 1.2.3.4:1 --burst 0",
		   "--burst: expected an integer 1..1024, got '0'");
	expect_bad("recv --local 1.2.3.4:1 --rate 0",
		   "--rate: expected packets per second 0.001..1e9 (e.g. 1e5) or 'max', got '0'");
	expect_bad("recv --local 1.2.3.4:1 --rate -5",
		   "--rate: expected packets per second 0.001..1e9 (e.g. 1e5) or 'max', got '-5'");
	expect_bad("recv --local 1.2.3.4:1 --rate inf",
		   "--rate: expected packets per second 0.001..1e9 (e.g. 1e5) or 'max', got 'inf'");
	expect_bad("recv --local 1.2.3.4:1 --rate 0x10",
		   "--rate: expected packets per second 0.001..1e9 (e.g. 1e5) or 'max', got '0x10'");
	expect_bad("recv --local 1.2.3.4:1 --flow 65536",
		   "--flow: expected an integer 0..65535, got '65536'");
	expect_bad("recv --local 1.2.3.4:1 --interval-ms 9",
		   "--interval-ms: expected an integer 10..60000, got '9'");
	expect_bad("recv --local 1.2.3.4:1 --duration -1",
		   "--duration: expected seconds >= 0 (e.g. 10 or 2.5), got '-1'");
	expect_bad("recv --local 1.2.3.4:1 --count -1", "--count: expected an integer >= 0, got '-1'");
	expect_bad("recv --local 1.2.3.4:1 --epoch-ns 99999999999999999999",
		   "--epoch-ns: expected CLOCK_MONOTONIC nanoseconds (an integer >= 0), got "
		   "'99999999999999999999'");
	expect_bad("recv --local 1.2.3.4", "--local: expected IPv4 IP:PORT with PORT 0..65535, got "
		   "'1.2.3.4'");
	expect_bad("recv --local ::1:5", "--local: expected IPv4 IP:PORT with PORT 0..65535, got "
		   "'::1:5'");
	expect_bad("send --local 1.2.3.4:5 --remote 1.2.3.4:0", "--remote: expected IPv4 IP:PORT "
		   "with PORT 1..65535, got '1.2.3.4:0'");
	{
		char msg[256];
		snprintf(msg, sizeof(msg), "--backend: expected one of %s, got 'bogus'",
			 nfp_backend_names());
		expect_bad("recv --local 1.2.3.4:1 --backend bogus", msg);
		CHECK(strncmp(nfp_backend_names(), "udp|udp-mmsg|raw|raw-mmsg", 25) == 0);
	}
	CHECK(parse("recv --local 1.2.3.4:1 --cpu 100000", &cfg, &err) == -EINVAL);
	static const char cpu_msg[] = "--cpu: expected a CPU this process may use (";
	CHECK(strncmp(err.msg, cpu_msg, sizeof(cpu_msg) - 1) == 0);
	CHECK(strstr(err.msg, "), got '100000'") != NULL);
	expect_bad("recv --local 1.2.3.4:1 --bogus 1", "unknown option '--bogus'; see --help");
	expect_bad("recv --local 1.2.3.4:1 --touch=1", "--touch: takes no value, got '--touch=1'");
	expect_bad("recv", "--local: required (IP:PORT to bind)");
	expect_bad("bounce --local 1.2.3.4:1",
		   "expected a role (send|recv|server|client|tester|forwarder) as the first argument, got 'bounce'");
	expect_bad("recv --local 1.2.3.4:1 extra", "unexpected argument 'extra'; see --help");

	/* The raw backends' options. "lo" exists in every network namespace. */
	CHECK(parse("send --backend raw --ifname lo --local 127.0.0.1:0 --remote 127.0.0.2:9 "
		    "--remote-mac 02:00:00:00:00:0B --local-mac 02:00:00:00:00:0a",
		    &cfg, &err) == 0);
	CHECK(cfg.port.ifindex > 0 && cfg.port.has_remote_mac && cfg.port.remote_mac[5] == 0x0b &&
	      cfg.port.local_mac[0] == 2 && cfg.port.local_mac[5] == 0x0a);
	CHECK(parse("recv --backend raw-mmsg --ifname lo --local 127.0.0.1:9", &cfg, &err) == 0);
	CHECK(memcmp(cfg.port.local_mac, "\0\0\0\0\0\0", 6) == 0); /* read from lo */
	CHECK(parse("server --backend raw --ifname lo --local 127.0.0.1:9", &cfg, &err) == 0);
	expect_bad("recv --backend raw --local 127.0.0.1:9",
		   "--ifname: required for --backend raw (the interface to send and receive on)");
	expect_bad("recv --backend raw --ifname nfp-none0 --local 127.0.0.1:9",
		   "--ifname: no interface 'nfp-none0' in this network namespace");
	expect_bad("send --backend raw-mmsg --ifname lo --local 127.0.0.1:9 --remote 127.0.0.1:7",
		   "--remote-mac: required for send with --backend raw-mmsg (the peer's MAC, e.g. "
		   "from `ip -j link`)");
	expect_bad("client --backend raw --ifname lo --local 127.0.0.1:9 --remote 127.0.0.1:7",
		   "--remote-mac: required for client with --backend raw (the peer's MAC, e.g. "
		   "from `ip -j link`)");
	expect_bad("recv --backend raw --ifname lo --local 0.0.0.0:9",
		   "--local: --backend raw needs a specific IPv4 address, not 0.0.0.0");
	{
		/* The list is the registry's backends with NFP_BACKEND_L2, as built. Of several
		 * misplaced frame options the first of --ifname, --local-mac, --remote-mac is named. */
		static const char fmt[] = "%s: only for the backends that build their own frames "
					  "(%s), not --backend udp-mmsg";
		char l2[128], msg[256];

		nfp_backend_list(NFP_BACKEND_L2, ", ", l2, sizeof(l2));
		snprintf(msg, sizeof(msg), fmt, "--ifname", l2);
		expect_bad("recv --local 1.2.3.4:1 --ifname lo", msg);
		snprintf(msg, sizeof(msg), fmt, "--local-mac", l2);
		expect_bad("recv --local 1.2.3.4:1 --remote-mac 02:00:00:00:00:01 --local-mac "
			   "02:00:00:00:00:01", msg);
		CHECK(strncmp(l2, "raw, raw-mmsg", 13) == 0);
		CHECK(strcmp(nfp_backend_list(NFP_BACKEND_IFNAME | NFP_BACKEND_L2, "/", l2, 13),
			     "raw/raw-mmsg") == 0); /* what does not fit is left out */
	}
	expect_bad("recv --local 1.2.3.4:1 --vdev net_null0", "--vdev: only for --backend dpdk, "
		   "not --backend udp-mmsg");
	expect_bad("recv --backend raw --ifname lo --local 127.0.0.1:9 --no-huge",
		   "--no-huge: only for --backend dpdk, not --backend raw");
	/* Of several misplaced DPDK options the last given is named. */
	expect_bad("recv --local 1.2.3.4:1 --vdev net_null0 --no-huge",
		   "--no-huge: only for --backend dpdk, not --backend udp-mmsg");
	expect_bad("recv --local 1.2.3.4:1 --rx-cpu 0", "--rx-cpu: only for client (its receive "
		   "thread), not recv");
	expect_bad("send --local 1.2.3.4:1 --remote 1.2.3.4:2 --latency",
		   "--latency: only for recv/tester (the receiving roles), not send");
	CHECK(parse("recv --local 1.2.3.4:1 --latency", &cfg, &err) == 0 && cfg.latency);
	expect_bad("recv --local 1.2.3.4:1 --help=1", "unknown option '--help'; see --help");
#ifdef NFP_HAVE_AF_XDP
	CHECK(parse("server --backend af-xdp --ifname lo --local 127.0.0.1:9", &cfg, &err) == 0);
	expect_bad("recv --backend af-xdp --local 127.0.0.1:9",
		   "--ifname: required for --backend af-xdp (the interface to send and receive on)");
	expect_bad("send --backend af-xdp --ifname lo --local 127.0.0.1:9 --remote 127.0.0.1:7",
		   "--remote-mac: required for send with --backend af-xdp (the peer's MAC, e.g. "
		   "from `ip -j link`)");
#endif
#ifdef NFP_HAVE_DPDK
	CHECK(parse("send --backend dpdk --vdev net_memif0,role=client,socket=/run/nfvperf/m.sock "
		    "--local 198.18.0.1:0 --remote 198.18.0.2:9 --remote-mac 02:00:00:00:00:0b "
		    "--no-huge --mem-mb 1024 --file-prefix nfp-x_1", &cfg, &err) == 0);
	CHECK(cfg.no_huge && cfg.mem_mb == 1024 && cfg.mem_given && strcmp(cfg.file_prefix, "nfp-x_1") == 0 &&
	      strcmp(cfg.port.vdev, "net_memif0,role=client,socket=/run/nfvperf/m.sock") == 0 &&
	      !cfg.port.has_local_mac && cfg.port.ifindex == 0);
	CHECK(parse("recv --backend dpdk --vdev=net_null0 --local 198.18.0.2:9", &cfg, &err) == 0);
	CHECK(!cfg.no_huge && cfg.mem_mb == 512 && !cfg.mem_given && strncmp(cfg.file_prefix, "nfp-", 4) == 0);
	expect_bad("recv --backend dpdk --local 198.18.0.2:9",
		   "--vdev: required for --backend dpdk (the port, e.g. "
		   "net_memif0,role=client,socket=/run/nfvperf/m.sock)");
	expect_bad("recv --backend dpdk --vdev net_null0 --ifname lo --local 198.18.0.2:9",
		   "--ifname: not for --backend dpdk (its port is --vdev)");
	expect_bad("send --backend dpdk --vdev net_null0 --local 198.18.0.2:9 --remote 1.2.3.4:5",
		   "--remote-mac: required for send with --backend dpdk (the peer's MAC, e.g. "
		   "from `ip -j link`)");
	expect_bad("recv --backend dpdk --vdev 'x y' --local 198.18.0.2:9",
		   "--vdev: expected an EAL virtual device like "
		   "net_memif0,role=client,socket=/run/nfvperf/m.sock (a driver name, then "
		   ",key=value; no spaces or quotes), got ''x'");
	expect_bad("recv --backend dpdk --vdev net_null0 --file-prefix a/b --local 198.18.0.2:9",
		   "--file-prefix: expected 1..63 characters of A-Z a-z 0-9 . _ -, got 'a/b'");
	expect_bad("recv --backend dpdk --vdev net_null0 --mem-mb 10 --local 198.18.0.2:9",
		   "--mem-mb: expected an integer 64..65536, got '10'");
	expect_bad("recv --backend dpdk --vdev net_null0 --no-huge=1 --local 198.18.0.2:9",
		   "--no-huge: takes no value, got '--no-huge=1'");
#endif
	expect_bad("send --backend raw --ifname lo --local 127.0.0.1:9 --remote 127.0.0.1:7 "
		   "--remote-mac 01:00:5e:00:00:01",
		   "--remote-mac: expected a unicast MAC address like 02:00:00:00:00:01, got "
		   "'01:00:5e:00:00:01'");
	expect_bad("send --backend raw --ifname lo --local 127.0.0.1:9 --remote 127.0.0.1:7 "
		   "--remote-mac 02:00:00:00:00:1",
		   "--remote-mac: expected a unicast MAC address like 02:00:00:00:00:01, got "
		   "'02:00:00:00:00:1'");
	CHECK(parse("client --local 1.2.3.4:0 --remote 1.2.3.4:7 --rtt-dump /tmp/x --count 5",
		    &cfg, &err) == 0);
	CHECK(strcmp(cfg.role->name, "client") == 0 && strcmp(cfg.rtt_dump, "/tmp/x") == 0);
}

/* ---- RTT histogram ---------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The exact percentile of hist.h's definition: the ceil(q * n)-th smallest value. */
static uint64_t exact_pct(const uint64_t *sorted, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n);
	return sorted[(rank < 1 ? 1 : rank) - 1];
}

static bool within(uint64_t got, uint64_t want, double rel)
{
	return fabs((double)got - (double)want) <= rel * (double)want;
}

static void test_hist(void)
{
	static struct nfp_hist a, b, m;
	static uint64_t vals[20000];
	static const double qs[] = { 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0 };
	uint64_t x = 88172645463325252ull;
	size_t n = sizeof(vals) / sizeof(vals[0]);

	/* The bucket layout: contiguous, exact below 256, width <= low / 128 above. */
	CHECK(nfp_hist_index(0) == 0 && nfp_hist_index(255) == 255 && nfp_hist_index(256) == 256);
	CHECK(nfp_hist_index(NFP_RTT_LATE_NS) < NFP_HIST_BUCKETS);
	CHECK(nfp_hist_index((1u << NFP_HIST_MAX_BITS) - 1) == NFP_HIST_BUCKETS - 1);
	for (unsigned i = 1; i < NFP_HIST_BUCKETS; i++) {
		uint64_t lo = nfp_hist_low(i), w = nfp_hist_width(i);
		if (lo != nfp_hist_low(i - 1) + nfp_hist_width(i - 1) || nfp_hist_index(lo) != i ||
		    nfp_hist_index(lo + w - 1) != i || (lo >= 256 && w * 128 > lo)) {
			CHECK(!"bucket layout");
			break;
		}
	}

	/* Log-uniform values from 100 ns to 1 s, half into a and half into b. */
	nfp_hist_reset(&a);
	nfp_hist_reset(&b);
	nfp_hist_reset(&m);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		vals[i] = (uint64_t)(100.0 * pow(1e7, (double)(x % 1000003) / 1000003.0));
		nfp_hist_record(i % 2 ? &a : &b, vals[i]);
	}
	nfp_hist_merge(&m, &a);
	nfp_hist_merge(&m, &b);
	qsort(vals, n, sizeof(vals[0]), cmp_u64);
	CHECK(m.count == n && m.min_ns == vals[0] && m.max_ns == vals[n - 1]);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		uint64_t got = nfp_hist_percentile(&m, qs[i]), want = exact_pct(vals, n, qs[i]);
		CHECK(within(got, want, 0.01));
		if (!within(got, want, 0.005))
			fprintf(stderr, "hist: p%g: %llu vs exact %llu\n", qs[i] * 100,
				(unsigned long long)got, (unsigned long long)want);
	}

	/* Known values: 1..100 us, one each; p50 is the 50th value, p99 the 99th. */
	nfp_hist_reset(&a);
	for (uint64_t v = 1; v <= 100; v++)
		nfp_hist_record(&a, v * 1000);
	CHECK(within(nfp_hist_percentile(&a, 0.5), 50000, 0.01));
	CHECK(within(nfp_hist_percentile(&a, 0.99), 99000, 0.01));
	CHECK(nfp_hist_percentile(&a, 1.0) == 100000 && a.min_ns == 1000 && a.sum_ns == 5050000);
	nfp_hist_reset(&b);
	nfp_hist_record(&b, 150); /* exact region */
	CHECK(nfp_hist_percentile(&b, 0.5) == 150);
	nfp_hist_reset(&b);
	CHECK(nfp_hist_percentile(&b, 0.5) == 0 && b.count == 0);
}

/* ---- client echo rules ------------------------------------------------------------------- */

static void test_echo(void)
{
	static struct nfp_stats s;
	struct nfp_echo_state st;
	uint8_t bufs[6][18];
	struct nfp_pkt pkts[6];
	uint64_t now = 5000000000ull;

	memset(&s, 0, sizeof(s));
	CHECK(nfp_echo_init(&st, 100, 3, NULL) == 0 && st.window == 4096);
	nfp_echo_sent(&s, &st, 10); /* seq 0..9 outstanding */
	CHECK(s.total.lost == 10);
	for (int i = 0; i < 6; i++) {
		struct nfp_wire_hdr h = { NFP_WIRE_MAGIC, 1, 0, 3, 0, (uint32_t)(now - 20000), 0 };
		h.seq = (uint32_t[]){ 0, 1, 1, 50, 2, 3 }[i];   /* 1 twice, 50 never sent */
		if (i == 4)
			h.ts = (uint32_t)(now - 1500000000ull);  /* 1.5 s: late */
		if (i == 5)
			h.flow = 4;                              /* another flow */
		nfp_wire_encode(bufs[i], &h);
		pkts[i] = (struct nfp_pkt){ .data = bufs[i], .len = 18 };
	}
	nfp_stats_echo(&s, &st, pkts, 6, false, now);
	CHECK(s.total.rx_packets == 6 && s.rtt.count == 2 && s.total.late == 1 &&
	      s.total.unmatched == 3 && s.total.lost == 7);
	CHECK(s.rtt.min_ns == 20000 && s.rtt.max_ns == 20000);
	nfp_echo_free(&st);
}

/* The two-thread client's order: armed before the send, an echo arriving before nfp_echo_sent
 * is matched; armed frames the send did not accept are taken back (their echo is unmatched). */
static void test_echo_armed(void)
{
	static struct nfp_stats tx, rx, sum;
	struct nfp_echo_state st;
	uint8_t bufs[2][18];
	struct nfp_pkt pkts[2];
	uint64_t now = 5000000000ull;

	memset(&tx, 0, sizeof(tx));
	memset(&rx, 0, sizeof(rx));
	memset(&sum, 0, sizeof(sum));
	CHECK(nfp_echo_init(&st, 100, 3, NULL) == 0);
	nfp_echo_arm(&st, 4); /* seq 0..3 offered */
	for (int i = 0; i < 2; i++) {
		struct nfp_wire_hdr h = { NFP_WIRE_MAGIC, 1, 0, 3, (uint32_t)i, (uint32_t)(now - 1000), 0 };
		nfp_wire_encode(bufs[i], &h);
		pkts[i] = (struct nfp_pkt){ .data = bufs[i], .len = 18 };
	}
	nfp_stats_echo(&rx, &st, pkts, 1, false, now); /* seq 0's echo beats the send's return */
	CHECK(rx.rtt.count == 1 && rx.total.unmatched == 0 && rx.total.lost == -1);
	nfp_echo_sent(&tx, &st, 1); /* only seq 0 was accepted */
	CHECK(st.next == 1 && st.limit == 1 && tx.total.lost == 1);
	nfp_stats_echo(&rx, &st, pkts + 1, 1, false, now); /* seq 1 was never sent */
	CHECK(rx.total.unmatched == 1);
	nfp_stats_move(&sum, &tx);
	nfp_stats_move(&sum, &rx);
	CHECK(sum.total.lost == 0 && sum.rtt.count == 1 && sum.total.rx_packets == 2);
	CHECK(rx.total.rx_packets == 0 && rx.rtt.count == 0);
	nfp_echo_free(&st);
}

/* The TSC clock, when this CPU has one, reads CLOCK_MONOTONIC time: within 1 ms of the kernel's,
 * never backwards. */
static void test_clock(void)
{
	struct nfp_err err;
	uint64_t prev = 0;
	bool monotonic = true;

	CHECK(nfp_clock_init(NFP_CLOCK_AUTO, &err) == 0);
	for (int i = 0; i < 100000; i++) {
		uint64_t t = nfp_now_ns();
		monotonic = monotonic && t >= prev;
		prev = t;
	}
	CHECK(monotonic);
	int64_t d = (int64_t)(nfp_now_ns() - nfp_gettime_ns(CLOCK_MONOTONIC));
	CHECK(d > -1000000 && d < 1000000);
	CHECK(!nfp_clock.tsc || (nfp_clock.hz > 1e8 && nfp_clock.hz < 1e10));
	CHECK(nfp_clock_init(NFP_CLOCK_GETTIME, &err) == 0 && !nfp_clock.tsc);
}

/* ---- raw frames -------------------------------------------------------------------------- */

static void test_raw_frames(void)
{
	static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0xa }, mac_b[6] = { 2, 0, 0, 0, 0, 0xb };
	uint8_t f[128], g[128];
	uint32_t ip_a = htonl(0xC6120001), ip_b = htonl(0xC6120002); /* 198.18.0.1, .2 */
	uint16_t pa = htons(5000), pb = htons(5001);
	struct nfp_raw_match to_b = { .addr = ip_b, .port = pb }, to_a = { .addr = ip_a, .port = pa };
	uint32_t off, plen, flen;
	const uint32_t P = 64;

	memcpy(to_b.mac, mac_b, 6);
	memcpy(to_a.mac, mac_a, 6);
	memset(f, 0xee, sizeof(f));
	nfp_raw_header(f, mac_b, mac_a, ip_a, ip_b, pa, pb, P - 42);
	/* Byte by byte what the wire must carry (P = 64). */
	static const uint8_t want[42] = {
		2, 0, 0, 0, 0, 0xb, 2, 0, 0, 0, 0, 0xa, 0x08, 0x00,             /* dst, src, IPv4 */
		0x45, 0, 0, 50, 0, 0, 0x40, 0, 64, 17, 0, 0,                    /* csum at 24..25 */
		198, 18, 0, 1, 198, 18, 0, 2,
		0x13, 0x88, 0x13, 0x89, 0, 30, 0, 0,                            /* 5000, 5001 */
	};
	uint8_t masked[42];
	memcpy(masked, f, 42);
	masked[24] = masked[25] = 0;
	CHECK(memcmp(masked, want, 42) == 0);
	CHECK(nfp_csum_fold(nfp_csum_add(0, f + 14, 20)) == 0); /* the IPv4 checksum verifies */
	CHECK(f[24] == 0xae && f[25] == 0x93); /* RFC 1071 sum of this header, by hand */

	CHECK(nfp_raw_classify(&to_b, f, P, false, &off, &plen, &flen) == NFP_RAW_OK);
	CHECK(off == 42 && plen == P - 42 && flen == P);
	CHECK(nfp_raw_classify(&to_a, f, P, false, &off, &plen, &flen) == NFP_RAW_IGNORE);
	/* Padding after the IP packet is allowed; truncation and bad headers are malformed. */
	CHECK(nfp_raw_classify(&to_b, f, P + 6, false, &off, &plen, &flen) == NFP_RAW_OK &&
	      flen == P);
	CHECK(nfp_raw_classify(&to_b, f, P - 1, false, &off, &plen, &flen) == NFP_RAW_MALFORMED);
	CHECK(nfp_raw_classify(&to_b, f, 30, false, &off, &plen, &flen) == NFP_RAW_MALFORMED);
	CHECK(nfp_raw_classify(&to_b, f, P, true, &off, &plen, &flen) == NFP_RAW_MALFORMED);
	memcpy(g, f, P);
	g[22] = 63; /* TTL changed, checksum not */
	CHECK(nfp_raw_classify(&to_b, g, P, false, &off, &plen, &flen) == NFP_RAW_MALFORMED);
	memcpy(g, f, P);
	g[39] = 31; /* UDP length disagrees with IP */
	CHECK(nfp_raw_classify(&to_b, g, P, false, &off, &plen, &flen) == NFP_RAW_MALFORMED);
	memcpy(g, f, P);
	g[37] = 0x8a; /* another port: not ours, ignored */
	CHECK(nfp_raw_classify(&to_b, g, P, false, &off, &plen, &flen) == NFP_RAW_IGNORE);
	memcpy(g, f, P);
	g[12] = 0x08, g[13] = 0x06; /* ARP */
	CHECK(nfp_raw_classify(&to_b, g, P, false, &off, &plen, &flen) == NFP_RAW_IGNORE);

	/* The echo goes back from b to a, still valid. */
	memcpy(g, f, P);
	nfp_raw_swap(g);
	CHECK(nfp_raw_classify(&to_a, g, P, false, &off, &plen, &flen) == NFP_RAW_OK);
	CHECK(memcmp(g + 42, f + 42, P - 42) == 0);

	/* Other sizes: lengths and checksum follow. */
	nfp_raw_set_lengths(f, 1514 - 42);
	CHECK(f[16] == 0x05 && f[17] == 0xdc && f[38] == 0x05 && f[39] == 0xc8);
	CHECK(nfp_csum_fold(nfp_csum_add(0, f + 14, 20)) == 0);

	nfp_raw_garp(g, mac_a, ip_a);
	CHECK(g[0] == 0xff && g[12] == 0x08 && g[13] == 0x06 && g[21] == 1 &&
	      memcmp(g + 28, &ip_a, 4) == 0 && memcmp(g + 38, &ip_a, 4) == 0);
}

/* traffic.h: the IMIX pattern's order, tuples that wrap at --flows and past 64512 ports, and
 * the frame fix-up that applies them. */
static void test_traffic(void)
{
	static const uint16_t imix[12] = { 60, 566, 60, 60, 566, 60, 1514, 60, 566, 60, 566, 60 };
	struct nfp_config cfg;
	struct nfp_traffic t;
	struct nfp_pkt pkts[40];
	struct nfp_err err;
	uint8_t f[64];

	memset(&cfg, 0, sizeof(cfg));
	cfg.frame_bytes = 64;
	cfg.flows = 1;
	cfg.port.local.sin_port = htons(7000);
	cfg.port.local.sin_addr.s_addr = htonl(0xC6120001); /* 198.18.0.1 */
	CHECK(nfp_traffic_parse_mix("60:7,566:4,1514:1", &cfg.mix, &err) == 0);
	CHECK(nfp_traffic_check(&cfg, &err, false) == 0 && cfg.frame_bytes == 1514);
	CHECK(nfp_traffic_init(&t, &cfg, &err) == 0 && t.pattern_len == 12);
	memset(pkts, 0, sizeof(pkts));
	nfp_traffic_fill(&t, pkts, 24, 5); /* frames 5..28: the pattern from position 5, twice */
	for (unsigned i = 0; i < 24; i++)
		CHECK(pkts[i].len + 42u == imix[(5 + i) % 12] && !pkts[i].sport && !pkts[i].saddr);
	nfp_traffic_free(&t);
	/* Weights reduce by their gcd; a zero weight is never sent. */
	CHECK(nfp_traffic_parse_mix("100:2,200:4,9000:0", &cfg.mix, &err) == 0);
	CHECK(nfp_traffic_check(&cfg, &err, false) == 0 && cfg.frame_bytes == 200);
	CHECK(nfp_traffic_init(&t, &cfg, &err) == 0 && t.pattern_len == 3);
	nfp_traffic_free(&t);
	CHECK(nfp_traffic_parse_mix("60:0", &cfg.mix, &err) == -EINVAL);
	CHECK(nfp_traffic_parse_mix("59:1", &cfg.mix, &err) == -EINVAL);
	CHECK(nfp_traffic_parse_mix("64:1,", &cfg.mix, &err) == -EINVAL);
	CHECK(nfp_traffic_parse_mix("64", &cfg.mix, &err) == -EINVAL);
	CHECK(nfp_traffic_parse_mix("64:-1", &cfg.mix, &err) == -EINVAL);

	memset(&cfg.mix, 0, sizeof(cfg.mix));
	cfg.frame_bytes = 64;
	cfg.flows = 100000;
	CHECK(nfp_traffic_check(&cfg, &err, true) == -EINVAL); /* needs --flow-addrs */
	cfg.has_flow_addrs = true;
	cfg.flow_addrs.s_addr = htonl(0xC6120011); /* 198.18.0.17 */
	CHECK(nfp_traffic_check(&cfg, &err, true) == 0);
	CHECK(nfp_traffic_init(&t, &cfg, &err) == 0);
	/* Tuple 0 is --local; ports count up from 7000 and wrap at 65535 to 1024. */
	nfp_traffic_fill(&t, pkts, 2, 0);
	CHECK(ntohs(pkts[0].sport) == 7000 && ntohs(pkts[1].sport) == 7001 &&
	      pkts[0].saddr == cfg.port.local.sin_addr.s_addr && pkts[0].len == 22);
	nfp_traffic_fill(&t, pkts, 1, 65535 - 7000 + 1);
	CHECK(ntohs(pkts[0].sport) == 1024);
	/* Tuples 64510..64513: the last ports of the first address, then the next address. */
	nfp_traffic_fill(&t, pkts, 4, 64510);
	CHECK(ntohs(pkts[1].sport) == 6999 && pkts[1].saddr == cfg.port.local.sin_addr.s_addr);
	CHECK(ntohs(pkts[2].sport) == 7000 && ntohl(pkts[2].saddr) == 0xC6120011);
	CHECK(ntohs(pkts[3].sport) == 7001 && ntohl(pkts[3].saddr) == 0xC6120011);
	/* The cycle wraps at 100000 back to tuple 0; sequence 100000 + 64512 is the next address. */
	nfp_traffic_fill(&t, pkts, 2, 99999);
	CHECK(ntohl(pkts[0].saddr) == 0xC6120011 && ntohs(pkts[1].sport) == 7000 &&
	      pkts[1].saddr == cfg.port.local.sin_addr.s_addr);
	nfp_traffic_fill(&t, pkts, 1, 100000 + 64512);
	CHECK(ntohl(pkts[0].saddr) == 0xC6120011 && ntohs(pkts[0].sport) == 7000);
	nfp_traffic_free(&t);

	/* The fix-up: a slot built for 64 B carrying a 566 B frame from another tuple, and back. */
	nfp_raw_header(f, (const uint8_t[6]){ 2, 0, 0, 0, 0, 2 }, (const uint8_t[6]){ 2, 0, 0, 0, 0, 1 },
		       htonl(0xC6120001), htonl(0xC6120002), htons(7000), htons(7001), 22);
	nfp_raw_tx_fix(f, &(struct nfp_pkt){ .len = 566 - 42, .sport = htons(9000),
					      .saddr = htonl(0xC6120011) });
	CHECK(f[16] == 0x02 && f[17] == 0x28 && f[34] == 0x23 && f[35] == 0x28 && f[29] == 0x11);
	CHECK(nfp_csum_fold(nfp_csum_add(0, f + 14, 20)) == 0);
	nfp_raw_tx_fix(f, &(struct nfp_pkt){ .len = 22 });
	CHECK(f[16] == 0 && f[17] == 50 && f[35] == 0x28 && nfp_csum_fold(nfp_csum_add(0, f + 14, 20)) == 0);
}

int main(void)
{
	test_wire_roundtrip();
	test_csum();
	test_seq_extend();
	test_seq_rules();
	test_stats_rx();
	test_stats_one_way();
	test_options();
	test_hist();
	test_echo();
	test_echo_armed();
	test_clock();
	test_raw_frames();
	test_traffic();
	if (failures) {
		fprintf(stderr, "unit tests: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("unit tests: %d checks passed\n", checks);
	return 0;
}
