/* netns.c — --netns and --rx-netns: a two-port app runs on the host and opens each port inside
 * its own container's network namespace. A socket keeps the namespace it was made in, so the
 * thread enters the namespace, opens the port (socket, bind, AF_XDP, interface lookups) and
 * returns to where it was; the hot path then uses the descriptors from anywhere. Only the
 * calling thread moves (setns with CLONE_NEWNET is per thread). */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nfp.h"

static int open_netns(const char *path, const char *opt, struct nfp_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return nfp_err_set(err, -errno, "%s %s: %s", opt, path, strerror(errno));
	return fd;
}

int nfp_netns_check(const char *path, const char *opt, struct nfp_err *err)
{
	int fd = open_netns(path, opt, err), type;

	if (fd < 0)
		return -EINVAL;
	type = ioctl(fd, NS_GET_NSTYPE);
	close(fd);
	if (type != CLONE_NEWNET)
		return nfp_err_set(err, -EINVAL, "%s: expected a network namespace file like "
				   "/run/netns/NAME or /proc/PID/ns/net, got '%s'", opt, path);
	return 0;
}

int nfp_netns_enter(const char *path, const char *opt, int *saved, struct nfp_err *err)
{
	int fd, rc;

	*saved = -1;
	if (!path)
		return 0;
	if ((*saved = open_netns("/proc/thread-self/ns/net", opt, err)) < 0)
		return *saved;
	if ((fd = open_netns(path, opt, err)) < 0) {
		close(*saved);
		*saved = -1;
		return fd;
	}
	rc = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	if (rc < 0) {
		close(*saved);
		*saved = -1;
		return nfp_err_set(err, rc, "%s %s: setns: %s%s", opt, path, strerror(-rc),
				   rc == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
	}
	return 0;
}

void nfp_netns_leave(int saved)
{
	if (saved < 0)
		return;
	/* Back to a namespace we were in a moment ago: this cannot fail but by a kernel bug, and
	 * then the app would go on in the wrong namespace, so say so. */
	if (setns(saved, CLONE_NEWNET) != 0)
		fprintf(stderr, NFP_APP_NAME ": returning to the app's network namespace: %s\n",
			strerror(errno));
	close(saved);
}
