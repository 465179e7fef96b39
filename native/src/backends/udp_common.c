/* udp_common.c — socket set-up shared by the udp and udp-mmsg backends. */
#include "udp_common.h"

#include <errno.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Asks for `bytes` of socket buffer: the FORCE option (needs CAP_NET_ADMIN) ignores
 * net.core.{r,w}mem_max; without it the kernel caps silently, so say so on stderr. */
void nfp_sock_set_buffer(int fd, int opt, int force_opt, const char *name, const char *sysctl)
{
	int want = (int)NFP_UDP_SOCKBUF_BYTES, got = 0;
	socklen_t len = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, force_opt, &want, sizeof(want)) == 0)
		return;
	setsockopt(fd, SOL_SOCKET, opt, &want, sizeof(want));
	if (getsockopt(fd, SOL_SOCKET, opt, &got, &len) == 0 && got < want)
		fprintf(stderr,
			NFP_APP_NAME ": note: %s is %d bytes, not the %d asked for; run as root "
			"or raise %s\n", name, got, want, sysctl);
}

int nfp_udp_socket(const struct nfp_config *cfg, const struct nfp_port_spec *spec, unsigned dir,
		   struct nfp_err *err)
{
	/* An echoing port (server) sends to each frame's source: bound, never connected. */
	const bool connected = (dir & NFP_PORT_TX) != 0;
	char addr[NFP_ADDR_STRLEN];
	int fd, rc;

	fd = socket(AF_INET, SOCK_DGRAM | nfp_sock_nonblock(cfg) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return nfp_err_set(err, -errno, "socket(AF_INET, SOCK_DGRAM): %s", strerror(errno));
	if (dir & NFP_PORT_RX)
		nfp_sock_set_buffer(fd, SO_RCVBUF, SO_RCVBUFFORCE, "SO_RCVBUF", "net.core.rmem_max");
	if (dir & (NFP_PORT_TX | NFP_PORT_ECHO))
		nfp_sock_set_buffer(fd, SO_SNDBUF, SO_SNDBUFFORCE, "SO_SNDBUF", "net.core.wmem_max");

	if (bind(fd, (const struct sockaddr *)&spec->local, sizeof(spec->local)) != 0) {
		rc = -errno;
		close(fd);
		return nfp_err_set(err, rc, "%slocal %s: bind: %s", spec->opt_prefix, nfp_fmt_addr(&spec->local, addr),
				   strerror(-rc));
	}
	if (!(dir & (NFP_PORT_TX | NFP_PORT_ECHO)))
		return fd;

	/* A frame of --size must leave as one IPv4 packet: never let the kernel fragment it. */
	int pmtu = IP_PMTUDISC_DO, mtu = 0;
	socklen_t len = sizeof(mtu);
	if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)) != 0) {
		rc = -errno;
		close(fd);
		return nfp_err_set(err, rc, "setsockopt(IP_MTU_DISCOVER): %s", strerror(-rc));
	}
	if (!connected)
		return fd;
	if (connect(fd, (const struct sockaddr *)&spec->remote, sizeof(spec->remote)) != 0) {
		rc = -errno;
		close(fd);
		return nfp_err_set(err, rc, "--remote %s: connect: %s",
				   nfp_fmt_addr(&spec->remote, addr), strerror(-rc));
	}
	/* The IP packet is the frame less its 14-byte Ethernet header. */
	if (getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &len) == 0 &&
	    (uint32_t)mtu < cfg->frame_bytes - 14) {
		close(fd);
		return nfp_err_set(err, -EMSGSIZE,
				   "--size %u: needs an IP MTU of at least %u, but the route to %s "
				   "has MTU %d; raise the interfaces' MTU or lower --size",
				   cfg->frame_bytes, cfg->frame_bytes - 14,
				   nfp_fmt_addr(&spec->remote, addr), mtu);
	}
	return fd;
}

uint8_t *nfp_udp_slots(unsigned n, uint32_t slot_len, uint32_t *stride)
{
	void *mem = NULL;

	*stride = (slot_len + 63u) & ~63u;
	if (posix_memalign(&mem, 64, (size_t)n * *stride) != 0)
		return NULL;
	memset(mem, 0, (size_t)n * *stride);
	return mem;
}
