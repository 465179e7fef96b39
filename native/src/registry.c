/* registry.c — the static tables of roles and backends; the only file that names them all.
 * Optional backends (af-xdp, dpdk, …) are listed under the NFP_HAVE_<NAME> macro that the
 * Makefile defines when their library (netmap: its header) is found. */
#include <string.h>

#include "nfp.h"

extern const struct nfp_role role_send;
extern const struct nfp_role role_recv;
extern const struct nfp_role role_server;
extern const struct nfp_role role_client;
extern const struct nfp_role role_tester;
extern const struct nfp_role role_forwarder;

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
#ifdef NFP_HAVE_NETMAP
extern const struct nfp_backend backend_netmap;
#endif

static const struct nfp_role *const roles[] = {
	&role_send,
	&role_recv,
	&role_server,
	&role_client,
	&role_tester,
	&role_forwarder,
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
#ifdef NFP_HAVE_NETMAP
	&backend_netmap,
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

/* Appends sep (unless buf is empty) and name to buf, which holds *len characters; false, with
 * buf unchanged, when they do not fit in size bytes. */
static bool append(char *buf, size_t size, size_t *len, const char *sep, const char *name)
{
	size_t s = *len ? strlen(sep) : 0, n = strlen(name);

	if (*len + s + n + 1 > size)
		return false;
	memcpy(buf + *len, sep, s);
	memcpy(buf + *len + s, name, n + 1);
	*len += s + n;
	return true;
}

const char *nfp_role_names(void)
{
	static char buf[128];
	size_t len = 0;

	if (buf[0])
		return buf;
	for (size_t i = 0; i < COUNT(roles); i++)
		if (!append(buf, sizeof(buf), &len, "|", roles[i]->name))
			break;
	return buf;
}

const char *nfp_backend_names(void)
{
	static char buf[128];

	return buf[0] ? buf : nfp_backend_list(0, "|", buf, sizeof(buf));
}

const char *nfp_backend_list(unsigned flags, const char *sep, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < COUNT(backends); i++)
		if ((backends[i]->flags & flags) == flags &&
		    !append(buf, size, &len, sep, backends[i]->name))
			break;
	return buf;
}
