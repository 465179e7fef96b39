#!/usr/bin/env bash
# Installs the Debian 12 packages nfvperf needs to build and run (as root).
# build-essential: the native data plane (native/) and better-sqlite3; python3: node-gyp;
# iproute2: namespaces, veth pairs, bridges; util-linux: runuser (used by the tests);
# fonts-dejavu-core: the text of the PNG figures; chromium: the test that opens report.html.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  build-essential python3 iproute2 util-linux ca-certificates fonts-dejavu-core chromium >/dev/null
