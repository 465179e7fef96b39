/*
 * nfvperf-basicfwd: the paper's baseline DPDK "switch", in the shape of DPDK's skeleton sample
 * (port_init, lcore_main, main), written for nfvperf. Every ethdev the EAL arguments create
 * (net_vhost ports, one per container) is forwarded in fixed pairs, port 2i <-> 2i+1: no
 * switching logic, no header is read. One polling lcore (pin it with -l CPU).
 *
 * Usage: nfvperf-basicfwd <EAL args> --vdev net_vhost0,iface=PATH,queues=1 --vdev net_vhost1,…
 * stdout, line-buffered JSON: {"type":"start","ports":N} once every port is started, and on
 * SIGINT/SIGTERM {"type":"summary","ports":[{"port":i,"rxPackets":…,"txPackets":…,"dropped":…}]}.
 * Exit 0 after a signal; 2 for bad arguments (odd or zero port count); 1 for setup failures.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#define RX_RING_SIZE 1024
#define TX_RING_SIZE 1024
#define NUM_MBUFS 8191
#define MBUF_CACHE_SIZE 250
#define BURST_SIZE 32
#define MAX_PORTS 64

struct port_counters {
	uint64_t rx;
	uint64_t tx;
	uint64_t dropped; /* received, not accepted by the peer port's queue: freed */
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int signo)
{
	(void)signo;
	stop_requested = 1;
}

/* One RX and one TX queue on `port`, started; returns 0 or a negative errno. */
static int port_init(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = RX_RING_SIZE, nb_txd = TX_RING_SIZE;
	int ret;

	if (!rte_eth_dev_is_valid_port(port))
		return -EINVAL;
	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ret;
	ret = rte_eth_rx_queue_setup(port, 0, nb_rxd, rte_eth_dev_socket_id(port), NULL, pool);
	if (ret < 0)
		return ret;
	ret = rte_eth_tx_queue_setup(port, 0, nb_txd, rte_eth_dev_socket_id(port), &info.default_txconf);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_start(port);
	if (ret < 0)
		return ret;
	/* vhost ports do not filter by MAC; a PMD that cannot go promiscuous is fine. */
	(void)rte_eth_promiscuous_enable(port);
	return 0;
}

/* Moves one burst from `from` to `to`, counting; frees what `to` did not accept. */
static inline void forward_burst(uint16_t from, uint16_t to, struct port_counters *c)
{
	struct rte_mbuf *bufs[BURST_SIZE];
	const uint16_t nb_rx = rte_eth_rx_burst(from, 0, bufs, BURST_SIZE);
	uint16_t nb_tx;

	if (nb_rx == 0)
		return;
	nb_tx = rte_eth_tx_burst(to, 0, bufs, nb_rx);
	c[from].rx += nb_rx;
	c[to].tx += nb_tx;
	if (nb_tx < nb_rx) {
		c[from].dropped += nb_rx - nb_tx;
		rte_pktmbuf_free_bulk(&bufs[nb_tx], nb_rx - nb_tx);
	}
}

/* Polls every pair until a signal arrives. */
static void lcore_main(uint16_t nb_ports, struct port_counters *c)
{
	while (!stop_requested) {
		for (uint16_t p = 0; p + 1 < nb_ports; p += 2) {
			forward_burst(p, p + 1, c);
			forward_burst(p + 1, p, c);
		}
	}
}

int main(int argc, char *argv[])
{
	static struct port_counters counters[MAX_PORTS];
	struct rte_mempool *pool;
	uint16_t nb_ports, port;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "nfvperf-basicfwd: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	nb_ports = rte_eth_dev_count_avail();
	if (nb_ports == 0 || nb_ports % 2 != 0 || nb_ports > MAX_PORTS) {
		fprintf(stderr, "nfvperf-basicfwd: --vdev: expected an even number of ports (2..%d), got %u\n", MAX_PORTS, nb_ports);
		rte_eal_cleanup();
		return 2;
	}
	pool = rte_pktmbuf_pool_create("MBUF_POOL", NUM_MBUFS * nb_ports, MBUF_CACHE_SIZE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "nfvperf-basicfwd: cannot create the mbuf pool: %s\n", rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}
	RTE_ETH_FOREACH_DEV(port) {
		ret = port_init(port, pool);
		if (ret != 0) {
			fprintf(stderr, "nfvperf-basicfwd: cannot start port %u: %s\n", port, strerror(-ret));
			rte_eal_cleanup();
			return 1;
		}
	}
	printf("{\"type\":\"start\",\"ports\":%u,\"lcore\":%u}\n", nb_ports, rte_lcore_id());

	lcore_main(nb_ports, counters);

	printf("{\"type\":\"summary\",\"ports\":[");
	RTE_ETH_FOREACH_DEV(port) {
		printf("%s{\"port\":%u,\"rxPackets\":%" PRIu64 ",\"txPackets\":%" PRIu64 ",\"dropped\":%" PRIu64 "}",
		       port == 0 ? "" : ",", port, counters[port].rx, counters[port].tx, counters[port].dropped);
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	printf("]}\n");
	rte_eal_cleanup();
	return 0;
}
