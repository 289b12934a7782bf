#!/usr/bin/env bash
# Installs what ictinfra and its tests need on a fresh Debian 12 machine (idempotent):
# the real peers from Debian, and the Python packages into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  prometheus victoria-metrics prometheus-snmp-exporter prometheus-node-exporter
  snmpd snmp postgresql iproute2 iputils-ping iperf3 python3-venv python3-gdbm
  systemd  # systemd-analyze verifies deploy/systemd units in the tests
  prometheus-alertmanager haproxy  # amtool and haproxy -c check deploy/alertmanager, deploy/compose
  chromium  # the collector's web page is tested in a real headless browser (playwright)
  gcc python3-dev  # the collector's C fast path (setup.py: collector/_fastpath.c)
)
# node + npm for the dashboards' schema check (tsc against @grafana/schema): Debian's, unless a
# node is already installed (e.g. NodeSource's nodejs, which bundles npm).
command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)
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
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"

# @grafana/schema and TypeScript, pinned by dashboards/schema-check/package-lock.json.
(cd dashboards/schema-check && npm ci --no-audit --no-fund --loglevel=error)
