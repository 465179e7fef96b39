/* udp_common.h — what the two kernel UDP backends (udp, udp-mmsg) share: the socket set-up and
 * the buffer slots. Private to src/backends/. */
#ifndef NFP_UDP_COMMON_H
#define NFP_UDP_COMMON_H

#include <errno.h>

#include "nfp.h"

/* Socket buffer size asked for, each way. */
#define NFP_UDP_SOCKBUF_BYTES (8u << 20)

/* A non-blocking UDP socket bound to --local; with NFP_PORT_TX also connected to --remote, set
 * never to fragment, and checked against the route's MTU; with NFP_PORT_ECHO (and no TX) set
 * never to fragment but left unconnected. Returns the fd or -errno (err set). */
int nfp_udp_socket(const struct nfp_config *cfg, const struct nfp_port_spec *spec, unsigned dir,
		   struct nfp_err *err);

/* Asks for NFP_UDP_SOCKBUF_BYTES of buffer with force_opt (SO_RCVBUFFORCE, needs
 * CAP_NET_ADMIN), else opt, noting on stderr when the kernel gave less. */
void nfp_sock_set_buffer(int fd, int opt, int force_opt, const char *name, const char *sysctl);

/* A send errno that means "this frame was not sent, go on" rather than a broken socket:
 * a full queue, no buffer, or a pending ICMP error (ECONNREFUSED while nobody listens yet). */
static inline bool nfp_udp_send_errno_transient(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == ECONNREFUSED ||
	       e == EINTR || e == EHOSTUNREACH || e == ENETUNREACH;
}

/* Zeroed, cache-line aligned memory for n slots of slot_len bytes (rounded up to 64). */
uint8_t *nfp_udp_slots(unsigned n, uint32_t slot_len, uint32_t *stride);

/* Payload bytes each slot needs: tx sends cfg's payload, rx takes anything up to the maximum. */
static inline uint32_t nfp_udp_slot_len(const struct nfp_config *cfg, unsigned dir)
{
	return dir == NFP_PORT_TX ? nfp_payload_bytes(cfg) : NFP_PAYLOAD_MAX;
}

#endif
