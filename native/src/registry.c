/* registry.c — the static tables of roles and backends; the only file that names them all.
 * Optional backends (af-xdp, dpdk, …) are listed under the NFP_HAVE_<NAME> macro that the
 * Makefile defines when their library is found. */
#include <string.h>

#include "nfp.h"

extern const struct nfp_role role_send;
extern const struct nfp_role role_recv;
extern const struct nfp_role role_server;
extern const struct nfp_role role_client;

extern const struct nfp_backend backend_udp;
extern const struct nfp_backend backend_udp_mmsg;
extern const struct nfp_backend backend_raw;
extern const struct nfp_backend backend_raw_mmsg;
#ifdef NFP_HAVE_AF_XDP
extern const struct nfp_backend backend_af_xdp;
#endif
#ifdef NFP_HAVE_DPDK
extern const struct nfp_backend backend_dpdk;
#endif

static const struct nfp_role *const roles[] = {
	&role_send,
	&role_recv,
	&role_server,
	&role_client,
};

static const struct nfp_backend *const backends[] = {
	&backend_udp,
	&backend_udp_mmsg,
	&backend_raw,
	&backend_raw_mmsg,
#ifdef NFP_HAVE_AF_XDP
	&backend_af_xdp,
#endif
#ifdef NFP_HAVE_DPDK
	&backend_dpdk,
#endif
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct nfp_role *nfp_find_role(const char *name)
{
	for (size_t i = 0; i < COUNT(roles); i++)
		if (strcmp(roles[i]->name, name) == 0)
			return roles[i];
	return NULL;
}

const struct nfp_backend *nfp_find_backend(const char *name)
{
	for (size_t i = 0; i < COUNT(backends); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

#define NAMES(table, buf)                                                        \
	do {                                                                     \
		size_t len = 0;                                                  \
		if (buf[0])                                                      \
			return buf;                                              \
		for (size_t i = 0; i < COUNT(table); i++) {                      \
			size_t n = strlen(table[i]->name);                       \
			if (len + n + 2 > sizeof(buf))                           \
				break;                                           \
			if (len)                                                 \
				buf[len++] = '|';                                \
			memcpy(buf + len, table[i]->name, n + 1);                \
			len += n;                                                \
		}                                                                \
		return buf;                                                      \
	} while (0)

const char *nfp_role_names(void)
{
	static char buf[128];
	NAMES(roles, buf);
}

const char *nfp_backend_names(void)
{
	static char buf[128];
	NAMES(backends, buf);
}
