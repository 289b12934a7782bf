#!/usr/bin/env bash
# The agent polling a local simulated site, printing one cycle of what it measured.
set -euo pipefail
cd "$(dirname "$0")/../.."
deploy/setup.sh
exec .venv/bin/python -m deploy.demo "$@"
