/* main.c — nfvperf-app: parse the options, pick a role and a backend from the tables, pin,
 * open, run until done or signalled, print the summary, clean up. See docs/app-protocol.md. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "nfp.h"
#include "report.h"

enum exit_code {
	EXIT_OK = 0,      /* done, or stopped by SIGINT/SIGTERM, summary printed */
	EXIT_RUNTIME = 1, /* a socket, bind or send call failed */
	EXIT_USAGE = 2,   /* a bad argument; the message names it */
};

/* The only global here (the other is the clock, clock.c): a signal handler can reach nothing
 * else. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a sleep returns EINTR and the loop sees the flag */
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	return 0;
}

/* SCHED_FIFO at the lowest real-time priority for the calling thread (threads it starts later
 * inherit it): ahead of every ordinary task, behind the kernel's own real-time threads. */
static int sched_fifo(void)
{
	struct sched_param param = { .sched_priority = 1 };

	return sched_setscheduler(0, SCHED_FIFO, &param) ? -errno : 0;
}

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* Opens one port of the config's backend from its spec, inside the spec's network namespace
 * (--netns, --rx-netns) when it has one. */
static int open_port(struct nfp_port *port, struct nfp_config *cfg, struct nfp_port_spec *spec,
		     unsigned dir, struct nfp_err *err)
{
	int saved, rc;

	port->backend = cfg->backend;
	port->stop = &stop_requested;
	port->wait_fd = -1;
	rc = nfp_netns_enter(spec->netns, spec == &cfg->port ? "--netns" : "--rx-netns", &saved,
			     err);
	if (rc < 0)
		return rc;
	rc = cfg->backend->open(port, cfg, spec, dir, err);
	nfp_netns_leave(saved);
	if (rc == 0 && port->has_mac) { /* the port chose its MAC (dpdk without --local-mac) */
		memcpy(spec->local_mac, port->mac, 6);
		spec->has_local_mac = true;
	}
	return rc;
}

static int fail(int code, const char *msg)
{
	fprintf(stderr, NFP_APP_NAME ": %s\n", msg);
	return code;
}

int main(int argc, char **argv)
{
	struct nfp_config cfg;
	struct nfp_err err = { .msg = "" };
	struct nfp_port port = { 0 }, rx_port = { 0 };
	struct nfp_report report;
	struct nfp_ctx ctx = { .cfg = &cfg, .port = &port, .report = &report,
			       .stop = &stop_requested };
	const struct nfp_role *role;
	int rc, status = EXIT_OK;

	/* Lines must reach a pipe as they are printed, not in one lump at exit. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	rc = nfp_parse_args(argc, argv, &cfg, &err);
	if (rc == 1)
		return EXIT_OK;
	if (rc < 0)
		return fail(EXIT_USAGE, err.msg);
	role = cfg.role;
	if ((rc = nfp_clock_init((enum nfp_clock_choice)cfg.clock, &err)) < 0)
		return fail(EXIT_USAGE, err.msg);

	if ((rc = install_signals()) < 0) {
		snprintf(err.msg, sizeof(err.msg), "sigaction: %s", strerror(-rc));
		return fail(EXIT_RUNTIME, err.msg);
	}
	rc = role->begin(&ctx, &err);
	if (rc < 0) {
		status = rc == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		goto out_end;
	}
	if (cfg.cpu >= 0 && (rc = pin_cpu(cfg.cpu)) < 0) {
		nfp_err_set(&err, rc, "--cpu %d: sched_setaffinity: %s", cfg.cpu, strerror(-rc));
		status = EXIT_RUNTIME;
		goto out_end;
	}
	/* A two-port role's receive port first: a dpdk tester's EAL starts with both ports, and
	 * either order works; receiving first means nothing sent is missed. */
	if (role->rx_port_dir) {
		ctx.rx_port = &rx_port;
		if ((rc = open_port(&rx_port, &cfg, &cfg.rx_port, role->rx_port_dir, &err)) < 0) {
			status = EXIT_RUNTIME;
			goto out_close;
		}
	}
	if ((rc = open_port(&port, &cfg, &cfg.port, role->port_dir, &err)) < 0) {
		status = EXIT_RUNTIME;
		goto out_close;
	}
	/* Only once the ports are open: the threads a backend starts (EAL's interrupt and control
	 * threads, which serve memif's and vhost-user's control channel) stay ordinary tasks. Were
	 * they real-time beside the role's thread on its CPU, they would wait behind it for good (RT
	 * throttling frees time for ordinary tasks only): a dpdk sender over memif hung at start-up. */
	if (cfg.sched_fifo && (rc = sched_fifo()) < 0) {
		nfp_err_set(&err, rc, "--sched fifo: sched_setscheduler: %s", strerror(-rc));
		status = EXIT_RUNTIME;
		goto out_close;
	}
	if (cfg.sched_fifo)
		nfp_idle_realtime();
	if (!cfg.has_epoch)
		cfg.epoch_ns = nfp_now_ns();

	nfp_report_init(&report, &cfg, role);
	nfp_report_start(&report);
	rc = role->run(&ctx, &err);
	nfp_report_finish(&report, nfp_now_ns());
	if (rc < 0)
		status = EXIT_RUNTIME;

out_close:
	cfg.backend->close(&port);
	if (ctx.rx_port)
		cfg.backend->close(&rx_port);
out_end:
	if (role->end)
		role->end(&ctx);
	if (status != EXIT_OK)
		fail(status, err.msg[0] ? err.msg : "failed");
	return status;
}
