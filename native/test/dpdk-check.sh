#!/usr/bin/env bash
# dpdk-check.sh — runs the dpdk backend for real, over sockets only (no NIC, no namespace):
# exact counts over a memif pair and over vhost-user (net_vhost <-> virtio_user) both ways,
# with --touch; against dpdk-testpmd (nfvperf-app send -> testpmd rxonly counts exactly; testpmd
# txonly -> nfvperf-app recv, whose frames are not ours and count as foreign); client/server
# over memif; the start line only once the link is up; SIGTERM while waiting for a link.
# With BENCH=N it then measures rx pps over vhost-user, N interleaved runs of
# nfvperf-app send -> recv and testpmd txonly -> rxonly, and prints the medians.
# Needs root, jq, python3, dpdk-testpmd, and an app built with libdpdk (`--version` lists dpdk).
#
#   sudo native/test/dpdk-check.sh                       (--no-huge, ~40 s)
#   sudo HUGEPAGES=512 BENCH=3 native/test/dpdk-check.sh  (adds 512 2 MB pages for the run)
#
# It makes only /run/nfvperf/h6-*.sock (and DPDK's /var/run/dpdk/h6-*), and removes them on
# exit, also on failure, with the hugepages it added (the previous count is restored); it stops
# only the processes it started, by PID.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
APP=${APP:-$HERE/../build/nfvperf-app}
SOCKS=/run/nfvperf
MEMIF=$SOCKS/h6-memif.sock
VHOST=$SOCKS/h6-vhost.sock
HUGEPAGES=${HUGEPAGES:-0} # 2 MB pages to add for the run; 0: everything runs with --no-huge
BENCH=${BENCH:-0}
BENCH_S=${BENCH_S:-5}
NR_HUGE=/proc/sys/vm/nr_hugepages
HUGE_BEFORE=
TMP=$(mktemp -d /tmp/nfp-dpdk-check.XXXXXX)
PIDS=()
FAILED=0

cleanup() {
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	rm -f "$MEMIF" "$VHOST"
	rmdir /var/run/dpdk/h6-* 2>/dev/null # empty ones only: nothing else of ours is there
	[[ -n $HUGE_BEFORE ]] && echo "$HUGE_BEFORE" >"$NR_HUGE"
	[[ -n ${KEEP_TMP:-} ]] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; FAILED=1; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
jqt() { jq -e "$@" >/dev/null; }

[[ $(id -u) == 0 ]] || { echo "dpdk-check: needs root" >&2; exit 1; }
[[ -x $APP ]] || { echo "dpdk-check: $APP is not built (make -C native)" >&2; exit 1; }
"$APP" --version | grep -q 'dpdk' || { echo "dpdk-check: $APP has no dpdk backend (libdpdk-dev missing when built)" >&2; exit 1; }
command -v dpdk-testpmd >/dev/null || { echo "dpdk-check: dpdk-testpmd not found (apt-get install dpdk)" >&2; exit 1; }
mkdir -p "$SOCKS"
if ((HUGEPAGES > 0)); then
	HUGE_BEFORE=$(cat "$NR_HUGE")
	echo $((HUGE_BEFORE + HUGEPAGES)) >"$NR_HUGE"
	got=$(cat "$NR_HUGE")
	((got == HUGE_BEFORE + HUGEPAGES)) || { echo "dpdk-check: asked for $HUGEPAGES more 2 MB pages, have $((got - HUGE_BEFORE))" >&2; exit 1; }
	MEM=()                                        # the app: --in-memory --single-file-segments
	TP_MEM=(--in-memory --single-file-segments)
else
	MEM=(--no-huge)
	TP_MEM=(--no-huge -m 512 --no-shconf)
fi
echo "# memory: ${MEM[*]:-hugepages (--in-memory --single-file-segments)}"

# dpdk ARGS...: the app in the background, output in $TMP/$NAME; sets PID. No start line
# wait here: it comes only when the link is up, i.e. once the peer is running too.
NAME=
dpdk() {
	local mem=("${MEM[@]}")
	# memif needs EAL's shared files, so with hugepages a hugetlbfs mount: not made here.
	[[ "$*" == *net_memif* ]] && mem=(--no-huge)
	"$APP" "$@" --backend dpdk "${mem[@]}" --interval-ms 200 >"$TMP/$NAME" 2>"$TMP/$NAME.err" &
	PID=$!
	PIDS+=("$PID")
}
wait_for() { # wait_for FILE JQ-FILTER SECONDS
	local deadline=$((SECONDS + $3))
	while ((SECONDS < deadline)); do
		jq -e -c "select($2)" "$1" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	return 1
}
finish() { # finish NAME PID: waits for it to exit by itself; sets OUT (its summary)
	local rc
	wait "$2"; rc=$?
	[[ $rc == 0 ]] || not_ok "$1: exited $rc: $(tail -3 "$TMP/$1.err")"
	OUT=$(jq -c 'select(.type=="summary")' "$TMP/$1")
}
stop() { # stop NAME PID: waits for an empty interval (drained), SIGTERM, exit 0; sets OUT
	local n deadline=$((SECONDS + 5))
	n=$(wc -l <"$TMP/$1")
	while ((SECONDS < deadline)); do
		tail -n +$((n + 1)) "$TMP/$1" | jq -e -c 'select(.type=="interval" and .rxPackets==0)' \
			2>/dev/null | grep -q . && break
		sleep 0.05
	done
	kill -TERM "$2"
	finish "$1" "$2"
}
epoch_in() { python3 -c "import time; print(time.monotonic_ns() + int($1 * 1e9))"; }

MAC_R=02:00:00:00:00:02 # the receiver's --local-mac
MAC_S=02:00:00:00:00:01
RECV=(recv --local 198.18.0.2:5001 --local-mac $MAC_R --cpu 1)
SEND=(send --local 198.18.0.1:5000 --remote 198.18.0.2:5001 --local-mac $MAC_S --remote-mac $MAC_R --cpu 0)

# exact NAME N "RECV VDEV" "SEND VDEV" "RECV ARGS" SEND-ARGS...: the receiver first (it may be
# the socket's server), the sender from an epoch 2 s ahead, so both ports are up before the
# first frame.
exact() {
	local name=$1 want=$2 rvdev=$3 svdev=$4 rargs=$5 rpid spid; shift 5
	NAME=$name.recv dpdk "${RECV[@]}" --file-prefix h6-r --vdev "$rvdev" $rargs
	rpid=$PID
	NAME=$name.send dpdk "${SEND[@]}" --file-prefix h6-s --vdev "$svdev" --epoch-ns "$(epoch_in 2)" "$@"
	spid=$PID
	finish "$name.send" "$spid"
	local sent=$OUT
	wait_for "$TMP/$name.recv" '.type=="start"' 5 || not_ok "$name: receiver never started"
	stop "$name.recv" "$rpid"
	if [[ -n ${UNSENT_OK:-} ]]; then # unpaced: a full ring refuses frames (unsent), fine
		check "$name: sent $want" [ "$(jq -r .txPackets <<<"$sent")" == "$want" ]
	else
		check "$name: sent $want" [ "$(jq -r '"\(.txPackets)/\(.unsent)"' <<<"$sent")" == "$want/0" ]
	fi
	check "$name: received $want, 0 lost/reordered/duplicate/corrupt/foreign" [ \
		"$(jq -r '[.rxPackets,.lost,.reordered,.duplicates,.corrupt,.foreign]|join(",")' <<<"$OUT")" \
		== "$want,0,0,0,0,0" ]
}

M_SRV="net_memif0,role=server,socket=$MEMIF"
M_CLI="net_memif0,role=client,socket=$MEMIF"
V_SRV="net_vhost0,iface=$VHOST,queues=1"
V_CLI="virtio_user0,path=$VHOST,queues=1"
exact "memif 500" 500 "$M_SRV" "$M_CLI" "" --rate 1000 --count 500
exact "memif touch 1514B, sender is the memif server" 300 "$M_CLI" "$M_SRV" "--touch" \
	--rate 10000 --count 300 --touch --size 1514
exact "vhost-user virtio_user->net_vhost 500" 500 "$V_SRV" "$V_CLI" "--touch" --rate 1000 --count 500 --touch
exact "vhost-user net_vhost->virtio_user 500" 500 "$V_CLI" "$V_SRV" "--touch" --rate 1000 --count 500 --touch
UNSENT_OK=1 exact "vhost-user unpaced 20000" 20000 "$V_SRV" "$V_CLI" "" --count 20000
check "the start line shows the port's MAC when --local-mac is not given" \
	jqt -s '.[0].localMac | test("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")' "$TMP/memif 500.send"
check "the start line shows vdev and filePrefix" \
	jqt -s ".[0].vdev == \"$M_SRV\" and .[0].filePrefix == \"h6-r\"" "$TMP/memif 500.recv"

# client/server over memif: every echo matched.
NAME=rtt.server dpdk server --local 198.18.0.2:7001 --local-mac $MAC_R --cpu 1 --file-prefix h6-r --vdev "$M_SRV"
spid=$PID
NAME=rtt.client dpdk client --local 198.18.0.1:7000 --remote 198.18.0.2:7001 --local-mac $MAC_S \
	--remote-mac $MAC_R --cpu 0 --file-prefix h6-s --vdev "$M_CLI" --count 2000 --rate 5000 --burst 1 \
	--epoch-ns "$(epoch_in 2)"
cpid=$PID
finish rtt.client "$cpid"
client=$OUT
stop rtt.server "$spid"
check "memif client/server: 2000 sent, 2000 echoes matched, 0 lost/late/unmatched/foreign" [ \
	"$(jq -r '[.txPackets,.rxPackets,.rtt.count,.lost,.late,.unmatched,.foreign]|join(",")' <<<"$client")" \
	== "2000,2000,2000,0,0,0,0" ]
check "memif server: received and echoed 2000" [ "$(jq -r '[.rxPackets,.txPackets,.unsent]|join(",")' <<<"$OUT")" == "2000,2000,0" ]
printf '# memif rtt: p50 %s p99 %s max %s ns\n' $(jq -r '.rtt | [.p50Ns,.p99Ns,.maxNs] | .[]' <<<"$client")

# No peer: no start line while the link is down; SIGTERM then ends the wait with exit 1.
NAME=nopeer dpdk "${RECV[@]}" --file-prefix h6-r --vdev "$M_CLI"
pid=$PID
sleep 2
check "no peer: no start line while the link is down" [ ! -s "$TMP/nopeer" ]
kill -TERM "$pid"; wait "$pid"; rc=$?
check "no peer: SIGTERM ends the wait, exit 1, says why" [ "$rc" == 1 ] && grep -q "stopped by a signal while waiting for" "$TMP/nopeer.err"

# testpmd on the net_vhost side. TP_MODE rxonly|txonly, in the background; sets PID.
testpmd() { # testpmd NAME MODE VDEV CPU
	dpdk-testpmd --lcores "0@$4,1@$4" --no-pci --file-prefix "h6-t$4" "${TP_MEM[@]}" --vdev "$3" -- \
		--forward-mode="$2" --stats-period 1 --total-num-mbufs=16384 >"$TMP/$1" 2>&1 &
	PID=$!
	PIDS+=("$PID")
}
testpmd tp.rx rxonly "$V_SRV" 1
tpid=$PID
sleep 1
NAME=tp.send dpdk "${SEND[@]}" --file-prefix h6-s --vdev "$V_CLI" --rate 1000 --count 500
finish tp.send "$PID"
sleep 1.5 # two stats periods
kill -INT "$tpid"; wait "$tpid"
check "nfvperf-app send -> testpmd rxonly: 500 sent, testpmd received 500" [ \
	"$(jq -r .txPackets <<<"$OUT")/$(grep -o 'RX-packets: *[0-9]*' "$TMP/tp.rx" | tail -1 | grep -o '[0-9]*$')" == "500/500" ]

testpmd tp.tx txonly "$V_SRV" 1
tpid=$PID
# testpmd's frames: 198.18.0.1:9 -> 198.18.0.2:9, to 02:00:00:00:00:00; not ours: foreign.
NAME=tp.recv dpdk recv --local 198.18.0.2:9 --local-mac 02:00:00:00:00:00 --cpu 0 --file-prefix h6-r --vdev "$V_CLI"
rpid=$PID
wait_for "$TMP/tp.recv" '.type=="start"' 20
sleep 2
kill -TERM "$rpid"; finish tp.recv "$rpid"
kill -INT "$tpid"; wait "$tpid"
check "testpmd txonly -> nfvperf-app recv: frames arrive, all foreign (not our header)" \
	jqt '.foreign > 1000 and .rxPackets == 0' <<<"${OUT:-null}"
printf '# testpmd txonly -> recv: %s frames, %.0f pps\n' "$(jq .foreign <<<"$OUT")" \
	"$(jq '.foreign / (.durationNs | tonumber / 1e9)' <<<"$OUT")"

# ---- benchmark: vhost-user rx pps, nfvperf-app vs testpmd, interleaved -----------------------
# The sender on CPU 0 (virtio_user), the receiver on CPU 1 (net_vhost); 64 B, burst 32, max rate.
# The rx rate of a run is the median over its intervals (the first and the last dropped).
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
bench_app() { # sets RES: rx pps
	NAME=b.recv dpdk "${RECV[@]}" --file-prefix h6-r --vdev "$V_SRV" --interval-ms 1000
	local rpid=$PID
	NAME=b.send dpdk "${SEND[@]}" --file-prefix h6-s --vdev "$V_CLI" --duration "$BENCH_S" --epoch-ns "$(epoch_in 1)"
	finish b.send "$PID"
	kill -TERM "$rpid"; finish b.recv "$rpid"
	jq -r 'select(.type=="interval" and .rxPackets > 0) | .rxPackets / ((.endNs | tonumber) - (.startNs | tonumber)) * 1e9' \
		"$TMP/b.recv" | sed '1d;$d' | median >"$TMP/res"
	RES=$(cat "$TMP/res")
}
bench_testpmd() { # sets RES: rx pps
	testpmd b.tprx rxonly "$V_SRV" 1
	local rx=$PID
	sleep 1
	testpmd b.tptx txonly "$V_CLI" 0
	local tx=$PID
	sleep $((BENCH_S + 2))
	kill -INT "$tx"; wait "$tx"
	kill -INT "$rx"; wait "$rx"
	grep -o 'Rx-pps: *[0-9]*' "$TMP/b.tprx" | grep -o '[0-9]*$' | awk '$1 > 0' | sed '1d;$d' | median >"$TMP/res"
	RES=$(cat "$TMP/res")
}
if ((BENCH > 0)); then
	for ((i = 1; i <= BENCH; i++)); do
		bench_app; a=$RES
		bench_testpmd; t=$RES
		printf '# run %d: nfvperf-app send->recv rx %.0f pps, testpmd txonly->rxonly rx %.0f pps\n' "$i" "$a" "$t"
		echo "$a" >>"$TMP/bench.app"; echo "$t" >>"$TMP/bench.tp"
	done
	printf '# vhost-user 64 B, medians of %d runs: nfvperf-app %.0f pps, testpmd %.0f pps\n' "$BENCH" \
		"$(median <"$TMP/bench.app")" "$(median <"$TMP/bench.tp")"
fi

[[ $FAILED == 0 ]] && echo "dpdk-check: all checks passed" || echo "dpdk-check: FAILED"
exit $FAILED
