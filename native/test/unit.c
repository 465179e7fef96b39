/* unit.c — unit tests for the parts that need no network: the wire header, the checksum, the
 * sequence rules of stats.h and the option parser. `make -C native check` runs them. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfp.h"
#include "stats.h"
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
		pkts[i] = (struct nfp_pkt){ bufs[i], i == 6 ? 17 : 22 };
	CHECK(nfp_stats_rx(&s, flows, pkts, 8, true, 123) == 0);
	CHECK(s.total.rx_packets == 6 && s.total.rx_bytes == 6 * 64);
	CHECK(s.total.foreign == 2 && s.total.corrupt == 2 && s.total.lost == 1);
	CHECK(s.total.reordered == 0 && s.total.duplicates == 0);
	CHECK(s.first_pkt_ns == 123 && s.last_pkt_ns == 123);
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
	CHECK(ntohs(cfg.local.sin_port) == 5001);

	CHECK(parse("send --local 198.18.0.1:0 --remote=198.18.0.2:5001 --rate 0.5e6 --size 1518 "
		    "--burst 1024 --duration 2.5 --count 7 --epoch-ns 123456789012 "
		    "--interval-ms 10 --flow 65535 --touch --backend udp",
		    &cfg, &err) == 0);
	CHECK(cfg.rate_pps == 500000 && cfg.frame_bytes == 1518 && cfg.burst == 1024 &&
	      cfg.duration_s == 2.5 && cfg.count == 7 && cfg.epoch_ns == 123456789012ull &&
	      cfg.has_epoch && cfg.interval_ms == 10 && cfg.flow == 65535 && cfg.touch &&
	      strcmp(cfg.backend->name, "udp") == 0 && cfg.has_remote);
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
	expect_bad("recv --local 1.2.3.4:1 --backend dpdk",
		   "--backend: expected one of udp|udp-mmsg, got 'dpdk'");
	CHECK(parse("recv --local 1.2.3.4:1 --cpu 100000", &cfg, &err) == -EINVAL);
	static const char cpu_msg[] = "--cpu: expected a CPU this process may use (";
	CHECK(strncmp(err.msg, cpu_msg, sizeof(cpu_msg) - 1) == 0);
	CHECK(strstr(err.msg, "), got '100000'") != NULL);
	expect_bad("recv --local 1.2.3.4:1 --bogus 1", "unknown option '--bogus'; see --help");
	expect_bad("recv --local 1.2.3.4:1 --touch=1", "--touch: takes no value, got '--touch=1'");
	expect_bad("recv", "--local: required (IP:PORT to bind)");
	expect_bad("bounce --local 1.2.3.4:1",
		   "expected a role (send|recv) as the first argument, got 'bounce'");
	expect_bad("recv --local 1.2.3.4:1 extra", "unexpected argument 'extra'; see --help");
}

int main(void)
{
	test_wire_roundtrip();
	test_csum();
	test_seq_extend();
	test_seq_rules();
	test_stats_rx();
	test_options();
	if (failures) {
		fprintf(stderr, "unit tests: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("unit tests: %d checks passed\n", checks);
	return 0;
}
