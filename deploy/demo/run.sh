#!/usr/bin/env bash
# A simulated province on this machine: Prometheus, the collector, snmpsim and five communes'
# agents; prints the obsolete-equipment list and the ranking, and where everything is.
#   deploy/demo/run.sh          start (a second run restarts it), rank, print
#   deploy/demo/run.sh stop     stop every process and remove every namespace it made
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" != stop ]; then
  deploy/setup.sh --demo
fi
exec .venv/bin/python -m deploy.demo "$@"
