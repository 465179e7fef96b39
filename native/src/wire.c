/* wire.c — encode the v1 payload header and its touch checksum (layout and rules in wire.h;
 * decoding is inline there). */
#include "wire.h"

#include <arpa/inet.h>
#include <string.h>

#define CSUM_MUL 0x9E3779B1u

void nfp_wire_encode(uint8_t *buf, const struct nfp_wire_hdr *h)
{
	uint16_t magic = htons(h->magic), flow = htons(h->flow);
	uint32_t seq = htonl(h->seq), ts = htonl(h->ts), csum = htonl(h->csum);

	memcpy(buf + 0, &magic, 2);
	buf[2] = h->version;
	buf[3] = h->flags;
	memcpy(buf + 4, &flow, 2);
	memcpy(buf + NFP_WIRE_SEQ_OFF, &seq, 4);
	memcpy(buf + NFP_WIRE_TS_OFF, &ts, 4);
	memcpy(buf + NFP_WIRE_CSUM_OFF, &csum, 4);
}

static inline uint32_t load_be32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return ntohl(v);
}

uint32_t nfp_wire_csum(const uint8_t *payload, size_t len)
{
	/* The csum field (bytes 14..17) straddles words 3 and 4: checksum a copy of the first five
	 * words with the field zeroed, so the receiver never writes into its rx buffer. */
	uint8_t head[20] = { 0 };
	size_t head_len = len < sizeof(head) ? len : sizeof(head);
	uint32_t sum = 0, i = 0;
	size_t off;

	memcpy(head, payload, head_len);
	memset(head + NFP_WIRE_CSUM_OFF, 0, 4);
	for (; i < 5 && 4 * i < len; i++)
		sum += (load_be32(head + 4 * i) ^ i) * CSUM_MUL;
	for (off = sizeof(head); off + 4 <= len; off += 4, i++)
		sum += (load_be32(payload + off) ^ i) * CSUM_MUL;
	if (off < len) {
		uint8_t tail[4] = { 0 };
		memcpy(tail, payload + off, len - off);
		sum += (load_be32(tail) ^ i) * CSUM_MUL;
	}
	return sum;
}

void nfp_wire_set_csum(uint8_t *payload, size_t len)
{
	uint32_t csum = htonl(nfp_wire_csum(payload, len));
	memcpy(payload + NFP_WIRE_CSUM_OFF, &csum, 4);
}
