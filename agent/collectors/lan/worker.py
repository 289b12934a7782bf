"""`python -m agent.collectors.lan.worker`: one sweep in a child process.

Reads {"subnets": [...], "options": {...}} as JSON on stdin (communities stay off the command
line), writes the SweepReport as JSON on stdout. scapy's memory leaves with the process.
"""

from __future__ import annotations

import json
import sys

from agent.collectors.lan.job import SweepOptions, run_sweep, subnet_from_json


def main() -> int:
    request = json.load(sys.stdin)
    subnets = [subnet_from_json(s) for s in request["subnets"]]
    options = SweepOptions(**request.get("options", {}))
    report = run_sweep(subnets, options)
    json.dump(report.to_json(), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
