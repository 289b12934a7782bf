#!/usr/bin/env bash
# Installs what ictinfra needs on a fresh Debian 12 machine (idempotent): the Debian peers, and
# the Python packages into .venv.
#   deploy/setup.sh          everything the tests need (deploy/check.sh, CI)
#   deploy/setup.sh --demo   only the demo's runtime set (deploy/demo/run.sh): Prometheus, the
#                            venv with .[demo] (agent, collector, snmpsim); no test peers
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_PACKAGES=(prometheus python3-venv python3-gdbm iproute2 iputils-ping curl jq)  # curl, jq: docs/tutorial.md
TEST_PACKAGES=(
  victoria-metrics prometheus-snmp-exporter prometheus-node-exporter
  snmpd snmp postgresql iperf3
  systemd  # systemd-analyze verifies deploy/systemd units in the tests
  prometheus-alertmanager haproxy  # amtool and haproxy -c check deploy/alertmanager, deploy/compose
  chromium  # the collector's web page is tested in a real headless browser (playwright)
  gcc python3-dev  # the collector's C fast path (setup.py: collector/_fastpath.c)
)
APT_PACKAGES=("${DEMO_PACKAGES[@]}")
EXTRA=dev
if [ "${1:-}" = "--demo" ]; then
  EXTRA=demo
else
  APT_PACKAGES+=("${TEST_PACKAGES[@]}")
  # node + npm for the dashboards' schema check (tsc against @grafana/schema): Debian's, unless
  # a node is already installed (e.g. NodeSource's nodejs, which bundles npm).
  command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)
fi
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# pip only when the build inputs changed since the last install of this extra (a second run is quick)
stamp=".venv/.installed-$EXTRA"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ setup.py -nt "$stamp" ] ||
  [ collector/_fastpath.c -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$EXTRA]"
  touch "$stamp"
fi
[ "$EXTRA" = demo ] && exit 0

# @grafana/schema and TypeScript, pinned by dashboards/schema-check/package-lock.json.
(cd dashboards/schema-check && npm ci --no-audit --no-fund --loglevel=error)
