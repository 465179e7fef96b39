/*
 * nfvperf-jitter: how often, and for how long, a CPU is taken away from a pinned busy loop
 * (interrupts, timer ticks, other tasks, a hypervisor's steal), in the manner of sysjitter and
 * CSIT's testbed checks. The loop reads CLOCK_MONOTONIC back to back; a gap between two reads
 * longer than the threshold is an interruption. What a packet-processing thread pinned to this
 * CPU would lose in the same way.
 *
 *   nfvperf-jitter --cpu N [--duration-ms MS] [--threshold-ns NS]
 *
 * Prints one JSON line on stdout: cpu, durationNs, reads, interruptions, interruptedNs (their sum),
 * maxNs (the longest), p99Ns (99th percentile of interruption lengths, from power-of-two buckets:
 * an upper bound within 2x), and a power-of-two histogram of interruption lengths.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_DURATION_MS 1000
#define DEFAULT_THRESHOLD_NS 1000 /* a vDSO clock read costs ~30 ns here: 1 µs is well above it */
#define BUCKETS 40                 /* 2^39 ns ≈ 9 min: more than any probe lasts */

struct probe_config {
	int cpu;
	long duration_ms;
	long threshold_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int parse_long(const char *name, const char *text, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno || *end || end == text || v < min || v > max) {
		fprintf(stderr, "nfvperf-jitter: expected %s to be an integer in [%ld, %ld], got `%s`\n", name, min, max, text);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_options(int argc, char **argv, struct probe_config *cfg)
{
	long cpu = -1;
	cfg->duration_ms = DEFAULT_DURATION_MS;
	cfg->threshold_ns = DEFAULT_THRESHOLD_NS;
	for (int i = 1; i < argc; i++) {
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		int rc;
		if (!value) {
			fprintf(stderr, "nfvperf-jitter: %s needs a value\n", argv[i]);
			return -EINVAL;
		}
		if (!strcmp(argv[i], "--cpu"))
			rc = parse_long("--cpu", value, 0, CPU_SETSIZE - 1, &cpu);
		else if (!strcmp(argv[i], "--duration-ms"))
			rc = parse_long("--duration-ms", value, 1, 600000, &cfg->duration_ms);
		else if (!strcmp(argv[i], "--threshold-ns"))
			rc = parse_long("--threshold-ns", value, 1, 1000000000, &cfg->threshold_ns);
		else {
			fprintf(stderr, "nfvperf-jitter: unknown option %s (usage: --cpu N [--duration-ms MS] [--threshold-ns NS])\n", argv[i]);
			return -EINVAL;
		}
		if (rc)
			return rc;
		i++;
	}
	if (cpu < 0) {
		fprintf(stderr, "nfvperf-jitter: --cpu is required\n");
		return -EINVAL;
	}
	cfg->cpu = (int)cpu;
	return 0;
}

int main(int argc, char **argv)
{
	struct probe_config cfg;
	if (parse_options(argc, argv, &cfg))
		return 2;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cfg.cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "nfvperf-jitter: cannot pin to CPU %d: %s\n", cfg.cpu, strerror(errno));
		return 1;
	}
	uint64_t histogram[BUCKETS] = { 0 };
	uint64_t reads = 0, interruptions = 0, interrupted_ns = 0, max_ns = 0;
	const uint64_t threshold = (uint64_t)cfg.threshold_ns;
	const uint64_t start = now_ns();
	const uint64_t end = start + (uint64_t)cfg.duration_ms * 1000000ull;
	uint64_t prev = start;
	/* The hot loop only reads the clock and compares: anything else would raise the floor. */
	for (;;) {
		uint64_t t = now_ns();
		uint64_t gap = t - prev;
		reads++;
		if (gap > threshold) {
			interruptions++;
			interrupted_ns += gap;
			if (gap > max_ns)
				max_ns = gap;
			int b = 63 - __builtin_clzll(gap);
			histogram[b < BUCKETS ? b : BUCKETS - 1]++;
		}
		prev = t;
		if (t >= end)
			break;
	}
	/* p99 of interruption lengths: the upper edge of the bucket holding the 99th percentile. */
	uint64_t p99_ns = 0, seen = 0;
	for (int b = 0; b < BUCKETS && interruptions; b++) {
		seen += histogram[b];
		if (seen * 100 >= interruptions * 99) {
			p99_ns = (2ull << b) < max_ns ? (2ull << b) : max_ns;
			break;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("{\"cpu\":%d,\"durationNs\":%llu,\"thresholdNs\":%llu,\"reads\":%llu,\"interruptions\":%llu,"
	       "\"interruptedNs\":%llu,\"maxNs\":%llu,\"p99Ns\":%llu,\"histogramLog2Ns\":[",
	       cfg.cpu, (unsigned long long)(prev - start), (unsigned long long)threshold, (unsigned long long)reads,
	       (unsigned long long)interruptions, (unsigned long long)interrupted_ns, (unsigned long long)max_ns,
	       (unsigned long long)p99_ns);
	for (int b = 0; b < BUCKETS; b++)
		printf("%s%llu", b ? "," : "", (unsigned long long)histogram[b]);
	printf("]}\n");
	return 0;
}
