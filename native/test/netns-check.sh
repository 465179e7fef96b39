#!/usr/bin/env bash
# netns-check.sh — runs nfvperf-app for real: two network namespaces joined by a veth pair,
# a receiver in one, a sender in the other, and checks the counts they print. Needs root, ip,
# jq and /proc/timer_list. Prints "ok - …" / "not ok - …" per check and the measured rates;
# exits 1 if a check failed. Speeds are printed, never asserted (the host is noisy); a paced
# run without stalls must come within 1% of the rate asked for.
#
#   sudo native/test/netns-check.sh            # everything (~40 s)
#   NFP_QUICK=1 native/test/netns-check.sh     # skip the 3-second rate runs
#
# It creates only nfp-h-a / nfp-h-b (198.18.0.1/24, 198.18.0.2/24, veth nfphA/nfphB; other names
# with NFP_NS_A, NFP_NS_B, NFP_IF_A, NFP_IF_B), sends only to them, and removes them on exit, also
# on failure; it stops only the processes it started.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
APP=${APP:-$HERE/../build/nfvperf-app}
NS_A=${NFP_NS_A:-nfp-h-a} # overridable, so two checkouts can run side by side
NS_B=${NFP_NS_B:-nfp-h-b}
IF_A=${NFP_IF_A:-nfphA}
IF_B=${NFP_IF_B:-nfphB}
IP_A=198.18.0.1
IP_B=198.18.0.2
TMP=$(mktemp -d /tmp/nfp-netns-check.XXXXXX)
PIDS=()
FAILED=0

cleanup() {
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; FAILED=1; }
check() { # check DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

setup() {
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add "$IF_A" type veth peer name "$IF_B" &&
	ip link set "$IF_A" netns "$NS_A" && ip link set "$IF_B" netns "$NS_B" &&
	ip -n "$NS_A" addr add "$IP_A/24" dev "$IF_A" && ip -n "$NS_B" addr add "$IP_B/24" dev "$IF_B" &&
	ip -n "$NS_A" link set "$IF_A" up && ip -n "$NS_B" link set "$IF_B" up &&
	ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up
}

# wait_for FILE JQ-FILTER SECONDS: until a line of FILE matches the filter.
wait_for() {
	local deadline=$((SECONDS + $3))
	while ((SECONDS < deadline)); do
		jq -e -c "select($2)" "$1" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# recv_start NAME ARGS...: starts a receiver in NS_B, waits for its start line; sets RECV_PID.
recv_start() {
	local name=$1; shift
	ip netns exec "$NS_B" "$APP" recv --local "$IP_B:5001" --cpu 1 --interval-ms 100 "$@" \
		>"$TMP/$name.recv" 2>"$TMP/$name.recv.err" &
	RECV_PID=$!
	PIDS+=("$RECV_PID")
	wait_for "$TMP/$name.recv" '.type=="start"' 5 || not_ok "$name: receiver did not start"
}

# recv_stop NAME: waits until the receiver has drained (an empty interval after the sender
# ended), stops it with SIGTERM and checks it exits 0 with a summary.
recv_stop() {
	local name=$1 n rc
	n=$(wc -l <"$TMP/$name.recv")
	local deadline=$((SECONDS + 5))
	while ((SECONDS < deadline)); do
		tail -n +$((n + 1)) "$TMP/$name.recv" | jq -e -c 'select(.type=="interval" and .rxPackets==0)' \
			2>/dev/null | grep -q . && break
		sleep 0.05
	done
	kill -TERM "$RECV_PID"
	wait "$RECV_PID"
	rc=$?
	[[ $rc == 0 ]] || not_ok "$name: receiver exited $rc: $(cat "$TMP/$name.recv.err")"
	RECV=$(jq -c 'select(.type=="summary")' "$TMP/$name.recv")
}

# send NAME ARGS...: runs a sender in NS_A to completion; sets SEND (its summary).
send() {
	local name=$1 rc; shift
	ip netns exec "$NS_A" "$APP" send --local "$IP_A:5000" --remote "$IP_B:5001" --cpu 0 "$@" \
		>"$TMP/$name.send" 2>"$TMP/$name.send.err"
	rc=$?
	[[ $rc == 0 ]] || not_ok "$name: sender exited $rc: $(cat "$TMP/$name.send.err")"
	SEND=$(jq -c 'select(.type=="summary")' "$TMP/$name.send")
}

field() { jq -r ".$2" <<<"$1"; }
jqt() { jq -e "$@" >/dev/null; } # a jq test, silent

pair() { # pair NAME "RECV ARGS" "SEND ARGS"
	local name=$1
	recv_start "$name" $2
	send "$name" $3
	recv_stop "$name"
}

exact() { # exact NAME N "RECV ARGS" "SEND ARGS": N sent, N received, nothing else
	local name=$1 want=$2
	pair "$name" "$3" "$4"
	check "$name: sent $want" [ "$(field "$SEND" txPackets)/$(field "$SEND" unsent)" == "$want/0" ]
	check "$name: received $want, 0 lost/reordered/duplicate/corrupt/foreign" [ \
		"$(jq -r '[.rxPackets,.lost,.reordered,.duplicates,.corrupt,.foreign]|join(",")' <<<"$RECV")" \
		== "$want,0,0,0,0,0" ]
}

rate() { # rate NAME "RECV ARGS" "SEND ARGS": prints the rates; with --rate checks 1% accuracy
	local name=$1 intended achieved rx
	pair "$name" "$2" "$3"
	intended=$(field "$SEND" intendedPps)
	achieved=$(field "$SEND" achievedPps)
	rx=$(jq -r '.rxPackets' <<<"$RECV")
	printf '# %-28s tx %10.0f pps  rx %10.0f pps  (tx %s, unsent %s, stalls %s, rx %s, lost %s)\n' \
		"$name" "$achieved" "$(jq -r '.rxPackets / ((.lastPacketNs|tonumber) - (.firstPacketNs|tonumber)) * 1e9' <<<"$RECV")" \
		"$(field "$SEND" txPackets)" "$(field "$SEND" unsent)" "$(field "$SEND" stalls)" "$rx" \
		"$(field "$RECV" lost)"
	# Without stalls the schedule is exact, so the rate must be within 1%. Stalls mean the CPU
	# could not keep up (on these VMs, mostly ksoftirqd or the host taking the sender's CPU):
	# the shortfall is then reported, not failed.
	if [[ $intended != null && $(field "$SEND" stalls) == 0 ]]; then
		check "$name: achieved $achieved pps within 1% of $intended" \
			jqt -n "($achieved - $intended) | fabs < 0.01 * $intended"
	elif [[ $intended != null ]]; then
		echo "# $name: $(field "$SEND" stalls) stalls: the sender's CPU could not carry $intended pps this time"
	fi
}

[[ $(id -u) == 0 ]] || { echo "netns-check: needs root (network namespaces)" >&2; exit 1; }
[[ -x $APP ]] || { echo "netns-check: $APP is not built (make -C native)" >&2; exit 1; }
setup || { echo "netns-check: could not create $NS_A/$NS_B" >&2; exit 1; }

for be in udp udp-mmsg; do
	exact "$be exact 500" 500 "--backend $be" "--backend $be --rate 1000 --count 500"
	exact "$be touch 64B" 300 "--backend $be --touch" "--backend $be --rate 10000 --count 300 --touch"
	exact "$be touch 1514B" 300 "--backend $be --touch" \
		"--backend $be --rate 10000 --count 300 --touch --size 1514"
	exact "$be unpaced 2000" 2000 "--backend $be" "--backend $be --count 2000 --burst 8"
done
exact "flow 9, burst 1" 100 "" "--flow 9 --burst 1 --rate 2000 --count 100"

# The paced run's own timing: 500 frames at 1000 pps take 0.5 s.
pair "duration of 500 at 1000 pps" "" "--rate 1000 --count 500"
check "500 frames at 1000 pps: durationNs within 1% of 0.5 s" \
	jqt -n "($(field "$SEND" durationNs) - 5e8) | fabs < 5e6"

# Frames that are not ours are counted as foreign, not as received.
recv_start foreign
ip netns exec "$NS_A" bash -c "echo 'not an nfvperf frame' >/dev/udp/$IP_B/5001"
send foreign --count 10
recv_stop foreign
check "foreign: 1 foreign, 10 received" [ "$(jq -r '"\(.foreign),\(.rxPackets)"' <<<"$RECV")" == "1,10" ]

# A receiver with --touch counts untouched frames as corrupt.
pair "touch mismatch" "--touch" "--count 20"
check "recv --touch, send without: 20 corrupt" [ "$(field "$RECV" corrupt)" == 20 ]

# Epoch: the sender waits for it; intervals are aligned to it.
now_ns() { awk '/^now at/ { print $3; exit }' /proc/timer_list; } # CLOCK_MONOTONIC ns
epoch=$(($(now_ns) + 700000000))
recv_start epoch --epoch-ns "$epoch"
send epoch --epoch-ns "$epoch" --rate 1000 --count 100 --interval-ms 100
recv_stop epoch
check "epoch: sender's first frame at or after the epoch" \
	jqt -n "$(field "$SEND" firstPacketNs) >= $epoch"
check "epoch: receiver started before it reports negative intervals" \
	jqt -s 'map(select(.type=="interval")) | .[0].index < 0' "$TMP/epoch.recv"
check "epoch: sender's first interval is index 0" \
	jqt -s 'map(select(.type=="interval")) | .[0].index == 0' "$TMP/epoch.send"
check "epoch: 100 received" [ "$(field "$RECV" rxPackets)" == 100 ]

# SIGTERM stops an endless sender cleanly: exit 0, partial interval, summary.
ip netns exec "$NS_A" "$APP" send --local "$IP_A:5000" --remote "$IP_B:5001" --rate 1000 \
	>"$TMP/sigterm.send" 2>&1 &
pid=$!
PIDS+=("$pid")
wait_for "$TMP/sigterm.send" '.type=="start"' 5
sleep 0.3
kill -TERM "$pid"
wait "$pid"
check "SIGTERM: sender exits 0" [ $? == 0 ]
check "SIGTERM: partial interval then summary" jqt -s \
	'.[-2].partial == true and .[-1].type == "summary" and .[-1].txPackets > 0' "$TMP/sigterm.send"

# Bad arguments exit 2 with one line naming the option; runtime failures exit 1.
expect_exit() { # expect_exit CODE PATTERN ARGS...
	local code=$1 pattern=$2 out rc; shift 2
	out=$(ip netns exec "$NS_A" "$APP" "$@" 2>&1 >/dev/null); rc=$?
	if [[ $rc == "$code" && $(wc -l <<<"$out") == 1 && $out == *"$pattern"* ]]; then
		ok "exit $code: $*"
	else
		not_ok "exit $code: $* (got $rc: $out)"
	fi
}
expect_exit 2 "--size: expected an integer 60..9000, got '59'" send --local "$IP_A:0" --remote "$IP_B:5001" --size 59
expect_exit 2 "--rate:" send --local "$IP_A:0" --remote "$IP_B:5001" --rate 0
expect_exit 2 "--burst:" send --local "$IP_A:0" --remote "$IP_B:5001" --burst 1025
expect_exit 2 "--cpu:" send --local "$IP_A:0" --remote "$IP_B:5001" --cpu 4096
expect_exit 2 "--remote: required" send --local "$IP_A:0"
expect_exit 2 "--local: required" recv
expect_exit 2 "--backend:" recv --local "$IP_A:5001" --backend nope
expect_exit 2 "unknown option '--bogus'" recv --local "$IP_A:5001" --bogus
expect_exit 2 "expected a role" bogus --local "$IP_A:5001"
expect_exit 1 "bind: Cannot assign requested address" recv --local 198.18.0.77:5001
expect_exit 1 "MTU" send --local "$IP_A:0" --remote "$IP_B:5001" --size 9000 --count 1

if [[ -z ${NFP_QUICK:-} ]]; then
	for be in udp udp-mmsg; do
		rate "$be 100 kpps 3 s" "--backend $be" "--backend $be --rate 100000 --duration 3"
	done
	for be in udp udp-mmsg; do
		rate "$be max 64B 3 s" "--backend $be" "--backend $be --duration 3"
	done
	rate "udp-mmsg max 1514B 3 s" "" "--duration 3 --size 1514"
	rate "udp-mmsg max 64B touch 3 s" "--touch" "--duration 3 --touch"
fi

[[ $FAILED == 0 ]] && echo "netns-check: all checks passed" || echo "netns-check: FAILED"
exit $FAILED
