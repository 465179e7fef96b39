/* wire.h — the payload header every nfvperf frame carries. One layout per version: a new
 * layout is a new version number, never a flag.
 *
 * Layout v1, at the start of the UDP payload, multi-byte fields in network byte order:
 *
 *   off len field
 *     0   2 magic    0x4E46 ("NF")
 *     2   1 version  1
 *     3   1 flags    bit 0 NFP_WIRE_F_TOUCH: every payload byte was written and csum is set;
 *                    bit 1 NFP_WIRE_F_PROBE: a latency probe (send.c, --probe-rate): sent
 *                    alone in its own send call, its ts taken just before that call;
 *                    other bits are 0 when sent and ignored when received
 *     4   2 flow     --flow of the sender
 *     6   4 seq      per flow: 0 for the first frame the kernel accepted, +1 for each next one
 *                    (wraps; the receiver extends it to 64 bits, see nfp_seq_extend)
 *    10   4 ts       low 32 bits of the sender's CLOCK_MONOTONIC ns when the frame was handed
 *                    to the send call (its burst's call, where one call sends a burst: send.c)
 *    14   4 csum     with TOUCH: nfp_wire_csum() of the whole UDP payload computed with this
 *                    field zero; without TOUCH: 0
 *    18     payload  with TOUCH: byte i of the UDP payload (i >= 18) is (uint8_t)(i + seq);
 *                    without: left as the backend provides it (zeros for the UDP backends)
 *
 * 18 bytes, so it fits the smallest frame: 60 - 14 Ethernet - 20 IPv4 - 8 UDP = 18.
 * Encoded and decoded field by field with memcpy and htons/htonl: no packed structs, no
 * alignment assumptions.
 */
#ifndef NFP_WIRE_H
#define NFP_WIRE_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define NFP_WIRE_MAGIC 0x4E46u
#define NFP_WIRE_VERSION 1u
#define NFP_WIRE_HDR_LEN 18u
#define NFP_WIRE_F_TOUCH 0x01u
#define NFP_WIRE_F_PROBE 0x02u
#define NFP_WIRE_SEQ_OFF 6u
#define NFP_WIRE_TS_OFF 10u
#define NFP_WIRE_CSUM_OFF 14u

struct nfp_wire_hdr {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint16_t flow;
	uint32_t seq;
	uint32_t ts;
	uint32_t csum;
};

enum nfp_wire_status {
	NFP_WIRE_OK = 0,
	NFP_WIRE_SHORT,       /* fewer than NFP_WIRE_HDR_LEN bytes */
	NFP_WIRE_BAD_MAGIC,
	NFP_WIRE_BAD_VERSION,
};

/* Writes the 18 header bytes at buf (which must have room for them). */
void nfp_wire_encode(uint8_t *buf, const struct nfp_wire_hdr *h);
/* The fields that change from frame to frame, written into a header already encoded: a sender
 * encodes the rest once and writes only these per frame (or per burst, for ts). */
static inline void nfp_wire_put_seq(uint8_t *buf, uint32_t seq)
{
	seq = htonl(seq);
	memcpy(buf + NFP_WIRE_SEQ_OFF, &seq, 4);
}

static inline void nfp_wire_put_ts(uint8_t *buf, uint32_t ts)
{
	ts = htonl(ts);
	memcpy(buf + NFP_WIRE_TS_OFF, &ts, 4);
}

/* Reads the header of a len-byte payload; h is filled only when the result is NFP_WIRE_OK.
 * Inline: a receiver decodes every frame. */
static inline enum nfp_wire_status nfp_wire_decode(const uint8_t *buf, size_t len,
						   struct nfp_wire_hdr *h)
{
	uint16_t u16;
	uint32_t u32;

	if (len < NFP_WIRE_HDR_LEN)
		return NFP_WIRE_SHORT;
	memcpy(&u16, buf + 0, 2);
	if (ntohs(u16) != NFP_WIRE_MAGIC)
		return NFP_WIRE_BAD_MAGIC;
	if (buf[2] != NFP_WIRE_VERSION)
		return NFP_WIRE_BAD_VERSION;
	h->magic = NFP_WIRE_MAGIC;
	h->version = buf[2];
	h->flags = buf[3];
	memcpy(&u16, buf + 4, 2);
	h->flow = ntohs(u16);
	memcpy(&u32, buf + NFP_WIRE_SEQ_OFF, 4);
	h->seq = ntohl(u32);
	memcpy(&u32, buf + NFP_WIRE_TS_OFF, 4);
	h->ts = ntohl(u32);
	memcpy(&u32, buf + NFP_WIRE_CSUM_OFF, 4);
	h->csum = ntohl(u32);
	return NFP_WIRE_OK;
}

/*
 * The touch checksum, over a whole UDP payload of len >= 18 bytes, taking the csum field as 0:
 * split the payload into 32-bit big-endian words w[0..n) (the last one zero-padded), then
 *
 *     csum = sum over i of ((w[i] XOR i) * 0x9E3779B1)   (mod 2^32)
 *
 * The odd multiplier makes every single-bit error change the sum; XOR with the word index makes
 * it depend on position (swapped words are caught); the terms are independent, so the loop runs
 * at about a word per cycle. It finds corruption, it is not cryptographic.
 */
uint32_t nfp_wire_csum(const uint8_t *payload, size_t len);
/* Computes and stores the checksum of a payload whose header is already encoded. */
void nfp_wire_set_csum(uint8_t *payload, size_t len);

/*
 * RFC 1982 serial-number arithmetic: the 64-bit sequence closest to ref whose low 32 bits are
 * seq, i.e. ref + (int32_t)(seq - ref). Correct while reordering and gaps stay under 2^31
 * frames. ref is the highest sequence seen so far; a result below 0 is a frame from before the
 * flow's start. (The receiver takes a flow's first seq as is, from 0: see stats.h.)
 */
static inline int64_t nfp_seq_extend(int64_t ref, uint32_t seq)
{
	return ref + (int32_t)(seq - (uint32_t)ref);
}

#endif
