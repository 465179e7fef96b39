#!/usr/bin/env bash
# netns-afxdp-check.sh — runs the af-xdp backend for real between two network namespaces joined
# by a veth pair, and checks what it prints: exact counts af-xdp <-> af-xdp and with the kernel
# UDP backends on either side, --touch, malformed frames counted foreign, no ICMP from an
# af-xdp receiver's namespace, client/server (every echo matched), our XDP program detached
# on exit, and the rate of af-xdp vs raw-mmsg at 64 B, unpaced (printed, never asserted).
# Needs root, ip, jq, python3, and an app built with libxdp (`--version` lists af-xdp).
#
#   sudo native/test/netns-afxdp-check.sh        (~30 s)
#
# It creates only nfp-h6-a / nfp-h6-b (198.18.0.1/24, 198.18.0.2/24, veth nfph6A/nfph6B),
# sends only to them, and removes them on exit, also on failure; it stops only the processes it
# started, by PID.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
APP=${APP:-$HERE/../build/nfvperf-app}
NS_A=nfp-h6-a
NS_B=nfp-h6-b
IF_A=nfph6A
IF_B=nfph6B
IP_A=198.18.0.1
IP_B=198.18.0.2
TMP=$(mktemp -d /tmp/nfp-afxdp-check.XXXXXX)
PIDS=()
FAILED=0

cleanup() {
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	[[ -n ${KEEP_TMP:-} ]] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; FAILED=1; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
jqt() { jq -e "$@" >/dev/null; }

setup() {
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add "$IF_A" type veth peer name "$IF_B" &&
	ip link set "$IF_A" netns "$NS_A" && ip link set "$IF_B" netns "$NS_B" &&
	ip -n "$NS_A" addr add "$IP_A/24" dev "$IF_A" && ip -n "$NS_B" addr add "$IP_B/24" dev "$IF_B" &&
	ip -n "$NS_A" link set "$IF_A" up && ip -n "$NS_B" link set "$IF_B" up &&
	ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up &&
	# 3500: the largest MTU veth takes with a native XDP program (one page per frame).
	ip -n "$NS_A" link set "$IF_A" mtu 3500 && ip -n "$NS_B" link set "$IF_B" mtu 3500 || return 1
	# Kernel-built frames then carry a full UDP checksum, not the partial sum of checksum
	# offload, so an echo of one (swapped, checksum untouched) passes the kernel's check.
	if command -v ethtool >/dev/null; then
		ip netns exec "$NS_A" ethtool -K "$IF_A" tx off >/dev/null &&
		ip netns exec "$NS_B" ethtool -K "$IF_B" tx off >/dev/null
	fi
}

# Until both ends of the veth report carrier (frames sent before that are dropped).
wait_link() {
	local deadline=$((SECONDS + 5))
	while ((SECONDS < deadline)); do
		[[ $(ip -n "$NS_A" -j link show "$IF_A" | jq -r '.[0].operstate') == UP &&
		   $(ip -n "$NS_B" -j link show "$IF_B" | jq -r '.[0].operstate') == UP ]] && return 0
		sleep 0.05
	done
	return 1
}

wait_for() { # wait_for FILE JQ-FILTER SECONDS
	local deadline=$((SECONDS + $3))
	while ((SECONDS < deadline)); do
		jq -e -c "select($2)" "$1" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# bg_start NAME NS ROLE ARGS...: a long-running app (recv, server) in NS; sets BG_PID.
bg_start() {
	local name=$1 ns=$2; shift 2
	ip netns exec "$ns" "$APP" "$@" --interval-ms 100 >"$TMP/$name" 2>"$TMP/$name.err" &
	BG_PID=$!
	PIDS+=("$BG_PID")
	wait_for "$TMP/$name" '.type=="start"' 5 || not_ok "$name: did not start: $(cat "$TMP/$name.err")"
}

# bg_stop NAME PID: waits for an empty interval (drained), SIGTERM, exit 0; sets BG (summary).
bg_stop() {
	local name=$1 pid=$2 n rc deadline=$((SECONDS + 5))
	n=$(wc -l <"$TMP/$name")
	while ((SECONDS < deadline)); do
		tail -n +$((n + 1)) "$TMP/$name" | jq -e -c 'select(.type=="interval" and .rxPackets==0)' \
			2>/dev/null | grep -q . && break
		sleep 0.05
	done
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	[[ $rc == 0 ]] || not_ok "$name: exited $rc: $(cat "$TMP/$name.err")"
	BG=$(jq -c 'select(.type=="summary")' "$TMP/$name")
}

# fg NAME NS ROLE ARGS...: runs an app to completion; sets FG (its summary).
fg() {
	local name=$1 ns=$2 rc; shift 2
	ip netns exec "$ns" "$APP" "$@" --interval-ms 100 >"$TMP/$name" 2>"$TMP/$name.err"
	rc=$?
	[[ $rc == 0 ]] || not_ok "$name: exited $rc: $(cat "$TMP/$name.err")"
	FG=$(jq -c 'select(.type=="summary")' "$TMP/$name")
}


icmp_unreach() { # ICMP destination-unreachable messages NS has sent
	ip netns exec "$1" awk '/^Icmp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 }
		else print $c["OutDestUnreachs"] }' /proc/net/snmp
}

xdp_attached() { # xdp_attached NS IF: is an XDP program attached?
	ip -n "$1" -j link show "$2" | jq -e '.[0].xdp != null' >/dev/null
}

[[ $(id -u) == 0 ]] || { echo "netns-afxdp-check: needs root" >&2; exit 1; }
[[ -x $APP ]] || { echo "netns-afxdp-check: $APP is not built (make -C native)" >&2; exit 1; }
"$APP" --version | grep -q 'af-xdp' || { echo "netns-afxdp-check: $APP has no af-xdp backend (libxdp-dev missing when built)" >&2; exit 1; }
setup && wait_link || { echo "netns-afxdp-check: could not create $NS_A/$NS_B" >&2; exit 1; }
MAC_A=$(ip -n "$NS_A" -j link show "$IF_A" | jq -r '.[0].address')
MAC_B=$(ip -n "$NS_B" -j link show "$IF_B" | jq -r '.[0].address')
XA="--backend af-xdp --ifname $IF_A --remote-mac $MAC_B"   # a sender in A
XB="--backend af-xdp --ifname $IF_B"                       # a receiver in B

# Malformed frames to the receiver's MAC/IP/port are foreign; other traffic is ignored.
bg_start foreign.recv "$NS_B" recv --local "$IP_B:5001" --cpu 1 $XB
rpid=$BG_PID
check "recv: our XDP program is attached to $IF_B while it runs" xdp_attached "$NS_B" "$IF_B"
ip netns exec "$NS_A" python3 - "$IF_A" "$MAC_A" "$MAC_B" <<'PY'
import socket, struct, sys
ifname, src, dst = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), bytes.fromhex(sys.argv[3].replace(':', ''))
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def frame(dport=5001, payload=b'NF\x01\x00' + bytes(14), bad_csum=False, udp_len_delta=0):
    udp = struct.pack('!HHHH', 5000, dport, 8 + len(payload) + udp_len_delta, 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     socket.inet_aton('198.18.0.1'), socket.inet_aton('198.18.0.2'))
    c = csum(ip) ^ (0xffff if bad_csum else 0)
    ip = ip[:10] + struct.pack('!H', c) + ip[12:]
    return dst + src + b'\x08\x00' + ip + udp
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
s.send(frame(bad_csum=True))             # foreign: bad IPv4 checksum
s.send(frame(udp_len_delta=2))           # foreign: UDP length != IP length - 20
s.send(frame(dport=5002))                # ignored: another port (to the kernel)
s.send(b'\xff' * 6 + src + b'\x08\x06' + bytes(46))  # ignored: ARP (to the kernel)
s.send(frame())                          # a good frame (seq 0)
PY
bg_stop foreign.recv "$rpid"
check "af-xdp foreign: 2 malformed frames counted foreign, 1 good, the rest ignored" \
	[ "$(jq -r '"\(.foreign),\(.rxPackets)"' <<<"$BG")" == "2,1" ]
check "recv exited: the XDP program is detached from $IF_B" bash -c "! ip -n $NS_B -j link show $IF_B | jq -e '.[0].xdp != null' >/dev/null"

# send -> recv, N at a low rate: exactly N arrive.
exact() { # exact NAME N "RECV ARGS" "SEND ARGS"
	local name=$1 want=$2 rpid
	bg_start "$name.recv" "$NS_B" recv --local "$IP_B:5001" --cpu 1 $3
	rpid=$BG_PID
	fg "$name.send" "$NS_A" send --local "$IP_A:5000" --remote "$IP_B:5001" --cpu 0 $4
	bg_stop "$name.recv" "$rpid"
	check "$name: sent $want" [ "$(jq -r '"\(.txPackets)/\(.unsent)"' <<<"$FG")" == "$want/0" ]
	if [[ -n ${LOSS_OK:-} ]]; then
		# Unpaced: the veth peer's backlog may overflow after our tx ring accepted a frame
		# (path loss, not unsent; see docs/app-protocol.md): every frame arrives or is lost.
		check "$name: received + lost = $want, 0 reordered/duplicate/corrupt/foreign" [ \
			"$(jq -r '[.rxPackets + .lost,.reordered,.duplicates,.corrupt,.foreign]|join(",")' <<<"$BG")" \
			== "$want,0,0,0,0" ]
		echo "# $name: lost $(jq .lost <<<"$BG")"
	else
		check "$name: received $want, 0 lost/reordered/duplicate/corrupt/foreign" [ \
			"$(jq -r '[.rxPackets,.lost,.reordered,.duplicates,.corrupt,.foreign]|join(",")' <<<"$BG")" \
			== "$want,0,0,0,0,0" ]
	fi
}

icmp0=$(icmp_unreach "$NS_B")
exact "af-xdp->af-xdp 500" 500 "$XB" "$XA --rate 1000 --count 500"
exact "af-xdp->af-xdp touch 1514B" 300 "$XB --touch" "$XA --rate 10000 --count 300 --touch --size 1514"
exact "af-xdp->af-xdp touch 3000B" 200 "$XB --touch" "$XA --rate 10000 --count 200 --touch --size 3000"
check "af-xdp receivers: no ICMP port unreachable from $NS_B" [ "$(icmp_unreach "$NS_B")" == "$icmp0" ]
exact "af-xdp->udp-mmsg 300" 300 "--backend udp-mmsg --touch" "$XA --rate 10000 --count 300 --touch"
exact "udp-mmsg->af-xdp 300 (kernel ARP still works)" 300 "$XB --touch" "--backend udp-mmsg --rate 10000 --count 300 --touch"
exact "raw-mmsg->af-xdp 300" 300 "$XB" "--backend raw-mmsg --ifname $IF_A --remote-mac $MAC_B --rate 10000 --count 300"
exact "af-xdp->raw-mmsg 300" 300 "--backend raw-mmsg --ifname $IF_B" "$XA --rate 10000 --count 300"
LOSS_OK=1 exact "af-xdp unpaced 2000, burst 64" 2000 "$XB --burst 64" "$XA --count 2000 --burst 64"

latency() { # latency NAME "SERVER ARGS" "CLIENT ARGS" N RATE
	local name=$1 n=$4 spid
	bg_start "$name.server" "$NS_B" server --local "$IP_B:7001" --cpu 1 $2
	spid=$BG_PID
	fg "$name.client" "$NS_A" client --local "$IP_A:7000" --remote "$IP_B:7001" --cpu 0 \
		--count "$n" --rate "$5" --burst 1 $3
	local client=$FG
	bg_stop "$name.server" "$spid"
	check "$name: client sent $n, $n echoes matched, 0 lost/late/unmatched/foreign" [ \
		"$(jq -r '[.txPackets,.rxPackets,.rtt.count,.lost,.late,.unmatched,.foreign,.corrupt]|join(",")' <<<"$client")" \
		== "$n,$n,$n,0,0,0,0,0" ]
	check "$name: server received and echoed $n" [ \
		"$(jq -r '[.rxPackets,.txPackets,.lost,.foreign,.unsent]|join(",")' <<<"$BG")" == "$n,$n,0,0,0" ]
	printf '# %-30s rtt n=%s min %s p50 %s p99 %s max %s ns\n' "$name" \
		$(jq -r '.rtt | [.count,.minNs,.p50Ns,.p99Ns,.maxNs] | .[]' <<<"$client")
}
XC="--backend af-xdp --ifname $IF_A --remote-mac $MAC_B"
latency "af-xdp rtt" "$XB" "$XC --touch" 5000 5000
latency "af-xdp client, udp server" "--backend udp-mmsg" "$XC" 1000 5000
# (An echo keeps the client's UDP checksum: with checksum offload on, and no ethtool to turn it
# off, a kernel client drops the echoes of its own frames.)
command -v ethtool >/dev/null && latency "udp client, af-xdp server" "$XB" "--backend udp-mmsg --touch" 1000 5000

# Max rate at 64 B, 2 s each, af-xdp and raw-mmsg interleaved: printed, never asserted.
rate() { # rate BACKEND: prints the receiver's rx pps and the sender's tx pps
	local be=$1 rpid sargs rargs
	if [[ $be == af-xdp ]]; then rargs=$XB sargs=$XA
	else rargs="--backend $be --ifname $IF_B" sargs="--backend $be --ifname $IF_A --remote-mac $MAC_B"; fi
	bg_start "rate.$be.recv" "$NS_B" recv --local "$IP_B:5001" --cpu 1 $rargs
	rpid=$BG_PID
	fg "rate.$be.send" "$NS_A" send --local "$IP_A:5000" --remote "$IP_B:5001" --cpu 0 --duration 2 $sargs
	bg_stop "rate.$be.recv" "$rpid"
	local tx rx
	tx=$(jq -r .achievedPps <<<"$FG")
	rx=$(jq -n "$(jq .rxPackets <<<"$BG") / ($(jq -r .durationNs <<<"$FG") / 1e9)")
	printf '# %-9s 64 B max: tx %8.0f pps, rx %8.0f pps (rx frames / send duration)\n' "$be" "$tx" "$rx"
	echo "$tx" >>"$TMP/rate.$be.tx"; echo "$rx" >>"$TMP/rate.$be.rx"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
RUNS=${RUNS:-3}
for ((i = 0; i < RUNS; i++)); do rate af-xdp; rate raw-mmsg; done
for be in af-xdp raw-mmsg; do
	printf '# %-9s 64 B max, medians of %d runs: tx %8.0f pps, rx %8.0f pps\n' "$be" "$RUNS" \
		"$(median <"$TMP/rate.$be.tx")" "$(median <"$TMP/rate.$be.rx")"
done

[[ $FAILED == 0 ]] && echo "netns-afxdp-check: all checks passed" || echo "netns-afxdp-check: FAILED"
exit $FAILED
