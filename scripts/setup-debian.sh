#!/usr/bin/env bash
# Installs the Debian 12 packages nfvperf needs to build and run (as root).
# build-essential: the native data plane (native/) and better-sqlite3; python3: node-gyp;
# iproute2: namespaces, veth pairs, bridges; util-linux: runuser (used by the tests);
# fonts-dejavu-core: the text of the PNG figures; chromium: the test that opens report.html;
# libxdp-dev libbpf-dev: the af-xdp backend of native/ (libdpdk-dev, below: its dpdk backend).
# openssh-server, openssh-client: remote plans (`nfvperf agent` over SSH) and their tests (an sshd
# per namespace host; the package's own service is not needed); tshark: the wire-format test.
# lxc busybox-static: the lxc container runtime (`containers: lxc`: `lxc-create -t busybox`); lxc
# installs below, under the policy-rc.d, so its lxc-net service (lxcbr0) is not started.
# libunwind8 liblzma5: what VPP needs at run time (switches vpp, vpp-memif) beyond libc; Debian
# ships no VPP: the shared build (../shared/third_party/vpp) or FD.io's packages provide it.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  build-essential python3 iproute2 util-linux ca-certificates fonts-dejavu-core chromium \
  openssh-server openssh-client tshark libxdp-dev libbpf-dev libunwind8 liblzma5 >/dev/null

# DPDK (the basicfwd forwarder, the apps' dpdk backend, dpdk-testpmd for the switch tests), the
# DPDK build of Open vSwitch (switches ovs, ovs-afxdp; nfvperf starts its own private daemons),
# ethtool (checksum offload off on AF_XDP veths). The package must not leave the system's OVS
# running: a policy-rc.d that denies every service start is in place while it installs (unless
# the host already has one), and any daemon its scripts started anyway is stopped by PID.
created_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
apt-get install -y -qq --no-install-recommends \
  dpdk dpdk-dev libdpdk-dev pkg-config openvswitch-switch-dpdk ethtool lxc busybox-static nftables >/dev/null
if [ -n "$created_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
for pidfile in /run/openvswitch/ovs-vswitchd.pid /run/openvswitch/ovsdb-server.pid; do
  if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then kill "$(cat "$pidfile")"; fi
done
update-alternatives --set ovs-vswitchd /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk >/dev/null
