#!/usr/bin/env bash
# netns-raw-check.sh — runs the raw backends (raw, raw-mmsg) and the latency roles (server,
# client) for real between two network namespaces joined by a veth pair, and checks what they
# print. Needs root, ip, jq and python3; with tshark it also decodes a capture of every frame.
# Prints "ok - …" / "not ok - …" per check and the measured round trips; exits 1 if a check
# failed. Latencies are printed, never asserted (the host is noisy).
#
#   sudo native/test/netns-raw-check.sh        (~30 s)
#
# It creates only nfp-h2-a / nfp-h2-b (198.18.0.1/24, 198.18.0.2/24, veth nfph2A/nfph2B), sends
# only to them, and removes them on exit, also on failure; it stops only the processes it
# started, by PID.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
APP=${APP:-$HERE/../build/nfvperf-app}
NS_A=nfp-h2-a
NS_B=nfp-h2-b
IF_A=nfph2A
IF_B=nfph2B
IP_A=198.18.0.1
IP_B=198.18.0.2
TMP=$(mktemp -d /tmp/nfp-raw-check.XXXXXX)
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
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
jqt() { jq -e "$@" >/dev/null; }

setup() {
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add "$IF_A" type veth peer name "$IF_B" &&
	ip link set "$IF_A" netns "$NS_A" && ip link set "$IF_B" netns "$NS_B" &&
	ip -n "$NS_A" addr add "$IP_A/24" dev "$IF_A" && ip -n "$NS_B" addr add "$IP_B/24" dev "$IF_B" &&
	ip -n "$NS_A" link set "$IF_A" up && ip -n "$NS_B" link set "$IF_B" up &&
	ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up || return 1
	# Kernel-built frames (the udp backends) then carry a full UDP checksum on the wire instead
	# of the partial sum of checksum offload, so the capture can check every frame. Without
	# ethtool, a kernel frame's UDP checksum (never 0) is not checked.
	if command -v ethtool >/dev/null; then
		ip netns exec "$NS_A" ethtool -K "$IF_A" tx off >/dev/null &&
		ip netns exec "$NS_B" ethtool -K "$IF_B" tx off >/dev/null && OFFLOAD_OFF=1
	fi
}
OFFLOAD_OFF=

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

[[ $(id -u) == 0 ]] || { echo "netns-raw-check: needs root" >&2; exit 1; }
[[ -x $APP ]] || { echo "netns-raw-check: $APP is not built (make -C native)" >&2; exit 1; }
setup && wait_link || { echo "netns-raw-check: could not create $NS_A/$NS_B" >&2; exit 1; }
MAC_A=$(ip -n "$NS_A" -j link show "$IF_A" | jq -r '.[0].address')
MAC_B=$(ip -n "$NS_B" -j link show "$IF_B" | jq -r '.[0].address')
RAW_A="--ifname $IF_A --remote-mac $MAC_B"   # a sender in A
RAW_B="--ifname $IF_B"                       # a receiver in B
# Malformed frames to the receiver's MAC/IP/port are foreign; other traffic is ignored. (Before
# the capture starts: these frames are malformed on purpose.)
bg_start foreign.recv "$NS_B" recv --local "$IP_B:5001" --cpu 1 --backend raw-mmsg $RAW_B
rpid=$BG_PID
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
s.send(frame()[:30])                     # foreign: too short for IPv4 + UDP
s.send(frame(dport=5002))                # ignored: another port
s.send(b'\xff' * 6 + src + b'\x08\x06' + bytes(46))  # ignored: ARP
s.send(frame())                          # a good frame (seq 0)
PY
bg_stop foreign.recv "$rpid"
check "raw foreign: 3 malformed frames counted foreign, 1 good, the rest ignored" \
	[ "$(jq -r '"\(.foreign),\(.rxPackets)"' <<<"$BG")" == "3,1" ]

CAPTURE=
if command -v tshark >/dev/null; then
	CAPTURE=$TMP/capture.pcap
	ip netns exec "$NS_A" tshark -q -i "$IF_A" -w "$CAPTURE" >"$TMP/tshark.err" 2>&1 &
	TSHARK_PID=$!
	PIDS+=("$TSHARK_PID")
	sleep 1.5 # tshark opens the interface
fi

# send -> recv, N at a low rate: exactly N arrive. rx/tx = backends of the receiver/sender.
exact() { # exact NAME N "RECV ARGS" "SEND ARGS"
	local name=$1 want=$2 rpid
	bg_start "$name.recv" "$NS_B" recv --local "$IP_B:5001" --cpu 1 $3
	rpid=$BG_PID
	fg "$name.send" "$NS_A" send --local "$IP_A:5000" --remote "$IP_B:5001" --cpu 0 $4
	bg_stop "$name.recv" "$rpid"
	check "$name: sent $want" [ "$(jq -r '"\(.txPackets)/\(.unsent)"' <<<"$FG")" == "$want/0" ]
	check "$name: received $want, 0 lost/reordered/duplicate/corrupt/foreign" [ \
		"$(jq -r '[.rxPackets,.lost,.reordered,.duplicates,.corrupt,.foreign]|join(",")' <<<"$BG")" \
		== "$want,0,0,0,0,0" ]
}

icmp0=$(icmp_unreach "$NS_B")
for be in raw raw-mmsg; do
	exact "$be->$be 500" 500 "--backend $be $RAW_B" "--backend $be $RAW_A --rate 1000 --count 500"
	exact "$be->$be touch 1514B" 300 "--backend $be $RAW_B --touch" \
		"--backend $be $RAW_A --rate 10000 --count 300 --touch --size 1514"
done
check "raw receivers: no ICMP port unreachable from $NS_B" [ "$(icmp_unreach "$NS_B")" == "$icmp0" ]
# The kernel's UDP stack takes our frames (headers right), and we take the kernel's.
exact "raw-mmsg->udp-mmsg 300" 300 "--backend udp-mmsg --touch" \
	"--backend raw-mmsg $RAW_A --rate 10000 --count 300 --touch"
exact "raw->udp 300 (1000B)" 300 "--backend udp --touch" \
	"--backend raw $RAW_A --rate 10000 --count 300 --touch --size 1000"
exact "udp-mmsg->raw-mmsg 300" 300 "--backend raw-mmsg $RAW_B --touch" \
	"--backend udp-mmsg --rate 10000 --count 300 --touch"
exact "raw-mmsg unpaced 2000" 2000 "--backend raw-mmsg $RAW_B" "--backend raw-mmsg $RAW_A --count 2000 --burst 8"

# client <-> server: every echo matched, RTT histogram agrees with the raw samples.
pct_check() { # pct_check NAME SUMMARY DUMPFILE: histogram percentiles within 1% of exact ones
	local name=$1 summary=$2 dump=$3 n
	n=$(wc -l <"$dump")
	check "$name: --rtt-dump has rtt.count = $n samples" jqt -n "$(jq .rtt.count <<<"$summary") == $n"
	for qk in 0.5:p50Ns 0.9:p90Ns 0.99:p99Ns 0.999:p999Ns; do
		local q=${qk%%:*} key=${qk#*:} exact got
		# hist.h: the ceil(q * n)-th smallest sample
		exact=$(sort -n "$dump" | awk -v q="$q" -v n="$n" \
			'BEGIN { r = q * n; k = (r == int(r)) ? r : int(r) + 1 } NR == k { print; exit }')
		got=$(jq -r ".rtt.$key" <<<"$summary")
		check "$name: $key $got within 1% of exact $exact" jqt -n "(($got - $exact) | fabs) <= 0.01 * $exact"
	done
	check "$name: interval histograms merge into the summary's exactly" jqt -s '
		(map(select(.type=="interval") | .rtt.buckets[]) | group_by(.[0]) | map([.[0][0], (map(.[1]) | add)])) ==
		(map(select(.type=="summary"))[0].rtt.buckets)' "$TMP/$name.client"
}

latency() { # latency NAME "SERVER ARGS" "CLIENT ARGS" N RATE
	local name=$1 n=$4 spid
	bg_start "$name.server" "$NS_B" server --local "$IP_B:7001" --cpu 1 $2
	spid=$BG_PID
	fg "$name.client" "$NS_A" client --local "$IP_A:7000" --remote "$IP_B:7001" --cpu 0 \
		--count "$n" --rate "$5" --burst 1 --rtt-dump "$TMP/$name.rtt" $3
	local client=$FG
	bg_stop "$name.server" "$spid"
	check "$name: client sent $n, $n echoes matched, 0 lost/late/unmatched/foreign" [ \
		"$(jq -r '[.txPackets,.rxPackets,.rtt.count,.lost,.late,.unmatched,.foreign,.corrupt]|join(",")' <<<"$client")" \
		== "$n,$n,$n,0,0,0,0,0" ]
	check "$name: server received and echoed $n" [ \
		"$(jq -r '[.rxPackets,.txPackets,.lost,.foreign,.unsent]|join(",")' <<<"$BG")" == "$n,$n,0,0,0" ]
	printf '# %-24s rtt n=%s min %s avg %.0f p50 %s p90 %s p99 %s p99.9 %s max %s ns\n' "$name" \
		$(jq -r '.rtt | [.count,.minNs,.avgNs,.p50Ns,.p90Ns,.p99Ns,.p999Ns,.maxNs] | .[]' <<<"$client")
	pct_check "$name" "$client" "$TMP/$name.rtt"
}

RAWC="--ifname $IF_A --remote-mac $MAC_B"
latency "udp-mmsg rtt" "--backend udp-mmsg" "--backend udp-mmsg --touch" 5000 5000
latency "udp rtt" "--backend udp" "--backend udp" 2000 5000
latency "raw-mmsg rtt" "--backend raw-mmsg $RAW_B" "--backend raw-mmsg $RAWC --touch" 5000 5000
latency "raw rtt" "--backend raw $RAW_B" "--backend raw $RAWC" 2000 5000
latency "udp-mmsg rtt burst 32" "--backend udp-mmsg" "--backend udp-mmsg --burst 32" 20000 20000
# A raw client against a kernel UDP server, and the other way round.
latency "raw-mmsg client, udp server" "--backend udp-mmsg" "--backend raw-mmsg $RAWC" 1000 5000
latency "udp client, raw server" "--backend raw-mmsg $RAW_B" "--backend udp-mmsg --touch" 1000 5000
check "client with no server: all lost, exits 0" bash -c "ip netns exec $NS_A $APP client --local $IP_A:7000 \
	--remote $IP_B:7009 --count 10 --rate 1000 | jq -e 'select(.type==\"summary\") | .lost == 10 and .rtt.count == 0 and .rtt.p50Ns == null' >/dev/null"

if [[ -n $CAPTURE ]]; then
	sleep 2.5 # at least one more announcement
	kill -TERM "$TSHARK_PID"; wait "$TSHARK_PID" 2>/dev/null
	F=$TMP/frames.tsv
	tshark -r "$CAPTURE" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -Y 'udp && !icmp' -T fields \
		-e eth.src -e eth.dst -e ip.src -e ip.dst -e udp.srcport -e udp.dstport -e frame.len \
		-e ip.len -e udp.length -e ip.flags.df -e ip.ttl -e ip.checksum.status \
		-e udp.checksum.status -e data.data >"$F" 2>"$TMP/tshark.read.err"
	tshark -r "$CAPTURE" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-Y '_ws.malformed || _ws.expert.severity >= warning' 2>/dev/null >"$TMP/tshark.warn"
	echo "# tshark: $(wc -l <"$F") UDP frames captured on $IF_A"
	# The only warnings allowed: the ICMP port unreachable of the no-server client run.
	check "tshark: no malformed frame, bad checksum or other expert warning in the capture" \
		bash -c "! grep -v 'Destination unreachable' '$TMP/tshark.warn' | grep -v '${OFFLOAD_OFF:+^$}${OFFLOAD_OFF:-UDP}'"
	# (The kernel rate-limits ICMP: a burst of 6 or so, then one per second.)
	check "tshark: frames to the port nothing listens on drew ICMP port unreachable" [ \
		"$(tshark -r "$CAPTURE" -Y 'icmp.type == 3 && icmp.code == 3' 2>/dev/null | wc -l)" -ge 1 ]
	# A -> B: MAC_A -> MAC_B, 198.18.0.1 -> .2; B -> A the reverse; sizes consistent; DF, TTL 64,
	# IPv4 checksum good (1), UDP checksum good (1, kernel frames) or absent (3, ours: 0).
	check "tshark: every UDP frame has the right MACs, addresses, lengths, DF, TTL and checksums" \
		awk -F'\t' -v a="$MAC_A" -v b="$MAC_B" -v ko="$([[ -n $OFFLOAD_OFF ]] || echo 1)" '
		{ fwd = ($1 == a && $2 == b && $3 == "198.18.0.1" && $4 == "198.18.0.2")
		  rev = ($1 == b && $2 == a && $3 == "198.18.0.2" && $4 == "198.18.0.1")
		  if (!(fwd || rev) || $8 != $7 - 14 || $9 != $8 - 20 || $10 != 1 || $11 != 64 ||
		      $12 != 1 || ($13 != 3 && $13 != 1 && !(ko && $13 == 0))) { print "bad frame: " $0 > "/dev/stderr"; bad++ } }
		END { exit bad > 0 || NR == 0 }' "$F"
	check "tshark: raw frames to port 5001 from 5000 carry the nfvperf magic" \
		awk -F'\t' '$5 == 5000 && $6 == 5001 && $14 !~ /^4e4601/ { bad++ } END { exit bad > 0 }' "$F"
	check "tshark: receivers in $NS_B announced their MAC (gratuitous ARP from $MAC_B)" [ \
		"$(tshark -r "$CAPTURE" -Y "arp.src.hw_mac == $MAC_B && arp.src.proto_ipv4 == $IP_B && arp.dst.proto_ipv4 == $IP_B" 2>/dev/null | wc -l)" -ge 3 ]
else
	echo "# tshark not installed: capture checks skipped"
fi

[[ $FAILED == 0 ]] && echo "netns-raw-check: all checks passed" || echo "netns-raw-check: FAILED"
exit $FAILED
